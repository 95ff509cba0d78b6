"""Hostile weights files, built here byte by byte: each is refused with a WeightsFileError whose message names
the problem and is safe to show a visitor, within bounded memory (tracemalloc, and VmHWM of a subprocess) and
bounded time. The largest legal file loads, within the same kind of bound."""
import io
import json
import struct
import subprocess
import sys
import textwrap
import time
import tracemalloc
import zipfile
import zlib
from pathlib import Path

import numpy as np
import pytest

from src.infra import weights_file
from src.network import Network
from src.infra.weights_file import MAX_PARAMETERS, MAX_FILE_BYTES, WeightsFileError, load

ROOT = Path(__file__).resolve().parents[1]
MB = 1024 * 1024
GOOD_NET = Network.initialise((4, 3, 2), seed=1)


# --- building files by hand --------------------------------------------------------------------------

def npy_header(shape, descr="<f4", fortran=False, version=(1, 0), header_len=None) -> bytes:
    """A .npy header declaring any shape and dtype, without allocating the array it describes."""
    text = f"{{'descr': {descr!r}, 'fortran_order': {fortran}, 'shape': {tuple(shape)!r}, }}"
    size_format = "<H" if version[0] == 1 else "<I"
    prefix = 6 + 2 + struct.calcsize(size_format)
    text += " " * (-(prefix + len(text) + 1) % 64) + "\n"
    n = len(text) if header_len is None else header_len
    return b"\x93NUMPY" + bytes(version) + struct.pack(size_format, n) + text.encode("latin1")


def npy(arr) -> bytes:
    buf = io.BytesIO()
    np.lib.format.write_array(buf, np.asarray(arr), allow_pickle=False)
    return buf.getvalue()


def members(net=GOOD_NET, meta=None) -> dict:
    """{member name: .npy bytes} of a good file; ``meta`` replaces the meta dict."""
    out = {}
    for l, (w, b) in enumerate(zip(net.weights, net.biases), start=1):
        out[f"W{l}.npy"], out[f"b{l}.npy"] = npy(w), npy(b)
    meta = {"activation": net.activation, "output": net.output, "layers": net.sizes} if meta is None else meta
    out["meta.npy"] = npy(np.array(json.dumps(meta)))
    return out


def meta_text(text: str) -> dict:
    out = members()
    out["meta.npy"] = npy(np.array(text))
    return out


def zip_of(files: dict, method=zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return buf.getvalue()


def raw_zip(entries, count=None) -> bytes:
    """A zip written field by field, so that it can lie: each entry is a dict with name, data (as stored),
    method, and optionally crc, file_size (the declared uncompressed size) and flags."""
    out, directory = bytearray(), bytearray()
    for e in entries:
        name = e["name"].encode()
        crc = e.get("crc", zlib.crc32(e["data"]) if e["method"] == 0 else 0)
        size = e.get("file_size", len(e["data"]))
        fields = (e.get("flags", 0), e["method"], 0, 0x21, crc, len(e["data"]), size, len(name))
        offset = len(out)
        out += struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", 20, *fields, 0) + name + e["data"]
        directory += struct.pack("<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", 20, 20, *fields, 0, 0, 0, 0, 0, offset) + name
    n = len(entries) if count is None else count
    out += directory + struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, n, n, len(directory), len(out), 0)
    return bytes(out)


def stored(files: dict, **override) -> list:
    """Entries for raw_zip, stored uncompressed; ``override`` = {name: {field: value}}."""
    return [{"name": n, "data": d, "method": 0, **override.get(n, {})} for n, d in files.items()]


