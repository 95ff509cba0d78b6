"""The 'fool it' pixel editor: the room's test image, changed stroke by stroke, with its own Undo."""
from __future__ import annotations

import numpy as np
import streamlit as st

from src.infra import challenges as ch
from src.network import SIDE
from src.preprocess import resize

from .. import canvas, data, figures
from . import CANVAS, ERASE, INK, PEN, PEN_PX, PIXELS, UNDO
from src.words import a as article

GRID_PX = 280                 # the image on screen: 10 px a pixel
UNDO_KEPT = 30


def pixels_of(room, service_) -> np.ndarray:
    """This session's version of the room's image, float32 (784,) in [0, 1] (the original at first)."""
    images = st.session_state[PIXELS]
    if room.code not in images:
        images[room.code] = original_pixels(room, service_)
    return images[room.code]


def original_pixels(room, service_) -> np.ndarray:
    return service_.judge.original(ch.challenge_of(room)).astype(np.float32) / np.float32(255)


def _set_pixels(room_code, new):
    images = st.session_state[PIXELS]
    st.session_state[UNDO] = (st.session_state[UNDO] + ((room_code, images[room_code].copy()),))[-UNDO_KEPT:]
    images[room_code] = new.astype(np.float32)


def pen_width() -> int:
    return int(st.session_state[PEN_PX]) * GRID_PX // SIDE


def pen_colour() -> str:
    return "rgba(255,255,255,1)" if st.session_state[PEN] == INK else "rgba(252,98,85,1)"


def stroke_cells(alpha: np.ndarray) -> np.ndarray:
    """Which of the 28x28 pixels a stroke covers: (28, 28) bool, from the canvas's (H, W) alpha in [0, 1]
    (280x280, or a multiple on a high-density screen). A pixel counts when the pen covered at least 40% of
    its area, so a stroke changes whole pixels and a one-pixel pen changes one row or column of them."""
    a = np.asarray(alpha, np.float32)
    h, w = a.shape
    if h % SIDE == 0 and w % SIDE == 0:
        cover = a.reshape(SIDE, h // SIDE, SIDE, w // SIDE).mean(axis=(1, 3))  # the exact share of each cell
    else:
        cover = resize(a, SIDE, SIDE)
    return cover >= 0.4


def pen_stroke(alpha, room_code) -> bool:
    """A stroke just drawn sets the pixels it covers to white (ink) or black (erase); whether any changed."""
    cells = stroke_cells(alpha).ravel()
    images = st.session_state[PIXELS]
    if not cells.any() or room_code not in images:
        return False
    new = images[room_code].copy()
    new[cells] = 1.0 if st.session_state.get(PEN, INK) == INK else 0.0
    if np.array_equal(new, images[room_code]):
        return False
    _set_pixels(room_code, new)
    return True


# every stroke one action; a fresh canvas after each change, so no stroke is applied twice
STROKES = canvas.StrokeCanvas(CANVAS, pen_stroke, container="ws_fool_canvas")


def reset_image(room_code, original):
    if room_code in st.session_state[PIXELS]:
        _set_pixels(room_code, original)
        STROKES.renew()


def undo_pixels(room_code):
    history = list(st.session_state[UNDO])
    for i in range(len(history) - 1, -1, -1):
        if history[i][0] == room_code:
            st.session_state[PIXELS][room_code] = history.pop(i)[1]
            st.session_state[UNDO] = tuple(history)
            STROKES.renew()
            return


def can_undo_pixels(room_code) -> bool:
    return any(code == room_code for code, _ in st.session_state[UNDO])


def changed_cells(pixels, original) -> np.ndarray:
    return np.flatnonzero(np.rint(np.asarray(pixels) * 255) != np.rint(np.asarray(original) * 255))


def fool_image(pixels, original, size=GRID_PX) -> np.ndarray:
    """The image as RGB (size, size): white ink on black, with every changed pixel outlined in orange."""
    img = np.repeat(figures.gray_image(np.asarray(pixels).reshape(SIDE, SIDE), size)[..., None], 3, axis=2)
    return figures.outline_cells(img, changed_cells(pixels, original))


def reading(room, pixels):
    """(the trained model's answer for ``pixels``, its ten outputs)."""
    out = data.shipped(room.model).feedforward(np.asarray(pixels, np.float32))
    return int(np.argmax(out)), out


def editor(service_, room, nick, presenting, on_submit):
    """The image, the pen, the network's reading, Undo, Start again and Submit (``on_submit`` sends it)."""
    original = original_pixels(room, service_)
    pixels_of(room, service_)
    STROKES.take(room.code)  # a stroke no callback applied (none in a browser; AppTest sets the canvas's value)
    pixels = pixels_of(room, service_)
    answer, outputs = reading(room, pixels)
    target = ch.challenge_of(room).params["target"]
    changed = len(changed_cells(pixels, original))
    left_col, right_col = st.columns([1, 1.2], gap="large")
    with left_col:
        with st.container(key=STROKES.container):  # a finger scrolls past it; a tap arms it for one stroke
            STROKES.draw(figures.png(fool_image(pixels, original)), GRID_PX, pen_width(), pen_colour(),
                         args=(room.code,))
        st.caption("Drag over the image: each stroke sets the pixels it covers to white (ink) or black (erase). "
                   "Changed pixels are outlined in orange.")
    with right_col:
        with st.container(horizontal=True, key="ws_fool_status"):
            st.metric("The network reads", str(answer), width="content",
                      delta="fooled!" if answer == target else f"target {target}",
                      delta_color="normal" if answer == target else "off", delta_arrow="off")
            st.metric("Changed pixels", f"{changed:,}", width="content")
        with st.container(key="ws_fool_bars"):  # the answer's bar (the largest output) in the highlight colour
            st.image(figures.output_bars_svg(outputs), width="stretch")
        if not presenting:
            with st.container(horizontal=True, key="ws_pen_controls"):
                st.segmented_control("Pen", [INK, ERASE], key=PEN, format_func=str.capitalize, required=True)
                st.slider("Pen width (pixels)", 1, 3, key=PEN_PX, width=200)
        with st.container(horizontal=True, key="ws_fool_actions"):
            st.button("Undo", icon=":material/undo:", on_click=undo_pixels, args=(room.code,),
                      disabled=not can_undo_pixels(room.code), key="ws_fool_undo")
            st.button("Start again", icon=":material/restart_alt:", on_click=reset_image,
                      args=(room.code, original), disabled=changed == 0, key="ws_fool_reset")
            st.button("Submit my image", type="primary", icon=":material/send:", key="ws_submit_image",
                      disabled=not room.is_open or answer != target, on_click=on_submit)
        if answer != target:
            st.caption(f"Submit opens once the network reads {article(target)}.")
