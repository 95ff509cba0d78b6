"""Where workshop rooms and submissions are kept: the ``Storage`` interface every database offers (rooms,
participants, bans, teachers' browsers, submissions), over a small pool of connections.

The back ends are in src.infra.databases: SQLite by default (the file ``workshop.sqlite3`` in ``data_dir()``),
PostgreSQL when ``DATABASE_URL`` says so (``open_storage`` picks one). What they keep is in src.infra.records and
their tables in src.infra.schema. No ORM: plain SQL that both databases accept, with '?' placeholders rewritten
for psycopg.

Every method opens a transaction, does its work and commits, so it is safe from any thread. Every failure a
person can do something about is a ``StorageError`` whose message says what to do.
"""
from __future__ import annotations

import json
import os
import threading
from contextlib import contextmanager, nullcontext
from dataclasses import replace
from pathlib import Path

from .records import Participant, Room, StorageError, Submission, SubmitStats

DB_FILE = "workshop.sqlite3"
MAX_CONNECTIONS = 8        # connections in use at once per Storage (per app process); more requests queue
POOL_WAIT = 15             # seconds a request waits for a free connection before "busy"

NO_LOCK = nullcontext()


def data_dir() -> Path:
    """VANILLA_DATA_DIR if set, else the per-user data folder ($XDG_DATA_HOME/vanilla-net)."""
    if os.environ.get("VANILLA_DATA_DIR"):
        return Path(os.environ["VANILLA_DATA_DIR"]).expanduser()
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "vanilla-net"


def _time(v):
    return None if v is None else float(v)


def _room(row) -> Room:
    code, kind, params, model, created, closed, opener, teacher_only, deadline, frozen = row
    return Room(code, kind, json.loads(params), model, float(created), _time(closed), opener, bool(teacher_only),
                _time(deadline), _time(frozen))


def _participant(row) -> Participant:
    room, session, nickname, nick_key, skeleton, joined = row
    return Participant(room, session, nickname, nick_key, skeleton, float(joined))


def _submission(row) -> Submission:
    id_, room, nickname, nick_key, score, edits, share_code, created, session = row
    return Submission(room, nickname, nick_key, float(score), int(edits), share_code, float(created), session,
                      int(id_))


_ROOM_COLUMNS = "code, kind, params, model, created, closed, opener, teacher_only, deadline, frozen"
_PARTICIPANT_COLUMNS = "room, session, nickname, nick_key, skeleton, joined"
_SUB_COLUMNS = "id, room, nickname, nick_key, score, edits, share_code, created, session"


