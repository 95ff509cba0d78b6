"""Text a visitor supplied (a file name, a field of a share link, a nickname), made safe to show.

Streamlit renders st.markdown, captions, labels and messages as Markdown: a file named like
``[click](https://evil)`` or ``![](https://tracker/pixel.png)`` would become a live link or an image loaded
from an outside host. ``safe`` escapes every Markdown and HTML meaning out of such text.
"""
from __future__ import annotations

import re
import unicodedata

# Every ASCII punctuation character can be backslash-escaped in CommonMark; escaping them all also breaks
# autolinks (www\.x\.com, http\:\/\/…), Streamlit's :material/…: and :red[…] directives and $math$.
_PUNCT = re.compile(r"([!-/:-@\[-`{-~])")


# Control and format characters go (bidi overrides can reverse a name on screen), except white space, made
# one space, and the zero-width joiner that glues emoji such as 👩‍👩‍👧 together.
_KEPT = "\r\n\t\u200d"


def clean(text, limit=80) -> str:
    """One line of at most ``limit`` characters, without control or format characters (bidi overrides)."""
    text = unicodedata.normalize("NFC", str(text))
    text = "".join(" " if ch in "\r\n\t" else ch for ch in text
                   if unicodedata.category(ch) not in ("Cc", "Cf") or ch in _KEPT)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


# Escapes alone do not stop GFM's autolinks (https://…, www.…, name@host, mailto:…): Streamlit's Markdown finds
# them in the text after escapes are resolved. An invisible word joiner on both sides of every ':' and '@', and
# of the '.' after "www", breaks each such pattern (after the mark alone is not enough: "www.⁠x" still links).
# Other dots are left alone, so numbers such as 9.80 stay as they are.
_JOINER = "\u2060"
_LINK_MARKS = re.compile(r"(\\[:@]|(?<=[wW][wW][wW])\\\.)")


def sentence(text) -> str:
    """A reason as a sentence: ending in '.', unless it already ends in '.', '?' or '!'."""
    text = str(text).rstrip()
    return text if text.endswith((".", "?", "!")) else text + "."


def safe(text, limit=80) -> str:
    """``text`` for st.markdown and friends: cleaned, every Markdown/HTML meaning escaped, no autolink."""
    escaped = _PUNCT.sub(r"\\\1", clean(text, limit))
    return _LINK_MARKS.sub(_JOINER + r"\1" + _JOINER, escaped)
