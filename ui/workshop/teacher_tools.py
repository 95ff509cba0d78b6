"""The teacher's tools for a running room: who is in, a deadline, freezing the board before the reveal,
moderation (remove an entry, ban a nickname), the CSV export and running a closed room again. Each action goes
through ``src.infra.workshop.Workshop``, which checks this browser's rights (and the secret where one is set)."""
from __future__ import annotations

import streamlit as st

from src.infra import workshop as ws

from ..text import safe
from . import NICK, ROLE, ROOM, TEACHER, plural
from .board import time_left
from .identity import me, secret
from .service import attempt, say, service

DEADLINE_MINUTES = "ws_deadline_minutes"
MODERATE = "ws_moderate_nick"


# --- actions ---------------------------------------------------------------------------------------------

def set_deadline(code):
    service_ = service()
    if service_ is not None:
        minutes = st.session_state.get(DEADLINE_MINUTES) or 0
        attempt(lambda: service_.set_deadline(code, int(minutes), me(), secret() or None),
                f"Room {code} takes submissions for {plural(int(minutes), 'more minute')}.")


def clear_deadline(code):
    service_ = service()
    if service_ is not None:
        attempt(lambda: service_.set_deadline(code, None, me(), secret() or None), f"Room {code} has no deadline.")


def freeze(code, frozen: bool):
    service_ = service()
    if service_ is not None:
        attempt(lambda: service_.freeze(code, frozen, me(), secret() or None),
                "The board is frozen: new submissions count but stay hidden until you reveal it." if frozen
                else "The board is revealed: every submission shows.")


def remove_entry(code):
    service_ = service()
    nick = st.session_state.get(MODERATE)
    if service_ is not None and nick:
        attempt(lambda: service_.remove_entry(code, nick, me(), secret() or None),
                lambda n: f"{nick}'s entry is removed ({plural(n, 'submission')} deleted); they may submit again.")


def ban(code):
    service_ = service()
    nick = st.session_state.get(MODERATE)
    if service_ is not None and nick:
        attempt(lambda: service_.ban(code, nick, me(), secret() or None),
                lambda n: f"{nick} is banned from room {code} ({plural(n, 'submission')} deleted); no one can "
                          "join under that name or one that looks like it.")


def run_again(code):
    service_ = service()
    if service_ is None:
        return
    room = attempt(lambda: service_.run_again(code, me(), secret() or None))
    if room is not None:
        st.session_state[ROOM], st.session_state[ROLE], st.session_state[NICK] = room.code, TEACHER, None
        say("success", f"Room {room.code} is open with the same challenge. Show its code or QR code to the class.")


def csv_bytes(service_, code, session, secret_) -> bytes:
    """The room's submissions as a UTF-8 CSV file (with the BOM spreadsheets look for)."""
    return ("\ufeff" + service_.export_csv(code, session, secret_ or None)).encode("utf-8")


# --- sections --------------------------------------------------------------------------------------------

def who_is_in(service_, room, board):
    waiting = attempt(lambda: service_.waiting(room.code)) or []
    with st.container(key="ws_who"):
        if waiting:
            names = ", ".join(safe(p.nickname, ws.MAX_NICKNAME) for p in waiting[:40])
            st.markdown(f"**Joined, not submitted yet** ({len(waiting)}): {names}"
                        + (" …" if len(waiting) > 40 else ""))
        else:
            st.markdown("Everyone who joined has submitted." if board else "No one has joined yet.")


def deadline_controls(room):
    with st.container(horizontal=True, vertical_alignment="bottom", key="ws_deadline"):
        st.number_input("Deadline in minutes", 1, 600, value=10, key=DEADLINE_MINUTES, width=160)
        st.button("Set the deadline", icon=":material/timer:", on_click=set_deadline, args=(room.code,),
                  disabled=not room.is_open, key="ws_set_deadline")
        if room.deadline is not None:
            st.button("No deadline", on_click=clear_deadline, args=(room.code,), key="ws_clear_deadline")
    remaining = time_left(room)
    if remaining:
        st.caption(f"Deadline: {remaining}.")


def freeze_controls(room):
    if room.frozen is None:
        st.button("Freeze the board", icon=":material/ac_unit:", on_click=freeze, args=(room.code, True),
                  key="ws_freeze", help="The board keeps showing what it shows now; new submissions count but stay "
                                        "hidden until you reveal them.")
    else:
        st.button("Reveal the board", icon=":material/visibility:", type="primary", on_click=freeze,
                  args=(room.code, False), key="ws_reveal")


def moderation(room, board):
    if not board:
        return
    with st.container(horizontal=True, vertical_alignment="bottom", key="ws_moderation"):
        st.selectbox("Entry", [e.nickname for e in board], key=MODERATE, width=220)
        st.button("Remove entry", icon=":material/delete:", on_click=remove_entry, args=(room.code,),
                  key="ws_remove_entry", help="Deletes this nickname's submissions; they may submit again.")
        st.button("Ban nickname", icon=":material/block:", on_click=ban, args=(room.code,), key="ws_ban",
                  help="Deletes its submissions and bars the nickname (and look-alikes) from this room.")


def export(service_, room):
    token, given = me(), secret()  # read now: the file is made on another thread, when the button is pressed
    st.download_button("Download submissions (CSV)", data=lambda: csv_bytes(service_, room.code, token, given),
                       file_name=f"workshop-{room.code}.csv", mime="text/csv", icon=":material/download:",
                       key="ws_export", on_click="ignore")


def run_again_button(room):
    if not room.is_open:
        st.button("Run it again", icon=":material/replay:", type="primary", on_click=run_again, args=(room.code,),
                  key="ws_run_again", help="A new room with the same challenge, open now.")


def tools(service_, room, board):
    """Everything a teacher does with a running (or closed) room."""
    who_is_in(service_, room, board)
    deadline_controls(room)
    with st.container(horizontal=True, key="ws_board_tools"):
        freeze_controls(room)
        export(service_, room)
        run_again_button(room)
    moderation(room, board)
