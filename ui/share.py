"""“Share this app”: the app's address and a QR code of it, made offline (segno), big enough to project.

    from ui.share import share_panel
    share_panel()                                   # the app's home page
    share_panel("workshop", {"room": "K7QXM"})      # a deep link: scanning it joins room K7QXM

The address is the one the browser shows (``st.context.url``), without the current page's path, or
``VANILLA_PUBLIC_URL`` when set (an app behind a proxy, or a laptop whose visitors use another name for it).
A teacher who opened the app as ``localhost`` would hand out an address that only their own computer can
open; the panel then shows the computer's address on the local network instead (as ``streamlit run``'s
“Network URL”) and says so.
"""
from __future__ import annotations

import ipaddress
import os
from urllib.parse import urlencode, urlsplit, urlunsplit

import segno
import streamlit as st

from . import state
from .registry import PAGES

DEFAULT_URL = "http://localhost:8501"
_LOCAL_NAMES = {"localhost", "0.0.0.0", "::", "::1", ""}


def app_base(url: str | None = None) -> str:
    """The app's home address: ``url`` (default: VANILLA_PUBLIC_URL, else the browser's ``st.context.url``)
    without query, fragment or the current page's path, and without a trailing slash."""
    if url is None:
        url = os.environ.get("VANILLA_PUBLIC_URL") or _context_url() or DEFAULT_URL
    parts = urlsplit(url.strip())
    path = parts.path.rstrip("/")
    for page in PAGES:
        if page.url_path and path.endswith("/" + page.url_path):
            path = path[: -len(page.url_path) - 1]
            break
    return urlunsplit((parts.scheme or "http", parts.netloc, path, "", "")).rstrip("/")


def _context_url() -> str | None:
    try:
        return st.context.url
    except Exception:  # noqa: BLE001 - outside a browser session (tests, scripts) there is no URL
        return None


def address(page: str = "", query: dict | None = None, base: str | None = None) -> str:
    """The full address of ``page`` (a url_path such as 'workshop'; '' for home) with ``query``."""
    base = app_base() if base is None else base
    url = base + ("/" + page.strip("/") if page else "/")
    return url + ("?" + urlencode(query) if query else "")


def local_only(url: str) -> bool:
    """Whether ``url`` names this computer only (localhost, 127.x, ::1): useless to anyone else."""
    host = urlsplit(url).hostname or ""
    if host in _LOCAL_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback or ipaddress.ip_address(host).is_unspecified
    except ValueError:
        return host.endswith(".localhost")


def network_twin(url: str) -> str | None:
    """``url`` with this computer's local-network address in place of localhost (None when unknown)."""
    try:
        from streamlit.net_util import get_internal_ip
        ip = get_internal_ip()
    except Exception:  # noqa: BLE001 - no network: nothing better to offer
        ip = None
    if not ip:
        return None
    parts = urlsplit(url)
    host = f"[{ip}]" if ":" in ip else ip
    netloc = host + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def qr_svg(text: str, dark: str = "#000000", light: str = "#ffffff") -> str:
    """A QR code of ``text`` as SVG markup that scales to any width (a viewBox, no fixed size), dark on
    light with the standard 4-module quiet zone: scanners need the light margin, also on a dark page."""
    qr = segno.make(text, error="m", micro=False)
    return qr.svg_inline(scale=10, dark=dark, light=light, border=4, omitsize=True)


def share_panel(page: str = "", query: dict | None = None, title: str = "Share this app", size: int | None = None,
                key: str = "share"):
    """Draw the address of ``page`` (home by default) and its QR code in the current container.

    ``size``: the QR code's width in pixels (default 300, 460 in the presenter view)."""
    presenting = state.presenting()
    size = size or (460 if presenting else 300)
    url = address(page, query)
    note = None
    if local_only(url):
        twin = network_twin(url)
        if twin:
            note = (f"Only this computer can open {urlsplit(url).netloc}, so this is its address on the local "
                    "network, for people on the same Wi-Fi (set VANILLA_PUBLIC_URL to hand out another).")
            url = twin
        else:
            note = ("This address only works on this computer. Set VANILLA_PUBLIC_URL to the address people "
                    "should use.")
    with st.container(key=f"{key}_panel"):
        if title:
            st.markdown(f"**{title}**" if not presenting else f"### {title}")
        st.image(qr_svg(url), width=size)
        st.code(url, language=None, wrap_lines=True)
        if note and not presenting:
            st.caption(note)
    return url
