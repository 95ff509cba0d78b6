"""MNIST: read the standard IDX files, find them, say what is wrong when they cannot be read, and download
them with verification, at most once per process and in the background.

Where the files are looked for: ``MNIST_DIR`` if set, else a per-user cache folder
(``$XDG_CACHE_HOME/vanilla-net/mnist``, by default ``~/.cache/vanilla-net/mnist``).
Missing files are downloaded from the public mirrors torchvision uses, and each decoded file's
SHA-256 is checked before it is kept.

    python -m src.infra.mnist download      # fetch all four files ahead of time (for workshops)
    python -m src.infra.mnist check         # where MNIST is looked for, and what is wrong with it

For a server: ``problem(folder, split)`` is None when a split can be read, else one sentence for a visitor
(no server path, no traceback) saying what is wrong and how to fix it. ``start_download(folder)`` returns at
once; one attempt per folder per process runs in a background thread, whose outcome is remembered
(``DownloadStatus``), so a black-holed network delays no page and no rerun tries again.
"""
from __future__ import annotations

import argparse
import http.client
import math
import os
import socket
import sys
import threading
import time
import urllib.error
import urllib.request
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..network import SIDE
from .files import sha256, write_atomic

# name -> (decoded size in bytes, SHA-256 of the decoded file)
FILES = {
    "train-images-idx3-ubyte": (47_040_016, "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db"),
    "train-labels-idx1-ubyte": (60_008, "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5"),
    "t10k-images-idx3-ubyte": (7_840_016, "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7"),
    "t10k-labels-idx1-ubyte": (10_008, "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2"),
}
SPLITS = {"train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
          "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")}
SPLIT_WORDS = {"train": "training", "test": "test"}
# The mirrors torchvision's MNIST dataset uses, in its order.
MIRRORS = ("https://ossci-datasets.s3.amazonaws.com/mnist/", "http://yann.lecun.com/exdb/mnist/")
# Per socket operation. A black-holed mirror costs this once: it is then skipped for the other files.
TIMEOUT_SECONDS = 15
# The whole download, however slowly a server drips its bytes.
DEADLINE_SECONDS = 600
# A file (gzip or not) is never larger than its decoded size plus this; bigger ones are refused unread.
_SLACK_BYTES = 1 << 20
_CHUNK = 1 << 16

FIX = ("set MNIST_DIR to a folder holding the four MNIST IDX files (.gz or not), "
       "or run `python -m src.infra.mnist download` on a machine with internet access")
HOW_TO_FIX = FIX[0].upper() + FIX[1:] + "."


class MnistError(RuntimeError):
    """MNIST could not be read or fetched; the message says how to fix it, and names no server path.

    ``reason`` is a short phrase for a status line (such as "no mirror answered (timed out)")."""

    def __init__(self, message: str, reason: str | None = None):
        super().__init__(message)
        self.reason = reason or message


def default_dir() -> Path:
    """MNIST_DIR if set, else the per-user cache folder."""
    if os.environ.get("MNIST_DIR"):
        return Path(os.environ["MNIST_DIR"]).expanduser()
    cache = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(cache) / "vanilla-net" / "mnist"


def _where(folder: Path) -> str:
    """The folder in words a visitor may read: which setting it comes from, never its path."""
    if os.environ.get("MNIST_DIR") and Path(os.environ["MNIST_DIR"]).expanduser() == folder:
        return "the MNIST_DIR folder"
    if folder == default_dir():
        return "the MNIST cache folder"
    return "the MNIST folder"


# --- decoding ----------------------------------------------------------------------------------------

def _gunzip(data: bytes, limit: int, what: str) -> bytes:
    """gzip data decoded, never more than ``limit`` bytes of it: a gzip bomb is refused, not inflated."""
    inflate = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = inflate.decompress(data, limit + 1)
    except zlib.error as e:
        raise MnistError(f"{what}: damaged gzip data", "a damaged gzip file") from e
    if len(out) > limit or inflate.unconsumed_tail:
        raise MnistError(f"{what}: decompresses to more than {limit:,} bytes, more than any MNIST file",
                         "a file far larger than MNIST")
    if not inflate.eof:
        raise MnistError(f"{what}: damaged gzip data (cut short)", "a damaged gzip file")
    return out


