"""What the workshop database keeps, as the rest of the app sees it: rooms, participants, submissions, the
counts the rules read before storing a submission, and the errors a person can act on."""
from __future__ import annotations

from dataclasses import dataclass


class StorageError(RuntimeError):
    """The database cannot be used right now; the message says why and what to do."""


class DatabaseReset(StorageError):
    """The SQLite file was deleted while the app ran: a new, empty one was made (earlier rooms are gone)."""


@dataclass(frozen=True)
class Room:
    """A challenge room. ``params`` is the challenge's settings (JSON in the database); times are Unix seconds;
    ``opener`` is the session token of whoever opened it; ``teacher_only``: opened with the teacher secret,
    so only the secret closes or clears it."""

    code: str
    kind: str
    params: dict
    model: str
    created: float
    closed: float | None
    opener: str
    teacher_only: bool
    deadline: float | None = None  # no submissions after this time
    frozen: float | None = None    # the board shows only submissions made before this time

    @property
    def is_open(self):
        return self.closed is None


@dataclass(frozen=True)
class Participant:
    """Someone who joined a room: their browser's token (``session``), the nickname as shown, its comparison form
    (``nick_key``) and its look-alike form (``skeleton``: 'Ana' and 'Аna' with a Cyrillic А are one)."""

    room: str
    session: str
    nickname: str
    nick_key: str
    skeleton: str
    joined: float


@dataclass(frozen=True)
class Submission:
    """One scored submission. ``share_code`` is an ``edits.encode_link`` code (or an image code for
    'fool it'); ``nick_key`` is the nickname's comparison form; ``id`` is 0 until stored."""

    room: str
    nickname: str
    nick_key: str
    score: float
    edits: int
    share_code: str
    created: float
    session: str
    id: int = 0


@dataclass(frozen=True)
class SubmitStats:
    """What the rules need to decide whether a submission may be added, read inside its transaction."""

    total: int                  # submissions in the room
    participants: int           # distinct nicknames in the room
    session_count: int          # this session's submissions in the room
    session_last: float | None  # time of this session's latest submission
    nick_owner: str | None      # session that first submitted under this nickname, None if new
    joined_as: str | None = None  # this session's nick_key among the room's participants, None if not joined
