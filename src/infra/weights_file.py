"""The weights file: the format people download, upload and share.

An ``.npz`` (``np.savez``) holding float32 arrays ``W1, b1, W2, b2, ...`` (W shaped (n_out, n_in)) and
``meta``, a JSON string (activation, output, layers, how it was trained, curves, accuracy, ...).

A weights file may come from anyone, so ``load`` decides what may be read *before* reading it:

- the file itself is at most ``MAX_FILE_BYTES``; the zip directory may list only the members
  ``W1.npy, b1.npy, ..., Wn.npy, bn.npy, meta.npy`` (n <= ``MAX_LAYERS``), stored or deflated, unencrypted;
- every member's declared size is checked against limits derived from ``MAX_PARAMETERS`` before it is
  opened, and read with a bounded reader (a zip that lies about sizes fails its length or CRC check);
- every ``.npy`` header (at most ``MAX_NPY_HEADER_BYTES``) is parsed first, and its shape and dtype checked
  (float16/32/64, W 2-d, b 1-d, every width >= 1, shapes that chain, parameters in all <= ``MAX_PARAMETERS``)
  before any array memory is allocated;
- ``meta`` is a 0-d unicode array of at most ``MAX_META_CHARS`` characters (declared in its header), a JSON
  object nested at most ``MAX_JSON_DEPTH`` deep, whose known fields have the right types;
- every value is finite and within ±MAX_PARAMETER (checked in float64, so no integer overflow can hide one).

Every refusal is a ``WeightsFileError`` whose message is safe to show a visitor: it names the problem, never
a server path or an exception from deep inside, and quotes at most a few dozen characters of the file's
text. Nothing is half-loaded: the Network is built only once everything has passed.

Memory: beyond the file's own bytes (at most MAX_FILE_BYTES, held by the caller), ``load`` allocates at most
4 bytes per parameter (the float32 result) + ~3 MB (read chunks, meta and its parsed JSON), whatever the file:
refusals take < 2 MB, the largest legal file ~4.8 MB (measured in tests/test_hostile_files.py).
"""
from __future__ import annotations

import io
import json
import os
import re
import struct
import zipfile
from pathlib import Path

import numpy as np
from numpy.lib import format as npy_format

from ..activations import HIDDEN, OUTPUTS
from .files import sha256, write_atomic
from ..network import MAX_PARAMETER, Network
from ..untrusted import QUOTE_CHARS, quote

# The lesson's network has 13,002 parameters; a million leaves room for much wider experiments
# (784-1250-10 fits) while keeping a file's arrays within a few MB of memory.
MAX_PARAMETERS = 1_000_000
MAX_LAYERS = 12
MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_META_CHARS = 100_000  # the shipped models' meta is ~5,300 characters
MAX_JSON_DEPTH = 32
MAX_NPY_HEADER_BYTES = 1024  # a numpy-written header is 118 bytes
MAX_MEMBERS = 2 * MAX_LAYERS + 1
_NPY_PREFIX_BYTES = 6 + 2 + 4  # magic string, version, header length (4 bytes in format 2.0)
_CHUNK = 1 << 18  # bytes read from a member at a time
_CHECK_CHUNK = 1 << 16  # values checked at a time (bounded temporaries)

_MEMBER = re.compile(r"([Wb])([1-9][0-9]?)\.npy|meta\.npy")


class WeightsFileError(ValueError):
    """A weights file that cannot be used; the message says why and is safe to show a visitor."""

