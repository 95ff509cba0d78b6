"""MNIST reading and the verified download, against a local HTTP server on 127.0.0.1."""
import gzip
import hashlib
import http.server
import os
import socket
import threading
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pytest

from src.infra import mnist

LABELS = "t10k-labels-idx1-ubyte"


def _idx_images(images):
    n = len(images)
    return b"\x00\x00\x08\x03" + n.to_bytes(4, "big") + (28).to_bytes(4, "big") * 2 + images.tobytes()


def test_parse_idx_reads_images_and_labels_gzip_or_not():
    images = np.arange(2 * 28 * 28, dtype=np.uint32).astype(np.uint8).reshape(2, 28, 28)
    raw = _idx_images(images)
    for data in (raw, gzip.compress(raw)):
        np.testing.assert_array_equal(mnist.parse_idx(data), images)
    labels = b"\x00\x00\x08\x01" + (3).to_bytes(4, "big") + bytes([7, 2, 1])
    np.testing.assert_array_equal(mnist.parse_idx(labels), [7, 2, 1])


@pytest.mark.parametrize("data, message", [
    (b"\x00\x00\x08\x03" + (2).to_bytes(4, "big") + (28).to_bytes(4, "big") * 2 + bytes(100), "expected"),
    (b"\x00\x00\x0d\x01" + (3).to_bytes(4, "big") + bytes(12), "magic"),
    (b"\x00\x00\x08\x02" + bytes(8), "dimensions"),
    (b"\x1f\x8b garbage", "gzip"),
    (b"\x00\x00\x08\x03" + (1).to_bytes(4, "big") + (27).to_bytes(4, "big") * 2 + bytes(729), "28x28"),
])
def test_parse_idx_rejects_bad_data(data, message):
    with pytest.raises(mnist.MnistError, match=message):
        mnist.parse_idx(data)


def test_real_test_set_loads(mnist_test):
    images, labels = mnist_test
    assert images.shape == (10000, 28, 28) and images.dtype == np.uint8
    assert labels.shape == (10000,) and set(np.unique(labels)) == set(range(10))
    assert list(labels[:5]) == [7, 2, 1, 0, 4]  # the well-known first test digits


def test_missing_files_without_download_say_how_to_fix(tmp_path):
    with pytest.raises(mnist.MnistError, match="MNIST_DIR"):
        mnist.load("test", tmp_path, allow_download=False)


def test_mnist_dir_is_honoured(monkeypatch, tmp_path):
    monkeypatch.setenv("MNIST_DIR", str(tmp_path))
    assert mnist.default_dir() == tmp_path
    monkeypatch.delenv("MNIST_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "c"))
    assert mnist.default_dir() == tmp_path / "c" / "vanilla-net" / "mnist"


# --- the download path, against servers on 127.0.0.1 ------------------------------------------

def _real_labels_gz():
    path = Path(mnist.default_dir()) / f"{LABELS}.gz"
    if not path.is_file():
        pytest.skip(f"{path} not found (set MNIST_DIR)")
    return path.read_bytes()


class _Server:
    def __init__(self, files):
        files_ = files

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                name = self.path.rsplit("/", 1)[-1]
                if name not in files_:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(files_[name])))
                self.end_headers()
                self.wfile.write(files_[name])

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_port}/mnist/"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def test_download_verifies_and_writes(tmp_path):
    server = _Server({f"{LABELS}.gz": _real_labels_gz()})
    try:
        mnist.download(tmp_path, names=[LABELS], mirrors=[server.url], timeout=5)
    finally:
        server.close()
    decoded = gzip.decompress((tmp_path / f"{LABELS}.gz").read_bytes())
    assert hashlib.sha256(decoded).hexdigest() == mnist.FILES[LABELS][1]
    assert [p.name for p in tmp_path.iterdir()] == [f"{LABELS}.gz"]