def deflate_bomb(header: bytes, zeros: int):
    """(raw deflate stream, crc) of ``header`` followed by ``zeros`` zero bytes, built in ~1 kB per MiB
    without ever holding the inflated data: identical blocks after a full flush are identical bytes."""
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = c.compress(header) + c.flush(zlib.Z_FULL_FLUSH)
    block = c.compress(bytes(MB)) + c.flush(zlib.Z_FULL_FLUSH)
    return head + block * (zeros // MB) + c.flush(), zlib.crc32(header + bytes(4096))  # a wrong CRC, on purpose


# --- measuring a refusal -------------------------------------------------------------------------------

def check_safe(message: str):
    """A message a visitor may see: short, no server path, no exception repr from inside a library."""
    assert len(message) < 300, message
    for leak in ("/work", "/tmp", str(ROOT), "Traceback", "Error(", "Exception", "site-packages", "\n"):
        assert leak not in message, message
    for markup in ("](", "://", "www.", "<", "`"):  # nothing a Markdown or HTML renderer would act on
        assert markup not in message, message


def refused(data, match, peak_limit=4 * MB, seconds=5.0) -> str:
    """Load ``data``, assert the refusal and its message, and bound the memory allocated while loading
    (tracemalloc peak, numpy's arrays included) and the time taken."""
    tracemalloc.start()
    start = time.perf_counter()
    try:
        with pytest.raises(WeightsFileError, match=match) as info:
            load(data)
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    elapsed = time.perf_counter() - start
    message = str(info.value)
    check_safe(message)
    assert peak < peak_limit, f"{peak / MB:.1f} MB allocated to refuse it"
    assert elapsed < seconds, f"{elapsed:.1f} s to refuse it"
    return message


def test_the_hand_built_files_are_right_when_honest():
    """The builders above make files the loader accepts, so the refusals below are about the lie alone."""
    assert load(zip_of(members())).sizes == [4, 3, 2]
    assert load(raw_zip(stored(members()))).sizes == [4, 3, 2]
    w = npy_header((3, 4)) + np.ones((3, 4), "<f4").tobytes()
    assert w == npy(np.ones((3, 4), np.float32))  # the hand-made header is numpy's own
    net = load(zip_of({**members(), "W1.npy": w}))
    np.testing.assert_array_equal(net.weights[0], np.ones((3, 4)))


# --- zip and deflate bombs -------------------------------------------------------------------------------

def test_deflate_bomb_declaring_its_size_is_refused_before_inflating():
    header = npy_header((16, 784))
    stream, crc = deflate_bomb(header, 2048 * MB)  # 2 GiB of zeros in ~2 MB
    assert len(stream) < 3 * MB
    files = stored(members())
    files[0] = {"name": "W1.npy", "data": stream, "method": 8, "crc": crc, "file_size": len(header) + 2048 * MB}
    message = refused(raw_zip(files), "W1.npy declares 2,147,483,7.. bytes; at most")
    assert "8,001,036" in message  # the limit: 8 bytes per parameter and a header


def test_deflate_bomb_lying_about_its_size_is_read_only_as_far_as_it_declares():
    header = npy_header((3, 4))
    stream, crc = deflate_bomb(header, 2048 * MB)
    files = stored(members())
    files[0] = {"name": "W1.npy", "data": stream, "method": 8, "crc": crc, "file_size": len(header) + 48}
    refused(raw_zip(files), "damaged")  # 48 bytes read, then the CRC fails; never 2 GiB
    # with a CRC that matches what it declares, only the declared bytes are read: a valid, bounded file
    files[0]["crc"] = zlib.crc32(header + bytes(48))
    data = raw_zip(files)
    tracemalloc.start()
    net = load(data)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 4 * MB and not net.weights[0].any()


def test_member_shorter_than_it_declares_is_refused():
    files = stored(members(), **{"W1.npy": {"file_size": len(members()["W1.npy"]) + 1000}})
    refused(raw_zip(files), "truncated|more data")


def test_zip_directory_flood_is_refused_before_zipfile_builds_it():
    entry = {"name": "W1.npy", "data": b"", "method": 0}
    refused(raw_zip([entry] * 5000), "far more members")
    refused(raw_zip(stored(members()) + [{"name": f"W{i}.npy", "data": b"", "method": 0} for i in range(5, 40)]),
            "unexpected arrays: W10, W11")


@pytest.mark.parametrize("case, match", [
    ("directory", "folder"),
    ("duplicate", "appears twice"),
    ("encrypted", "encrypted"),
    ("bzip2", "compression"),
    ("stray", "unexpected arrays: 'notes\\?txt'"),
    ("path", "unexpected arrays: '\\?\\?\\?W1\\?npy'"),
])
def test_zip_members_other_than_the_arrays_are_refused(case, match):
    files = stored(members())
    if case == "directory":
        files.append({"name": "W1/", "data": b"", "method": 0})
    elif case == "duplicate":
        files.append(dict(files[0]))
    elif case == "encrypted":
        files[0]["flags"] = 0x1
    elif case == "bzip2":
        files[0]["method"] = 12
    elif case == "stray":
        files.append({"name": "notes.txt", "data": b"hi", "method": 0})
    else:
        files[0]["name"] = "../W1.npy"
    refused(raw_zip(files), match)


def test_not_a_zip_truncated_or_empty_files_are_refused():
    good = zip_of(members())
    refused(b"", "not a weights file")
    refused(b"PK\x03\x04" + bytes(100), "not a weights file")
    refused(b"hello" * 1000, "not a weights file")
    refused(good[: len(good) // 2], "not a weights file|damaged|truncated")
    damaged = bytearray(good)
    damaged[60:80] = bytes(20)  # inside W1's deflated data
    refused(bytes(damaged), "damaged|could not be read|truncated")


# --- .npy headers ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("header, match", [
    (npy_header((10 ** 9, 784)), "wider than the 1,000,000 parameters"),
    (npy_header((2 ** 62, 2 ** 62)), "wider than"),
    (npy_header((100_000, 11)), "over 1,000,000 parameters"),
    (npy_header((3, 4, 5)), "must be a matrix"),
    (npy_header((0, 4)), "zero-width layer"),
    (npy_header((3, -4)), "impossible shape"),
    (npy_header((3, 4), descr="<i8"), "floating-point"),
    (npy_header((3, 4), descr="|O"), "pickled Python objects"),
    (npy_header((3, 4), descr=[("a", "<f4"), ("b", "<f4")]), "floating-point"),
    (npy_header((3, 4), descr="<f16"), "floating-point"),
    (npy_header((3, 4), descr="<c8"), "floating-point"),
    (npy_header((3, 4), version=(2, 0), header_len=2 ** 31), "header of 2,147,483,648 bytes"),
    (npy_header((3, 4), header_len=65_535), "header of 65,535 bytes"),
    (npy_header((3, 4), version=(3, 0)), "version 3.0"),
    (npy_header((3, 4))[:-20], "truncated|damaged"),
    (b"\x93NUMPY\x01\x00\x10\x00" + b"{'shape': (3, 4)}".ljust(16), "damaged .npy header"),
    (b"\x93NUMPY\x01\x00\x40\x00" + b"[" * 63 + b"\n", "damaged .npy header"),
], ids=lambda v: v if isinstance(v, str) else "")
def test_npy_headers_are_checked_before_any_allocation(header, match):
    refused(zip_of({**members(), "W1.npy": header + bytes(48)}), match)


def test_raw_bytes_member_is_not_an_array():
    refused(zip_of({**members(), "W1.npy": b"\x00" * 50_000}), "W1 is not a .npy array")
    refused(zip_of({**members(), "meta.npy": b'{"activation": "relu"}'}), "meta is not a .npy array")


def test_short_data_is_truncated_not_pickled():
    message = refused(zip_of({**members(), "W1.npy": npy_header((3, 4)) + bytes(20)}), "W1 is truncated")
    assert "48 bytes" in message and "pickled" not in message
    refused(zip_of({**members(), "b1.npy": npy_header((3,)) + bytes(20)}), "more data than its .npy header")


def test_pickled_objects_are_refused_without_unpickling():
    data = zip_of({**members(), "W1.npy": npy_header((1,), descr="|O") + b"\x80\x04K\x01."})
    refused(data, "pickled Python objects")


# --- values ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("w1, match", [
    (np.full((3, 4), np.iinfo(np.int64).min), "floating-point"),  # np.abs of it overflows: it is refused as an int
    (np.full((3, 4), -1e300), "beyond ±1e\\+06"),
    (np.full((3, 4), 1e6 + 1, np.float64), "beyond"),
    (np.array([[np.inf] * 4] * 3, np.float16), "non-finite"),
    (np.array([[0, 0, 0, np.nan]] * 3, ">f8"), "non-finite"),
])
def test_values_out_of_range_are_refused(w1, match):
    refused(zip_of({**members(), "W1.npy": npy(w1)}), match)


