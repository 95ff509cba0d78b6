"""The gallery for the projector: the top entries side by side, each as what it is (the kind's ``gallery``):
the rebuilt layer's weights (from scratch: 28x28 weight images for the first layer), the edited neurons (fewest
edits) or the fooled image (fool it). Pictures are made on the server from the stored share code, as the judge
rebuilds it."""
from __future__ import annotations

import json

import numpy as np
import streamlit as st

from src.infra import challenges as ch
from src.infra.judge import decode_image
from src.infra import workshop as ws
from src.network import SIDE

from .. import figures
from ..text import safe
from . import fool

TOP = 6          # entries shown
TILE = 112        # px a 28x28 weight image takes in a tile (4 px a weight)
MAX_NEURONS = 8  # edited neurons drawn per entry


def _grid(tiles, per_row, gap=4) -> np.ndarray:
    """RGB tiles of one size, ``per_row`` to a row, on a dark grey background."""
    h, w = tiles[0].shape[:2]
    rows = -(-len(tiles) // per_row)
    out = np.full((rows * (h + gap) - gap, min(len(tiles), per_row) * (w + gap) - gap, 3), 40, np.uint8)
    for i, t in enumerate(tiles):
        r, c = divmod(i, per_row)
        out[r * (h + gap):r * (h + gap) + h, c * (w + gap):c * (w + gap) + w] = t
    return out


def _rows_picture(rows, changed=None, tile=TILE) -> list:
    """Each row of weights as a tile: a 28x28 image when it reads the pixels, else a square of cells."""
    tiles = []
    for i, row in enumerate(rows):
        side = SIDE if row.size == SIDE ** 2 else int(np.ceil(np.sqrt(row.size)))
        padded = np.zeros(side * side, np.float32)
        padded[:row.size] = row
        img = figures.signed_image(padded.reshape(side, side), size=tile)
        img = img[:tile, :tile] if img.shape[0] >= tile else np.pad(img, ((0, tile - img.shape[0]),
                                                                         (0, tile - img.shape[1]), (0, 0)))
        if changed is not None and img.shape[0] // side > 2:
            img = figures.outline_cells(img, np.flatnonzero(changed[i]), side=side)
        tiles.append(img)
    return tiles


def layer_weights(judge, challenge, code):
    """(picture, caption): the zeroed-then-rebuilt layer, one tile per neuron."""
    net = judge.rebuild(challenge, code)
    layer = challenge.start_layer or ch.LAYERS[-1]
    w = net.weight(layer)
    return _grid(_rows_picture(w), per_row=4), f"{ch.layer_name(layer)}: {w.shape[0]} neurons"


def edited_neurons(judge, challenge, code):
    """(picture, caption): each neuron with a changed weight or bias, changed weights outlined."""
    net, start = judge.rebuild(challenge, code), judge.start(challenge)
    tiles, names = [], []
    for layer in ch.LAYERS:
        w, w0 = net.weight(layer), start.weight(layer)
        b, b0 = net.bias(layer), start.bias(layer)
        rows = np.flatnonzero(np.any(w != w0, axis=1) | (b != b0))
        for n in rows:
            if len(tiles) < MAX_NEURONS:
                tiles += _rows_picture(w[n:n + 1], changed=(w[n:n + 1] != w0[n:n + 1]))
            names.append(f"L{layer}·{n}")
    if not tiles:
        return None, "no neuron changed"
    more = f" (+{len(names) - MAX_NEURONS} more)" if len(names) > MAX_NEURONS else ""
    return _grid(tiles, per_row=4), "edited: " + ", ".join(names[:MAX_NEURONS]) + more


def fooled_image(judge, challenge, code):
    """(picture, caption): the submitted image, changed pixels outlined."""
    image = decode_image(code).reshape(-1).astype(np.float32) / 255
    original = judge.original(challenge).astype(np.float32) / 255
    return fool.fool_image(image, original, size=SIDE * 8), f"read as {challenge.params['target']}"


PICTURES = {ch.LAYER_WEIGHTS: layer_weights, ch.EDITED_NEURONS: edited_neurons, ch.FOOLED_IMAGE: fooled_image}


@st.cache_data(max_entries=256, show_spinner=False)
def picture(kind: str, model: str, params_json: str, code: str, _judge):
    """An entry's (PNG bytes or None, caption), made once per entry."""
    challenge = ch.Challenge(kind, model, json.loads(params_json))
    try:
        img, caption = PICTURES[challenge.spec.gallery](_judge, challenge, code)
    except ws.WorkshopError as e:
        return None, str(e)
    return (figures.png(img) if img is not None else None), caption


def show(service_, room, entries):
    """The top entries side by side, each with its rank, nickname and score."""
    challenge = ch.challenge_of(room)
    if service_.judge is None:
        st.info("The gallery needs the MNIST test set, which this server does not have.")
        return
    top = entries[:TOP]
    if not top:
        return
    with st.container(horizontal=True, key="lb_gallery", gap="medium"):
        for e in top:
            try:
                code = service_.entry_code(room.code, e.submission)
            except ws.WorkshopError:
                continue
            png, caption = picture(challenge.kind, challenge.model, json.dumps(challenge.params, sort_keys=True),
                                   code, service_.judge)
            with st.container(border=True, width=300, key=f"lb_gallery_{e.submission}"):
                st.markdown(f"**#{e.rank} {safe(e.nickname, ws.MAX_NICKNAME)}** · "
                            f"{challenge.format_score(e.score)}")
                if png is not None:
                    st.image(png, width="stretch")
                st.caption(caption)  # made here from numbers, never from typed text
