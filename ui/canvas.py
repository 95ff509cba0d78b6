"""The drawing canvas (streamlit-drawable-canvas) as every page uses it: its strokes decoded, its toolbar hidden.

The canvas's own toolbar (undo, redo, an edit toggle that stops drawing, reset) acts on the canvas alone and
replays earlier strokes to the app, which a page would take as new strokes: each page offers its own Undo and
Clear instead. The canvas draws inside an open shadow root that the page's CSS cannot reach, so a few lines of
JavaScript put the rule into that root, and an observer puts it back whenever the canvas is mounted again.
"""
from __future__ import annotations

import base64
import io

import numpy as np
import streamlit as st
from PIL import Image

_HIDE_TOOLBAR_JS = """
export default function ({ data }) {
  const hide = () => document.querySelectorAll(data.selector).forEach((el) => {
    const root = el.shadowRoot;
    if (root && !root.querySelector('style[data-hide-toolbar]')) {
      const style = document.createElement('style');
      style.dataset.hideToolbar = '';
      style.textContent = '.dc-toolbar { display: none !important; }';
      root.appendChild(style);
    }
  });
  hide();
  let queued = false;
  const observer = new MutationObserver(() => {
    if (!queued) { queued = true; requestAnimationFrame(() => { queued = false; hide(); }); }
  });
  observer.observe(document.querySelector('[data-testid="stMain"]') || document.body, { childList: true, subtree: true });
  return () => observer.disconnect();
}
"""
_hider = None


def hide_toolbar(container_key: str):
    """Hide the toolbar of every canvas inside ``st.container(key=container_key)``."""
    global _hider
    if _hider is None:  # registered on first use, inside a running app
        _hider = st.components.v2.component("hide_canvas_toolbar", html="<span></span>", js=_HIDE_TOOLBAR_JS,
                                            isolate_styles=False)
    _hider(data={"selector": f".st-key-{container_key} *"}, key=f"hide_toolbar_{container_key}",
           width="content", height="content")


def decode_png(data_url: str) -> np.ndarray:
    """A canvas's data URL as an (H, W, 4) uint8 RGBA array."""
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(data_url.split(",", 1)[1]))).convert("RGBA"))