def test_every_float_width_byte_order_and_fortran_order_reads_the_same_numbers():
    w = np.arange(12, dtype=np.float64).reshape(3, 4) / 8 - 0.5
    for arr in (w.astype("<f2"), w.astype(">f4"), w.astype(">f8"), np.asfortranarray(w.astype("<f4"))):
        net = load(zip_of({**members(), "W1.npy": npy(arr)}))
        np.testing.assert_array_equal(net.weights[0], w.astype(np.float32))
        assert net.weights[0].dtype == np.float32 and net.weights[0].flags.c_contiguous
    assert weights_file.from_arrays({"W1": w.T[:, :3].T[:3], "b1": np.zeros(3), "W2": np.zeros((2, 3)),
                                     "b2": np.zeros(2), "meta": np.array('{"activation": "relu"}')}).sizes == [4, 3, 2]


# --- meta ------------------------------------------------------------------------------------------------

def test_meta_declaring_a_huge_string_is_refused_before_reading_it():
    header = npy_header((), descr="<U134217728")  # 512 MiB of UCS-4
    refused(zip_of({**members(), "meta.npy": header + bytes(64)}), "declares 134,217,728 characters")
    stream, crc = deflate_bomb(header, 512 * MB)
    files = stored(members())
    files[-1] = {"name": "meta.npy", "data": stream, "method": 8, "crc": crc, "file_size": len(header) + 512 * MB}
    refused(raw_zip(files), "meta.npy declares 536,871,040 bytes")


