"""The workshop service: a teacher opens a room with a short code, participants join with a nickname and submit;
the server scores every submission itself and keeps a leaderboard.

Who does what: the challenge kinds and a room's ``Challenge`` are in src.infra.challenges, scoring in
src.infra.judge (``Judge``), the board and its CSV export in src.infra.leaderboard, the database in
src.infra.storage. Here: room codes, session tokens and nicknames as typed, the ``Limits``, and ``Workshop``, which
checks the rules (room open, rate limit, capacity, nickname taken) in the same database transaction that stores
a submission, and gives teachers their tools.
"""
from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import threading
import time
from dataclasses import dataclass

import numpy as np

from ..words import plural
from . import nicknames
from .challenges import Challenge, WorkshopError, challenge_of
from .judge import Judge
from .leaderboard import Entry, rank, submissions_csv
from .nicknames import MAX_NICKNAME, random_nickname, skeleton  # noqa: F401  (the join form's rules)
from .records import Participant, Room, SubmitStats, Submission
from .storage import Storage

# Room codes: no I, L, O, 0 or 1, which people misread on a projector. 31^5 = 28.6 million codes.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 5
ROOM_CODE = re.compile(r"[A-HJKMNP-Z2-9]{5}")
SESSION_TOKEN = re.compile(r"[A-Za-z0-9_-]{8,64}")

class NicknameTaken(WorkshopError):
    """A nickname someone in the room has (or one that looks the same); ``suggestion`` is a free one."""

    def __init__(self, message, suggestion):
        super().__init__(message)
        self.suggestion = suggestion


@dataclass(frozen=True)
class Limits:
    """What one room and one session may do."""

    min_interval: float = 5.0     # seconds between two stored submissions of one session
    attempt_interval: float = 1.0  # seconds between two attempts (refused ones too) of one session, per server
    per_session: int = 20         # submissions per session per room
    max_submissions: int = 600    # per room
    max_participants: int = 60    # distinct nicknames per room
    rooms_per_session: int = 5    # open rooms one session may have (when no teacher secret is configured)
    max_open_rooms: int = 100     # open rooms opened in the last day, all sessions together
    teacher_hours: float = 12.0   # how long a browser that gave the teacher secret keeps teacher rights
    max_deadline_minutes: int = 600


# --- room codes, nicknames, session tokens ---------------------------------------------------------------

def new_room_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def parse_room_code(text) -> str:
    """A room code as typed (any case, spaces or dashes allowed) in its canonical form, or WorkshopError."""
    if not isinstance(text, str):
        raise WorkshopError("Type the room code the teacher shows.")
    code = re.sub(r"[\s-]", "", text).upper()
    if not ROOM_CODE.fullmatch(code):
        raise WorkshopError(f"A room code is {CODE_LENGTH} letters and digits, like K7QXM (never I, L, O, 0 or 1). "
                            "Check the code the teacher shows.")
    return code


def new_session_token() -> str:
    """A random token naming one participant's browser session (kept in the page address)."""
    return secrets.token_urlsafe(12)


def check_session_token(token) -> str:
    if not isinstance(token, str) or not SESSION_TOKEN.fullmatch(token):
        raise WorkshopError("This page's session token is damaged; reload the workshop page.")
    return token


def clean_nickname(text) -> str:
    """A nickname as stored and shown (``nicknames.clean``), or WorkshopError saying what is wrong."""
    try:
        return nicknames.clean(text)
    except nicknames.NicknameError as e:
        raise WorkshopError(str(e)) from None


def nickname_key(nick: str) -> str:
    """The form submissions are grouped by: 'Ana', 'ana' and 'Ａｎａ' are one participant."""
    return nicknames.key(nick)



# --- the service -----------------------------------------------------------------------------------------

