"""MNIST: read the standard IDX files, find them, and download them with verification.

Where the files are looked for: ``MNIST_DIR`` if set, else a per-user cache folder
(``$XDG_CACHE_HOME/vanilla-net/mnist``, by default ``~/.cache/vanilla-net/mnist``).
Missing files are downloaded from the public mirrors torchvision uses, and each decoded file's
SHA-256 is checked before it is kept.

    python -m src.mnist download            # fetch all four files ahead of time (for workshops)
"""
from __future__ import annotations

import argparse
import gzip
import hashlib
import os
import sys
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np

# name -> (decoded size in bytes, SHA-256 of the decoded file)
FILES = {
    "train-images-idx3-ubyte": (47_040_016, "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db"),
    "train-labels-idx1-ubyte": (60_008, "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5"),
    "t10k-images-idx3-ubyte": (7_840_016, "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7"),
    "t10k-labels-idx1-ubyte": (10_008, "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2"),
}
SPLITS = {"train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
          "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")}
# The mirrors torchvision's MNIST dataset uses, in its order.
MIRRORS = ("https://ossci-datasets.s3.amazonaws.com/mnist/", "http://yann.lecun.com/exdb/mnist/")
TIMEOUT_SECONDS = 30

HOW_TO_FIX = ("Set MNIST_DIR to a folder holding the four MNIST IDX files (.gz or not), "
              "or run `python -m src.mnist download` on a machine with internet access.")


class MnistError(RuntimeError):
    """MNIST could not be read or fetched; the message says how to fix it."""


def default_dir() -> Path:
    """MNIST_DIR if set, else the per-user cache folder."""
    if os.environ.get("MNIST_DIR"):
        return Path(os.environ["MNIST_DIR"]).expanduser()
    cache = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(cache) / "vanilla-net" / "mnist"


def parse_idx(data: bytes, name="IDX data") -> np.ndarray:
    """Decode an IDX file's bytes (gzip or not) into a uint8 array, checking magic number and size."""
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as e:
            raise MnistError(f"{name}: damaged gzip data ({e})") from e
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] != 0x08:
        raise MnistError(f"{name}: not an unsigned-byte IDX file (bad magic number)")
    ndim = data[3]
    if ndim not in (1, 3):
        raise MnistError(f"{name}: expected 1 (labels) or 3 (images) dimensions, got {ndim}")
    header = 4 + 4 * ndim
    if len(data) < header:
        raise MnistError(f"{name}: truncated header")
    shape = tuple(int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    if ndim == 3 and shape[1:] != (28, 28):
        raise MnistError(f"{name}: images must be 28x28, got {shape[1]}x{shape[2]}")
    expected = header + int(np.prod(shape))
    if len(data) != expected:
        raise MnistError(f"{name}: expected {expected:,} bytes for shape {shape}, got {len(data):,}")
    return np.frombuffer(data, dtype=np.uint8, offset=header).reshape(shape)


def _find(folder: Path, name: str):
    for candidate in (folder / name, folder / f"{name}.gz"):
        if candidate.is_file():
            return candidate
    return None


def _decoded(path: Path) -> bytes:
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        try:
            return gzip.decompress(raw)
        except (OSError, EOFError) as e:
            raise MnistError(f"{path}: damaged gzip file ({e}). Delete it and download again. {HOW_TO_FIX}") from e
    return raw


def _verify(name: str, decoded: bytes, where: str):
    size, sha = FILES[name]
    if len(decoded) != size or hashlib.sha256(decoded).hexdigest() != sha:
        raise MnistError(f"{where}: {name} does not match the published MNIST checksum (SHA-256)")


def download(folder=None, names=None, mirrors=MIRRORS, timeout=TIMEOUT_SECONDS, log=None) -> Path:
    """Fetch the missing MNIST files into ``folder``, verifying each decoded file's SHA-256.

    Each file is written to a temporary name and renamed only once verified, so a failed or
    corrupted download never leaves a file that looks complete.
    """
    folder = Path(folder) if folder else default_dir()
    folder.mkdir(parents=True, exist_ok=True)
    for name in names or FILES:
        if _find(folder, name):
            continue
        errors = []
        for mirror in mirrors:
            url = f"{mirror}{name}.gz"
            if log:
                log(f"downloading {url}")
            try:
                with urllib.request.urlopen(url, timeout=timeout) as resp:
                    raw = resp.read()
                decoded = gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw
                _verify(name, decoded, url)
            except (urllib.error.URLError, OSError, EOFError, MnistError, ValueError) as e:
                errors.append(f"{url}: {getattr(e, 'reason', e)}")
                continue
            fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{name}.", suffix=".tmp")
            try:
                with os.fdopen(fd, "wb") as f:
                    f.write(raw)
                os.replace(tmp, folder / f"{name}.gz")
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
            break
        else:
            raise MnistError(f"could not download {name} ({'; '.join(errors)}). {HOW_TO_FIX}")
    return folder


def load(split="test", folder=None, allow_download=True, **download_args):
    """Images (n, 28, 28) uint8 with ink high, and labels (n,) uint8, for the 'train' or 'test' split."""
    if split not in SPLITS:
        raise ValueError(f"split must be 'train' or 'test', not {split!r}")
    folder = Path(folder) if folder else default_dir()
    names = SPLITS[split]
    missing = [n for n in names if not _find(folder, n)]
    if missing:
        if not allow_download:
            raise MnistError(f"MNIST {split} files not found in {folder}. {HOW_TO_FIX}")
        download(folder, names=missing, **download_args)
    arrays = []
    for name in names:
        path = _find(folder, name)
        decoded = _decoded(path)
        _verify(name, decoded, str(path))
        arrays.append(parse_idx(decoded, str(path)))
    images, labels = arrays
    if len(images) != len(labels):
        raise MnistError(f"{len(images)} images but {len(labels)} labels in {folder}")
    return images, labels


def available(split="test", folder=None) -> bool:
    """Whether the split's files are already on disk (no download)."""
    folder = Path(folder) if folder else default_dir()
    return all(_find(folder, n) for n in SPLITS[split])


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m src.mnist", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    d = sub.add_parser("download", help="download and verify the four MNIST files")
    d.add_argument("--dir", default=None, help="target folder (default: MNIST_DIR or the user cache)")
    d.add_argument("--mirror", action="append", default=None,
                   help="base URL to fetch from instead of the public mirrors (repeatable; e.g. a workshop's own)")
    args = parser.parse_args(argv)
    try:
        folder = download(args.dir, mirrors=args.mirror or MIRRORS, log=lambda m: print(m, file=sys.stderr))
        for split in SPLITS:
            images, _ = load(split, folder, allow_download=False)
            print(f"{split}: {len(images):,} images verified in {folder}")
    except MnistError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