def _kind(value) -> str:
    """A JSON value's type, in JSON's words."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


# --- writing -------------------------------------------------------------------------------------------

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
    write_atomic(path, to_bytes(net), durable=True)


# SHA-256 (hex) of a file's bytes: a key to cache what was parsed from them.
digest = sha256


# --- reading -------------------------------------------------------------------------------------------

def read_bytes(path_or_file) -> bytes:
    """A weights file's bytes from a path, bytes or a file object (read from its current position),
    never more than MAX_FILE_BYTES of them: a larger file is refused, not truncated. Raises only
    WeightsFileError."""
    return _guarded(lambda: _read_bytes(path_or_file))


def _read_bytes(path_or_file) -> bytes:
    too_big = WeightsFileError(f"the file is over {MAX_FILE_BYTES // (1024 * 1024)} MB; weights files that large are refused")
    if isinstance(path_or_file, (bytes, bytearray, memoryview)):
        data = bytes(path_or_file)
    elif isinstance(path_or_file, (str, os.PathLike)):
        p = Path(path_or_file)
        if not p.is_file():
            raise WeightsFileError(f"there is no weights file named {quote(p.name)}")
        if p.stat().st_size > MAX_FILE_BYTES:
            raise too_big
        with open(p, "rb") as f:
            data = f.read(MAX_FILE_BYTES + 1)
    elif hasattr(path_or_file, "read"):  # a file-like object, such as Streamlit's UploadedFile
        if getattr(path_or_file, "seekable", lambda: False)():
            here = path_or_file.tell()
            end = path_or_file.seek(0, os.SEEK_END)
            path_or_file.seek(here)
            if end - here > MAX_FILE_BYTES:
                raise too_big  # refused without reading it
        data = path_or_file.read(MAX_FILE_BYTES + 1)
        if not isinstance(data, (bytes, bytearray)):
            raise WeightsFileError("the upload is not a binary file")
        data = bytes(data)
    else:
        raise WeightsFileError("a weights file must be given as a path, bytes or a binary file")
    if len(data) > MAX_FILE_BYTES:
        raise too_big
    return data


def load(path_or_file) -> Network:
    """Read a weights file (path, bytes or binary file object) into a new Network, or raise WeightsFileError.

    Whatever the file holds, the only exception that leaves is a WeightsFileError with a message that is
    safe to show the person who sent the file.
    """
    return _guarded(lambda: _load(read_bytes(path_or_file)))


def _guarded(read):
    """Run ``read``; any exception but a WeightsFileError becomes one with a generic, visitor-safe message
    (the original stays chained as __cause__ for the server's log)."""
    try:
        return read()
    except WeightsFileError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile) as e:
        raise WeightsFileError("the archive is damaged (its zip structure or a checksum does not match); "
                               "was the file cut short or altered?") from e
    except EOFError as e:
        raise WeightsFileError("the archive is truncated: a member ends before its data does") from e
    except MemoryError as e:
        raise WeightsFileError("the file could not be read within this server's memory limits") from e
    except OSError as e:
        raise WeightsFileError("the file could not be read (an input/output error on the server)") from e
    except Exception as e:  # noqa: BLE001 - anything else a hostile file provokes is refused the same way
        raise WeightsFileError("the file could not be read as a weights file (damaged, or not made by this app)") from e


def _layer_count(names) -> int:
    """The number of layers n that array names W1, b1, ..., Wn, bn describe; refuses gaps and strays."""
    numbers = set()
    for n in names:
        m = re.fullmatch(r"[Wb]([1-9][0-9]?)", n)
        if not m:
            raise WeightsFileError(f"unexpected arrays: {quote(n)}")
        numbers.add(int(m.group(1)))
    n_layers = 0  # layers 1..n must all be there; a stray number beyond a gap is an extra array
    while n_layers + 1 in numbers:
        n_layers += 1
    if n_layers == 0:
        raise WeightsFileError("no weight arrays W1, b1, ... in the file")
    extra = sorted(n for n in names if int(n[1:]) > n_layers)
    if extra:
        raise WeightsFileError(f"unexpected arrays: {', '.join(extra[:4])}")
    if n_layers > MAX_LAYERS:
        raise WeightsFileError(f"the file has {n_layers} layers; at most {MAX_LAYERS} are allowed")
    missing = [f"{p}{l}" for l in range(1, n_layers + 1) for p in "Wb" if f"{p}{l}" not in names]
    if missing:
        raise WeightsFileError(f"missing arrays: {', '.join(missing)}")
    return n_layers


