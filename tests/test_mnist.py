"""MNIST reading and the verified download, against a local HTTP server on 127.0.0.1."""
import gzip
import hashlib
import http.server
import socket
import threading
from pathlib import Path

import numpy as np
import pytest

from src import mnist

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
    with pytest.raises(mnist.MnistError, match="could not download .*python -m src.mnist download"):
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
