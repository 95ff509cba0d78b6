"""The join form (room code and nickname, checked at once: a taken or look-alike nickname is refused here with
a free suggestion), anonymous names on request, and leaving a room."""
from __future__ import annotations

import streamlit as st

from src.infra import storage as db
from src.infra import workshop as ws

from .. import state
from ..text import safe
from . import JOIN_CODE, JOIN_NICK, LAST_SUBMIT, NICK, PARTICIPANT, ROLE, ROOM
from .identity import me
from .service import say, service

SUGGESTED = "ws_suggested_nick"  # a free nickname offered after a refusal


def join():
    """Join with the form's code and nickname: the room must exist and be open, and the nickname be free."""
    st.session_state[SUGGESTED] = None
    service_ = service()
    if service_ is None:
        return
    try:
        code = ws.parse_room_code(st.session_state[JOIN_CODE])
        place = service_.join(code, st.session_state[JOIN_NICK], me())
        room = service_.room(place.room)
    except ws.NicknameTaken as e:
        st.session_state[SUGGESTED] = e.suggestion
        say("error", str(e))
        return
    except (ws.WorkshopError, db.StorageError) as e:
        say("error", str(e))
        return
    st.session_state[ROOM], st.session_state[NICK], st.session_state[ROLE] = room.code, place.nickname, PARTICIPANT
    state.set_model(room.model)
    say("success", f"You joined room {room.code} as {place.nickname}.")


def take_suggestion():
    st.session_state[JOIN_NICK] = st.session_state.get(SUGGESTED) or ""
    join()


def anonymous_name():
    """Fill the nickname field with a random name ('Swift Otter 42')."""
    st.session_state[JOIN_NICK] = ws.random_nickname()
    st.session_state[SUGGESTED] = None


def leave():
    service_, code = service(), st.session_state[ROOM]
    if service_ is not None and code:
        try:
            service_.leave(code, me())  # a reload of this browser does not put it back in the room
        except (ws.WorkshopError, db.StorageError):
            pass  # the room or the database is gone: nothing to leave
    st.session_state[ROOM] = st.session_state[NICK] = None
    st.session_state[LAST_SUBMIT] = None
    say("info", "You left the room. Your submissions stay on its leaderboard.")


def form():
    """The join form: the room code (filled in from a join link) and a nickname (or a random one)."""
    with st.form("ws_join_form", border=True, width=520):
        st.markdown("**Join a room**")
        st.text_input("Room code", key=JOIN_CODE, max_chars=12, placeholder="e.g. K7QXM",
                      help="Five letters and digits, shown by the teacher (never I, L, O, 0 or 1).")
        st.text_input("Nickname", key=JOIN_NICK, max_chars=ws.MAX_NICKNAME,
                      help=f"Shown on the leaderboard; up to {ws.MAX_NICKNAME} characters, any language or emoji.")
        with st.container(horizontal=True):
            st.form_submit_button("Join", icon=":material/login:", type="primary", on_click=join, key="ws_join")
            st.form_submit_button("Suggest an anonymous name", icon=":material/casino:", on_click=anonymous_name,
                                  key="ws_anonymous")
    suggestion = st.session_state.get(SUGGESTED)
    if suggestion:
        st.button(f"Join as “{safe(suggestion, ws.MAX_NICKNAME)}”", on_click=take_suggestion, key="ws_join_suggested",
                  icon=":material/login:")
