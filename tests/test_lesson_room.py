"""src/infra/lesson_room.py: a lesson room records each participant's checked steps once, the teacher sets the class's
step, and the class's progress (finished per step, who waits longest) is computed from what is stored."""
import numpy as np
import pytest

from src import lesson as L
from src.infra import lesson_room as lr
from src.infra import challenges as ch
from src.infra import workshop as ws
from src.infra.databases import SqliteStorage
from src.infra.judge import Judge
from tests.test_storage import make, pg_url  # noqa: F401,F811 - fixtures: one storage per database


class Clock:
    def __init__(self):
        self.t = 1_000_000.0

    def __call__(self):
        return self.t


@pytest.fixture
def shop(tmp_path):
    clock = Clock()
    w = ws.Workshop(SqliteStorage(tmp_path / "w.sqlite3"), None, clock=clock)
    w.test_clock = clock
    return w


TEACHER, ANA, BEN, CAL = "teacher-token-1", "ana-token-0001", "ben-token-0001", "cal-token-0001"


def lesson_room(shop, pace=0):
    return shop.open_room(ch.make_challenge("lesson", "sigmoid", pace=pace), TEACHER)


def test_the_kind_is_in_the_table_and_checks_its_setting():
    spec = ch.KINDS["lesson"]
    assert spec.submits == ch.STEPS and [p.name for p in spec.params] == ["pace"]
    assert ch.make_challenge("lesson", "relu", pace=L.N_STEPS).params == {"pace": L.N_STEPS}
    for bad in (-1, L.N_STEPS + 1, True, "3"):
        with pytest.raises(ws.WorkshopError):
            ch.make_challenge("lesson", "relu", pace=bad)
    assert "own pace" in ch.make_challenge("lesson", "relu", pace=0).describe()
    assert "step 4" in ch.make_challenge("lesson", "relu", pace=4).describe()


def test_a_lesson_room_takes_no_submissions(shipped):
    judge = Judge(shipped, np.zeros((10, 784), np.float32), np.zeros(10, np.uint8))
    with pytest.raises(ws.WorkshopError, match="no submissions"):
        judge.score(ch.make_challenge("lesson", "sigmoid", pace=0), "anything")
    with pytest.raises(ws.WorkshopError, match="no submissions"):
        judge.score(ch.make_challenge("lesson", "sigmoid", pace=0), np.zeros(784))


def test_a_room_that_records_one_step_says_one_step(tmp_path):
    shop = ws.Workshop(SqliteStorage(tmp_path / "w.sqlite3"), None, ws.Limits(max_submissions=1), clock=Clock())
    room = lesson_room(shop)
    shop.join(room.code, "Ana", ANA)
    lr.record_step(shop, room.code, ANA, 3)
    with pytest.raises(ws.WorkshopError) as full:
        lr.record_step(shop, room.code, ANA, 4)
    assert str(full.value) == f"Room {room.code} is full: it has recorded its 1 step."

def test_steps_are_recorded_once_for_the_participant_this_browser_joined_as(shop):
    room = lesson_room(shop)
    with pytest.raises(ws.WorkshopError, match="not in room"):
        lr.record_step(shop, room.code, ANA, 3)  # not joined
    shop.join(room.code, "Ana", ANA)
    first = lr.record_step(shop, room.code, ANA, 3)
    assert (first.nickname, first.edits, first.score) == ("Ana", 3, 1.0)
    assert lr.record_step(shop, room.code, ANA, 3) is None  # stored once
    assert lr.record_step(shop, room.code, ANA, 5).score == 2.0  # two steps done
    assert len(shop.storage.submissions(room.code)) == 2
    for bad in (0, L.N_STEPS + 1, True, 2.0, "4"):
        with pytest.raises(ws.WorkshopError):
            lr.record_step(shop, room.code, ANA, bad)


def test_no_steps_for_other_rooms_or_closed_ones(shop):
    other = shop.open_room(ch.make_challenge("fool_it", "sigmoid", index=0, target=3), TEACHER)
    shop.join(other.code, "Ana", ANA)
    with pytest.raises(ws.WorkshopError, match="not a lesson room"):
        lr.record_step(shop, other.code, ANA, 1)
    room = lesson_room(shop)
    shop.join(room.code, "Ana", ANA)
    shop.close_room(room.code, TEACHER)
    with pytest.raises(ws.WorkshopError, match="closed"):
        lr.record_step(shop, room.code, ANA, 1)