@pytest.mark.parametrize("meta, match", [
    ({"activation": ["relu"]}, "activation as a string .* not a list"),
    ({"activation": {"a": 1}}, "not an object"),
    ({"activation": "x" * 5000}, "unknown activation 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'…"),
    ({"activation": "relu", "output": 3}, "output as a string"),
    ({"activation": "relu", "output": "[click](https://evil.example)"}, "unknown output '\\?click\\?\\?https\\?\\?\\?evil"),
    ({"activation": "relu", "layers": 4}, "layers must be a list"),
    ({"activation": "relu", "layers": [4, 3, True]}, "layers must be a list"),
    ({"activation": "relu", "layers": [4, 0, 2]}, "positive integers"),
    ({"activation": "relu", "layers": [4, 3, 3]}, "says layers \\[4, 3, 3\\] but the arrays are \\[4, 3, 2\\]"),
    ({"activation": "relu", "test_accuracy": "high"}, "test_accuracy"),
    ({"activation": "relu", "curves": {"loss": "down"}}, "curves"),
    ({"activation": "relu", "curves": [1, 2]}, "curves"),
    ({"activation": "relu", "training": {"seed": "0"}}, "seed"),
    ({"activation": "relu", "training": {"init": {"x": 1}}}, "init"),
    ({"activation": "relu", "training": 5}, "training must be an object"),
    ({"activation": "relu", "edits": [1, 2]}, "edits"),
    ({"activation": "relu", "edited": "yes"}, "edited"),
    (["relu"], "must be a JSON object, not a list"),
    ("relu", "must be a JSON object, not a string"),
], ids=lambda v: v if isinstance(v, str) else "")
def test_meta_fields_of_the_wrong_type_are_refused(meta, match):
    refused(zip_of(members(meta=meta)), match)


