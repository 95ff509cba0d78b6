"""A room's leaderboard (each nickname's best submission, ranked as its challenge says) and its CSV export."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime, timezone

from .challenges import Challenge


@dataclass(frozen=True)
class Entry:
    """One participant's line: their best submission and how many they made."""

    rank: int
    nickname: str
    score: float
    edits: int
    tries: int
    created: float   # time of the best submission
    submission: int  # its id (for opening its network)


def rank(challenge: Challenge, submissions) -> list[Entry]:
    """Each nickname's best submission, best first. Accuracy: higher first, then fewer edits; pixels: fewer
    first; then whoever got there first."""
    sign = -1 if challenge.higher_is_better else 1
    best, tries = {}, {}
    for s in submissions:
        key = (sign * s.score, s.edits, s.created, s.id)
        tries[s.nick_key] = tries.get(s.nick_key, 0) + 1
        if s.nick_key not in best or key < best[s.nick_key][0]:
            best[s.nick_key] = (key, s)
    ordered = sorted(best.values(), key=lambda kv: kv[0])
    return [Entry(i, s.nickname, s.score, s.edits, tries[s.nick_key], s.created, s.id)
            for i, (_, s) in enumerate(ordered, start=1)]


# --- export --------------------------------------------------------------------------------------------

CSV_COLUMNS = ("time", "nickname", "score", "edits", "share code")


def spreadsheet_safe(cell) -> str:
    """A CSV cell a spreadsheet shows as text: one starting with = + - @ (a formula), tab or carriage return
    gets a leading apostrophe (OWASP, CSV injection)."""
    text = str(cell)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def submissions_csv(submissions) -> str:
    """Submissions as CSV text (time in UTC, ISO 8601; nickname; score; edits; share code), every cell made
    spreadsheet-safe. Encode it as UTF-8 (with a BOM, which spreadsheets take as the sign of UTF-8)."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(CSV_COLUMNS)
    for s in submissions:
        when = datetime.fromtimestamp(s.created, timezone.utc).isoformat(timespec="seconds")
        w.writerow([spreadsheet_safe(c) for c in (when, s.nickname, repr(float(s.score)), s.edits, s.share_code)])
    return out.getvalue()
