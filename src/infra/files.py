"""Writing a file so that a reader never sees half of it, and naming a file's bytes by their SHA-256."""
from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path


def sha256(data: bytes) -> str:
    """SHA-256 (hex) of some bytes: the key that says two files are the same."""
    return hashlib.sha256(data).hexdigest()


def file_sha256(path) -> str:
    with open(path, "rb") as f:
        return sha256(f.read())


def write_atomic(path, data: bytes, mode: int | None = None, durable: bool = False) -> Path:
    """Write ``data`` to ``path`` through a temporary file beside it and a rename: a reader sees the old file
    or the new one, never half of one, and a failed write leaves the old file as it was.

    ``mode`` None gives an ordinary file (0666 less the umask; mkstemp alone would make it private);
    ``durable`` syncs the bytes to disk before the rename (worth it for a file a person made)."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            if durable:
                f.flush()
                os.fsync(f.fileno())
        if mode is None:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
