"""ui.uploads, the one upload cache of the Parameters page and Hand-tune: each file's bytes parsed once per
session, keyed by their SHA-256, bounded, a refused file explained. Checked against hashlib and a counted loader."""
import hashlib
import io
import types

import numpy as np
import pytest

from src.infra import weights_file
from src.network import Network
from ui import uploads


class Upload(io.BytesIO):
    """What Streamlit hands a page: the bytes, a name and a file id that changes with every upload."""
    def __init__(self, content, file_id):
        super().__init__(content)
        self.file_id, self.name = file_id, f"{file_id}.npz"


@pytest.fixture
def session(monkeypatch):
    """A fresh session (st.session_state as a dict) and a count of the loader's calls."""
    fake = types.SimpleNamespace(session_state={}, loads=[])
    monkeypatch.setattr(uploads, "st", fake)
    fake.real_load = real = weights_file.load
    monkeypatch.setattr(weights_file, "load", lambda data: fake.loads.append(1) or real(data))
    return fake


def net_bytes(seed, sizes=(6, 4, 3)):
    return weights_file.to_bytes(Network.initialise(sizes, seed=seed))


def test_a_file_is_parsed_once_and_known_by_the_sha256_of_its_bytes(session):
    content = net_bytes(1)
    first = uploads.parsed(Upload(content, "a"), "k")
    assert first.sha256 == hashlib.sha256(content).hexdigest() and first.error is None
    assert np.array_equal(first.net.weights[0], Network.initialise((6, 4, 3), seed=1).weights[0])
    again = Upload(content, "a")
    again.read()  # even read to the end already: the bytes are read from the start
    assert uploads.parsed(again, "k").net is first.net
    assert uploads.parsed(Upload(content, "b"), "k").net is first.net  # same bytes, another upload
    assert len(session.loads) == 1 and list(session.session_state["k"]) == [first.sha256]


def test_at_most_keep_files_are_kept_the_least_recent_dropped(session):
    files = [net_bytes(seed) for seed in range(4)]
    for i, content in enumerate(files[:3]):
        uploads.parsed(Upload(content, f"u{i}"), "k", keep=2)
    assert list(session.session_state["k"]) == [hashlib.sha256(c).hexdigest() for c in files[1:3]]
    uploads.parsed(Upload(files[1], "again"), "k", keep=2)  # used again: now the most recent
    uploads.parsed(Upload(files[3], "u3"), "k", keep=2)
    assert list(session.session_state["k"]) == [hashlib.sha256(c).hexdigest() for c in (files[1], files[3])]
    assert len(session.loads) == 4
    assert uploads.parsed(None, "k") is None and session.session_state["k"] == {}  # removed: freed


def test_a_refused_file_says_why_and_is_not_parsed_again(session, monkeypatch):
    junk = uploads.parsed(Upload(b"not a zip", "j"), "k")
    with pytest.raises(weights_file.WeightsFileError) as refused:
        session.real_load(b"not a zip")
    assert junk.net is None and junk.error == str(refused.value)  # the loader's own reason
    uploads.parsed(Upload(b"not a zip", "j2"), "k")
    assert len(session.loads) == 1

    def boom(_):
        raise RuntimeError("secret /srv/path")
    monkeypatch.setattr(weights_file, "load", boom)
    odd = uploads.parsed(Upload(b"PK\x03\x04odd", "o"), "k")
    assert odd.error == uploads.UNREADABLE and "secret" not in odd.error


def test_a_file_over_the_limit_is_refused_before_it_is_parsed(session):
    big = uploads.parsed(Upload(b"PK" + bytes(weights_file.MAX_FILE_BYTES), "big"), "k")
    assert big.net is None and "MB" in big.error and not session.loads and session.session_state["k"] == {}