@pytest.mark.parametrize("text, match", [
    ("[" * 50_000 + "]" * 50_000, "nested more than 32"),
    ('{"activation": "relu", "x": ' + "[" * 33 + "]" * 33 + "}", "nested more than 32"),
    ('{"activation": "relu", "x": NaN}', "NaN"),
    ('{"activation": "relu", "x": -Infinity}', "Infinity"),
    ('{"activation": "relu", "x": ' + "9" * 5000 + "}", "not valid JSON"),
    ("{not json", "not valid JSON"),
    ("", "not valid JSON"),
], ids=["50,000 deep", "33 deep", "NaN", "Infinity", "5,000 digits", "not JSON", "empty"])
def test_meta_text_that_is_not_a_sound_json_object_is_refused(text, match):
    refused(zip_of(meta_text(text)), match)


def test_brackets_inside_json_strings_do_not_count_as_nesting():
    text = json.dumps({"activation": "relu", "note": "[[[[" * 100 + '\\"{{{{' * 100})
    assert load(zip_of(meta_text(text))).meta["note"].startswith("[[[[")


@pytest.mark.parametrize("body", ["[" + "[]," * 33_300 + "[]]", '"' + "\\n" * 49_000 + '"', '"' + "\U0001F600" * 99_000 + '"'],
                         ids=["33,000 lists", "49,000 escapes", "99,000 emoji"])
def test_the_largest_legal_meta_loads_within_a_bounded_peak(body):
    text = '{"activation": "relu", "x": ' + body + "}"
    assert len(text) <= weights_file.MAX_META_CHARS
    data = zip_of(meta_text(text))
    tracemalloc.start()
    net = load(data)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert net.meta["x"] == json.loads(body)
    assert peak < 4 * MB, f"{peak / MB:.1f} MB to read a {len(text):,}-character meta"


def test_meta_with_invalid_code_points_is_refused():
    header = npy_header((), descr="<U2")
    refused(zip_of({**members(), "meta.npy": header + b"\xff\xff\xff\xff" + b"\x00" * 4}), "not valid text")


# --- sizes: the parameter cap, layers, the file ---------------------------------------------------------

def sized_file(sizes, dtype=np.float32, method=zipfile.ZIP_DEFLATED) -> bytes:
    """A file of zeros with the given layer sizes (zeros deflate to almost nothing)."""
    files = {}
    for l, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
        files[f"W{l}.npy"] = npy(np.zeros((n_out, n_in), dtype))
        files[f"b{l}.npy"] = npy(np.zeros(n_out, dtype))
    files["meta.npy"] = npy(np.array(json.dumps({"activation": "relu", "layers": list(sizes)})))
    return zip_of(files, method)


def test_the_parameter_cap_is_exact():
    assert MAX_PARAMETERS == 1_000_000
    net = load(sized_file([999, 1000]))  # 999,000 weights + 1,000 biases: exactly the cap
    assert net.num_parameters == MAX_PARAMETERS
    refused(sized_file([1000, 1000]), "over 1,000,000 parameters")


def test_too_many_layers_and_zero_width_layers_are_refused():
    refused(sized_file([4] * 14), "13 layers; at most 12")
    assert load(sized_file([4] * 13)).sizes == [4] * 13
    files = members()
    files["W2.npy"], files["b2.npy"] = npy(np.zeros((0, 3), np.float32)), npy(np.zeros(0, np.float32))
    refused(zip_of(files), "zero-width")


def test_oversized_uploads_are_refused_not_truncated(tmp_path):
    refused(io.BytesIO(b"PK" + bytes(MAX_FILE_BYTES)), "over 20 MB")  # refused before it is read
    assert load(io.BytesIO(zip_of(members()))).sizes == [4, 3, 2]  # a file object is read from where it is