def test_only_the_teacher_sets_the_class_step(shop):
    room = lesson_room(shop)
    assert lr.pace(room) == 0
    assert lr.pace(lr.set_pace(shop, room.code, 4, TEACHER)) == 4
    assert lr.pace(shop.room(room.code)) == 4
    with pytest.raises(ws.WorkshopError, match="Only the teacher"):
        lr.set_pace(shop, room.code, 2, ANA)
    for bad in (-1, L.N_STEPS + 1, True):
        with pytest.raises(ws.WorkshopError):
            lr.set_pace(shop, room.code, bad, TEACHER)
    assert lr.pace(lr.set_pace(shop, room.code, 0, TEACHER)) == 0


def test_class_progress(shop):
    room = lesson_room(shop)
    clock = shop.test_clock
    last = {}
    for name, token in (("Ana", ANA), ("Ben", BEN), ("<b>Cal</b>", CAL)):
        shop.join(room.code, name, token)
        last[name] = clock.t
        clock.t += 10
    done = {ANA: [1, 2, 3], BEN: [1], CAL: []}
    names = {ANA: "Ana", BEN: "Ben", CAL: "<b>Cal</b>"}
    for token, steps in done.items():
        for s in steps:
            clock.t += 60
            lr.record_step(shop, room.code, token, s)
            last[names[token]] = clock.t
    clock.t += 5
    p = lr.progress(shop, room.code)
    assert [q.nickname for q in p.learners] == ["Ana", "Ben", "<b>Cal</b>"]
    assert p.finished == {n: sum(n in v for v in done.values()) for n in range(1, L.N_STEPS + 1)}
    assert [q.on_step for q in p.learners] == [4, 2, 1]
    # waited since their last finished step (or since joining), longest first
    expected = sorted(last, key=lambda n: last[n])
    stuck = p.stuck(clock.t)
    assert [q.nickname for q, _ in stuck] == expected == ["<b>Cal</b>", "Ana", "Ben"]
    assert [t for _, t in stuck] == [clock.t - last[n] for n in expected]
    assert len(p.stuck(clock.t, n=1)) == 1
    lr.set_pace(shop, room.code, 2, TEACHER)
    p = lr.progress(shop, room.code)
    assert p.pace == 2 and [q.on_step for q in p.learners] == [4, 2, 2]  # Ana is ahead; Cal is on the class step


def test_everyone_through_is_stuck_nowhere(shop):
    room = lesson_room(shop)
    shop.join(room.code, "Ana", ANA)
    for s in range(1, L.N_STEPS + 1):
        lr.record_step(shop, room.code, ANA, s)
    p = lr.progress(shop, room.code)
    assert p.learners[0].on_step is None and p.stuck(shop.test_clock.t) == []
    assert all(v == 1 for v in p.finished.values())


def test_a_learner_who_skipped_ahead_is_on_the_step_after_their_last(shop):
    room = lesson_room(shop)
    shop.join(room.code, "Ana", ANA)
    for s in (6, 7):
        shop.test_clock.t += 1
        lr.record_step(shop, room.code, ANA, s)
    assert lr.progress(shop, room.code).learners[0].on_step == 8
    shop.test_clock.t += 1
    lr.record_step(shop, room.code, ANA, L.N_STEPS)  # the last step: back to the first one left
    assert lr.progress(shop, room.code).learners[0].on_step == 1


def test_the_room_on_each_database(make):  # noqa: F811 - the fixture
    """Steps, the class's step (a room's settings rewritten) and the progress, on SQLite and on PostgreSQL."""
    w = ws.Workshop(make(), None)
    room = w.open_room(ch.make_challenge("lesson", "relu", pace=0), TEACHER)
    w.join(room.code, "Ana", ANA)
    lr.record_step(w, room.code, ANA, 2)
    assert lr.record_step(w, room.code, ANA, 2) is None
    assert lr.pace(lr.set_pace(w, room.code, 5, TEACHER)) == 5
    again = ws.Workshop(make(), None)  # a restart of the app: all of it is in the database
    p = lr.progress(again, room.code)
    assert p.pace == 5 and p.learners[0].done == {2} and p.learners[0].on_step == 5
    assert again.room(room.code).params == {"pace": 5}