def _members(zf: zipfile.ZipFile) -> tuple:
    """Check the zip directory alone; return (number of layers, {name: ZipInfo})."""
    members = {}
    for info in zf.infolist():  # at most 4 * MAX_MEMBERS entries: see _load
        name = info.filename
        if info.is_dir() or name.endswith("/"):
            raise WeightsFileError(f"the archive holds a folder ({quote(name)}); a weights file holds arrays only")
        if not _MEMBER.fullmatch(name):
            raise WeightsFileError(f"unexpected arrays: {quote(name)} (a weights file holds only W1.npy, b1.npy, ..., meta.npy)")
        if name in members:
            raise WeightsFileError(f"the member {name} appears twice in the archive")
        if info.flag_bits & 0x1:
            raise WeightsFileError(f"the member {name} is encrypted; weights files are not")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise WeightsFileError(f"the member {name} uses a compression this app does not read (only stored or deflated)")
        members[name] = info
    if "meta.npy" not in members:
        raise WeightsFileError("missing array 'meta' (a JSON string with activation and output)")
    n_layers = _layer_count([n[:-4] for n in members if n != "meta.npy"])
    # Declared sizes, before opening anything: a deflate bomb declares its real size or fails the length check.
    npy_max = _NPY_PREFIX_BYTES + MAX_NPY_HEADER_BYTES
    for name, info in members.items():
        limit = npy_max + (4 * MAX_META_CHARS if name == "meta.npy" else 8 * MAX_PARAMETERS)
        if info.file_size > limit:
            raise WeightsFileError(f"the member {name} declares {info.file_size:,} bytes; at most {limit:,} are allowed")
    arrays_total = sum(i.file_size for n, i in members.items() if n != "meta.npy")
    arrays_limit = 2 * n_layers * npy_max + 8 * MAX_PARAMETERS
    if arrays_total > arrays_limit:
        raise WeightsFileError(f"the arrays declare {arrays_total:,} bytes in all; at most {arrays_limit:,} are allowed "
                               f"({MAX_PARAMETERS:,} parameters)")
    return n_layers, members


def _read_exact(f, n: int, what: str) -> bytearray:
    """Exactly n bytes from f, read in chunks; fewer means the member is truncated."""
    buf = bytearray(n)
    pos = 0
    while pos < n:
        chunk = f.read(min(_CHUNK, n - pos))
        if not chunk:
            raise WeightsFileError(f"{what} is truncated: the archive ends before the data its header promises")
        buf[pos:pos + len(chunk)] = chunk
        pos += len(chunk)
    return buf


def _npy_header(f, name: str):
    """(shape, fortran_order, dtype, header bytes) of a .npy stream, reading only its bounded header."""
    prefix = f.read(8)
    if len(prefix) < 8 or not prefix.startswith(npy_format.MAGIC_PREFIX):
        raise WeightsFileError(f"{name} is not a .npy array (raw bytes instead of numpy's format)")
    major, minor = npy_format.read_magic(io.BytesIO(prefix))
    if (major, minor) not in ((1, 0), (2, 0)):
        raise WeightsFileError(f"{name} uses .npy format version {major}.{minor}; only 1.0 and 2.0 are read")
    size_bytes = f.read(2 if major == 1 else 4)
    if len(size_bytes) < (2 if major == 1 else 4):
        raise WeightsFileError(f"{name} is truncated inside its .npy header")
    header_len = struct.unpack("<H" if major == 1 else "<I", size_bytes)[0]
    if header_len > MAX_NPY_HEADER_BYTES:
        raise WeightsFileError(f"{name} declares a .npy header of {header_len:,} bytes; at most {MAX_NPY_HEADER_BYTES:,} are allowed")
    header = f.read(header_len)
    if len(header) < header_len:
        raise WeightsFileError(f"{name} is truncated inside its .npy header")
    reader = npy_format.read_array_header_1_0 if major == 1 else npy_format.read_array_header_2_0
    try:
        shape, fortran_order, dtype = reader(io.BytesIO(size_bytes + header), max_header_size=MAX_NPY_HEADER_BYTES)
    except Exception as e:  # noqa: BLE001 - numpy's parser raises many kinds on a forged header
        raise WeightsFileError(f"{name} has a damaged .npy header") from e
    return tuple(shape), bool(fortran_order), dtype, 8 + len(size_bytes) + header_len


def _check_dtype(name: str, dtype) -> None:
    if dtype.hasobject:
        raise WeightsFileError(f"array {name!r} holds pickled Python objects, which are refused")
    if dtype.kind != "f" or dtype.itemsize not in (2, 4, 8) or dtype.fields is not None or dtype.subdtype is not None:
        raise WeightsFileError(f"{name} must hold floating-point numbers (float16, float32 or float64), not {dtype.name}")


