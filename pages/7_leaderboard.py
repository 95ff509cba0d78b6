"""Leaderboard: a room's best submissions, refreshing by itself, big enough for a projector."""
import streamlit as st

from src.infra import challenges
from src.infra import workshop as rules
from ui import class_progress, state
from ui import workshop as wk
from ui.sidebar import page_config, sidebar
from ui.text import safe
from ui.workshop import board, identity, teacher_tools
from ui.workshop.service import room_or_message, service

page_config("Leaderboard", "🏆")
identity.init()
workshop = service()
sidebar(uses_model=False, uses_edits=False)
presenting = state.presenting()
board.style()

code = st.query_params.get("room") or st.session_state[wk.ROOM]
if code:
    try:
        code = rules.parse_room_code(code)
        st.query_params["room"] = code
    except rules.WorkshopError as e:
        st.warning(safe(e, 300), icon=":material/meeting_room:")
        code = None

st.title(":material/leaderboard: Leaderboard")
if workshop is None:
    st.stop()
if not code:
    board.code_input()
    st.stop()
room = room_or_message(workshop, code)
if room is None:
    st.stop()

teacher = identity.is_teacher_of(workshop, room)  # this browser runs the room (its cookie), not the address
board_col, join_col = st.columns([3, 1], gap="large")
with join_col:
    board.join_panel(room, presenting)
with board_col:
    if challenges.KINDS[room.kind].submits == challenges.STEPS:  # nothing submitted: the class's progress per step
        class_progress.projector(workshop, room, teacher=teacher, presenting=presenting)
    else:
        view = board.view_choice(presenting)
        if teacher and not presenting:
            board.teacher_note(room, view)
            teacher_tools.freeze_controls(room)  # freeze before the reveal, from the projected tab
        board.live(workshop, room, teacher=teacher, presenting=presenting, view=view)