class Storage:
    """Rooms and submissions. Subclasses provide connections (``_new_connection``, ``_begin``) and the error translation;
    every method opens a transaction, does its work and commits, so it is safe from any thread."""

    kind = "?"
    where = "?"

    def __init__(self):
        self._idle = []
        self._lock = threading.Lock()
        # a bounded pool: thirty sessions at once share a few connections instead of each opening its own
        self._slots = threading.BoundedSemaphore(MAX_CONNECTIONS)

    # --- connections -----------------------------------------------------------------------------------
    def _new_connection(self):
        raise NotImplementedError

    def _begin(self, con, write):
        raise NotImplementedError

    def _translate(self, error) -> StorageError | None:
        """A StorageError for a database error a person can act on, None for a programming error."""
        raise NotImplementedError

    def _take(self):
        with self._lock:
            if self._idle:
                return self._idle.pop()
        return self._new_connection()

    def _give_back(self, con):
        with self._lock:
            if len(self._idle) < MAX_CONNECTIONS:
                self._idle.append(con)
                return
        con.close()

    def close(self):
        """Close the idle connections (those in use close when given back)."""
        with self._lock:
            idle, self._idle = self._idle, []
        for con in idle:
            try:
                con.close()
            except Exception:
                pass

    def _writer(self, write):
        """A lock held around write transactions (a no-op where the database queues writers itself)."""
        return NO_LOCK

    @contextmanager
    def _transaction(self, write=False):
        if not self._slots.acquire(timeout=POOL_WAIT):
            raise StorageError(f"The workshop database is busy (every connection in use for {POOL_WAIT} s). "
                               "Try again in a moment.")
        try:
            with self._writer(write):
                with self._connected(write) as cur:
                    yield cur
        finally:
            self._slots.release()

    @contextmanager
    def _connected(self, write):
        con = self._take()
        try:
            self._begin(con, write)
            yield Cursor(con, self.kind)
            con.commit()
        except BaseException as e:
            try:
                con.rollback()
                self._give_back(con)
            except Exception:
                try:
                    con.close()
                except Exception:
                    pass
            mapped = self._translate(e) if isinstance(e, Exception) else None
            if mapped is not None:
                raise mapped from e
            raise
        else:
            self._give_back(con)

    # --- rooms -----------------------------------------------------------------------------------------
    def create_room(self, room: Room) -> bool:
        """Store a new room; False (nothing stored) when its code is taken."""
        with self._transaction(write=True) as cur:
            cur.execute(f"INSERT INTO rooms ({_ROOM_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                        "ON CONFLICT (code) DO NOTHING",
                        (room.code, room.kind, json.dumps(room.params, sort_keys=True), room.model, room.created,
                         room.closed, room.opener, int(room.teacher_only), room.deadline, room.frozen))
            return cur.rowcount == 1

    def room(self, code: str) -> Room | None:
        with self._transaction() as cur:
            row = cur.execute(f"SELECT {_ROOM_COLUMNS} FROM rooms WHERE code = ?", (code,)).fetchone()
        return _room(row) if row else None

    def rooms(self, opener: str | None = None, open_only=True, limit=50) -> list[Room]:
        """Rooms, newest first (those ``opener`` opened, if given; open ones only, unless not ``open_only``)."""
        where, args = [], []
        if opener is not None:
            where.append("opener = ?")
            args.append(opener)
        if open_only:
            where.append("closed IS NULL")
        sql = f"SELECT {_ROOM_COLUMNS} FROM rooms" + (" WHERE " + " AND ".join(where) if where else "")
        with self._transaction() as cur:
            rows = cur.execute(sql + " ORDER BY created DESC LIMIT ?", (*args, int(limit))).fetchall()
        return [_room(r) for r in rows]

    def count_open_rooms(self, since: float = 0.0) -> int:
        with self._transaction() as cur:
            return int(cur.execute("SELECT COUNT(*) FROM rooms WHERE closed IS NULL AND created >= ?",
                                   (since,)).fetchone()[0])

    def close_room(self, code: str, when: float) -> bool:
        """Mark a room closed (it keeps its submissions); False when there is no such open room."""
        with self._transaction(write=True) as cur:
            cur.execute("UPDATE rooms SET closed = ? WHERE code = ? AND closed IS NULL", (when, code))
            return cur.rowcount == 1

    def clear_room(self, code: str) -> int:
        """Delete a room's submissions (the room stays); the number deleted."""
        with self._transaction(write=True) as cur:
            cur.execute("DELETE FROM submissions WHERE room = ?", (code,))
            return max(cur.rowcount, 0)

    def set_deadline(self, code: str, when: float | None) -> bool:
        """Submissions to room ``code`` end at ``when`` (None: no deadline); False when there is no such room."""
        with self._transaction(write=True) as cur:
            cur.execute("UPDATE rooms SET deadline = ? WHERE code = ?", (when, code))
            return cur.rowcount == 1

    def set_params(self, code: str, params: dict) -> bool:
        """Replace the settings of room ``code`` (a lesson room's step, say); False when there is no such room."""
        with self._transaction(write=True) as cur:
            cur.execute("UPDATE rooms SET params = ? WHERE code = ?", (json.dumps(params, sort_keys=True), code))
            return cur.rowcount == 1

    def set_frozen(self, code: str, when: float | None) -> bool:
        """The board of room ``code`` shows only submissions made before ``when`` (None: all of them)."""
        with self._transaction(write=True) as cur:
            cur.execute("UPDATE rooms SET frozen = ? WHERE code = ?", (when, code))
            return cur.rowcount == 1

    # --- participants ------------------------------------------------------------------------------------
    def add_participant(self, p: Participant, check=None) -> Participant:
        """Store ``p`` as the one nickname its session has in its room (replacing an earlier one).

        ``check(room, others, banned, past)`` (a Room or None, the room's other participants, the banned
        skeletons, the nicknames others submitted under and no longer hold as participants) runs inside the same
        transaction with the room locked, and may raise to refuse.
        """
        with self._transaction(write=True) as cur:
            lock = " FOR UPDATE" if self.kind == "postgresql" else ""
            row = cur.execute(f"SELECT {_ROOM_COLUMNS} FROM rooms WHERE code = ?{lock}", (p.room,)).fetchone()
            others = [_participant(r) for r in cur.execute(
                f"SELECT {_PARTICIPANT_COLUMNS} FROM participants WHERE room = ? AND session <> ?",
                (p.room, p.session)).fetchall()]
            banned = {r[0] for r in cur.execute("SELECT skeleton FROM bans WHERE room = ?", (p.room,)).fetchall()}
            past = [r[0] for r in cur.execute(
                "SELECT DISTINCT nickname FROM submissions WHERE room = ? AND session <> ? AND session NOT IN "
                "(SELECT session FROM participants WHERE room = ?)", (p.room, p.session, p.room)).fetchall()]
            if check is not None:
                check(_room(row) if row else None, others, banned, past)
            elif row is None:
                raise StorageError(f"there is no room {p.room}")
            cur.execute("DELETE FROM participants WHERE room = ? AND session = ?", (p.room, p.session))
            cur.execute(f"INSERT INTO participants ({_PARTICIPANT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)",
                        (p.room, p.session, p.nickname, p.nick_key, p.skeleton, p.joined))
        return p

    def leave(self, room: str, session: str) -> bool:
        """This session is no longer in ``room`` (its submissions stay); False when it was not in it."""
        with self._transaction(write=True) as cur:
            cur.execute("DELETE FROM participants WHERE room = ? AND session = ?", (room, session))
            return cur.rowcount == 1

    def participant(self, room: str, session: str) -> Participant | None:
        with self._transaction() as cur:
            row = cur.execute(f"SELECT {_PARTICIPANT_COLUMNS} FROM participants WHERE room = ? AND session = ?",
                              (room, session)).fetchone()
        return _participant(row) if row else None

    def participants(self, room: str) -> list[Participant]:
        """Everyone who joined ``room``, in the order they joined."""
        with self._transaction() as cur:
            rows = cur.execute(f"SELECT {_PARTICIPANT_COLUMNS} FROM participants WHERE room = ? "
                               "ORDER BY joined, session", (room,)).fetchall()
        return [_participant(r) for r in rows]

    def latest_participation(self, session: str, since: float = 0.0) -> Participant | None:
        """The room this session joined last (after ``since``), if it is still open."""
        with self._transaction() as cur:
            row = cur.execute(
                f"SELECT {', '.join('p.' + c for c in _PARTICIPANT_COLUMNS.split(', '))} FROM participants p "
                "JOIN rooms r ON r.code = p.room WHERE p.session = ? AND p.joined >= ? AND r.closed IS NULL "
                "ORDER BY p.joined DESC LIMIT 1", (session, since)).fetchone()
        return _participant(row) if row else None

    def remove_nickname(self, room: str, nick_key: str) -> int:
        """Delete the submissions made under a nickname in ``room`` (its entry on the board); the number deleted."""
        with self._transaction(write=True) as cur:
            cur.execute("DELETE FROM submissions WHERE room = ? AND nick_key = ?", (room, nick_key))
            return max(cur.rowcount, 0)

    def ban(self, room: str, skeleton: str, nickname: str) -> int:
        """Ban a nickname (and its look-alikes: the same ``skeleton``) from ``room``: its participant leaves, its
        submissions go, and no one may join under it again. The number of submissions deleted."""
        with self._transaction(write=True) as cur:
            cur.execute("INSERT INTO bans (room, skeleton, nickname) VALUES (?, ?, ?) "
                        "ON CONFLICT (room, skeleton) DO NOTHING", (room, skeleton, nickname))
            keys = [r[0] for r in cur.execute("SELECT nick_key FROM participants WHERE room = ? AND skeleton = ?",
                                              (room, skeleton)).fetchall()]
            cur.execute("DELETE FROM participants WHERE room = ? AND skeleton = ?", (room, skeleton))
            deleted = 0
            for key in keys:
                cur.execute("DELETE FROM submissions WHERE room = ? AND nick_key = ?", (room, key))
                deleted += max(cur.rowcount, 0)
            return deleted

    def bans(self, room: str) -> list[str]:
        """The nicknames banned from ``room``, as the teacher typed them."""
        with self._transaction() as cur:
            return [r[0] for r in cur.execute("SELECT nickname FROM bans WHERE room = ? ORDER BY nickname",
                                              (room,)).fetchall()]

    # --- teachers' browsers ----------------------------------------------------------------------------------
    def remember_teacher(self, session: str, secret_digest: str, when: float):
        """This browser's token gave the teacher secret (whose digest is ``secret_digest``) at ``when``."""
        with self._transaction(write=True) as cur:
            cur.execute("DELETE FROM teachers WHERE session = ?", (session,))
            cur.execute("INSERT INTO teachers (session, secret_digest, since) VALUES (?, ?, ?)",
                        (session, secret_digest, when))

    def teacher_since(self, session: str, secret_digest: str) -> float | None:
        """When this browser's token gave the secret whose digest is ``secret_digest`` (None: never)."""
        with self._transaction() as cur:
            row = cur.execute("SELECT since FROM teachers WHERE session = ? AND secret_digest = ?",
                              (session, secret_digest)).fetchone()
        return float(row[0]) if row else None

    # --- submissions -------------------------------------------------------------------------------------
    def _stats(self, cur, room, session, nick_key) -> SubmitStats:
        total, participants = cur.execute(
            "SELECT COUNT(*), COUNT(DISTINCT nick_key) FROM submissions WHERE room = ?", (room,)).fetchone()
        count, last = cur.execute("SELECT COUNT(*), MAX(created) FROM submissions WHERE room = ? AND session = ?",
                                  (room, session)).fetchone()
        owner = cur.execute("SELECT session FROM submissions WHERE room = ? AND nick_key = ? ORDER BY id LIMIT 1",
                            (room, nick_key)).fetchone()
        joined = cur.execute("SELECT nick_key FROM participants WHERE room = ? AND session = ?",
                             (room, session)).fetchone()
        return SubmitStats(int(total), int(participants), int(count), None if last is None else float(last),
                           owner[0] if owner else None, joined[0] if joined else None)

    def stats(self, room: str, session: str, nick_key: str = "") -> SubmitStats:
        """The counts the rules look at, read now (a cheap check before scoring; ``add_submission`` checks
        again inside its own transaction)."""
        with self._transaction() as cur:
            return self._stats(cur, room, session, nick_key)

    def add_submission(self, sub: Submission, check=None) -> Submission:
        """Store ``sub`` and return it with its id.

        ``check(room, stats)`` (a Room or None, a SubmitStats) runs inside the same transaction, with the
        room locked against other submissions, and may raise to refuse: limits checked this way hold
        with any number of sessions and app replicas writing at once.
        """
        with self._transaction(write=True) as cur:
            lock = " FOR UPDATE" if self.kind == "postgresql" else ""
            row = cur.execute(f"SELECT {_ROOM_COLUMNS} FROM rooms WHERE code = ?{lock}", (sub.room,)).fetchone()
            if check is not None:
                check(_room(row) if row else None, self._stats(cur, sub.room, sub.session, sub.nick_key))
            elif row is None:
                raise StorageError(f"there is no room {sub.room}")
            cur.execute("INSERT INTO submissions (room, nickname, nick_key, score, edits, share_code, created, session)"
                        " VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                        (sub.room, sub.nickname, sub.nick_key, float(sub.score), int(sub.edits), sub.share_code,
                         sub.created, sub.session))
            new_id = int(cur.fetchone()[0])
        return replace(sub, id=new_id)

    def submissions(self, room: str, codes=True, before: float | None = None) -> list[Submission]:
        """Every submission of a room (made before ``before``, if given), oldest first; without their share
        codes (read with ``submission``) unless ``codes``: a leaderboard refreshed every few seconds need not
        carry kilobytes per entry."""
        columns = _SUB_COLUMNS if codes else _SUB_COLUMNS.replace("share_code", "''")
        until = "" if before is None else " AND created < ?"
        with self._transaction() as cur:
            rows = cur.execute(f"SELECT {columns} FROM submissions WHERE room = ?{until} ORDER BY created, id",
                               (room,) + (() if before is None else (before,))).fetchall()
        return [_submission(r) for r in rows]

    def submission(self, id_: int) -> Submission | None:
        with self._transaction() as cur:
            row = cur.execute(f"SELECT {_SUB_COLUMNS} FROM submissions WHERE id = ?", (int(id_),)).fetchone()
        return _submission(row) if row else None


class Cursor:
    """A cursor taking '?' placeholders on both databases (psycopg wants %s)."""

    def __init__(self, con, kind):
        self._cur = con.cursor()
        self._pg = kind == "postgresql"

    def execute(self, sql, args=()):
        if self._pg:
            sql = sql.replace("%", "%%").replace("?", "%s")
        self._cur.execute(sql, args)
        return self._cur

    def fetchone(self):
        return self._cur.fetchone()

    @property
    def rowcount(self):
        return self._cur.rowcount