class Workshop:
    """Rooms, submissions and the rules, over a Storage and a Judge.

    ``secret``: the teacher secret if one is configured (VANILLA_TEACHER_SECRET or st.secrets). With one,
    opening, closing and clearing rooms need it; without, anyone may open a room and only the session that
    opened it may close or clear it. ``judge`` may be None where MNIST is missing: rooms still open and
    leaderboards still show, submissions are refused with a message.
    """

    def __init__(self, storage: Storage, judge: Judge | None, limits: Limits = Limits(), secret: str | None = None,
                 clock=time.time):
        self.storage = storage
        self.judge = judge
        self.limits = limits
        self.secret = secret or None
        self.clock = clock
        self._attempts = {}
        self._attempts_lock = threading.Lock()

    # --- teachers ---------------------------------------------------------------------------------------
    @property
    def secret_configured(self) -> bool:
        return self.secret is not None

    def is_teacher(self, given) -> bool:
        """True when a teacher secret is configured and ``given`` is it (compared in constant time)."""
        if not self.secret or not isinstance(given, str) or not given:
            return False
        return hmac.compare_digest(given.encode(), self.secret.encode())

    def _browser_digest(self, session: str) -> str:
        """What the database keeps of a teacher's browser: an HMAC of its token under the secret (neither the
        secret nor anything that tests a guess of it without the token)."""
        return hmac.new(self.secret.encode(), session.encode(), hashlib.sha256).hexdigest()

    def remember_teacher(self, session, secret) -> bool:
        """This browser (its token) gave the right secret: it keeps teacher rights for ``teacher_hours``, in
        every tab (a new tab for the projector too). False (nothing kept) when the secret is wrong."""
        if not self.is_teacher(secret):
            return False
        check_session_token(session)
        self.storage.remember_teacher(session, self._browser_digest(session), self.clock())
        return True

    def is_teacher_browser(self, session) -> bool:
        """Did this browser give the secret within the last ``teacher_hours``? (Never without a secret.)"""
        if not self.secret or not isinstance(session, str) or not SESSION_TOKEN.fullmatch(session):
            return False
        since = self.storage.teacher_since(session, self._browser_digest(session))
        return since is not None and self.clock() - since < self.limits.teacher_hours * 3600

    def teacher(self, session, secret=None) -> bool:
        """A teacher: the secret given now, or earlier in this browser."""
        return self.is_teacher(secret) or self.is_teacher_browser(session)

    def can_manage(self, room: Room, session: str, secret=None) -> bool:
        """May this browser (its token ``session``, with this secret) run ``room``? The teacher secret (given now
        or earlier in this browser) runs every room; without a secret configured, the browser that opened it."""
        if self.teacher(session, secret):
            return True
        if room.teacher_only or not isinstance(session, str):
            return False
        return hmac.compare_digest(room.opener.encode(), session.encode())

    def _managed(self, code, session, secret, what: str) -> Room:
        room = self.room(code)
        if not self.can_manage(room, session, secret):
            raise WorkshopError(f"Only the teacher who opened this room can {what}"
                                + (" (with the teacher secret)." if self.secret_configured else "."))
        return room

    def open_room(self, challenge: Challenge, session: str, secret=None) -> Room:
        check_session_token(session)
        teacher = self.teacher(session, secret)
        if self.secret_configured and not teacher:
            raise WorkshopError("Opening a room needs the teacher secret (ask whoever runs this app).")
        if self.judge is not None:
            self.judge.check(challenge)
        now = self.clock()
        if not teacher:
            if len(self.storage.rooms(opener=session)) >= self.limits.rooms_per_session:
                raise WorkshopError(f"You have {plural(self.limits.rooms_per_session, 'room')} open already; "
                                    "close one first.")
            if self.storage.count_open_rooms(since=now - 86_400) >= self.limits.max_open_rooms:
                raise WorkshopError("This server has as many open rooms as it allows; try again later.")
        for _ in range(20):
            room = Room(new_room_code(), challenge.kind, challenge.params, challenge.model, now, None, session,
                        teacher)
            if self.storage.create_room(room):
                return room
        raise WorkshopError("No free room code was found; try again.")  # 20 collisions in 28.6 million: never

    def room(self, code) -> Room:
        code = parse_room_code(code)
        room = self.storage.room(code)
        if room is None:
            raise WorkshopError(f"There is no room {code}. Check the code the teacher shows.")
        return room

    def close_room(self, code, session, secret=None) -> Room:
        room = self._managed(code, session, secret, "close it")
        self.storage.close_room(room.code, self.clock())
        return self.storage.room(room.code)

    def clear_room(self, code, session, secret=None) -> int:
        room = self._managed(code, session, secret, "clear it")
        return self.storage.clear_room(room.code)

    def run_again(self, code, session, secret=None) -> Room:
        """A new room with ``code``'s challenge (one click after a closed room)."""
        room = self._managed(code, session, secret, "run it again")
        return self.open_room(challenge_of(room), session, secret)

    def set_deadline(self, code, minutes, session, secret=None) -> Room:
        """Submissions to the room end ``minutes`` from now (None: no deadline)."""
        room = self._managed(code, session, secret, "set its deadline")
        if minutes is None:
            self.storage.set_deadline(room.code, None)
        else:
            top = self.limits.max_deadline_minutes
            if isinstance(minutes, bool) or not isinstance(minutes, (int, float, np.number)) \
                    or not np.isfinite(minutes) or not 0 < minutes <= top:
                raise WorkshopError(f"A deadline is from 1 to {top} minutes away.")
            self.storage.set_deadline(room.code, self.clock() + float(minutes) * 60)
        return self.storage.room(room.code)

    def freeze(self, code, frozen: bool, session, secret=None) -> Room:
        """Freeze the board (it shows the submissions made until now; later ones count but stay hidden until the
        reveal), or reveal it."""
        room = self._managed(code, session, secret, "freeze its board")
        self.storage.set_frozen(room.code, self.clock() if frozen else None)
        return self.storage.room(room.code)

    def remove_entry(self, code, nickname, session, secret=None) -> int:
        """Delete one nickname's submissions (its line on the board); it may submit again."""
        room = self._managed(code, session, secret, "remove entries")
        return self.storage.remove_nickname(room.code, nickname_key(nickname))

    def ban(self, code, nickname, session, secret=None) -> int:
        """Remove a nickname's entry and bar it (and its look-alikes) from the room."""
        room = self._managed(code, session, secret, "ban nicknames")
        nick = clean_nickname(nickname)
        return self.storage.ban(room.code, skeleton(nick), nick)

    def waiting(self, code) -> list[Participant]:
        """Who joined the room and has not submitted yet, in the order they joined."""
        room = self.room(code)
        submitted = {s.nick_key for s in self.storage.submissions(room.code, codes=False)}
        return [p for p in self.storage.participants(room.code) if p.nick_key not in submitted]

    def export_csv(self, code, session, secret=None) -> str:
        """Every submission of the room as CSV (``submissions_csv``), for its teacher."""
        room = self._managed(code, session, secret, "export it")
        return submissions_csv(self.storage.submissions(room.code))

    # --- participants -----------------------------------------------------------------------------------
    def join(self, code, nickname, session) -> Participant:
        """Join the room under a nickname, checked now: a name someone else in the room has, written in any
        case, spacing or look-alike letters, or one the teacher banned, is refused with a free suggestion."""
        room = self.room(code)
        nick = clean_nickname(nickname)
        check_session_token(session)
        sk = skeleton(nick)

        def check(room_, others, banned, past=()):
            others = list(others) + [Participant(room.code, "", n, nickname_key(n), skeleton(n), 0.0) for n in past]
            if room_ is None:
                raise WorkshopError(f"There is no room {room.code} (any more). Check the code the teacher shows.")
            if not room_.is_open:
                raise WorkshopError(f"Room {room.code} is closed: it takes no one new. Its leaderboard stays.")
            taken = {o.skeleton for o in others} | set(banned)
            if sk in banned:
                free = nicknames.suggest(nick, taken)
                raise NicknameTaken(f"That nickname may not be used in this room; choose another, such as “{free}”.",
                                    free)
            clash = next((o for o in others if o.skeleton == sk), None)
            if clash is not None:
                same = clash.nick_key == nickname_key(nick)
                free = nicknames.suggest(nick, taken)
                raise NicknameTaken(f"Someone in this room is already “{clash.nickname}”"
                                    + ("" if same else ", which looks the same on the board")
                                    + f". Choose another nickname, such as “{free}”.", free)
            if len(others) >= self.limits.max_participants:
                raise WorkshopError(f"Room {room.code} is full: it has its "
                                    f"{plural(self.limits.max_participants, 'participant')}.")

        return self.storage.add_participant(
            Participant(room.code, session, nick, nickname_key(nick), sk, self.clock()), check)

    def leave(self, code, session) -> bool:
        """This browser leaves the room: its nickname is free for itself again, its submissions stay (and keep
        the name from anyone else)."""
        room = self.room(code)
        return isinstance(session, str) and self.storage.leave(room.code, session)

    def participant(self, code, session) -> Participant | None:
        """This browser's place in the room (None: it has not joined, or was removed)."""
        if not isinstance(session, str) or not SESSION_TOKEN.fullmatch(session):
            return None
        return self.storage.participant(parse_room_code(code), session)

    def _rules(self, room: Room | None, stats: SubmitStats, session: str, key: str, code: str, now: float):
        """Raise WorkshopError when a submission may not be stored (also run inside the storing transaction)."""
        lim = self.limits
        if room is None:
            raise WorkshopError(f"There is no room {code} (any more). Check the code the teacher shows.")
        if not room.is_open:
            raise WorkshopError(f"Room {room.code} is closed: it takes no more submissions.")
        if stats.joined_as != key:
            raise WorkshopError(f"You are not in room {room.code} under this nickname (any more): join again.")
        if room.deadline is not None and now > room.deadline:
            raise WorkshopError(f"Time is up: room {room.code}'s deadline has passed, so this was not submitted. "
                                "Your earlier submissions stay on the leaderboard.")
        if stats.nick_owner is not None and stats.nick_owner != session:
            raise WorkshopError("Someone else in this room already uses that nickname; choose another.")
        if stats.nick_owner is None and stats.participants >= lim.max_participants:
            raise WorkshopError(f"Room {room.code} is full: it has its "
                                f"{plural(lim.max_participants, 'participant')}.")
        if stats.total >= lim.max_submissions:
            raise WorkshopError(f"Room {room.code} is full: it has taken its "
                                f"{plural(lim.max_submissions, 'submission')}.")
        if stats.session_count >= lim.per_session:
            raise WorkshopError(f"You have made your {plural(lim.per_session, 'submission')} in this room.")
        if stats.session_last is not None and now - stats.session_last < lim.min_interval:
            wait = lim.min_interval - (now - stats.session_last)
            raise WorkshopError(f"One submission every {lim.min_interval:g} s, please: try again in {wait:.0f} s."
                                if wait >= 0.5 else "Submitted a moment ago; try again in a second.")

    def _attempt(self, session):
        """At most one attempt per ``attempt_interval`` per session on this server: refused attempts cost
        scoring time too."""
        now = self.clock()
        with self._attempts_lock:
            last = self._attempts.get(session)
            if last is not None and now - last < self.limits.attempt_interval:
                raise WorkshopError("Not so fast: one try per second.")
            self._attempts[session] = now
            if len(self._attempts) > 10_000:  # forget old sessions
                cutoff = now - 60
                self._attempts = {k: v for k, v in self._attempts.items() if v > cutoff}

    def submit(self, code, nickname, session, submission) -> Submission:
        """Score ``submission`` (a share code, or 784 pixels for 'fool it') on the server and store it.
        Returns the stored Submission; WorkshopError (or StorageError) says why not."""
        room = self.room(code)
        nick = clean_nickname(nickname)
        key = nickname_key(nick)
        check_session_token(session)
        if self.judge is None:
            raise WorkshopError("Submissions cannot be scored: the server has no MNIST test set.")
        joined = self.storage.participant(room.code, session)
        if joined is None or joined.nick_key != key:
            self.join(room.code, nick, session)  # checked as at the join form
        self._rules(room, self.storage.stats(room.code, session, key), session, key, room.code, self.clock())
        self._attempt(session)
        scored = self.judge.score(challenge_of(room), submission)
        now = self.clock()
        return self.storage.add_submission(
            Submission(room.code, nick, key, scored.score, scored.edits, scored.code, now, session),
            check=lambda r, stats: self._rules(r, stats, session, key, room.code, now))

    def wait_seconds(self, code, session) -> float:
        """Seconds until this session may submit again to room ``code`` (0 when it may now)."""
        stats = self.storage.stats(parse_room_code(code), session)
        if stats.session_last is None:
            return 0.0
        return max(0.0, self.limits.min_interval - (self.clock() - stats.session_last))

    def leaderboard(self, code) -> list[Entry]:
        """The board; while it is frozen, as it was at that moment."""
        room = self.room(code)
        return rank(challenge_of(room), self.storage.submissions(room.code, codes=False, before=room.frozen))

    def entry_code(self, code, submission_id) -> str:
        """The share code (or image code) of one submission of room ``code``."""
        sub = self.storage.submission(submission_id)
        if sub is None or sub.room != parse_room_code(code):
            raise WorkshopError("That entry is gone (the room was cleared?).")
        return sub.share_code
