"""The join form (room code and nickname) and leaving a room."""
from __future__ import annotations

import streamlit as st

from src import storage as db
from src import workshop as ws

from .. import state
from . import JOIN_CODE, JOIN_NICK, LAST_SUBMIT, NICK, PARTICIPANT, ROLE, ROOM
from .service import say, service


def join():
    """Join with the form's code and nickname (both checked; the room must exist)."""
    service_ = service()
    if service_ is None:
        return
    try:
        code = ws.parse_room_code(st.session_state[JOIN_CODE])
        nick = ws.clean_nickname(st.session_state[JOIN_NICK])
        room = service_.room(code)
    except (ws.WorkshopError, db.StorageError) as e:
        say("error", str(e))
        return
    st.session_state[ROOM], st.session_state[NICK], st.session_state[ROLE] = room.code, nick, PARTICIPANT
    state.set_model(room.model)
    say("success", f"You joined room {room.code} as {nick}.")


def leave():
    st.session_state[ROOM] = st.session_state[NICK] = None
    st.session_state[LAST_SUBMIT] = None
    say("info", "You left the room. Your submissions stay on its leaderboard.")


def form():
    """The join form: the room code (filled in from a join link) and a nickname."""
    with st.form("ws_join_form", border=True, width=520):
        st.markdown("**Join a room**")
        st.text_input("Room code", key=JOIN_CODE, max_chars=12, placeholder="e.g. K7QXM",
                      help="Five letters and digits, shown by the teacher (never I, L, O, 0 or 1).")
        st.text_input("Nickname", key=JOIN_NICK, max_chars=ws.MAX_NICKNAME,
                      help=f"Shown on the leaderboard; up to {ws.MAX_NICKNAME} characters, any language or emoji.")
        st.form_submit_button("Join", icon=":material/login:", type="primary", on_click=join, key="ws_join")
