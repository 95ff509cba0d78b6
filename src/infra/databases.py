"""The workshop database's two back ends, and ``open_storage``, which picks the one the environment asks for.

SQLite (``SqliteStorage``): the file ``workshop.sqlite3`` in ``VANILLA_DATA_DIR`` if set, else the per-user data
folder ``$XDG_DATA_HOME/vanilla-net`` (by default ``~/.local/share/vanilla-net``), created on first use. WAL mode
(readers never wait for the writer), a busy timeout (writers queue instead of failing), a small pool of
connections each used by one thread at a time: thirty sessions writing at once are serialised by SQLite.

PostgreSQL (``PostgresStorage``): ``DATABASE_URL=postgresql://user:password@host:5432/dbname`` (needs
``psycopg``), for several app replicas behind a load balancer. Connections time out after 3 s, and after a failed
connection the next attempts fail at once for a few seconds instead of each waiting again.

Both make their tables on first use (src.infra.schema) and turn the errors a person can act on into a
``StorageError`` saying what to do.
"""
from __future__ import annotations

import logging
import os
import re
import sqlite3
import threading
import time
from pathlib import Path

from .records import DatabaseReset, StorageError
from .schema import create_or_migrate
from .storage import DB_FILE, NO_LOCK, Cursor, Storage, data_dir

log = logging.getLogger(__name__)

CONNECT_TIMEOUT = 3        # seconds to reach PostgreSQL before giving up
BUSY_TIMEOUT = 10          # seconds a SQLite writer waits for another writer before "database is locked"
RETRY_AFTER_FAILURE = 10   # seconds during which an unreachable PostgreSQL is not tried again

_NICK_TAKEN = "Someone joined under that nickname (or one that looks the same) a moment ago; choose another."


def open_storage(url: str | None = None) -> Storage:
    """The storage the environment asks for: ``url`` or DATABASE_URL (postgresql://…) for PostgreSQL,
    else SQLite in ``data_dir()``."""
    url = url if url is not None else os.environ.get("DATABASE_URL", "")
    if url:
        if not re.match(r"postgres(ql)?://", url):
            raise StorageError("DATABASE_URL must start with postgresql:// (unset it to use SQLite)")
        return PostgresStorage(url)
    return SqliteStorage(data_dir() / DB_FILE)


class SqliteStorage(Storage):
    """Rooms and submissions in one SQLite file (created with its folder on first use)."""

    kind = "sqlite"

    def __init__(self, path):
        super().__init__()
        self.path = Path(path)
        self.where = str(self.path)
        self._made = False          # this object has created or checked the schema in the current file
        self._made_lock = threading.Lock()
        self._write_lock = threading.Lock()

    def _new_connection(self):
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            con = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT, isolation_level=None, check_same_thread=False)
        except (OSError, sqlite3.Error) as e:
            log.error("workshop database %s cannot be opened: %s", self.path, e)  # the path for the server's log only
            raise StorageError("The workshop database cannot be opened. Set VANILLA_DATA_DIR "
                               "to a folder this app may write to.") from e
        try:
            con.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT * 1000)}")
            con.execute("PRAGMA foreign_keys = ON")
            # FULL: a submission is on disk when it is acknowledged, even if the machine loses power next
            # (NORMAL would only survive an app crash); one fsync per submission is nothing at this rate
            con.execute("PRAGMA synchronous = FULL")
        except sqlite3.Error as e:
            con.close()
            raise self._translate(e) or StorageError(str(e)) from e
        return con

    def _ensure_file(self):
        """Create the file and schema on first use; notice when the file was deleted since."""
        if self._made and self.path.exists():
            return
        with self._made_lock:
            if self._made and self.path.exists():
                return
            lost = self._made
            if lost:
                self.close()  # pooled connections point at the deleted file
                for leftover in (self.path.with_name(self.path.name + "-wal"),
                                 self.path.with_name(self.path.name + "-shm")):
                    leftover.unlink(missing_ok=True)  # a stale log must not be replayed into the new file
            con = self._new_connection()
            try:
                con.execute("PRAGMA journal_mode = WAL")
                con.execute("BEGIN IMMEDIATE")
                create_or_migrate(Cursor(con, self.kind), self.kind)
                con.execute("COMMIT")
            except sqlite3.Error as e:
                con.close()
                raise self._translate(e) or StorageError(str(e)) from e
            con.close()
            self._made = True
        if lost:
            raise DatabaseReset("The workshop database was deleted while the app was running. A new, "
                                "empty one has been made: rooms and submissions from before are gone; open a new room.")

    def _take(self):
        self._ensure_file()
        return super()._take()

    def _writer(self, write):
        # This process's writers queue on a lock and are woken the moment it is free; left to SQLite, they
        # would poll the file lock with sleeps of up to 100 ms. Other processes still meet busy_timeout.
        return self._write_lock if write else NO_LOCK

    def _begin(self, con, write):
        # IMMEDIATE takes the write lock at once: a read-then-write transaction cannot deadlock another writer
        con.execute("BEGIN IMMEDIATE" if write else "BEGIN")

    def _translate(self, e):
        if isinstance(e, StorageError) or not isinstance(e, sqlite3.Error):
            return None
        text = str(e)
        if isinstance(e, sqlite3.IntegrityError) and "participants" in text:
            return StorageError(_NICK_TAKEN)
        if "locked" in text or "busy" in text:
            return StorageError(f"The workshop database is busy (another program holds a lock on it for "
                                f"more than {BUSY_TIMEOUT} s). Try again in a moment.")
        if "no such table" in text:
            self._made = False  # the file was replaced by an empty one: make the schema again next time
            return StorageError("The workshop database was replaced by an empty file. Try again: "
                                "the tables will be made anew (earlier rooms are gone).")
        if "readonly" in text or "disk" in text or "not a database" in text or "malformed" in text \
                or "unable to open" in text:
            log.error("workshop database %s cannot be used: %s", self.path, text)
            return StorageError("The workshop database cannot be used (see the server's log). Check its folder "
                                "(VANILLA_DATA_DIR) is writable and not full, or move the file away to start a new one.")
        return None