def test_corrupted_download_is_refused_and_next_mirror_tried(tmp_path):
    good = _real_labels_gz()
    corrupt = bytearray(gzip.decompress(good))
    corrupt[100] ^= 0xFF
    bad_server = _Server({f"{LABELS}.gz": gzip.compress(bytes(corrupt))})
    good_server = _Server({f"{LABELS}.gz": good})
    try:
        with pytest.raises(mnist.MnistError, match="checksum"):
            mnist.download(tmp_path, names=[LABELS], mirrors=[bad_server.url], timeout=5)
        assert list(tmp_path.iterdir()) == [], "a corrupted download must leave no file behind"
        mnist.download(tmp_path, names=[LABELS], mirrors=[bad_server.url, good_server.url], timeout=5)
        assert (tmp_path / f"{LABELS}.gz").is_file()
    finally:
        bad_server.close()
        good_server.close()


def test_server_that_never_answers_times_out_with_advice(tmp_path):
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(1)  # accepts the connection, never sends a byte
    url = f"http://127.0.0.1:{silent.getsockname()[1]}/mnist/"
    try:
        with pytest.raises(mnist.MnistError, match="MNIST_DIR"):
            mnist.download(tmp_path, names=[LABELS], mirrors=[url], timeout=0.5)
    finally:
        silent.close()
    assert list(tmp_path.iterdir()) == []


def test_unreachable_mirror_gives_clear_message(tmp_path):
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()  # nothing listens there now
    with pytest.raises(mnist.MnistError, match="could not download .*python -m src.infra.mnist download"):
        mnist.download(tmp_path, names=[LABELS], mirrors=[f"http://127.0.0.1:{port}/"], timeout=2)


def test_download_command_fetches_and_verifies_all_four(tmp_path, capsys):
    folder = Path(mnist.default_dir())
    if not all((folder / f"{n}.gz").is_file() for n in mnist.FILES):
        pytest.skip(f"MNIST .gz files not found in {folder} to serve (set MNIST_DIR)")
    server = _Server({f"{n}.gz": (folder / f"{n}.gz").read_bytes() for n in mnist.FILES})
    try:
        assert mnist.main(["download", "--dir", str(tmp_path), "--mirror", server.url]) == 0
    finally:
        server.close()
    out = capsys.readouterr().out
    assert "train: 60,000 images verified" in out and "test: 10,000 images verified" in out
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f"{n}.gz" for n in mnist.FILES)


# --- problem(): one sentence a visitor may read, for every way MNIST can be unusable --------------------

def _one_safe_sentence(message, *paths):
    assert message and "\n" not in message and "Traceback" not in message and ". " not in message, message
    for p in paths:
        assert str(p) not in message, message
    assert "MNIST_DIR" in message and "python -m src.infra.mnist download" in message, message


def _copy_split(src: Path, dst: Path, split):
    for name in mnist.SPLITS[split]:
        (dst / f"{name}.gz").write_bytes((src / f"{name}.gz").read_bytes())


def _mnist_gz_folder():
    folder = Path(mnist.default_dir())
    if not all((folder / f"{n}.gz").is_file() for n in mnist.FILES):
        pytest.skip(f"MNIST .gz files not found in {folder} (set MNIST_DIR)")
    return folder


def test_problem_is_none_for_a_readable_split():
    folder = _mnist_gz_folder()
    assert mnist.problem(folder, "test") is None
    assert mnist.problem(folder, "train") is None


def test_problem_names_a_missing_folder_without_its_path(monkeypatch, tmp_path):
    absent = tmp_path / "nowhere"
    monkeypatch.setenv("MNIST_DIR", str(absent))
    message = mnist.problem()
    assert "does not exist" in message and "MNIST_DIR folder" in message
    _one_safe_sentence(message, tmp_path)


def test_problem_when_mnist_dir_is_a_regular_file_or_cannot_be_created(monkeypatch, tmp_path):
    a_file = tmp_path / "mnist.txt"
    a_file.write_text("not a folder")
    monkeypatch.setenv("MNIST_DIR", str(a_file))
    message = mnist.problem()
    assert "is a regular file, not a folder" in message
    _one_safe_sentence(message, tmp_path)
    monkeypatch.setenv("MNIST_DIR", str(a_file / "sub" / "mnist"))
    message = mnist.problem()
    assert "cannot be created" in message
    _one_safe_sentence(message, tmp_path)
    # the download says the same, as an MnistError rather than an OSError
    with pytest.raises(mnist.MnistError, match="cannot be created"):
        mnist.download(names=[LABELS], mirrors=[], timeout=0.1)
    with pytest.raises(mnist.MnistError, match="cannot be created"):
        mnist.load("test", allow_download=True, mirrors=[], timeout=0.1)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every folder")
