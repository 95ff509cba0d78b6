"""The class's progress in a lesson room (a workshop room whose kind submits STEPS), for the workshop pages: the
projector's view on the leaderboard page (how many finished each step, who has waited longest, the teacher's
control of the step the class is on) and a joined participant's panel on the workshop page.

The numbers come from src.infra.lesson_room; every nickname is shown through ``safe`` (a nickname in markup is shown
as typed, never rendered).
"""
from __future__ import annotations

import time

import streamlit as st

from src import lesson as L
from src.infra import lesson_room as lr
from src.infra import storage as db
from src.infra import workshop as ws

from . import data, state
from .lesson_room import my_token
from .text import safe
from .workshop import identity
from .workshop.board import ago
from .workshop.service import service

NAMES = "class_progress_names"    # the projector shows nicknames (else learners are numbered)
PACE = "class_progress_pace"      # the teacher's choice of the class's step
NOTE = "class_progress_note"      # (kind, text): why the teacher's last change was refused
DEFAULTS = {NAMES: True, NOTE: (None, None)}
REFRESH_SECONDS = 3
STUCK_SHOWN = 5


def init():
    state.init_defaults(DEFAULTS)


def participant_panel(service_, room, nick):
    """On the workshop page, for a joined lesson room: where to go, and how far this participant has come."""
    done = _steps_of_me(service_, room)
    with st.container(horizontal=True, key="ws_lesson", vertical_alignment="center"):
        st.page_link("pages/0_lesson.py", label="Open the lesson", icon=":material/school:",
                     query_params={"step": str(lr.pace(room) or min(set(range(1, L.N_STEPS + 1)) - done or {1}))})
        st.markdown(f"**{safe(nick, ws.MAX_NICKNAME)}**: {len(done)} of {L.N_STEPS} steps done")


def _steps_of_me(service_, room) -> set:
    try:
        rows = service_.storage.submissions(room.code, codes=False)
    except db.StorageError:
        return set()
    return {int(s.edits) for s in rows if s.session == my_token()}


def set_pace(code):
    service_ = service()
    if service_ is None:
        return
    try:
        lr.set_pace(service_, code, int(st.session_state[PACE]), identity.me(), identity.secret() or None)
    except (ws.WorkshopError, db.StorageError) as e:
        st.session_state[NOTE] = ("error", str(e))


def pace_control(room):
    """The teacher's control: the step the class is on, or self-paced."""
    st.session_state[PACE] = lr.pace(room)
    labels = {0: "Own pace", **{n: str(n) for n in range(1, L.N_STEPS + 1)}}
    st.segmented_control("The class is on step", list(labels), format_func=labels.get, key=PACE, required=True,
                         on_change=set_pace, args=(room.code,), width="stretch")


def who(learner, k: int, names: bool) -> str:
    return safe(learner.nickname, ws.MAX_NICKNAME) if names else f"learner {k}"


def progress_markdown(progress: lr.Progress, now: float, names: bool) -> str:
    """The class's progress as Markdown: a line per step (how many finished it), then who has waited longest.
    Every nickname through ``safe``: a nickname in markup is shown as typed."""
    n = len(progress.learners)
    rows = ["| step | | finished |", "|---|---|---:|"]
    for step in L.STEPS:
        mark = " ◀ the class is here" if progress.pace == step.number else ""
        done = progress.finished[step.number]
        bar = "█" * round(12 * done / n) if n else ""
        rows.append(f"| **{step.number}** {step.title}{mark} | {bar} | **{done}** of {n} |")
    lines = ["\n".join(rows)]
    stuck = progress.stuck(now, STUCK_SHOWN)
    if stuck:
        index = {id(p): k for k, p in enumerate(progress.learners, start=1)}
        lines.append("**Waiting longest**: " + " · ".join(
            f"{who(p, index[id(p)], names)} on step {p.on_step} ({ago(t).replace(' ago', '')})" for p, t in stuck))
    elif n:
        lines.append("Everyone has finished every step.")
    return "\n\n".join(lines)


def projector(service_, room, teacher: bool, presenting: bool):
    """The class's progress per step, refreshing by itself; the teacher sets the class's step here."""
    init()
    if teacher:
        pace_control(room)
        if not presenting:
            st.toggle("Show nicknames", key=NAMES, help="Off: learners are numbered in the order they joined.")
        kind, text = st.session_state[NOTE]
        if kind:
            getattr(st, kind)(safe(text, 300))
            st.session_state[NOTE] = (None, None)

    @st.fragment(run_every=REFRESH_SECONDS)
    def live():
        try:
            fresh = service_.room(room.code)
            prog = lr.progress(service_, room.code)
        except (ws.WorkshopError, db.StorageError) as e:
            st.warning(f"The class's progress cannot be read right now: {safe(e, 300)}", icon=":material/database:")
            return
        st.markdown(f"**The lesson, step by step** · {data.MODEL_LABELS[fresh.model]} · "
                    f"{len(prog.learners)} learner{'s' if len(prog.learners) != 1 else ''} · "
                    + (f"the class is on step {prog.pace}" if prog.pace else "each at their own pace")
                    + ("" if fresh.is_open else " · **closed**"))
        with st.container(key="lesson_progress"):
            if prog.learners:
                st.markdown(progress_markdown(prog, time.time(), bool(st.session_state.get(NAMES, True))))
            else:
                st.markdown(f"No one has joined yet. Join with the code **{room.code}**, then open The lesson.")

    live()
