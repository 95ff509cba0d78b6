"""The lesson in a workshop room, the learner's side (the lesson page): which room this browser joined, the step
the teacher has the class on (the path follows it), and each checked step reported to the server.

The rules and the storage are src.infra.lesson_room; who this browser is comes from the workshop's identity (its
cookie), never from the address. A step is reported only from ``report``, which the lesson page calls after its
own server-side check passed. The projector's side is ui.class_progress.
"""
from __future__ import annotations

import time

import streamlit as st

from src import lesson as L
from src.infra import lesson_room as lr
from src.infra import storage as db
from src.infra import workshop as ws

from . import state
from . import workshop as wk
from .text import safe
from .workshop import identity
from .workshop.service import service

# --- session keys ------------------------------------------------------------------------------------------
PACE_SEEN = "lesson_pace_seen"      # the class's step last taken into this learner's path (room, step)
REPORTED = "lesson_reported"        # (room, step) pairs already stored for this browser
NOTE = "lesson_room_note"           # (kind, text): what the last report to the room said

DEFAULTS = {PACE_SEEN: None, REPORTED: frozenset(), NOTE: (None, None)}
FOLLOW_SECONDS = 5  # how often a learner's page asks for the class's step (a light fragment, one query)


def init():
    state.init_defaults(DEFAULTS)


def my_token() -> str | None:
    return st.session_state.get(wk.ME) or identity.browser_token()


def membership():
    """(service, room, participant) when this browser has joined an open lesson room, else None. A browser that
    never used the workshop (no token) costs no database query."""
    token = my_token()
    if token is None:
        return None
    service_ = service()
    if service_ is None:
        return None
    try:
        code = st.session_state.get(wk.ROOM)
        place = service_.participant(code, token) if code else None
        if place is None:
            place = service_.storage.latest_participation(token, since=time.time() - identity.REJOIN_HOURS * 3600)
        if place is None:
            return None
        room = service_.room(place.room)
    except (ws.WorkshopError, db.StorageError):
        return None
    return (service_, room, place) if lr.is_lesson(room) and room.is_open else None


def report(n: int, result: L.Result, results: dict | None = None):
    """The lesson page checked step ``n`` (on the server) and it passed: store it for this browser's place in its
    lesson room, with the steps this session passed before it joined (``results``: {step: Result})."""
    if not result.passed:
        return
    member = membership()
    if member is None:
        return
    service_, room, _ = member
    steps = sorted({n} | {k for k, r in (results or {}).items() if r.passed})
    stored = []
    for step in steps:
        if (room.code, step) in st.session_state[REPORTED]:
            continue
        try:
            lr.record_step(service_, room.code, my_token(), step)
        except (ws.WorkshopError, db.StorageError) as e:
            st.session_state[NOTE] = ("warning", f"Room {room.code} did not record step {step}: {e}")
            return
        st.session_state[REPORTED] = st.session_state[REPORTED] | {(room.code, step)}
        stored.append(step)
    if stored:
        st.session_state[NOTE] = ("success", f"Recorded for room {room.code}: step "
                                             f"{', '.join(map(str, stored))}.")


# --- the learner's side: on the lesson page ------------------------------------------------------------------

def banner(member, go):
    """Which room, who, the class's step; when the teacher moves the class, the path follows (``go(step)``)."""
    if member is None:
        return
    _, room, place = member
    step = lr.pace(room)
    with st.container(key="lesson_room", horizontal=True, vertical_alignment="center"):
        st.markdown(f":material/groups: Room **{room.code}** · you are **{safe(place.nickname, ws.MAX_NICKNAME)}** · "
                    + (f"the class is on **step {step}**" if step else "everyone at their own pace"))
        st.page_link("pages/6_workshop.py", label="Workshop", icon=":material/groups:")
    kind, text = st.session_state[NOTE]
    if kind:
        getattr(st, kind)(safe(text, 300))
        st.session_state[NOTE] = (None, None)
    follow_pace(room, go)


def follow_pace(room, go):
    """When the class's step changes (the teacher moved it), open it. Checked now and every few seconds."""
    seen = (room.code, lr.pace(room))
    if seen[1] and st.session_state[PACE_SEEN] != seen:
        go(seen[1])
    st.session_state[PACE_SEEN] = seen

    @st.fragment(run_every=FOLLOW_SECONDS)
    def watch():
        service_ = service()
        try:
            fresh = service_.room(room.code) if service_ is not None else None
        except (ws.WorkshopError, db.StorageError):
            return
        if fresh is not None and lr.pace(fresh) and (fresh.code, lr.pace(fresh)) != st.session_state[PACE_SEEN]:
            st.rerun()  # the whole page: the path opens on the class's new step

    watch()