@pytest.mark.parametrize("error, match", [
    (OSError(2, "No such file", "/srv/secret/path"), "input/output error on the server"),
    (struct.error("unpack requires a buffer of 4 bytes at /srv/secret"), "not made by this app"),
    (RecursionError("maximum recursion depth /srv/secret"), "not made by this app"),
    (MemoryError("/srv/secret"), "memory limits"),
    (zipfile.BadZipFile("Bad CRC-32 for file '/srv/secret'"), "damaged"),
    (EOFError("/srv/secret"), "truncated"),
], ids=lambda v: type(v).__name__ if isinstance(v, BaseException) else "")
def test_any_other_exception_becomes_a_weights_file_error(monkeypatch, error, match):
    data = zip_of(members())

    def boom(*args, **kwargs):
        raise error
    monkeypatch.setattr(weights_file.zipfile, "ZipFile", boom)
    message = refused(data, match)
    assert "secret" not in message and "Error" not in message
    monkeypatch.setattr(weights_file, "_check_values", boom)
    with pytest.raises(WeightsFileError, match=match):
        weights_file.from_arrays({"W1": np.zeros((3, 4)), "b1": np.zeros(3), "meta": '{"activation": "relu"}'})


def test_largest_legal_file_loads_within_a_bounded_peak():
    sizes = [784, 1250, 10]  # 993,760 parameters, float64 stored: the largest arrays a file may hold
    data = sized_file(sizes, np.float64, zipfile.ZIP_STORED)
    assert 7.5 * MB < len(data) < MAX_FILE_BYTES
    tracemalloc.start()
    start = time.perf_counter()
    net = load(data)
    elapsed = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert net.sizes == sizes and net.num_parameters == 993_760
    print(f"peak {peak / MB:.2f} MB to load a {len(data) / MB:.2f} MB file in {elapsed:.3f} s")
    assert peak < 1.6 * len(data), f"{peak / MB:.1f} MB to load a {len(data) / MB:.1f} MB file"
    assert elapsed < 5


# --- the process's real memory: VmHWM in a subprocess ------------------------------------------------------

_PROBE = textwrap.dedent("""
    import sys, time
    sys.path.insert(0, {tests!r})
    sys.path.insert(0, {root!r})
    import test_hostile_files as t
    from src.infra.weights_file import load, WeightsFileError

    def hwm():
        for line in open("/proc/self/status"):
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
        return 0

    for builder in {builders!r}:
        data = getattr(t, builder)()
        open("/proc/self/clear_refs", "w").write("5")  # the high-water mark back to the current RSS
        before = hwm()
        start = time.perf_counter()
        try:
            load(data)
            outcome = "loaded"
        except WeightsFileError:
            outcome = "refused"
        print(builder, outcome, hwm() - before, len(data), time.perf_counter() - start)
        del data
""")


def bomb_file() -> bytes:
    header = npy_header((16, 784))
    stream, crc = deflate_bomb(header, 2048 * MB)
    files = stored(members())
    files[0] = {"name": "W1.npy", "data": stream, "method": 8, "crc": crc,
                "file_size": len(header) + 16 * 784 * 4}  # declares what it should hold, inflates to 2 GiB
    return raw_zip(files)


def largest_file() -> bytes:
    return sized_file([784, 1250, 10], np.float64, zipfile.ZIP_DEFLATED)


def test_resident_memory_of_a_fresh_process_stays_bounded():
    if not Path("/proc/self/clear_refs").exists():
        pytest.skip("no /proc/self/clear_refs to reset the high-water mark")
    results = {}
    lines = []
    for builder in ("bomb_file", "largest_file"):  # each in a fresh process: no heap left over from the other
        code = _PROBE.format(tests=str(ROOT / "tests"), root=str(ROOT), builders=(builder,))
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT)
        assert out.returncode == 0, out.stderr
        lines += out.stdout.splitlines()
    for line in lines:
        builder, outcome, grown, size, seconds = line.split()
        results[builder] = outcome, int(grown), float(seconds)
        print(f"{builder}: {outcome}, VmHWM +{int(grown) / MB:.1f} MB for a {int(size) / MB:.1f} MB file, {float(seconds):.3f} s")
    assert results["bomb_file"][0] == "refused" and results["largest_file"][0] == "loaded"
    assert results["bomb_file"][1] < 8 * MB  # 2 GiB if it were inflated
    assert results["largest_file"][1] < 12 * MB  # 993,760 float32 parameters are 3.8 MB
    assert max(r[2] for r in results.values()) < 10