def _decode(data: bytes, limit: int, what: str) -> bytes:
    return _gunzip(data, limit, what) if data[:2] == b"\x1f\x8b" else data


def parse_idx(data: bytes, name="IDX data") -> np.ndarray:
    """Decode an IDX file's bytes (gzip or not) into a uint8 array, checking magic number and size."""
    data = _decode(data, max(size for size, _ in FILES.values()), name)
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] != 0x08:
        raise MnistError(f"{name}: not an unsigned-byte IDX file (bad magic number)", "not an IDX file")
    ndim = data[3]
    if ndim not in (1, 3):
        raise MnistError(f"{name}: expected 1 (labels) or 3 (images) dimensions, got {ndim}", "not an MNIST IDX file")
    header = 4 + 4 * ndim
    if len(data) < header:
        raise MnistError(f"{name}: truncated header", "a truncated IDX file")
    shape = tuple(int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    if ndim == 3 and shape[1:] != (SIDE, SIDE):
        raise MnistError(f"{name}: images must be {SIDE}x{SIDE}, got {shape[1]}x{shape[2]}",
                         f"not MNIST's {SIDE}x{SIDE} images")
    expected = header + math.prod(shape)
    if len(data) != expected:
        raise MnistError(f"{name}: expected {expected:,} bytes for shape {shape}, got {len(data):,}", "a truncated IDX file")
    return np.frombuffer(data, dtype=np.uint8, offset=header).reshape(shape)


def _find(folder: Path, name: str):
    for candidate in (folder / name, folder / f"{name}.gz"):
        try:
            if candidate.is_file():
                return candidate
        except OSError:  # a folder we may not look into: as good as absent
            pass
    return None


def _verify(name: str, decoded: bytes, where: str):
    size, sha = FILES[name]
    if len(decoded) != size or sha256(decoded) != sha:
        raise MnistError(f"{where}: {name} does not match the published MNIST checksum (SHA-256)",
                         "a file that fails its SHA-256 check")


def _read_verified(path: Path, name: str, where: str) -> bytes:
    """A local MNIST file's decoded bytes, size-bounded before reading and checked against its SHA-256."""
    limit = FILES[name][0]
    try:
        if path.stat().st_size > limit + _SLACK_BYTES:
            raise MnistError(f"{path.name} in {where} is far larger than any MNIST file: delete it, then {FIX}",
                             "a file far larger than MNIST")
        raw = path.read_bytes()
    except OSError as e:
        raise MnistError(f"{path.name} in {where} cannot be read ({e.strerror or 'input/output error'}); {FIX}",
                         "a file that cannot be read") from e
    try:
        decoded = _decode(raw, limit, path.name)
        _verify(name, decoded, path.name)
    except MnistError as e:
        raise MnistError(f"{path.name} in {where} is damaged or not MNIST ({e.reason}): delete it, then {FIX}",
                         e.reason) from e
    return decoded


# Files already checked, by (path, size, mtime): problem() hashes 47 MB only when a file changes.
_CHECKED: dict = {}


def _check_file(path: Path, name: str, where: str) -> str | None:
    try:
        s = path.stat()
    except OSError:
        return f"{path.name} in {where} cannot be read; {FIX}"
    key = (str(path), s.st_size, s.st_mtime_ns)
    if key not in _CHECKED:
        try:
            parse_idx(_read_verified(path, name, where), path.name)
            _CHECKED[key] = None
        except MnistError as e:
            _CHECKED[key] = str(e)
    return _CHECKED[key]


def _folder_problem(folder: Path, where: str) -> str | None:
    """Why the folder itself is unusable (a file, unreadable, cannot be created), or None."""
    try:
        if folder.exists() and not folder.is_dir():
            return f"{where[0].upper()}{where[1:]} is a regular file, not a folder: {FIX}"
        if folder.is_dir():
            os.listdir(folder)
            return None
        ancestor = folder.parent
        while not ancestor.exists() and ancestor != ancestor.parent:
            ancestor = ancestor.parent
        if not ancestor.is_dir():
            return f"{where[0].upper()}{where[1:]} cannot be created (a file stands where a folder should be): {FIX}"
        if not os.access(ancestor, os.W_OK | os.X_OK):
            return f"{where[0].upper()}{where[1:]} does not exist and cannot be created (no permission): {FIX}"
    except PermissionError:
        return f"{where[0].upper()}{where[1:]} cannot be read (no permission): {FIX}"
    except OSError as e:
        return f"{where[0].upper()}{where[1:]} cannot be read ({e.strerror or 'input/output error'}): {FIX}"
    return None


def problem(folder=None, split="test") -> str | None:
    """None when the split's files are on disk, readable, and pass their SHA-256; else one sentence saying
    what is wrong and how to fix it, safe to show a visitor (no path, no traceback). Never downloads."""
    if split not in SPLITS:
        return f"There is no MNIST split {split[:20]!r}: use 'train' or 'test'."
    folder = Path(folder) if folder else default_dir()
    where = _where(folder)
    trouble = _folder_problem(folder, where)
    if trouble:
        return trouble
    if not folder.is_dir():
        return f"MNIST is not on this server yet ({where} does not exist): {FIX}"
    missing = [n for n in SPLITS[split] if not _find(folder, n)]
    if missing:
        other = "train" if split == "test" else "test"
        has_other = all(_find(folder, n) for n in SPLITS[other])
        held = f", which holds only the {SPLIT_WORDS[other]} files" if has_other else ""
        return (f"The MNIST {SPLIT_WORDS[split]} file{'s' if len(missing) > 1 else ''} {', '.join(missing)} "
                f"{'are' if len(missing) > 1 else 'is'} missing from {where}{held}: {FIX}")
    for name in SPLITS[split]:
        trouble = _check_file(_find(folder, name), name, where)
        if trouble:
            return trouble
    return None


# --- downloading -------------------------------------------------------------------------------------

def _dead(error) -> bool:
    """Whether a failure means the mirror itself is unreachable (skip it for the other files), rather than
    one file being missing or bad there."""
    if isinstance(error, urllib.error.HTTPError):
        return False
    return isinstance(error, (urllib.error.URLError, TimeoutError, socket.timeout, ConnectionError,
                              socket.gaierror, http.client.HTTPException))


def _describe(error) -> str:
    """A failed fetch in a few words a visitor may read."""
    if isinstance(error, MnistError):
        return error.reason
    if isinstance(error, urllib.error.HTTPError):
        return f"the mirror answered HTTP {error.code}"
    cause = error.reason if isinstance(error, urllib.error.URLError) else error
    if isinstance(cause, (TimeoutError, socket.timeout)):
        return "no mirror answered in time"
    if isinstance(cause, ConnectionRefusedError):
        return "the mirror refused the connection"
    if isinstance(cause, socket.gaierror):
        return "the mirror's name could not be looked up"
    if isinstance(cause, ValueError):
        return "a mirror address is not a URL"
    return "the transfer broke off"


def _fetch(url: str, timeout: float, limit: int, deadline: float) -> bytes:
    """At most ``limit`` bytes from url, each socket wait bounded by ``timeout``, the whole by ``deadline``."""
    with urllib.request.urlopen(url, timeout=timeout) as resp:
        declared = resp.headers.get("Content-Length")
        if declared and declared.isdigit() and int(declared) > limit:
            raise MnistError(f"{url}: the server offers {int(declared):,} bytes, more than any MNIST file",
                             "a mirror serving something that is not MNIST")
        chunks, total = [], 0
        while True:
            if time.monotonic() > deadline:
                raise TimeoutError("the download took too long")
            chunk = resp.read(_CHUNK)
            if not chunk:
                break
            total += len(chunk)
            if total > limit:
                raise MnistError(f"{url}: the server sends more than any MNIST file", "a mirror serving something that is not MNIST")
            chunks.append(chunk)
    return b"".join(chunks)


def download(folder=None, names=None, mirrors=MIRRORS, timeout=TIMEOUT_SECONDS, log=None,
             deadline_seconds=DEADLINE_SECONDS) -> Path:
    """Fetch the missing MNIST files into ``folder``, verifying each decoded file's SHA-256.

    Each file is written to a temporary name and renamed only once verified, so a failed or
    corrupted download never leaves a file that looks complete. A mirror that cannot be reached
    (refused, timed out, no such host) is tried once and skipped for the remaining files.
    Raises MnistError (its ``reason`` a short phrase) when a file cannot be had.
    """
    folder = Path(folder) if folder else default_dir()
    where = _where(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise MnistError(f"{where[0].upper()}{where[1:]} ({folder}) cannot be created ({e.strerror or e}): {FIX}",
                         f"{where} cannot be created") from e
    deadline = time.monotonic() + deadline_seconds
    dead = set()
    for name in names or FILES:
        if _find(folder, name):
            continue
        errors, reasons = [], []
        for mirror in mirrors:
            url = f"{mirror}{name}.gz"
            if mirror in dead:
                errors.append(f"{url}: skipped, the mirror did not answer before")
                continue
            if log:
                log(f"downloading {url}")
            try:
                raw = _fetch(url, timeout, FILES[name][0] + _SLACK_BYTES, deadline)
                _verify(name, _decode(raw, FILES[name][0], url), url)
            except (urllib.error.URLError, OSError, EOFError, MnistError, ValueError, http.client.HTTPException) as e:
                if _dead(e):
                    dead.add(mirror)
                reasons.append(_describe(e))
                errors.append(f"{url}: {e.reason if isinstance(e, urllib.error.URLError) else e}")
                continue
            try:
                write_atomic(folder / f"{name}.gz", raw, mode=0o644)
            except OSError as e:
                raise MnistError(f"cannot write into {where} ({folder}): {e.strerror or e}; {FIX}",
                                 f"{where} cannot be written") from e
            break
        else:
            summary = "; ".join(dict.fromkeys(str(r) for r in reasons)) or "no mirror given"
            raise MnistError(f"could not download {name} ({'; '.join(errors)}). {HOW_TO_FIX}", summary)
    return folder


@dataclass
class DownloadStatus:
    """One background download attempt: ``state`` is "running", "done" or "failed"; ``message`` a short
    phrase safe to show a visitor, without parentheses (such as "no mirror answered in time"); ``detail``
    the full story for the server's log (URLs, the folder's path); times from time.time()."""

    folder: Path
    state: str = "running"
    message: str = "downloading MNIST (about 11 MB, verified)"
    started: float = field(default_factory=time.time)
    finished: float | None = None
    detail: str = ""
    _done: threading.Event = field(default_factory=threading.Event, repr=False, compare=False)

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the attempt has finished (True) or ``timeout`` seconds passed (False)."""
        return self._done.wait(timeout)

    def _finish(self, state: str, message: str, detail: str = ""):
        self.message, self.detail, self.finished = message, detail, time.time()
        self.state = state  # last: a reader who sees the final state sees its message too
        self._done.set()


_ATTEMPTS: dict = {}
_ATTEMPTS_LOCK = threading.Lock()


def _key(folder) -> str:
    return os.path.abspath(Path(folder).expanduser() if folder else default_dir())


def download_status(folder=None) -> DownloadStatus | None:
    """This process's download attempt for the folder, or None when none was started."""
    with _ATTEMPTS_LOCK:
        return _ATTEMPTS.get(_key(folder))


def start_download(folder=None, mirrors=MIRRORS, timeout=TIMEOUT_SECONDS, log=None) -> DownloadStatus:
    """Start fetching the missing MNIST files in a background thread and return at once.

    At most one attempt per folder per process: later calls return the same status, running or finished,
    failure included (a failure is remembered; restart the server or run ``python -m src.infra.mnist download``
    to try again). When the files are already there, nothing is started and the status is "done".
    """
    key = _key(folder)
    with _ATTEMPTS_LOCK:
        status = _ATTEMPTS.get(key)
        if status is not None:
            return status
        status = DownloadStatus(Path(key))
        _ATTEMPTS[key] = status
    if all(_find(status.folder, n) for n in FILES):
        status._finish("done", "the MNIST files are already here")
        return status

    def attempt():
        try:
            download(status.folder, mirrors=mirrors, timeout=timeout, log=log)
        except MnistError as e:
            status._finish("failed", e.reason, str(e))
        except Exception as e:  # noqa: BLE001 - a background thread must record, never raise
            status._finish("failed", "an unexpected error", repr(e))
        else:
            status._finish("done", "MNIST downloaded and verified")

    threading.Thread(target=attempt, name=f"mnist-download {key}", daemon=True).start()
    return status


# --- reading -----------------------------------------------------------------------------------------

def load(split="test", folder=None, allow_download=True, **download_args):
    """Images (n, 28, 28) uint8 with ink high, and labels (n,) uint8, for the 'train' or 'test' split.

    With ``allow_download=False`` the network is never touched. Otherwise missing files are fetched by this
    process's one attempt for the folder (``start_download``), waited for here; a failed attempt is not
    repeated. ``download_args`` (mirrors, timeout, log) go to that attempt. Raises MnistError, saying how
    to fix it without naming server paths.
    """
    if split not in SPLITS:
        raise ValueError(f"split must be 'train' or 'test', not {split!r}")
    folder = Path(folder) if folder else default_dir()
    where = _where(folder)
    names = SPLITS[split]
    if any(not _find(folder, n) for n in names) and allow_download:
        status = start_download(folder, **download_args)
        status.wait()
        if status.state == "failed":
            raise MnistError(f"MNIST could not be downloaded ({status.message}): {FIX}", status.message)
    if any(not _find(folder, n) for n in names):
        raise MnistError(problem(folder, split) or f"MNIST {split} files not found in {where}: {FIX}")
    arrays = []
    for name in names:
        path = _find(folder, name)
        arrays.append(parse_idx(_read_verified(path, name, where), path.name))
    images, labels = arrays
    if len(images) != len(labels):
        raise MnistError(f"{len(images)} images but {len(labels)} labels in {where}: {FIX}")
    return images, labels


def available(split="test", folder=None) -> bool:
    """Whether the split's files are already on disk (no download, no checksum)."""
    folder = Path(folder) if folder else default_dir()
    return all(_find(folder, n) for n in SPLITS[split])


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m src.infra.mnist", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    d = sub.add_parser("download", help="download and verify the four MNIST files")
    d.add_argument("--dir", default=None, help="target folder (default: MNIST_DIR or the user cache)")
    d.add_argument("--mirror", action="append", default=None,
                   help="base URL to fetch from instead of the public mirrors (repeatable; e.g. a workshop's own)")
    d.add_argument("--timeout", type=float, default=TIMEOUT_SECONDS, help="seconds to wait on a mirror")
    c = sub.add_parser("check", help="say where MNIST is looked for and whether each split can be read")
    c.add_argument("--dir", default=None, help="folder to check (default: MNIST_DIR or the user cache)")
    args = parser.parse_args(argv)
    folder = Path(args.dir) if args.dir else default_dir()
    if args.command == "check":
        print(f"MNIST folder: {folder}")
        troubles = {split: problem(folder, split) for split in SPLITS}
        for split, trouble in troubles.items():
            print(f"{split}: {trouble or 'ok (verified)'}")
        return 1 if any(troubles.values()) else 0
    try:
        download(folder, mirrors=args.mirror or MIRRORS, timeout=args.timeout, log=lambda m: print(m, file=sys.stderr))
        for split in SPLITS:
            images, _ = load(split, folder, allow_download=False)
            print(f"{split}: {len(images):,} images verified in {folder}")
    except MnistError as e:
        print(f"error: {e} (folder: {folder})", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
