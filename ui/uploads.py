"""Uploaded weights files, parsed once per session: the Parameters page and Hand-tune both read uploads here.

Each page keeps its parsed uploads in a dict of this session (under the page's own key, given a fresh ``{}``
per session by ``ui.state.init_defaults``), keyed by the SHA-256 of the file's bytes
(``src.infra.weights_file.digest``). A rerun with the same upload (same file id) is answered without reading
or hashing it; the same bytes uploaded again, under any name, are recognised by their hash and not parsed again.
"""
from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass

import streamlit as st

from src.infra import weights_file
from src.network import Network

UNREADABLE = "the file could not be read as a weights file"  # for any failure that is not a WeightsFileError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Parsed:
    """One uploaded file, parsed: ``net`` or, when it was refused, ``error`` (plain text, safe to show)."""
    sha256: str | None     # None when the bytes themselves could not be read
    net: Network | None
    error: str | None
    file_id: str | None = None


def parse(content: bytes, file_id=None, sha256: str | None = None) -> Parsed:
    """A weights file's bytes as a Network, or the reason (plain text, no traceback or server path) they are not
    one. Never raises. ``sha256``: the bytes' digest when the caller has it already."""
    sha = sha256 or weights_file.digest(content)
    try:
        return Parsed(sha, weights_file.load(content), None, file_id)
    except weights_file.WeightsFileError as e:
        return Parsed(sha, None, str(e), file_id)
    except Exception:  # noqa: BLE001 - whatever else a loader raises, the visitor sees one plain sentence
        log.exception("loading an uploaded weights file failed")
        return Parsed(sha, None, UNREADABLE, file_id)


def _read(file) -> bytes:
    """The upload's bytes, from its start, at most weights_file.MAX_FILE_BYTES of them (WeightsFileError)."""
    if getattr(file, "seekable", lambda: False)():
        file.seek(0)
    return weights_file.read_bytes(file)


def parsed(file, key: str, keep: int = 1) -> Parsed | None:
    """``file`` (an uploaded file, or None) parsed, once per file content, remembered in
    ``st.session_state[key]`` (a dict: SHA-256 -> Parsed) with at most ``keep`` files, the oldest dropped first.

    None when there is no file; the session's parsed uploads under ``key`` are then dropped too (the visitor
    removed the file: free its network)."""
    cache = st.session_state.setdefault(key, {})
    if file is None:
        cache.clear()
        return None
    file_id = getattr(file, "file_id", None)
    if file_id is not None:
        for kept in cache.values():
            if kept.file_id == file_id:
                return kept  # a rerun with the same upload: no reading, no hashing
    try:
        content = _read(file)
    except weights_file.WeightsFileError as e:
        return Parsed(None, None, str(e), file_id)
    except Exception:  # noqa: BLE001 - an upload that cannot even be read: one plain sentence
        log.exception("reading an uploaded file failed")
        return Parsed(None, None, UNREADABLE, file_id)
    sha = weights_file.digest(content)
    if sha in cache:  # the same bytes again (another name, or uploaded once more)
        result = dataclasses.replace(cache.pop(sha), file_id=file_id)
    else:
        result = parse(content, file_id, sha)
    cache[sha] = result  # (re)inserted last: the most recently used is kept longest
    while len(cache) > max(keep, 1):
        cache.pop(next(iter(cache)))
    return result
