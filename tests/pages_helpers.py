"""Helpers for AppTest page tests."""
from __future__ import annotations

import base64
import io

import numpy as np
from PIL import Image
from streamlit.testing.v1 import AppTest

from src.preprocess import resize
from tests.conftest import ROOT


def open_page(page: str, query=None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    if query:  # the app opened from a link with these query parameters
        at.query_params.update(query)
    at.run()
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def canvas_png(digit28: np.ndarray, size=280, margin=40) -> str:
    """A canvas-like drawing (white on black RGBA) of a 28x28 digit, as the canvas's data URL."""
    inner = resize(np.asarray(digit28, np.float32) / (255 if digit28.dtype == np.uint8 else 1),
                   size - 2 * margin, size - 2 * margin)
    gray = np.zeros((size, size), np.float32)
    gray[margin:size - margin, margin:size - margin] = inner
    rgba = np.zeros((size, size, 4), np.uint8)
    rgba[..., :3] = (np.clip(gray, 0, 1) * 255).astype(np.uint8)[..., None]
    rgba[..., 3] = 255
    buf = io.BytesIO()
    Image.fromarray(rgba, "RGBA").save(buf, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def inject_drawing(at: AppTest, key: str, data_url: str | None):
    at.session_state[key] = {"drawing": {"raw": {"objects": []}, "data": data_url}, "backgroundFit": None}


def keyed(at: AppTest, key: str):
    """The container made with st.container(key=key): its block id ends with '-<key>'."""
    node = _find(at._tree, key)
    assert node is not None, f"no container with key {key!r}"
    return node


def container_text(at: AppTest, key: str) -> str:
    """All markdown text inside the container with the given key."""
    node = keyed(at, key)
    return " ".join(m.value for kind in ("markdown", "caption", "warning", "info") for m in node.get(kind))


def _find(node, key):
    proto = getattr(node, "proto", None)
    if str(getattr(proto, "id", "")).endswith(f"-{key}"):
        return node
    for child in getattr(node, "children", {}).values():
        found = _find(child, key)
        if found is not None:
            return found
    return None
