"""Small words that depend on a number: "an 8" but "a 7", "1 neuron" but "2 neurons"."""
from __future__ import annotations


def a(n) -> str:
    """``n`` with its indefinite article, as said aloud: 'an 8', 'an 11', 'an 18', 'an 80', 'an 11,000' (eleven thousand), 'a 7', 'a 1'."""
    text = str(n)
    spoken_vowel = text.startswith("8") or text in ("11", "18") or (text.startswith(("11", "18")) and len(text) == 5)
    return f"{'an' if spoken_vowel else 'a'} {text}"


def plural(n: int, word: str, many: str | None = None) -> str:
    """'1 participant', '2 participants', '1 try', '3 tries' (``many`` when the plural is not word + 's')."""
    return f"{n:,} {word if n == 1 else (many or word + 's')}"
