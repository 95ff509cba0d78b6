"""Text that came from outside (a file, a link) quoted in a message a person will read.

Messages from the library reach a page, which may render them as Markdown: quoted names must not carry a link,
an image or markup there, whatever the page does with them.
"""
from __future__ import annotations

import re

QUOTE_CHARS = 40


def quote(value, limit=QUOTE_CHARS) -> str:
    """Untrusted text for a message: at most ``limit`` characters, every character that Markdown, HTML or a
    link detector could act on (``[ ] ( ) < > : / . @ * ` \\`` ...) shown as '?', then repr-quoted."""
    text = value if isinstance(value, str) else str(value)
    shown = re.sub(r"[^A-Za-z0-9_ +-]", "?", text[:limit])
    return repr(shown) + ("…" if len(text) > limit else "")