class _Shapes:
    """The one place for shape and size limits, fed layer by layer, from .npy headers or from arrays."""

    def __init__(self, n_layers: int):
        if n_layers > MAX_LAYERS:
            raise WeightsFileError(f"the file has {n_layers} layers; at most {MAX_LAYERS} are allowed")
        self.n_layers = n_layers
        self.sizes = []
        self.parameters = 0

    def check(self, name: str, shape: tuple) -> int:
        """Check one array's shape before it is allocated; return its number of entries."""
        param, l = name[0], int(name[1:])
        if any(not isinstance(d, int) or d < 0 for d in shape):
            raise WeightsFileError(f"{name} has an impossible shape")
        if param == "W" and len(shape) != 2:
            raise WeightsFileError(f"W{l} must be a matrix (n_out, n_in), got {len(shape)} dimensions")
        if param == "b" and len(shape) != 1:
            raise WeightsFileError(f"b{l} must be a vector (n_out,), got {len(shape)} dimensions")
        if any(d == 0 for d in shape):
            raise WeightsFileError(f"{name} has a zero-width layer; every layer needs at least one neuron")
        if any(d > MAX_PARAMETERS for d in shape):
            raise WeightsFileError(f"{name} is wider than the {MAX_PARAMETERS:,} parameters a file may hold")
        if param == "W":
            n_out, n_in = shape
            if l == 1:
                self.sizes = [n_in]
            elif n_in != self.sizes[-1]:
                raise WeightsFileError(f"shapes do not chain: W{l} takes {n_in} inputs but layer {l - 1} has {self.sizes[-1]} neurons")
            self.sizes.append(n_out)
        elif shape != (self.sizes[l],):
            raise WeightsFileError(f"b{l} has shape {shape}, but W{l} has {self.sizes[l]} rows")
        count = int(np.prod(shape, dtype=object))
        self.parameters += count
        if self.parameters > MAX_PARAMETERS:
            raise WeightsFileError(f"the network has over {MAX_PARAMETERS:,} parameters (already {self.parameters:,} "
                                   f"by {name}); larger networks are refused")
        return count


def _check_values(name: str, arr: np.ndarray) -> None:
    """Finite and within ±MAX_PARAMETER, checked in float64 chunks (bounded temporaries, no overflow)."""
    flat = arr.ravel(order="K")
    for start in range(0, flat.size, _CHECK_CHUNK):
        chunk = flat[start:start + _CHECK_CHUNK].astype(np.float64)
        if not np.isfinite(chunk).all():
            raise WeightsFileError(f"{name} holds non-finite numbers (NaN or infinity)")
        biggest = float(np.abs(chunk).max())
        if biggest > MAX_PARAMETER:
            raise WeightsFileError(f"{name} holds a value of {biggest:.3g}; values beyond ±{MAX_PARAMETER:g} are refused")


def _array_header(zf, info, name: str, shapes: _Shapes):
    """Open a W or b member just to read and check its .npy header: (shape, fortran_order, dtype, header bytes)."""
    with zf.open(info) as f:
        shape, fortran_order, dtype, header_bytes = _npy_header(f, name)
    _check_dtype(name, dtype)
    count = shapes.check(name, shape)
    nbytes = count * dtype.itemsize
    if info.file_size > header_bytes + nbytes:
        raise WeightsFileError(f"{name} holds more data than its .npy header declares")
    if info.file_size < header_bytes + nbytes:
        raise WeightsFileError(f"{name} is truncated: its header promises {nbytes:,} bytes of data, "
                               f"the archive holds {max(info.file_size - header_bytes, 0):,}")
    return shape, fortran_order, dtype, header_bytes


def _read_array(zf, info, name: str, header) -> np.ndarray:
    """One W or b member whose header passed: its data read chunk by chunk straight into a float32 array,
    every chunk's values checked on the way (so memory is the float32 result plus one chunk)."""
    shape, fortran_order, dtype, header_bytes = header
    out = np.empty(shape, np.float32, order="F" if fortran_order else "C")
    flat = out.ravel(order="K")  # a view: out is contiguous in its own order
    per_chunk = _CHUNK // dtype.itemsize
    with zf.open(info) as f:
        if len(f.read(header_bytes)) != header_bytes:
            raise WeightsFileError(f"{name} is truncated inside its .npy header")
        for start in range(0, flat.size, per_chunk):
            n = min(per_chunk, flat.size - start)
            values = np.frombuffer(_read_exact(f, n * dtype.itemsize, name), dtype=dtype)
            _check_values(name, values)
            flat[start:start + n] = values
        if f.read(1):  # at the end; this read also makes zipfile check the member's CRC
            raise WeightsFileError(f"{name} holds more data than its .npy header declares")
    return np.ascontiguousarray(out)


