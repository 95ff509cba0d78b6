"""Hand edits of a trained network: every change recorded, undoable, and shareable as a short link.

An ``EditLog`` keeps the trained network untouched (it may be shared by every visitor) and works on its
own copy. Each ``Edit`` is a list of ``Change``s, each one parameter array's entries going from old to
new values, so undo and redo are exact. The diff against the trained model is what a share link
carries: ``encode_link`` / ``decode_link``.
"""
from __future__ import annotations

import base64
import hashlib
import re
import zlib
from dataclasses import dataclass, field

import numpy as np

from .network import MAX_PARAMETER, Network
from .untrusted import QUOTE_CHARS, quote

LINK_VERSION = "2"   # "1": one step, the diff against the trained model; still read
# Browsers and proxies commonly accept URLs up to ~8 kB; keep room for the rest of the address.
MAX_LINK_CHARS = 6000
# The text a link inflates to: every one of the 13,002 parameters changed, at up to ~50 characters an
# entry (the longest float32 written out), fits; more is refused (never silently cut), and a zlib bomb
# is stopped after this many bytes.
MAX_LINK_TEXT = 1024 * 1024
# Arrays a link may name: W and b of up to this many layers (far more than any shipped model has).
_MAX_LINK_GROUPS = 2 * 16
# Steps of history a link may carry (a longer history is cut, its oldest steps merged into one, to fit a link).
MAX_LINK_STEPS = 200


class EditError(ValueError):
    """An edit that cannot be made (a value out of range, a neuron that does not exist)."""


class LinkError(ValueError):
    """A share link that cannot be used: damaged, truncated, tampered with or for another model."""


@dataclass(frozen=True)
class Change:
    """Entries ``indices`` (flat, into the array) of parameter ``param`` ('W' or 'b') of layer ``layer``
    (1-based) going from ``old`` to ``new``."""

    layer: int
    param: str
    indices: np.ndarray
    old: np.ndarray
    new: np.ndarray


@dataclass(frozen=True)
class Edit:
    label: str
    changes: tuple


def typed(value, limit=QUOTE_CHARS) -> str:
    """What a person typed, for a message: as typed (a number keeps its digits: "-1000000.5", not "-1e+06"),
    trimmed, at most ``limit`` characters (then "…")."""
    text = str(value).strip()
    return text if len(text) <= limit else text[:limit] + "…"


def check_value(value) -> float:
    """A number a person typed, as a float, or an EditError saying why it cannot be a parameter (quoting at
    most 40 characters of what was typed, as typed)."""
    try:
        v = float(value)
    except (TypeError, ValueError, OverflowError):
        raise EditError(f"“{typed(value)}” is not a number") from None
    if not np.isfinite(v):
        raise EditError("weights and biases must be finite numbers")
    if abs(v) > MAX_PARAMETER:
        shown = typed(value) if isinstance(value, str) else f"{v:g}"
        raise EditError(f"{shown} is beyond ±{MAX_PARAMETER:,.0f}, the largest value allowed")
    return v


