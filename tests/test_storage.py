"""The workshop's storage, against SQLite always and against a real PostgreSQL where TEST_DATABASE_URL names one
(.ci/run starts one; skipped with a reason elsewhere)."""
from __future__ import annotations

import os
import socket
import sqlite3
import threading
import time
import uuid

import pytest

from src.infra import databases, schema, storage
from src.infra.databases import PostgresStorage, SqliteStorage, open_storage
from src.infra.records import DatabaseReset, Participant, Room, StorageError, Submission

PG_URL = os.environ.get("TEST_DATABASE_URL", "")


def _pg_missing():
    if not PG_URL:
        return "TEST_DATABASE_URL is not set (.ci/run starts a PostgreSQL and sets it)"
    try:
        import psycopg
    except ImportError:
        return "psycopg is not installed (pip install -r requirements.txt)"
    try:
        psycopg.connect(PG_URL, connect_timeout=3).close()
    except psycopg.Error as e:
        return f"PostgreSQL at TEST_DATABASE_URL is not reachable: {e}"
    return None


@pytest.fixture
def pg_url():
    """A PostgreSQL URL whose tables live in a fresh schema, dropped after the test."""
    why = _pg_missing()
    if why:
        pytest.skip(why)
    import psycopg
    schema = "t_" + uuid.uuid4().hex[:12]
    with psycopg.connect(PG_URL, autocommit=True) as con:
        con.execute(f"CREATE SCHEMA {schema}")
    sep = "&" if "?" in PG_URL else "?"
    yield f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
    with psycopg.connect(PG_URL, autocommit=True) as con:
        con.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture(params=["sqlite", "postgresql"])
def make(request, tmp_path):
    """A factory of Storage objects on one database: calling it twice is a restart of the app."""
    made = []
    if request.param == "sqlite":
        def factory():
            made.append(SqliteStorage(tmp_path / "data" / "workshop.sqlite3"))
            return made[-1]
    else:
        url = request.getfixturevalue("pg_url")

        def factory():
            made.append(PostgresStorage(url))
            return made[-1]
    yield factory
    for s in made:
        s.close()


def room(code="K7QXM", **kw):
    base = dict(code=code, kind="fool_it", params={"index": 4, "target": 9}, model="relu", created=1000.0,
                closed=None, opener="opener-token", teacher_only=False)
    return Room(**{**base, **kw})


def sub(nick="Ana", score=0.5, session="session-1", created=2000.0, code="K7QXM", edits=3):
    return Submission(code, nick, nick.casefold(), score, edits, "share-code", created, session)


def test_rooms_round_trip_and_codes_are_unique(make):
    s = make()
    assert s.create_room(room(params={"layer": 2, "note": "ünï"}))
    assert not s.create_room(room(kind="from_scratch"))  # the code is taken: nothing replaced
    got = s.room("K7QXM")
    assert got == room(params={"layer": 2, "note": "ünï"})
    assert s.room("ZZZZZ") is None
    assert [r.code for r in s.rooms(opener="opener-token")] == ["K7QXM"]
    assert s.rooms(opener="someone-else") == []


def test_close_and_clear(make):
    s = make()
    s.create_room(room())
    s.add_submission(sub())
    assert s.close_room("K7QXM", 3000.0)
    assert not s.close_room("K7QXM", 4000.0)  # already closed: the first time is kept
    assert s.room("K7QXM").closed == 3000.0 and not s.room("K7QXM").is_open
    assert s.rooms() == [] and len(s.rooms(open_only=False)) == 1
    assert len(s.submissions("K7QXM")) == 1  # closing keeps the submissions
    assert s.clear_room("K7QXM") == 1
    assert s.submissions("K7QXM") == [] and s.room("K7QXM") is not None


def test_submissions_keep_every_field_and_unicode(make):
    s = make()
    s.create_room(room())
    nick = "Zoë 👩‍👩‍👧 <b>*x*</b> ; DROP TABLE rooms;--"
    stored = s.add_submission(Submission("K7QXM", nick, nick.casefold(), 0.9612, 17, "abc-_", 2500.25, "tok"))
    assert stored.id > 0
    assert s.submissions("K7QXM") == [stored]
    assert s.submission(stored.id) == stored
    assert s.submissions("K7QXM", codes=False)[0].share_code == ""
    assert s.room("K7QXM") is not None  # the nickname was data, not SQL