def _read_meta_text(zf, info) -> str:
    with zf.open(info) as f:
        shape, _, dtype, header_bytes = _npy_header(f, "meta")
        if dtype.kind != "U" or shape != ():
            raise WeightsFileError("'meta' must be a single JSON string")
        chars = dtype.itemsize // 4
        if chars > MAX_META_CHARS:
            raise WeightsFileError(f"'meta' declares {chars:,} characters; at most {MAX_META_CHARS:,} are allowed")
        if info.file_size != header_bytes + dtype.itemsize:
            raise WeightsFileError("'meta' is truncated or holds more than its .npy header declares")
        raw = _read_exact(f, dtype.itemsize, "'meta'")
        if f.read(1):
            raise WeightsFileError("'meta' holds more data than its .npy header declares")
    try:
        return raw.decode("utf-32-be" if dtype.byteorder == ">" else "utf-32-le").rstrip("\0")
    except UnicodeDecodeError as e:
        raise WeightsFileError("'meta' is not valid text") from e


def _load(data: bytes) -> Network:
    if not data.startswith(b"PK"):
        raise WeightsFileError("not a weights file: an .npz (zip) archive was expected")
    # zipfile builds one object per central-directory entry before any check of ours: each entry starts
    # with this signature, so counting it bounds that work for any file, however its directory lies.
    if data.count(b"PK\x01\x02") > 4 * MAX_MEMBERS:
        raise WeightsFileError(f"the archive lists far more members than a weights file's {MAX_MEMBERS}")
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise WeightsFileError("not a weights file: an .npz (zip) archive was expected")
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        n_layers, members = _members(zf)
        meta = _parse_meta(_read_meta_text(zf, members["meta.npy"]))
        shapes = _Shapes(n_layers)
        # Every header first: shapes, dtypes and the parameter cap are settled before any array is read.
        names = [f"{p}{l}" for l in range(1, n_layers + 1) for p in "Wb"]
        headers = {n: _array_header(zf, members[f"{n}.npy"], n, shapes) for n in names}
        arrays = {n: _read_array(zf, members[f"{n}.npy"], n, headers[n]) for n in names}
    weights = [arrays[f"W{l}"] for l in range(1, n_layers + 1)]
    biases = [arrays[f"b{l}"] for l in range(1, n_layers + 1)]
    return _build(weights, biases, meta, shapes)


def from_arrays(arrays: dict) -> Network:
    """Check a dict of arrays as read from a weights file ({'W1': ..., 'b1': ..., 'meta': ...}) and build the
    Network, with the same checks and limits as ``load``."""
    return _guarded(lambda: _from_arrays(arrays))


def _from_arrays(arrays: dict) -> Network:
    if "meta" not in arrays:
        raise WeightsFileError("missing array 'meta' (a JSON string with activation and output)")
    if not isinstance(arrays, dict):
        raise WeightsFileError("the arrays must come as a dict {'W1': ..., 'b1': ..., 'meta': ...}")
    n_layers = _layer_count([str(n) for n in arrays if n != "meta"])
    meta_arr = arrays["meta"]
    if isinstance(meta_arr, str):
        meta_text = meta_arr
    else:
        meta_arr = np.asarray(meta_arr)
        if meta_arr.dtype.kind != "U" or meta_arr.shape != ():
            raise WeightsFileError("'meta' must be a single JSON string")
        meta_text = str(meta_arr)
    if len(meta_text) > MAX_META_CHARS:
        raise WeightsFileError(f"'meta' has {len(meta_text):,} characters; at most {MAX_META_CHARS:,} are allowed")
    meta = _parse_meta(meta_text)
    shapes = _Shapes(n_layers)
    weights, biases = [], []
    for l in range(1, n_layers + 1):
        for name, out in ((f"W{l}", weights), (f"b{l}", biases)):
            arr = np.asarray(arrays[name])
            _check_dtype(name, arr.dtype)
            shapes.check(name, arr.shape)
            _check_values(name, arr)
            out.append(np.ascontiguousarray(arr, dtype=np.float32))
    return _build(weights, biases, meta, shapes)


# --- meta ----------------------------------------------------------------------------------------------

# Escapes first (a backslash and the character after it), then strings, which are then free of escapes;
# an unterminated string runs to the end. Each is a flat one-pass regex: no backtracking state per character.
_JSON_ESCAPE = re.compile(r"\\.", re.DOTALL)
_JSON_STRING = re.compile(r'"[^"]*"?')
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")


