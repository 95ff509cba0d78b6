"""The weights file: the format people download, upload and share.

An ``.npz`` (``np.savez``) holding float32 arrays ``W1, b1, W2, b2, ...`` (W shaped (n_out, n_in)) and
``meta``, a JSON string (activation, output, layers, how it was trained, curves, accuracy, ...).
It loads with ``allow_pickle=False`` only, and a bad file is refused whole with a ``WeightsFileError``.
"""
from __future__ import annotations

import io
import json
import os
import re
import tempfile
import zipfile
from pathlib import Path

import numpy as np

from .activations import HIDDEN, OUTPUTS
from .network import MAX_PARAMETER, Network

# 13,002 float32 parameters take ~52 kB; this leaves room for much larger experiments.
MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_META_CHARS = 1_000_000


class WeightsFileError(ValueError):
    """A weights file that cannot be used; the message says why."""


def to_bytes(net: Network) -> bytes:
    """The network as the bytes of an .npz weights file."""
    arrays = {}
    for l, (w, b) in enumerate(zip(net.weights, net.biases), start=1):
        arrays[f"W{l}"] = np.asarray(w, dtype=np.float32)
        arrays[f"b{l}"] = np.asarray(b, dtype=np.float32)
    meta = dict(net.meta)
    meta.update(activation=net.activation, output=net.output, layers=net.sizes)
    arrays["meta"] = np.array(json.dumps(meta))
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


def save(net: Network, path) -> None:
    """Write atomically: a reader never sees half a file, and a failed write leaves the old one."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = to_bytes(net)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; a saved model is an ordinary file
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _read_bytes(path_or_file) -> bytes:
    if isinstance(path_or_file, (bytes, bytearray)):
        data = bytes(path_or_file)
    elif isinstance(path_or_file, (str, os.PathLike)):
        p = Path(path_or_file)
        if not p.is_file():
            raise WeightsFileError(f"no weights file at {p}")
        if p.stat().st_size > MAX_FILE_BYTES:
            raise WeightsFileError(f"file is {p.stat().st_size:,} bytes; weights files over {MAX_FILE_BYTES:,} bytes are refused")
        data = p.read_bytes()
    else:  # a file-like object, such as Streamlit's UploadedFile
        data = path_or_file.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise WeightsFileError(f"file is over {MAX_FILE_BYTES:,} bytes; weights files that large are refused")
    return data


def load(path_or_file) -> Network:
    """Read a weights file (path, bytes or file object) into a new Network, or raise WeightsFileError."""
    data = _read_bytes(path_or_file)
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise WeightsFileError("not a weights file: an .npz (zip) archive was expected")
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as npz:
            names = list(npz.files)
            arrays = {}
            for name in names:
                try:
                    arrays[name] = npz[name]
                except ValueError as e:  # object arrays need pickle, which is never allowed
                    raise WeightsFileError(f"array {name!r} holds pickled Python objects, which are refused") from e
    except WeightsFileError:
        raise
    except Exception as e:  # a damaged zip or .npy member
        raise WeightsFileError(f"the archive is damaged: {e}") from e
    return from_arrays(arrays)


def from_arrays(arrays: dict) -> Network:
    """Check a dict of arrays as read from a weights file and build the Network."""
    if "meta" not in arrays:
        raise WeightsFileError("missing array 'meta' (a JSON string with activation and output)")
    layer_names = [n for n in arrays if n != "meta"]
    numbers = sorted({int(m.group(1)) for n in layer_names if (m := re.fullmatch(r"[Wb]([1-9][0-9]*)", n))})
    n_layers = 0  # layers 1..n must all be there; a stray number beyond a gap is an extra array
    while n_layers + 1 in numbers:
        n_layers += 1
    expected = {f"{p}{l}" for l in range(1, n_layers + 1) for p in "Wb"}
    if n_layers == 0:
        raise WeightsFileError("no weight arrays W1, b1, ... in the file")
    missing = sorted(expected - set(layer_names))
    extra = sorted(set(layer_names) - expected)
    if missing:
        raise WeightsFileError(f"missing arrays: {', '.join(missing)}")
    if extra:
        raise WeightsFileError(f"unexpected arrays: {', '.join(extra)}")

    meta_arr = arrays["meta"]
    if meta_arr.dtype.kind != "U" or meta_arr.shape != ():
        raise WeightsFileError("'meta' must be a single JSON string")
    meta_text = str(meta_arr)
    if len(meta_text) > MAX_META_CHARS:
        raise WeightsFileError("'meta' is unreasonably long")
    try:
        meta = json.loads(meta_text)
    except json.JSONDecodeError as e:
        raise WeightsFileError(f"'meta' is not valid JSON: {e}") from e
    if not isinstance(meta, dict):
        raise WeightsFileError("'meta' must be a JSON object")
    activation = meta.get("activation")
    output = meta.get("output", "softmax")
    if activation not in HIDDEN:
        raise WeightsFileError(f"unknown activation {activation!r}: expected one of {sorted(HIDDEN)}")
    if output not in OUTPUTS:
        raise WeightsFileError(f"unknown output {output!r}: expected one of {list(OUTPUTS)}")

    weights, biases = [], []
    for l in range(1, n_layers + 1):
        w, b = arrays[f"W{l}"], arrays[f"b{l}"]
        for name, arr in ((f"W{l}", w), (f"b{l}", b)):
            if arr.dtype.kind not in "fiu":
                raise WeightsFileError(f"{name} must hold numbers, not {arr.dtype}")
            if not np.all(np.isfinite(arr)):
                raise WeightsFileError(f"{name} holds non-finite numbers (NaN or infinity)")
            if arr.size and np.max(np.abs(arr)) > MAX_PARAMETER:
                raise WeightsFileError(f"{name} holds a value of {np.max(np.abs(arr)):.3g}; values beyond ±{MAX_PARAMETER:g} are refused")
        if w.ndim != 2:
            raise WeightsFileError(f"W{l} must be a matrix (n_out, n_in), got shape {w.shape}")
        if b.shape != (w.shape[0],):
            raise WeightsFileError(f"b{l} has shape {b.shape}, but W{l} has {w.shape[0]} rows")
        if l > 1 and w.shape[1] != weights[-1].shape[0]:
            raise WeightsFileError(f"shapes do not chain: W{l} takes {w.shape[1]} inputs but layer {l - 1} has {weights[-1].shape[0]} neurons")
        weights.append(w.astype(np.float32))
        biases.append(b.astype(np.float32))
    layers = meta.get("layers")
    sizes = [weights[0].shape[1]] + [w.shape[0] for w in weights]
    if layers is not None and list(layers) != sizes:
        raise WeightsFileError(f"'meta' says layers {layers} but the arrays are {sizes}")
    return Network(weights, biases, activation, output, meta)