def test_problem_when_the_folder_cannot_be_read(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0)
    try:
        message = mnist.problem(locked)
    finally:
        locked.chmod(0o755)
    assert "cannot be read" in message
    _one_safe_sentence(message, tmp_path)


def test_problem_says_which_files_are_missing(tmp_path):
    src = _mnist_gz_folder()
    _copy_split(src, tmp_path, "test")
    assert mnist.problem(tmp_path, "test") is None
    message = mnist.problem(tmp_path, "train")
    assert ("training files train-images-idx3-ubyte, train-labels-idx1-ubyte are missing" in message
            and "holds only the test files" in message)
    _one_safe_sentence(message, tmp_path)
    with pytest.raises(mnist.MnistError, match="holds only the test files"):
        mnist.load("train", tmp_path, allow_download=False)
    (tmp_path / "t10k-images-idx3-ubyte.gz").unlink()
    message = mnist.problem(tmp_path, "test")
    assert "test file t10k-images-idx3-ubyte is missing" in message and "holds only" not in message


@pytest.mark.parametrize("content, match", [
    ("flipped", "SHA-256"),
    ("garbage", "SHA-256"),  # not IDX at all: the checksum catches it first
    ("cut", "damaged gzip"),
    ("bomb", "far larger than MNIST"),
])
def test_problem_and_load_refuse_a_damaged_file(tmp_path, content, match):
    src = _mnist_gz_folder()
    _copy_split(src, tmp_path, "test")
    good = gzip.decompress((src / f"{LABELS}.gz").read_bytes())
    path = tmp_path / f"{LABELS}.gz"
    if content == "flipped":
        bad = bytearray(good)
        bad[100] ^= 0xFF
        path.write_bytes(gzip.compress(bytes(bad)))
    elif content == "garbage":
        path.unlink()
        (tmp_path / LABELS).write_bytes(b"<html>not found</html>")
    elif content == "cut":
        path.write_bytes(path.read_bytes()[:-100])
    else:
        path.write_bytes(gzip.compress(bytes(20_000_000), 1))  # 20 MB of zeros in ~20 kB
    message = mnist.problem(tmp_path, "test")
    assert match in message and "t10k-labels-idx1-ubyte" in message, message
    _one_safe_sentence(message, tmp_path)
    with pytest.raises(mnist.MnistError, match=match) as info:
        mnist.load("test", tmp_path, allow_download=False)
    assert str(tmp_path) not in str(info.value)


def test_load_without_download_never_touches_the_network(monkeypatch, tmp_path):
    def no_network(*args, **kwargs):
        raise AssertionError("the network was touched")
    monkeypatch.setattr(mnist.urllib.request, "urlopen", no_network)
    monkeypatch.setattr(mnist.socket, "create_connection", no_network)
    with pytest.raises(mnist.MnistError, match="missing"):
        mnist.load("test", tmp_path, allow_download=False)
    assert mnist.problem(tmp_path) is not None and mnist.download_status(tmp_path) is None


# --- start_download: once per process and folder, in the background ------------------------------------

