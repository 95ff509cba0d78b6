"""Forged share links: each is refused with a LinkError whose message a person can act on and that quotes
no more than a defanged 40 characters of the link, within bounded memory (tracemalloc) and time."""
import base64
import hashlib
import time
import tracemalloc
import zlib

import numpy as np
import pytest

from src.edits import MAX_LINK_CHARS, MAX_LINK_TEXT, EditLog, LinkError, decode_link, encode_link, fingerprint
from src.network import Network

MB = 1024 * 1024


@pytest.fixture(scope="module")
def trained():
    net = Network.initialise(seed=11)
    for arr in net.weights + net.biases:
        arr.flags.writeable = False
    return net


@pytest.fixture(scope="module")
def models(trained):
    return {"sigmoid": trained}


def forge(text, level=9) -> str:
    """A link code with a valid checksum around any text (or bytes), as a forger would make it."""
    raw = text.encode() if isinstance(text, str) else text
    body = zlib.compress(raw, level)
    return pack(body)


def pack(body: bytes) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(body).digest()[:4] + body).decode().rstrip("=")


def refused(code, models, match, peak_limit=4 * MB, seconds=5.0) -> str:
    tracemalloc.start()
    start = time.perf_counter()
    try:
        with pytest.raises(LinkError, match=match) as info:
            decode_link(code, models)
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    elapsed = time.perf_counter() - start
    message = str(info.value)
    assert len(message) < 300 and "\n" not in message and "Traceback" not in message, message
    for markup in ("](", "://", "www.", "<", "`"):
        assert markup not in message, message
    assert peak < peak_limit, f"{peak / MB:.1f} MB allocated to refuse it"
    assert elapsed < seconds, f"{elapsed:.1f} s to refuse it"
    return message


def test_the_forger_makes_links_the_app_accepts(trained, models):
    """forge() makes codes decode_link takes, so each refusal below is about its one forgery."""
    name, diff = decode_link(forge(f"1;sigmoid;{fingerprint(trained)};W1:5=1.5,=2;b3:=-1"), models)
    assert name == "sigmoid"
    np.testing.assert_array_equal(diff[(1, "W")][0], [4, 5])
    np.testing.assert_array_equal(diff[(1, "W")][1], [1.5, 2])
    np.testing.assert_array_equal(diff[(3, "b")][0], [0])


def test_codes_longer_than_the_limit_are_refused_not_truncated(trained, models):
    log = EditLog(trained, "sigmoid")
    log.set_weight(1, 0, 0, 1.0)
    code = encode_link(log)
    message = refused(code + "A" * (MAX_LINK_CHARS + 1 - len(code)), models, "6,001 characters long")
    assert "6,000" in message
    refused("A" * 1_000_000, models, "1,000,000 characters long")  # a 1 MB link: refused, not cut to size
    refused(code[:-3], models, "damaged|incomplete")  # and a cut one is caught by its checksum


@pytest.mark.parametrize("bad", [None, b"abc", ["abc"], 12, ""])
def test_a_code_that_is_not_text_is_refused(models, bad):
    refused(bad, models, "missing")


@pytest.mark.parametrize("group, match", [
    ("W" + "9" * 5000 + ":=1", "malformed"),  # a 5,000-digit layer: refused before int()
    ("W1:" + "9" * 5000 + "=1", "number far too long"),  # a 5,000-digit gap
    ("W1:=" + "1" * 5000, "number far too long"),  # a 5,000-digit value
    ("W1:9999999999=1", "number far too long"),  # 10 digits
    ("W1:999999999=1", "does not exist"),  # 9 digits: read, then found outside the array
    ("W0:=1", "malformed"),
    ("W1:0=1", "given twice"),
    ("W1:=1,0=2", "given twice"),
    ("b1:" + ",".join(["=1"] * 17), "more b1 entries than the 16"),
    ("W1:" + ",".join(["=0"] * 12_545), "more W1 entries than the 12,544"),
    ("W1:=1e39", "not finite or beyond"),
    ("W1:=-inf", "not finite"),
    ("W1:=1_0x", "not a number"),
    ("W1:=[x](https://evil.example)", "number far too long|malformed"),
    ("W1:=1;W1:=2", "repeated layer"),
])
def test_every_number_is_bounded_before_it_is_used(trained, models, group, match):
    refused(forge(f"1;sigmoid;{fingerprint(trained)};{group}"), models, match)


def test_too_many_arrays_are_refused_before_splitting(trained, models):
    refused(forge(f"1;sigmoid;{fingerprint(trained)};" + ";" * 200_000), models, "more arrays than a network has")
    refused(forge(f"1;sigmoid;{fingerprint(trained)};" + ";".join(f"W{i}:=1" for i in range(1, 8))),
            models, "more arrays than the network has")


def test_zlib_bomb_is_refused_without_inflating_it_all(trained, models):
    # the densest bomb a 6,000-character code can carry: ~4.4 MB of zeros in ~4.4 kB
    head = f"1;sigmoid;{fingerprint(trained)};W1:".encode()
    n = 4_400_000
    code = forge(head + b"0" * n)
    assert len(code) <= MAX_LINK_CHARS and n > 4 * MAX_LINK_TEXT
    message = refused(code, models, "more than 1,048,576 bytes", peak_limit=2.5 * MB)
    assert "not made by this app" in message
    # just over the limit, without being a bomb: still refused, never silently cut
    refused(forge(head + b"=0," * (MAX_LINK_TEXT // 3 + 1)), models, "more than 1,048,576 bytes", peak_limit=2.5 * MB)


def test_damaged_compressed_data_is_refused(trained, models):
    body = zlib.compress(f"1;sigmoid;{fingerprint(trained)};W1:=1".encode())
    refused(pack(body[:-6]), models, "incomplete")  # a valid checksum around a cut stream
    refused(pack(body + b"extra"), models, "bytes after it")
    refused(pack(b"\x00" * 20), models, "cannot be decompressed")
    refused(forge(b"1;sigmoid;\xff\xfe;W1:=1"), models, "not text")


def test_a_model_name_in_the_link_is_never_echoed_as_markup(trained, models):
    fp = fingerprint(trained)
    for name in ("[click me](https://evil.example/phish)", "![x](https://evil.example/pixel.png)",
                 "<img src=x onerror=alert(1)>", "x" * 5000):
        message = refused(forge(f"1;{name};{fp};W1:=1"), models, "this app does not have \\(it has sigmoid\\)")
        assert "evil.example" not in message and "<img" not in message
        assert len(message) < 160
    message = refused(forge(f"1;tanh;{fp};W1:=1"), models, "model 'tanh' this app does not have")


def test_the_text_limit_leaves_room_for_every_parameter_changed(trained, models):
    """The worst honest link: all 13,002 parameters edited to the longest float32 decimals there are."""
    log = EditLog(trained, "sigmoid")
    tiny = np.float32(-1.1754944e-38)  # the smallest normal float32: 48 characters written out
    log.load_diff({(l, p): (np.arange(a.size), np.full(a.size, tiny)) for l in (1, 2, 3)
                   for p, a in (("W", trained.weights[l - 1]), ("b", trained.biases[l - 1]))}, "all")
    code = encode_link(log)
    raw = zlib.decompress(base64.urlsafe_b64decode(code + "=" * (-len(code) % 4))[4:])
    assert len(raw) > 600_000 and len(raw) < MAX_LINK_TEXT
    if len(code) <= MAX_LINK_CHARS:  # it compresses: the same value everywhere
        name, diff = decode_link(code, models)
        assert sum(len(idx) for idx, _ in diff.values()) == 13_002
