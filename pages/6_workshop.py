"""Workshop: a class challenge. A teacher opens a room; everyone joins with its code and a nickname, works on
the other pages and submits; the server scores every submission itself and keeps the leaderboard."""
import streamlit as st

from ui import state
from ui import workshop as wk
from ui.sidebar import page_config, sidebar
from ui.workshop import board, identity, join, participant, teacher
from ui.workshop.service import room_or_message, service, show_message

page_config("Workshop", "🏫")
identity.init()
workshop = service()
identity.claim(workshop)
code, nick = st.session_state[wk.ROOM], st.session_state[wk.NICK]
joined = bool(code and nick and st.session_state[wk.ROLE] == wk.PARTICIPANT)
room = room_or_message(workshop, code) if workshop is not None and code else None
if room is not None and joined:
    state.set_model(room.model)  # before the sidebar: the room's model is the one to work on
sidebar(uses_model=False, uses_edits=False)
identity.keep_in_address()
presenting = state.presenting()
board.style()

st.title(":material/groups: Workshop")
if not presenting:
    st.caption("A class challenge. The teacher opens a room with a challenge; everyone joins with the room's "
               "code and a nickname, works on the other pages, and submits. The server scores every submission "
               "itself on the MNIST test images, and the leaderboard updates by itself.")
show_message()
if workshop is None:
    st.stop()  # the database is misconfigured: said above; the rest of the app still works

if not presenting:
    st.segmented_control("I want to", [wk.PARTICIPANT, wk.TEACHER], key=wk.ROLE, label_visibility="collapsed",
                         required=True)
role = st.session_state[wk.ROLE] or wk.PARTICIPANT

if role == wk.PARTICIPANT and not joined:
    join.form()
elif role == wk.PARTICIPANT and room is not None:
    participant.header(room, nick, presenting)
    participant.work(workshop, room, nick, presenting)
    participant.my_standing(workshop, room, nick)
elif role == wk.PARTICIPANT:
    participant.gone()
else:
    teacher.view(workshop, room, code, presenting)