class PostgresStorage(Storage):
    """Rooms and submissions in PostgreSQL (psycopg 3), for several app replicas sharing one database."""

    kind = "postgresql"

    def __init__(self, url):
        super().__init__()
        self.url = url
        self.where = re.sub(r"//[^@/]*@", "//***@", url)  # never show the password
        self._failed = None   # (time, message) of the last failed connection
        self._made = False
        self._made_lock = threading.Lock()

    def _new_connection(self):
        try:
            import psycopg
        except ImportError as e:
            raise StorageError("DATABASE_URL names PostgreSQL but the psycopg package is missing: "
                               "pip install -r requirements.txt") from e
        if self._failed and time.monotonic() - self._failed[0] < RETRY_AFTER_FAILURE:
            raise StorageError(self._failed[1])
        try:
            con = psycopg.connect(self.url, connect_timeout=CONNECT_TIMEOUT, application_name="vanilla-net")
        except psycopg.Error as e:
            reason = str(e).strip().splitlines()[-1] if str(e).strip() else type(e).__name__
            message = (f"The workshop database (PostgreSQL at {self.where}) cannot be reached: {reason}. "
                       "Check that it is running and that DATABASE_URL is right; the rest of the app keeps working.")
            self._failed = (time.monotonic(), message)
            raise StorageError(message) from e
        self._failed = None
        return con

    def _take(self):
        con = super()._take()
        if not self._made:
            with self._made_lock:
                if not self._made:
                    try:
                        with con.transaction():
                            # replicas starting at once must not race on CREATE TABLE IF NOT EXISTS
                            con.execute("SELECT pg_advisory_xact_lock(7263001)")
                            create_or_migrate(Cursor(con, self.kind), self.kind)
                    except Exception as e:
                        con.close()
                        raise self._translate(e) or e
                    self._made = True
        return con

    def _begin(self, con, write):
        pass  # psycopg opens a transaction with the first statement

    def _give_back(self, con):
        if con.closed or con.info.transaction_status != 0:  # 0: idle, nothing pending
            con.close()
            return
        super()._give_back(con)

    def _translate(self, e):
        if isinstance(e, StorageError):
            return None
        try:
            import psycopg
        except ImportError:
            return None
        if isinstance(e, psycopg.errors.UniqueViolation) and "participants" in str(e):
            return StorageError(_NICK_TAKEN)
        if isinstance(e, psycopg.OperationalError):
            self.close()  # the server went away: drop every pooled connection
            return StorageError(f"The workshop database (PostgreSQL at {self.where}) stopped answering: "
                                f"{str(e).strip() or type(e).__name__}. Try again in a moment.")
        if isinstance(e, psycopg.errors.UndefinedTable):
            self._made = False
            return StorageError("The workshop tables are missing from the PostgreSQL database (dropped?); "
                                "they will be made anew on the next try. Earlier rooms are gone.")
        return None
