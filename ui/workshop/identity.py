"""Who this browser is: the participant's token (``me``) and the teacher's rights.

Each browser session has a random token, kept in the session and in the workshop page's address
(``?room=K7QXM&nick=Ana&me=…``), so a reload keeps the room, the nickname and the right to submit under that
nickname (and, without a teacher secret, to close the room one opened). The teacher secret, when one is typed,
stays in the session only.
"""
from __future__ import annotations

import streamlit as st

from src import storage as db
from src import workshop as ws

from .. import state
from . import CLAIM, DEFAULTS, JOIN_CODE, ME, NICK, PARTICIPANT, ROLE, ROOM, SECRET, TEACHER


def init():
    """Defaults, then what the address says (a reload, or a QR code's deep link)."""
    state.init_defaults(DEFAULTS)
    q = st.query_params
    if not st.session_state[ME]:
        token = q.get("me")
        try:
            st.session_state[ME] = ws.check_session_token(token) if token else ws.new_session_token()
        except ws.WorkshopError:
            st.session_state[ME] = ws.new_session_token()
    code = q.get("room")
    if code:
        try:
            code = ws.parse_room_code(code)
        except ws.WorkshopError:
            code = None
    if code and code != st.session_state[ROOM]:
        nick = q.get("nick")
        try:
            nick = ws.clean_nickname(nick) if nick else None
        except ws.WorkshopError:
            nick = None
        if nick:  # a reload of a joined page: joined again
            st.session_state[ROOM], st.session_state[NICK] = code, nick
            st.session_state[ROLE] = PARTICIPANT
        elif not st.session_state[ROOM]:  # a join link: the code is filled in, the nickname is asked
            st.session_state[JOIN_CODE] = code
            st.session_state[CLAIM] = code  # ... unless this is the teacher's own page, reloaded


def claim(service_):
    """A reloaded teacher's page: the address names a room this session's token opened, so show it as the
    teacher's (once, at the start of the session; no database, nothing claimed)."""
    code = st.session_state.pop(CLAIM, None)
    if not code or service_ is None:
        return
    try:
        room = service_.storage.room(code)
    except db.StorageError:
        return
    if room is not None and service_.can_manage(room, me(), secret()):
        st.session_state[ROOM], st.session_state[ROLE] = room.code, TEACHER


def keep_in_address():
    """Write the room, nickname and token into the address, so a reload of the tab keeps them. In the
    presenter view the token is left out: the address bar may be on the projector."""
    room, nick = st.session_state[ROOM], st.session_state[NICK]
    wanted = {}
    if room:
        wanted["room"] = room
        if nick and st.session_state[ROLE] == PARTICIPANT:
            wanted["nick"] = nick
        if not state.presenting():
            wanted["me"] = st.session_state[ME]
    for key in ("room", "nick", "me"):
        if key in wanted and st.query_params.get(key) != wanted[key]:
            st.query_params[key] = wanted[key]
        elif key not in wanted and key in st.query_params:
            del st.query_params[key]


def me() -> str:
    return st.session_state[ME]


def secret() -> str:
    return st.session_state[SECRET] or ""


def is_teacher_of(service_, room) -> bool:
    """Whether this browser may run ``room``: the teacher secret, or (without one) the browser that opened it."""
    return service_.can_manage(room, me(), secret())