@dataclass
class EditLog:
    """The trained network, an editable copy of it, and the history of edits between them."""

    trained: Network
    name: str = "model"
    net: Network = None
    done: list = field(default_factory=list)
    undone: list = field(default_factory=list)
    listeners: list = field(default_factory=list)  # each called as listener(edit, forward) after a change
    revision: int = 0  # goes up with every change of ``net`` (apply, undo, redo): a key for caches

    def __post_init__(self):
        if self.net is None:
            self.net = self.trained.copy()

    # --- reading ---------------------------------------------------------------------------------
    def array(self, layer, param):
        return self.net.array(layer, param)

    def trained_array(self, layer, param):
        return self.trained.array(layer, param)

    @property
    def edited(self):
        return bool(self.diff())

    def diff(self):
        """Entries that differ from the trained model: {(layer, param): (flat indices, trained, now)}."""
        out = {}
        for layer in range(1, len(self.net.weights) + 1):
            for param in ("W", "b"):
                now, was = self.array(layer, param).ravel(), self.trained_array(layer, param).ravel()
                idx = np.flatnonzero(now != was)
                if idx.size:
                    out[(layer, param)] = (idx, was[idx].copy(), now[idx].copy())
        return out

    def changed_neurons(self):
        """Sorted (layer, neuron) pairs whose incoming weights or bias differ from the trained model."""
        out = set()
        for (layer, param), (idx, _, _) in self.diff().items():
            n_in = self.net.weight(layer).shape[1]
            out.update((layer, int(j)) for j in (idx if param == "b" else np.unique(idx // n_in)))
        return sorted(out)

    # --- making edits ------------------------------------------------------------------------------
    def _change(self, layer, param, indices, new):
        arr = self.array(layer, param)
        indices = np.asarray(indices, dtype=np.int64).ravel()
        new = np.asarray(new, dtype=np.float32).ravel()
        if new.size == 1 and indices.size > 1:
            new = np.full(indices.size, new[0], np.float32)
        if not np.all(np.isfinite(new)) or np.any(np.abs(new) > MAX_PARAMETER):
            raise EditError(f"values must be finite and within ±{MAX_PARAMETER:g}")
        old = arr.ravel()[indices].copy()
        keep = old != new
        return Change(layer, param, indices[keep], old[keep], new[keep])

    def apply(self, label, changes):
        """Record and apply an edit made of (layer, param, flat indices, new values) tuples.

        Returns the Edit, or None when nothing would change.
        """
        built = [self._change(*c) for c in changes]
        built = tuple(c for c in built if c.indices.size)
        if not built:
            return None
        edit = Edit(label, built)
        self._write(edit, forward=True)
        self.done.append(edit)
        self.undone.clear()
        return edit

    def _write(self, edit, forward):
        self.revision += 1
        for c in edit.changes:
            np.put(self.array(c.layer, c.param), c.indices, c.new if forward else c.old)
        for listener in self.listeners:
            listener(edit, forward)

    def undo(self):
        if not self.done:
            return None
        edit = self.done.pop()
        self._write(edit, forward=False)
        self.undone.append(edit)
        return edit

    def redo(self):
        if not self.undone:
            return None
        edit = self.undone.pop()
        self._write(edit, forward=True)
        self.done.append(edit)
        return edit

    # --- edits a person makes ---------------------------------------------------------------------
    def _neuron(self, layer, neuron):
        if not 1 <= layer <= len(self.net.weights):
            raise EditError(f"there is no layer {layer}")
        if not 0 <= neuron < self.net.weight(layer).shape[0]:
            raise EditError(f"layer {layer} has no neuron {neuron}")
        return self.net.weight(layer).shape[1]

    def set_weight(self, layer, neuron, k, value):
        n_in = self._neuron(layer, neuron)
        if not 0 <= k < n_in:
            raise EditError(f"neuron {neuron} of layer {layer} has no input {k}")
        v = check_value(value)
        return self.apply(f"layer {layer} neuron {neuron}: w[{k}] = {v:g}", [(layer, "W", [neuron * n_in + k], [v])])

    def set_bias(self, layer, neuron, value):
        self._neuron(layer, neuron)
        v = check_value(value)
        return self.apply(f"layer {layer} neuron {neuron}: bias = {v:g}", [(layer, "b", [neuron], [v])])

    def set_row(self, layer, neuron, weights, label, bias=None):
        """Replace all incoming weights of a neuron (and optionally its bias)."""
        n_in = self._neuron(layer, neuron)
        weights = np.asarray(weights, dtype=np.float64).ravel()
        if weights.size != n_in:
            raise EditError(f"expected {n_in} weights, got {weights.size}")
        changes = [(layer, "W", np.arange(n_in) + neuron * n_in, weights)]
        if bias is not None:
            changes.append((layer, "b", [neuron], [check_value(bias)]))
        return self.apply(f"layer {layer} neuron {neuron}: {label}", changes)

    def revert_neuron(self, layer, neuron):
        self._neuron(layer, neuron)
        return self.set_row(layer, neuron, self.trained.weight(layer)[neuron], "restored to trained values",
                            bias=float(self.trained.bias(layer)[neuron]))

    def zero_layer(self, layer):
        """The lesson's 'from scratch' experiment: every weight and bias of a layer set to 0."""
        self._neuron(layer, 0)
        w, b = self.net.weight(layer), self.net.bias(layer)
        return self.apply(f"layer {layer}: all {w.size + b.size:,} weights and biases set to 0",
                          [(layer, "W", np.arange(w.size), 0.0), (layer, "b", np.arange(b.size), 0.0)])

    def reset(self):
        """Back to the trained model, as one undoable edit."""
        return self.load_diff({}, "reset everything to the trained model")

    def load_diff(self, diff, label):
        """Make the copy equal the trained model plus ``diff`` ({(layer, param): (flat indices, values)}),
        as one undoable edit."""
        changes = []
        for layer in range(1, len(self.net.weights) + 1):
            for param in ("W", "b"):
                target = self.trained_array(layer, param).ravel().copy()
                if (layer, param) in diff:
                    idx, values = diff[(layer, param)]
                    target[np.asarray(idx, dtype=np.int64)] = values
                idx = np.flatnonzero(target != self.array(layer, param).ravel())
                if idx.size:
                    changes.append((layer, param, idx, target[idx]))
        return self.apply(label, changes)

    def load_steps(self, steps, label=None):
        """Make each diff of ``steps`` ({(layer, param): (flat indices, values)}) one undoable edit, in order
        (a history read back from a link). ``label(diff)`` names each (default: ``describe_step``)."""
        label = label or (lambda d: describe_step(d, self.net.sizes))
        edits = [self.apply(label(diff), [(layer, param, idx, values) for (layer, param), (idx, values)
                                          in sorted(diff.items())]) for diff in steps]
        return [e for e in edits if e is not None]


# --- share links -------------------------------------------------------------------------------------

def fingerprint(net: Network) -> str:
    """8 hex digits identifying a trained model's exact numbers, so a link made for other weights is caught."""
    h = hashlib.sha256()
    for arr in net.weights + net.biases:
        h.update(np.ascontiguousarray(arr, dtype=np.float32).tobytes())
    return h.hexdigest()[:8]


def _fmt(v) -> str:
    return np.format_float_positional(np.float32(v), unique=True, trim="-")


def edit_diff(edit: Edit) -> dict:
    """What one edit wrote: {(layer, param): (flat indices, new float32 values)}, indices sorted."""
    return merge_diffs([{(c.layer, c.param): (c.indices, c.new)} for c in edit.changes])


def merge_diffs(diffs) -> dict:
    """Diffs applied one after the other, as one: for each entry, the value the last of them gives it."""
    parts = {}
    for diff in diffs:
        for key, (idx, values) in diff.items():
            parts.setdefault(key, []).append((np.asarray(idx, np.int64), np.asarray(values, np.float32)))
    out = {}
    for key, pieces in parts.items():
        idx = np.concatenate([i for i, _ in pieces])
        values = np.concatenate([v for _, v in pieces])
        # the last value given to an entry wins: unique over the reversed arrays keeps first occurrences
        uniq, first = np.unique(idx[::-1], return_index=True)
        out[key] = (uniq, values[::-1][first])
    return out


def describe_step(diff: dict, sizes) -> str:
    """A label for a step read back from a link (links carry numbers, not labels): which neurons it changed."""
    neurons, n = set(), 0
    for (layer, param), (idx, _) in diff.items():
        n_in = sizes[layer - 1]
        n += len(idx)
        neurons.update((layer, int(j)) for j in (idx if param == "b" else np.unique(np.asarray(idx) // n_in)))
    where = (f"layer {next(iter(neurons))[0]} neuron {next(iter(neurons))[1]}" if len(neurons) == 1 else
             f"{len(neurons)} neurons")
    return f"{where}: {n:,} parameter{'' if n == 1 else 's'} (restored from the address)"


def _groups(diff: dict) -> list:
    groups = []
    for (layer, param), (idx, now) in sorted(diff.items()):
        idx = np.asarray(idx, np.int64)
        if not idx.size:
            continue
        gaps = np.diff(np.concatenate([[-1], idx]))
        groups.append(f"{param}{layer}:" + ",".join(f"{d}={_fmt(v)}" if d != 1 else f"={_fmt(v)}"
                                                    for d, v in zip(gaps, now)))
    return groups


def _pack(text: str) -> str:
    body = zlib.compress(text.encode(), 9)
    return base64.urlsafe_b64encode(hashlib.sha256(body).digest()[:4] + body).decode().rstrip("=")


def encode_link(log: EditLog, merged: int | None = None) -> str:
    """The edits of ``log`` as a URL-safe string: its history, step by step, so that Undo after opening the
    link takes back one step. The first ``merged`` edits become one step (all of them by default: the diff
    against the trained model only, the shortest code); a step that leaves nothing changed is left out.

    Text ``2;<model>;<fingerprint>;<step>;/;<step>...``, each step ``W1:<d>=<v>,<d>=<v>;b1:...`` where d are
    gaps between successive flat indices and v the shortest decimals that round-trip float32, compressed with
    zlib, with 4 bytes of its SHA-256 in front so that a damaged link is detected, in unpadded base64url.
    (Version 1, still read, is one step.)
    """
    n = len(log.done)
    merged = n if merged is None else max(0, min(int(merged), n))
    steps = []
    if merged:
        base = {}
        for key, (idx, values) in merge_diffs(edit_diff(e) for e in log.done[:merged]).items():
            layer, param = key
            keep = values != log.trained_array(layer, param).ravel()[idx]  # back at the trained value: no change
            base[key] = (idx[keep], values[keep])
        steps.append(base)
    steps += [edit_diff(e) for e in log.done[merged:]]
    encoded = [";".join(g) for g in (_groups(d) for d in steps) if g]
    return _pack(";/;".join([";".join([LINK_VERSION, log.name, fingerprint(log.trained)]), *encoded])
                 if encoded else ";".join([LINK_VERSION, log.name, fingerprint(log.trained)]))


_GROUP = re.compile(r"([Wb])([1-9][0-9]{0,8}):(.*)", re.DOTALL)
_ITEM = re.compile(r"([0-9]{0,9})=([^,=]{1,64})")


def decode_link(code: str, trained: dict):
    """(model name, diff) from a share-link string, checked against the trained models {name: Network}: the
    link's steps taken together (see ``decode_steps``), ready for ``EditLog.load_diff``."""
    name, steps = decode_steps(code, trained)
    return name, merge_diffs(steps)


def decode_steps(code: str, trained: dict):
    """(model name, [diff, ...]) from a share-link string, checked against the trained models {name: Network}.

    Each diff is {(layer, param): (flat indices, float32 values)}, one step of the history, in order. The model
    is the one whose trained numbers the link's fingerprint names (whatever else the address says).
    Everything is bounded before it is used: the code's length (MAX_LINK_CHARS, refused rather than cut),
    the inflated text (MAX_LINK_TEXT bytes, refused without inflating more), the number of steps and arrays,
    every number's digits, the entries per array (at most its size). Raises LinkError with a message a person
    can act on, quoting at most 40 characters of the link.
    """
    if not isinstance(code, str) or not code:
        raise LinkError("the link's edit code is missing")
    if len(code) > MAX_LINK_CHARS:
        raise LinkError(f"the link's edit code is {len(code):,} characters long; share links are at most "
                        f"{MAX_LINK_CHARS:,}, so this one was not made by this app")
    if not re.fullmatch(r"[A-Za-z0-9_-]+", code):
        raise LinkError("the link's edit code has characters a share link never contains; was it copied whole?")
    try:
        raw = base64.urlsafe_b64decode(code + "=" * (-len(code) % 4))
    except (ValueError, TypeError) as e:
        raise LinkError("the link's edit code is damaged (not base64); was it copied whole?") from e
    check, body = raw[:4], raw[4:]
    if len(raw) < 5 or hashlib.sha256(body).digest()[:4] != check:
        raise LinkError("the link is damaged or incomplete (its checksum does not match); "
                        "was it cut off when copied?")
    inflate = zlib.decompressobj()
    try:
        # at most MAX_LINK_TEXT + 1 bytes come out, however much the body would inflate to (a zlib bomb)
        data = inflate.decompress(body, MAX_LINK_TEXT + 1)
    except zlib.error as e:
        raise LinkError("the link's edit code is damaged (cannot be decompressed)") from e
    if len(data) > MAX_LINK_TEXT or inflate.unconsumed_tail:
        raise LinkError(f"the link's edits unpack to more than {MAX_LINK_TEXT:,} bytes; it was not made by this app")
    if not inflate.eof or inflate.unused_data:
        raise LinkError("the link's edit code is damaged (its compressed data is incomplete or has bytes after it)")
    try:
        text = data.decode()
    except UnicodeDecodeError as e:
        raise LinkError("the link's edit code is damaged (not text)") from e
    version = text.split(";", 1)[0]
    if version not in ("1", LINK_VERSION):
        raise LinkError("the link was made by another version of this app")
    max_steps = 1 if version == "1" else MAX_LINK_STEPS
    if text.count(";") > 2 + max_steps * (_MAX_LINK_GROUPS + 2):
        raise LinkError("the link's edit code is malformed (more arrays than a network has)")
    if text.count(";/;") >= max_steps:
        raise LinkError(f"the link has more steps of edits than {'a version 1 link may have' if max_steps == 1 else f'the {max_steps:,} a link may have'}; it was not made by this app")
    parts = text.split(";")
    if len(parts) < 3:
        raise LinkError("the link was made by another version of this app")
    name, fp = parts[1], parts[2]
    if name not in trained:  # the name is quoted defanged: it may be a Markdown link or image
        raise LinkError(f"the link is for a model {quote(name)} this app does not have "
                        f"(it has {', '.join(sorted(trained))})")
    # the fingerprint says which trained numbers the edits were made on: it decides the model
    name = next((n for n in [name, *sorted(trained)] if fingerprint(trained[n]) == fp), None)
    if name is None:
        raise LinkError(f"the link was made for different trained {parts[1]} weights than this app ships")
    net = trained[name]
    steps, groups = [], []
    for part in parts[3:] + ["/"]:
        if part != "/":
            groups.append(part)
            continue
        if len(groups) > 2 * len(net.weights):
            raise LinkError("the link's edit code is malformed (more arrays than the network has)")
        if groups or not steps:
            steps.append(_read_groups(groups, net))
        groups = []
    return name, [s for s in steps if s]


def _read_groups(groups, net) -> dict:
    """One step's arrays ``W1:...``, ``b3:...`` as a diff, every number checked before it is used."""
    diff = {}
    for group in groups:
        m = _GROUP.fullmatch(group)
        if not m:
            raise LinkError("the link's edit code is malformed")
        param, layer = m.group(1), int(m.group(2))  # at most 9 digits: int() is cheap and bounded
        if layer > len(net.weights) or (layer, param) in diff:
            raise LinkError("the link's edit code is malformed (unknown or repeated layer)")
        size = net.array(layer, param).size
        items = m.group(3)
        if items.count(",") >= size:
            raise LinkError(f"the link changes more {param}{layer} entries than the {size:,} it has")
        idx, values, pos = [], [], -1
        for item in items.split(","):
            im = _ITEM.fullmatch(item)
            if not im:
                raise LinkError("the link's edit code is malformed (not a number, or a number far too long)")
            gap, value = im.groups()
            step = int(gap) if gap else 1  # at most 9 digits
            pos += step
            if step < 1:  # gaps are >= 1: each entry once, in order
                raise LinkError(f"the link's edit code is malformed (a {param}{layer} entry given twice)")
            if pos >= size:
                raise LinkError(f"the link changes a {param}{layer} entry that does not exist")
            try:
                v = float(value)
            except ValueError:
                raise LinkError("the link's edit code is malformed (not a number)") from None
            if not np.isfinite(v) or abs(v) > MAX_PARAMETER:
                raise LinkError(f"the link sets a value ({quote(value)}) that is not finite or beyond ±{MAX_PARAMETER:g}")
            idx.append(pos)
            values.append(v)
        diff[(layer, param)] = (np.array(idx, np.int64), np.array(values, np.float32))
    return diff