def _json_depth(text: str) -> int:
    """How deeply brackets nest in JSON text (brackets inside strings skipped), without parsing or
    recursing, in linear time and memory: deeply nested text is measured, never built."""
    brackets = _NOT_BRACKET.sub("", _JSON_STRING.sub("", _JSON_ESCAPE.sub("", text)))
    if not brackets:
        return 0
    codes = np.frombuffer(brackets.encode("ascii"), dtype=np.uint8)
    steps = np.where((codes == ord("[")) | (codes == ord("{")), 1, -1).astype(np.int32)
    return int(np.cumsum(steps).max())


def _no_constant(name):
    raise WeightsFileError(f"'meta' holds {name}, which is not a JSON number")


def _parse_meta(text: str) -> dict:
    """The meta JSON object, its nesting and known fields checked (unknown fields are kept as they are)."""
    if _json_depth(text) > MAX_JSON_DEPTH:
        raise WeightsFileError(f"'meta' is nested more than {MAX_JSON_DEPTH} levels deep")
    try:
        meta = json.loads(text, parse_constant=_no_constant)
    except WeightsFileError:
        raise
    except json.JSONDecodeError as e:  # its message gives a position only, never the text
        raise WeightsFileError(f"'meta' is not valid JSON: {e}") from e
    except (ValueError, RecursionError) as e:  # such as an integer of thousands of digits
        raise WeightsFileError("'meta' is not valid JSON (a value is too large)") from e
    if not isinstance(meta, dict):
        raise WeightsFileError(f"'meta' must be a JSON object, not {_kind(meta)}")
    activation = meta.get("activation")
    if not isinstance(activation, str):
        raise WeightsFileError(f"'meta' must name the activation as a string ({' or '.join(sorted(HIDDEN))}), "
                               f"not {_kind(activation)}")
    if activation not in HIDDEN:
        raise WeightsFileError(f"unknown activation {quote(activation)}: expected one of {sorted(HIDDEN)}")
    output = meta.setdefault("output", "softmax")
    if not isinstance(output, str):
        raise WeightsFileError(f"'meta' must name the output as a string, not {_kind(output)}")
    if output not in OUTPUTS:
        raise WeightsFileError(f"unknown output {quote(output)}: expected one of {list(OUTPUTS)}")
    layers = meta.get("layers")
    if layers is not None and not (isinstance(layers, list) and 2 <= len(layers) <= MAX_LAYERS + 1
                                   and all(isinstance(n, int) and not isinstance(n, bool) and n >= 1 for n in layers)):
        raise WeightsFileError(f"'meta' layers must be a list of 2 to {MAX_LAYERS + 1} positive integers")
    _check_optional(meta)
    return meta


def _number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _check_optional(meta: dict) -> None:
    """Fields the pages read, each with its type; other fields are kept but never relied on."""
    acc = meta.get("test_accuracy")
    if acc is not None and not (_number(acc) and 0 <= acc <= 1):
        raise WeightsFileError("'meta' test_accuracy must be a number between 0 and 1 (or null)")
    if "edited" in meta and not isinstance(meta["edited"], bool):
        raise WeightsFileError("'meta' edited must be true or false")
    edits = meta.get("edits")
    if edits is not None and not (isinstance(edits, list) and all(isinstance(e, str) for e in edits)):
        raise WeightsFileError("'meta' edits must be a list of strings")
    training = meta.get("training")
    if training is not None:
        if not isinstance(training, dict):
            raise WeightsFileError(f"'meta' training must be an object, not {_kind(training)}")
        if "seed" in training and not (isinstance(training["seed"], int) and not isinstance(training["seed"], bool)
                                       and 0 <= training["seed"] < 2 ** 32):
            raise WeightsFileError("'meta' training seed must be a non-negative integer")
        if training.get("init") not in (None, "he", "xavier", "normal"):
            raise WeightsFileError("'meta' training init must be one of he, xavier, normal")
    curves = meta.get("curves")
    if curves is not None:
        if not isinstance(curves, dict) or not all(isinstance(v, list) and all(_number(x) for x in v)
                                                   for v in curves.values()):
            raise WeightsFileError("'meta' curves must be an object of lists of numbers")
        if len({len(v) for v in curves.values()}) > 1:
            raise WeightsFileError("'meta' curves must all have the same length")


def _build(weights, biases, meta: dict, shapes: _Shapes) -> Network:
    layers = meta.get("layers")
    if layers is not None and layers != shapes.sizes:
        shown = layers if len(str(layers)) <= QUOTE_CHARS else quote(str(layers))
        raise WeightsFileError(f"'meta' says layers {shown} but the arrays are {shapes.sizes}")
    return Network(weights, biases, meta["activation"], meta["output"], meta)
