"""One way to put a piece of our own JavaScript in the page: a Streamlit Components v2 component (no iframe)
whose script is a plain file under ui/ (no build step).

A component is registered once per server process, on first use inside a running app (registering at import
would need a running Streamlit); the file is read then. Mounting it again with the same ``data`` costs nothing:
Streamlit sends the data once and the script keeps its state on its ``parentElement``."""
from __future__ import annotations

from pathlib import Path

import streamlit as st

UI = Path(__file__).resolve().parent
_registered: dict = {}


def component(name: str, js_file: str, html: str = "<span></span>", css: str | None = None,
              isolate_styles: bool = False):
    """The mount callable of component ``name``, whose script is ``ui/<js_file>``."""
    if name not in _registered:
        kw = {"css": css} if css else {}
        _registered[name] = st.components.v2.component(name, html=html, js=(UI / js_file).read_text(),
                                                      isolate_styles=isolate_styles, **kw)
    return _registered[name]


def script(name: str, js_file: str, data: dict, key: str):
    """A script with no visible element of its own (a guard, a cookie, a listener): mounted with ``data``."""
    return component(name, js_file)(data=data, key=key, width="content", height="content")
