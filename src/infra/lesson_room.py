"""A lesson room: a workshop room of kind 'lesson' (src.infra.challenges.KIND_LIST) in which participants walk the lesson
and the projector shows how far the class has come.

Nothing is submitted by the browser. When the lesson page's server code has run a step's check itself
(src.lesson) and it passed, ``record_step`` stores it for the participant this browser joined the room as: one
row of the room's submissions per step (``edits`` is the step, ``score`` how many steps that participant had done
with it), stored once, in the transaction that checks the room (open, the participant still in it, its capacity).

The teacher may set the step the class is on (``set_pace``: the room's ``pace`` setting, 0 = self-paced); the
participants' path then opens there. ``progress`` is what the projector shows: how many finished each step, and
who has waited longest since their last finished step.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..lesson import N_STEPS
from ..words import plural
from .challenges import KINDS, WorkshopError, challenge_of
from .records import Submission
from .workshop import Workshop

KIND = "lesson"
assert KIND in KINDS


def is_lesson(room) -> bool:
    return room is not None and room.kind == KIND


def pace(room) -> int:
    """The step the teacher has the class on, 1..N_STEPS, or 0 when everyone goes at their own pace."""
    p = room.params.get("pace") if is_lesson(room) else 0
    return p if isinstance(p, int) and 1 <= p <= N_STEPS else 0


def _steps_of(submissions, session: str) -> set:
    return {int(s.edits) for s in submissions if s.session == session}


def record_step(workshop: Workshop, code: str, session: str, step: int, now: float | None = None):
    """Store that the participant this browser (``session``) joined room ``code`` as has done ``step`` (checked
    by the server). Returns the stored Submission, or None when the step was stored before. WorkshopError when
    the room is not a lesson room, is closed, or the browser is not in it."""
    if isinstance(step, bool) or not isinstance(step, int) or not 1 <= step <= N_STEPS:
        raise WorkshopError(f"A lesson has steps 1 to {N_STEPS}.")
    room = workshop.room(code)
    if not is_lesson(room):
        raise WorkshopError(f"Room {room.code} is not a lesson room.")
    place = workshop.participant(room.code, session)
    if place is None:
        raise WorkshopError(f"You are not in room {room.code} (any more): join it again on the workshop page.")
    done = _steps_of(workshop.storage.submissions(room.code, codes=False), session)
    if step in done:
        return None
    now = workshop.clock() if now is None else now

    def rules(room_, stats):
        if room_ is None:
            raise WorkshopError(f"There is no room {room.code} (any more).")
        if not room_.is_open:
            raise WorkshopError(f"Room {room.code} is closed: it records no more steps.")
        if stats.joined_as != place.nick_key:
            raise WorkshopError(f"You are not in room {room.code} under this nickname (any more).")
        if stats.total >= workshop.limits.max_submissions:
            raise WorkshopError(f"Room {room.code} is full: it has recorded its "
                                f"{plural(workshop.limits.max_submissions, 'step')}.")

    return workshop.storage.add_submission(
        Submission(room.code, place.nickname, place.nick_key, float(len(done) + 1), step, "", now, session), rules)


def set_pace(workshop: Workshop, code: str, step: int, session: str, secret=None):
    """The teacher puts the class on ``step`` (0: self-paced). Returns the updated Room."""
    room = workshop.room(code)
    if not is_lesson(room):
        raise WorkshopError(f"Room {room.code} is not a lesson room.")
    if not workshop.can_manage(room, session, secret):
        raise WorkshopError("Only the teacher who runs this room can set the class's step.")
    if isinstance(step, bool) or not isinstance(step, int) or not 0 <= step <= N_STEPS:
        raise WorkshopError(f"The class's step is 1 to {N_STEPS}, or 0 for each at their own pace.")
    workshop.storage.set_params(room.code, {**challenge_of(room).params, "pace": step})
    return workshop.room(room.code)


@dataclass(frozen=True)
class Learner:
    nickname: str
    done: frozenset      # steps finished
    on_step: int | None  # the class's step if not done, else the next one left after the step they did last
    since: float         # when they finished their last step (or joined)


@dataclass(frozen=True)
class Progress:
    pace: int
    learners: list       # Learner, in the order they joined
    finished: dict       # {step: how many finished it}

    def stuck(self, now: float, n: int = 5) -> list:
        """The ``n`` learners not yet through the lesson who have waited longest: (Learner, seconds waited)."""
        waiting = [(p, now - p.since) for p in self.learners if p.on_step is not None]
        return sorted(waiting, key=lambda t: -t[1])[:n]


def progress(workshop: Workshop, code: str) -> Progress:
    """The class's progress in lesson room ``code``."""
    room = workshop.room(code)
    step_now = pace(room)
    rows = workshop.storage.submissions(room.code, codes=False)
    learners = []
    for p in workshop.storage.participants(room.code):
        mine = [s for s in rows if s.session == p.session and 1 <= s.edits <= N_STEPS]
        done = frozenset(int(s.edits) for s in mine)
        latest = int(mine[-1].edits) if mine else 0  # rows come oldest first
        if step_now and step_now not in done:
            on = step_now
        else:  # the next step after the one finished last (people skip ahead), else the first one left
            on = next((n for n in [*range(latest + 1, N_STEPS + 1), *range(1, latest + 1)] if n not in done), None)
        learners.append(Learner(p.nickname, done, on, max([p.joined] + [s.created for s in mine])))
    finished = {n: sum(n in q.done for q in learners) for n in range(1, N_STEPS + 1)}
    return Progress(step_now, learners, finished)
