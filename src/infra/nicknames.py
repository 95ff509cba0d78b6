"""Nicknames in a class room: cleaned for showing, compared as people read them, and suggested.

Two nicknames are one when their *skeletons* are equal, after Unicode TR 39 ("Unicode Security Mechanisms",
section 4: confusable detection): NFKC (full-width 'Ａｎａ' is 'Ana'), then each character that looks like a Latin
letter or digit replaced by it ('Аna' with a Cyrillic А, 'Αna' with a Greek Α), then case folded ('ANA' is 'ana').
The table below is the common Latin/Cyrillic/Greek part of TR 39's confusables.txt, not all of it: enough that
nobody in a room can pass for someone else on the projector with letters of another alphabet.
"""
from __future__ import annotations

import secrets
import unicodedata

MAX_NICKNAME = 24  # characters (code points) after cleaning


class NicknameError(ValueError):
    """A nickname that cannot be used; the message says why."""


_KEEP_FORMAT = {"\u200c", "\u200d"}  # zero-width (non-)joiners: parts of emoji and of some scripts' words


def clean(text) -> str:
    """A nickname as it will be stored and shown: NFC, control and format characters (bidi overrides,
    zero-width spaces) removed, runs of white space made one space, at most MAX_NICKNAME characters.
    Any script and emoji are welcome. Raises NicknameError when nothing visible is left or it is too long."""
    if not isinstance(text, str):
        raise NicknameError("Choose a nickname.")
    out = []
    for ch in unicodedata.normalize("NFC", text):
        cat = unicodedata.category(ch)
        if cat == "Cc":
            out.append(" ")  # a newline or tab separates words
        elif cat in ("Cs", "Co", "Cn") or (cat == "Cf" and ch not in _KEEP_FORMAT):
            continue
        else:
            out.append(ch)
    nick = " ".join("".join(out).split())
    if not nick or not any(unicodedata.category(c)[0] in "LNPS" for c in nick):
        raise NicknameError("Choose a nickname with at least one visible character.")
    if len(nick) > MAX_NICKNAME:
        raise NicknameError(f"A nickname has at most {MAX_NICKNAME} characters (this one has {len(nick)}).")
    return nick


def key(nick: str) -> str:
    """The form submissions are grouped by: 'Ana', 'ana' and 'Ａｎａ' are one participant."""
    return unicodedata.normalize("NFKC", nick).casefold()


# Look-alikes of Latin letters and digits (TR 39 confusables.txt, Latin/Cyrillic/Greek, both cases).
_CONFUSABLE_PAIRS = {
    # Cyrillic
    "А": "A", "В": "B", "С": "C", "Е": "E", "Н": "H", "І": "I", "Ј": "J", "К": "K", "М": "M", "О": "O",
    "Р": "P", "Ѕ": "S", "Т": "T", "Х": "X", "Ү": "Y", "Ԁ": "d", "Ԛ": "Q", "Ԝ": "W", "Ӏ": "l", "З": "3",
    "а": "a", "с": "c", "е": "e", "һ": "h", "і": "i", "ј": "j", "о": "o", "р": "p", "ԛ": "q", "ѕ": "s",
    "ԝ": "w", "х": "x", "у": "y", "ү": "y", "ԁ": "d", "ӏ": "l", "ɡ": "g",
    # Greek
    "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M", "Ν": "N", "Ο": "O",
    "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X", "ο": "o", "ν": "v", "ρ": "p", "ι": "i", "α": "a", "κ": "k",
    "τ": "t", "υ": "u", "ϲ": "c", "ϳ": "j",
    # Latin look-alikes of Latin: dotless i, long s, digits read as letters
    "ı": "i", "ſ": "f", "0": "o", "1": "l", "|": "l",
}
_CONFUSABLES = str.maketrans(_CONFUSABLE_PAIRS)


def skeleton(nick: str) -> str:
    """The form look-alike nicknames share: NFKC, confusables mapped to Latin, case folded, white space gone
    ('Ana', ' ana ', 'Аna' with a Cyrillic А and 'A n a' have one skeleton)."""
    text = unicodedata.normalize("NFKC", nick).translate(_CONFUSABLES).casefold()
    return "".join(text.translate(_CONFUSABLES).split())  # casefold can make new look-alikes ('І' -> 'і')


_ADJECTIVES = ("Brave", "Calm", "Clever", "Curious", "Eager", "Gentle", "Happy", "Jolly", "Keen", "Lucky",
               "Merry", "Nimble", "Quick", "Quiet", "Sunny", "Swift", "Witty", "Bold", "Bright", "Kind")
_ANIMALS = ("Otter", "Panda", "Falcon", "Koala", "Lynx", "Heron", "Badger", "Dolphin", "Fox", "Gecko", "Ibis",
            "Lemur", "Marten", "Owl", "Puffin", "Quokka", "Robin", "Seal", "Tapir", "Wombat")


def random_nickname(rng=secrets) -> str:
    """An anonymous nickname such as 'Swift Otter 42'."""
    return f"{rng.choice(_ADJECTIVES)} {rng.choice(_ANIMALS)} {rng.choice(range(10, 100))}"


def suggest(nick: str, taken_skeletons) -> str:
    """A free nickname close to ``nick``: 'Ana 2', 'Ana 3'... (a random one when none of those is free)."""
    taken = set(taken_skeletons)
    for n in range(2, 100):
        tail = f" {n}"
        candidate = nick[:MAX_NICKNAME - len(tail)] + tail
        if skeleton(candidate) not in taken:
            return candidate
    while True:
        candidate = random_nickname()
        if skeleton(candidate) not in taken:
            return candidate