class _BlackHole:
    """Accepts connections and never answers (a network that drops packets looks the same to a client);
    counts the connections."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.1)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/mnist/"
        self.connections, self.running = [], True
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        while self.running:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections.append(conn)

    def close(self):
        self.running = False
        self.thread.join(2)
        for conn in self.connections:
            conn.close()
        self.sock.close()


def _closed_port_url():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return f"http://127.0.0.1:{port}/mnist/"


def test_start_download_returns_at_once_against_a_black_hole_and_tries_once(tmp_path):
    hole = _BlackHole()
    try:
        start = time.perf_counter()
        status = mnist.start_download(tmp_path, mirrors=[hole.url], timeout=2)
        returned_after = time.perf_counter() - start
        assert status.state == "running" and status.finished is None  # the thread does the waiting
        assert returned_after < 1.0  # a blocking call would take the 2 s timeout at least
        assert mnist.start_download(tmp_path, mirrors=[hole.url], timeout=2) is status
        assert status.wait(20), "the attempt never finished"
        assert status.state == "failed" and "no mirror answered in time" in status.message
        assert status.finished >= status.started
        time.sleep(0.3)  # let the accept loop see any late connection
        assert len(hole.connections) == 1, "the dead mirror was tried again for the other files"
        # remembered: no second attempt, neither from start_download nor from load
        again = mnist.start_download(tmp_path, mirrors=[hole.url], timeout=2)
        assert again is status and again.state == "failed"
        start = time.perf_counter()
        with pytest.raises(mnist.MnistError, match="could not be downloaded \\(no mirror answered in time\\): set MNIST_DIR"):
            mnist.load("test", tmp_path, mirrors=[hole.url], timeout=2)
        assert time.perf_counter() - start < 1.0
        time.sleep(0.3)
        assert len(hole.connections) == 1
        assert mnist.download_status(tmp_path) is status
    finally:
        hole.close()
    assert [p.name for p in tmp_path.iterdir()] == [], "a failed download left files behind"


def test_start_download_against_a_closed_port_fails_quickly_with_a_reason(tmp_path):
    status = mnist.start_download(tmp_path, mirrors=[_closed_port_url()], timeout=2)
    assert status.wait(10)
    assert status.state == "failed" and "refused the connection" in status.message
    assert str(tmp_path) not in status.message and "could not download" in status.detail
    assert "(" not in status.message


def test_start_download_from_a_good_mirror_fetches_verifies_and_is_done(tmp_path):
    folder = _mnist_gz_folder()
    server = _Server({f"{n}.gz": (folder / f"{n}.gz").read_bytes() for n in mnist.FILES})
    try:
        status = mnist.start_download(tmp_path, mirrors=[server.url], timeout=5)
        assert status.wait(60)
    finally:
        server.close()
    assert status.state == "done", status.detail
    assert mnist.problem(tmp_path, "test") is None and mnist.problem(tmp_path, "train") is None
    images, labels = mnist.load("test", tmp_path, allow_download=False)
    assert images.shape == (10000, 28, 28) and list(labels[:3]) == [7, 2, 1]
    # files already there: nothing to start, "done" at once
    other = tmp_path / "copy"
    other.mkdir()
    for p in tmp_path.glob("*.gz"):
        (other / p.name).symlink_to(p)
    assert mnist.start_download(other, mirrors=[_closed_port_url()]).state == "done"


def test_start_download_from_a_corrupt_mirror_fails_and_keeps_nothing(tmp_path):
    good = _real_labels_gz()
    corrupt = bytearray(gzip.decompress(good))
    corrupt[7] ^= 0x01
    server = _Server({f"{n}.gz": gzip.compress(bytes(corrupt)) for n in mnist.FILES})
    try:
        status = mnist.start_download(tmp_path, mirrors=[server.url], timeout=5)
        assert status.wait(30)
    finally:
        server.close()
    assert status.state == "failed" and "SHA-256" in status.message
    assert list(tmp_path.iterdir()) == []


def test_a_mirror_serving_a_gzip_bomb_is_refused_without_inflating_it(tmp_path):
    bomb = gzip.compress(bytes(20_000_000), 1)  # 20 MB of zeros in ~20 kB
    server = _Server({f"{LABELS}.gz": bomb})
    try:
        tracemalloc.start()
        with pytest.raises(mnist.MnistError, match="more than any MNIST file"):
            mnist.download(tmp_path, names=[LABELS], mirrors=[server.url], timeout=5)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    finally:
        server.close()
    assert peak < 4 * 1024 * 1024  # the file is ~20 kB, its limit 10,008 bytes decoded
    assert list(tmp_path.iterdir()) == []


def test_check_command_prints_the_folder_and_each_split(tmp_path, capsys):
    assert mnist.main(["check", "--dir", str(tmp_path / "none")]) == 1
    out = capsys.readouterr().out
    assert f"MNIST folder: {tmp_path / 'none'}" in out and "train: MNIST is not on this server yet" in out