def test_stats_count_what_the_rules_need(make):
    s = make()
    s.create_room(room())
    s.add_submission(sub("Ana", session="a", created=10.0))
    s.add_submission(sub("Ana", session="a", created=20.0))
    s.add_submission(sub("Bo", session="b", created=15.0))
    st = s.stats("K7QXM", "a", "ana")
    assert (st.total, st.participants, st.session_count, st.session_last, st.nick_owner) == (3, 2, 2, 20.0, "a")
    st = s.stats("K7QXM", "c", "cy")
    assert (st.session_count, st.session_last, st.nick_owner) == (0, None, None)


def test_a_refusing_check_stores_nothing(make):
    s = make()
    s.create_room(room())

    def refuse(r, stats):
        assert r.code == "K7QXM" and stats.total == 0
        raise ValueError("no")

    with pytest.raises(ValueError):
        s.add_submission(sub(), check=refuse)
    assert s.submissions("K7QXM") == []
    s.add_submission(sub())  # the connection went back to the pool in a usable state
    assert len(s.submissions("K7QXM")) == 1


def test_thirty_threads_writing_at_once_lose_nothing_and_a_restart_keeps_everything(make):
    s = make()
    s.create_room(room())
    n_threads, each = 30, 5
    barrier = threading.Barrier(n_threads)
    errors = []

    def participant(i):
        try:
            barrier.wait()
            for k in range(each):
                s.add_submission(sub(f"p{i}", score=i + k / 10, session=f"s{i}", created=1000.0 + k))
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=participant, args=(i,)) for i in range(n_threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    rows = s.submissions("K7QXM")
    assert len(rows) == n_threads * each
    assert len({r.id for r in rows}) == n_threads * each
    assert sorted((r.nickname, r.score) for r in rows) == sorted(
        (f"p{i}", i + k / 10) for i in range(n_threads) for k in range(each))
    s.close()
    again = make()  # a new Storage on the same database: the server restarted
    assert sorted(r.id for r in again.submissions("K7QXM")) == sorted(r.id for r in rows)
    assert again.room("K7QXM") == room()


def test_the_check_runs_under_a_lock_so_limits_hold_with_thirty_writers(make):
    """Thirty sessions submit at once to a room that takes 10: exactly 10 are stored."""
    s = make()
    s.create_room(room())
    barrier = threading.Barrier(30)
    refused = []

    def cap(r, stats):
        if stats.total >= 10:
            raise LookupError("full")

    def participant(i):
        barrier.wait()
        try:
            s.add_submission(sub(f"p{i}", session=f"s{i}"), check=cap)
        except LookupError:
            refused.append(i)

    threads = [threading.Thread(target=participant, args=(i,)) for i in range(30)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(s.submissions("K7QXM")) == 10 and len(refused) == 20


def test_schema_creation_is_idempotent(make):
    a = make()
    a.create_room(room())
    b = make()
    b.create_room(room("ABCDE"))  # creating the tables again changed nothing
    assert {r.code for r in a.rooms()} == {"K7QXM", "ABCDE"}


# The first schema, as the app made it before participants, bans, teachers' browsers, deadlines and frozen boards
_V1 = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE rooms (code TEXT PRIMARY KEY, kind TEXT NOT NULL, params TEXT NOT NULL, model TEXT NOT NULL,
    created DOUBLE PRECISION NOT NULL, closed DOUBLE PRECISION, opener TEXT NOT NULL,
    teacher_only INTEGER NOT NULL DEFAULT 0);
CREATE TABLE submissions (id {id}, room TEXT NOT NULL REFERENCES rooms(code) ON DELETE CASCADE,
    nickname TEXT NOT NULL, nick_key TEXT NOT NULL, score DOUBLE PRECISION NOT NULL, edits INTEGER NOT NULL,
    share_code TEXT NOT NULL, created DOUBLE PRECISION NOT NULL, session TEXT NOT NULL);
INSERT INTO meta VALUES ('schema_version', '1');
INSERT INTO rooms VALUES ('K7QXM', 'fool_it', '{{"index": 4, "target": 9}}', 'relu', 1000.0, NULL, 'opener-token', 0);
INSERT INTO submissions (room, nickname, nick_key, score, edits, share_code, created, session)
    VALUES ('K7QXM', 'Ana', 'ana', 12, 12, 'code', 2000.0, 'session-1')
"""


@pytest.fixture(params=["sqlite", "postgresql"])
def old_database(request, tmp_path):
    """A factory of Storage objects on a database made by the first version of the app, with a room in it."""
    if request.param == "sqlite":
        path = tmp_path / "old.sqlite3"
        with sqlite3.connect(path) as con:
            con.executescript(_V1.format(id="INTEGER PRIMARY KEY AUTOINCREMENT"))
        yield lambda: SqliteStorage(path)
    else:
        url = request.getfixturevalue("pg_url")
        import psycopg
        with psycopg.connect(url, autocommit=True) as con:
            for statement in _V1.format(id=schema._ID["postgresql"]).split(";"):
                con.execute(statement)
        yield lambda: PostgresStorage(url)


def test_an_old_database_is_migrated_and_keeps_its_rows(old_database):
    s = old_database()
    old = s.room("K7QXM")
    assert old.kind == "fool_it" and old.deadline is None and old.frozen is None  # read through the new columns
    assert [(x.nickname, x.score) for x in s.submissions("K7QXM")] == [("Ana", 12.0)]
    assert s.set_deadline("K7QXM", 5000.0) and s.room("K7QXM").deadline == 5000.0
    s.add_participant(Participant("K7QXM", "session-2", "Bo", "bo", "bo", 3000.0))
    assert [p.nickname for p in s.participants("K7QXM")] == ["Bo"]
    s.close()
    again = old_database()  # a restart: migrated once, not again
    assert again.room("K7QXM").deadline == 5000.0 and [p.nickname for p in again.participants("K7QXM")] == ["Bo"]
    with again._transaction() as cur:
        assert cur.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0] == schema.SCHEMA_VERSION
    again.close()


def test_participants_bans_and_the_frozen_board(make):
    s = make()
    s.create_room(room())
    s.add_participant(Participant("K7QXM", "s-ana", "Ana", "ana", "ana", 10.0))
    s.add_participant(Participant("K7QXM", "s-bo", "Bo", "bo", "bo", 11.0))
    s.add_participant(Participant("K7QXM", "s-ana", "Anna", "anna", "anna", 12.0))  # one nickname per browser
    assert [(p.session, p.nickname) for p in s.participants("K7QXM")] == [("s-bo", "Bo"), ("s-ana", "Anna")]
    with pytest.raises(StorageError):  # the same skeleton twice: the unique index refuses it
        s.add_participant(Participant("K7QXM", "s-cy", "Аnna", "аnna", "anna", 13.0))
    refused = []

    def refuse(room_, others, banned, past):
        refused.append((room_.code, sorted(p.nickname for p in others), banned))
        raise ValueError("no")
    with pytest.raises(ValueError):
        s.add_participant(Participant("K7QXM", "s-cy", "Cy", "cy", "cy", 14.0), check=refuse)
    assert refused == [("K7QXM", ["Anna", "Bo"], set())] and s.participant("K7QXM", "s-cy") is None
    s.add_submission(sub("Bo", session="s-bo", created=100.0))
    s.add_submission(sub("Anna", session="s-ana", created=200.0))
    s.add_submission(sub("Bo", session="s-bo", created=300.0))
    assert [x.created for x in s.submissions("K7QXM", before=250.0)] == [100.0, 200.0]
    assert s.set_frozen("K7QXM", 250.0) and s.room("K7QXM").frozen == 250.0
    assert s.remove_nickname("K7QXM", "anna") == 1
    assert s.ban("K7QXM", "bo", "Bo") == 2
    assert s.participant("K7QXM", "s-bo") is None and s.bans("K7QXM") == ["Bo"]
    assert s.submissions("K7QXM") == []
    assert s.latest_participation("s-ana").room == "K7QXM"
    s.close_room("K7QXM", 500.0)
    assert s.latest_participation("s-ana") is None  # a closed room is not rejoined by itself


def test_leaving_frees_the_seat_but_the_check_still_sees_the_name_submitted_under(make):
    s = make()
    s.create_room(room())
    s.add_participant(Participant("K7QXM", "s-ana", "Ana", "ana", "ana", 10.0))
    s.add_submission(sub("Ana", session="s-ana"))
    assert s.leave("K7QXM", "s-ana") and not s.leave("K7QXM", "s-ana")
    assert s.participant("K7QXM", "s-ana") is None and s.latest_participation("s-ana") is None
    seen = []

    def look(room_, others, banned, past):
        seen.append(sorted(past))
    s.add_participant(Participant("K7QXM", "s-x", "X", "x", "x", 11.0), check=look)
    s.add_participant(Participant("K7QXM", "s-ana", "Ana", "ana", "ana", 12.0), check=look)
    assert seen == [["Ana"], []]  # another browser sees the name taken; Ana's own browser does not


def test_teachers_browsers_are_remembered_by_digest(make):
    s = make()
    assert s.teacher_since("tok", "digest-1") is None
    s.remember_teacher("tok", "digest-1", 100.0)
    s.remember_teacher("tok", "digest-1", 200.0)  # again: the newer time
    assert s.teacher_since("tok", "digest-1") == 200.0
    assert s.teacher_since("tok", "digest-2") is None  # another secret since: not a teacher
    assert make().teacher_since("tok", "digest-1") == 200.0  # a restart keeps it


# --- SQLite specifics ---------------------------------------------------------------------------------------

def test_sqlite_file_folder_and_wal_are_made_on_first_use(tmp_path, monkeypatch):
    monkeypatch.setenv("VANILLA_DATA_DIR", str(tmp_path / "new" / "folder"))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    s = open_storage()
    assert isinstance(s, SqliteStorage) and s.path == tmp_path / "new" / "folder" / "workshop.sqlite3"
    assert not s.path.exists()  # nothing is made before it is needed
    s.create_room(room())
    with sqlite3.connect(s.path) as con:
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0] == schema.SCHEMA_VERSION == "2"


def test_default_folder_is_the_per_user_data_folder(monkeypatch, tmp_path):
    monkeypatch.delenv("VANILLA_DATA_DIR", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert storage.data_dir() == tmp_path / "vanilla-net"
    monkeypatch.delenv("XDG_DATA_HOME")
    assert storage.data_dir() == storage.Path.home() / ".local" / "share" / "vanilla-net"


def test_deleted_database_file_is_made_again_and_says_so(tmp_path):
    s = SqliteStorage(tmp_path / "w.sqlite3")
    s.create_room(room())
    s.path.unlink()
    with pytest.raises(DatabaseReset, match="was deleted.*gone"):
        s.room("K7QXM")
    assert s.room("K7QXM") is None  # a new, empty database that works
    assert s.create_room(room())
    assert s.room("K7QXM") is not None


def test_a_folder_that_cannot_be_made_is_a_clear_error(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(StorageError, match="VANILLA_DATA_DIR"):
        SqliteStorage(blocker / "w.sqlite3").room("K7QXM")


def test_a_file_that_is_not_a_database_is_a_clear_error(tmp_path):
    path = tmp_path / "w.sqlite3"
    path.write_bytes(b"this is not SQLite " * 100)
    with pytest.raises(StorageError, match="cannot be used|move the file away"):
        SqliteStorage(path).room("K7QXM")


def test_a_locked_database_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setattr(databases, "BUSY_TIMEOUT", 0.2)
    s = SqliteStorage(tmp_path / "w.sqlite3")
    s.create_room(room())
    other = sqlite3.connect(s.path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")  # another program holding the write lock
    try:
        with pytest.raises(StorageError, match="busy"):
            s.add_submission(sub())
    finally:
        other.execute("ROLLBACK")
        other.close()
    s.add_submission(sub())  # fine once the lock is gone
    assert len(s.submissions("K7QXM")) == 1


# --- PostgreSQL specifics -----------------------------------------------------------------------------------

def test_database_url_chooses_postgresql_and_hides_the_password(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://alice:s3cret@db.example:5432/workshop")
    s = open_storage()
    assert isinstance(s, PostgresStorage) and "s3cret" not in s.where
    with pytest.raises(StorageError, match="postgresql://"):
        open_storage("mysql://x@y/z")


def test_unreachable_postgresql_fails_fast_with_a_message_and_is_not_retried_at_once():
    pytest.importorskip("psycopg")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nobody listens here once it is closed
    db = PostgresStorage(f"postgresql://u:pw@127.0.0.1:{port}/x")
    with pytest.raises(StorageError, match="cannot be reached.*DATABASE_URL") as e:
        db.room("K7QXM")
    assert "pw" not in str(e.value).replace("password", "")
    start = time.monotonic()
    with pytest.raises(StorageError, match="cannot be reached"):
        db.room("K7QXM")  # remembered: no new attempt for a few seconds
    assert time.monotonic() - start < 0.5


def test_a_postgresql_that_never_answers_times_out():
    """A server that accepts the connection and then says nothing (a hung or black-holed database): the
    connect timeout (3 s) ends the wait."""
    pytest.importorskip("psycopg")
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    port = server.getsockname()[1]
    try:
        start = time.monotonic()
        with pytest.raises(StorageError, match="cannot be reached"):
            PostgresStorage(f"postgresql://u@127.0.0.1:{port}/x?sslmode=disable").room("K7QXM")
        assert time.monotonic() - start < 15  # psycopg may try each address once: a few times 3 s at most
    finally:
        server.close()


def test_postgresql_tables_dropped_behind_its_back_are_made_again(pg_url):
    import psycopg
    s = PostgresStorage(pg_url)
    s.create_room(room())
    s.close()
    with psycopg.connect(pg_url, autocommit=True) as con:
        con.execute("DROP TABLE submissions, participants, bans, teachers, rooms, meta")
    with pytest.raises(StorageError, match="missing"):
        s.room("K7QXM")
    assert s.room("K7QXM") is None
    assert s.create_room(room())
