"""A joined participant's view: the room's challenge, their copy of the network (or their image), Submit, and
where they stand."""
from __future__ import annotations

import streamlit as st

from src.infra import challenges as ch
from src.infra import leaderboard
from src.infra import workshop as ws
from src.edits import encode_link

from .. import data, state
from ..text import safe
from . import LAST_SUBMIT, plural
from . import fool
from .board import time_left
from .identity import me
from .join import leave
from .service import attempt, say, service


# --- actions ---------------------------------------------------------------------------------------------

def start_challenge(room):
    """Apply the challenge's starting edit to this session's copy: the layer zeroed (one undoable edit)."""
    challenge = ch.challenge_of(room)
    log = state.tuning(room.model).log
    edit = log.zero_layer(challenge.start_layer)
    say("success" if edit else "info",
        f"Your {data.MODEL_LABELS[room.model]} copy now has layer {challenge.start_layer} at zero: rebuild it on "
        "Hand-tune." if edit else f"Layer {challenge.start_layer} of your copy is already at zero.")


def reset_copy(room):
    edit = state.tuning(room.model).log.reset()
    say("success" if edit else "info", "Your copy is the trained model again (undo on Hand-tune)." if edit
        else "Your copy is already the trained model.")


def submit_network(room_code, nick):
    """Send this session's edited copy (its share code) to be scored by the server."""
    submit(room_code, nick, lambda service_, room: encode_link(state.tuning(room.model).log))


def submit(room_code, nick, submission_of):
    """Store ``submission_of(service, room)`` for ``nick`` in the room, scored by the server; say how it went."""
    service_ = service()
    if service_ is None:
        return
    room = attempt(lambda: service_.room(room_code))
    if room is None:
        return
    challenge = ch.challenge_of(room)
    submission = submission_of(service_, room)
    stored = attempt(lambda: service_.submit(room.code, nick, me(), submission))
    if stored is None:
        return
    board = attempt(lambda: service_.leaderboard(room.code)) or []
    place = next((e.rank for e in board if ws.nickname_key(e.nickname) == stored.nick_key), None)
    extra = (f" ({stored.edits:,} weights and biases changed since the start)" if challenge.spec.board_edits
             else "")
    say("success", f"Submitted: {challenge.format_score(stored.score)}{extra}, scored by the server. "
                   + (f"You are #{place} of {len(board)} on the leaderboard." if place else ""))
    st.session_state[LAST_SUBMIT] = (room.code, stored.score)


def standing(entries, nick) -> leaderboard.Entry | None:
    """This nickname's line on the leaderboard, or None."""
    key = ws.nickname_key(nick)
    return next((e for e in entries if ws.nickname_key(e.nickname) == key), None)


def progress(service_, room):
    """What the participant's copy would score, computed here for their information (the server scores
    again on submission): (test accuracy or None, changed parameters, trained values left in the zeroed
    layer)."""
    challenge = ch.challenge_of(room)
    t = state.tuning(room.model)
    acc = t.scorer.accuracy if t.scorer is not None else None
    judge = service_.judge
    if judge is None:
        return acc, None, None
    return acc, judge.changes(challenge, t.log.net), judge.leftover(challenge, t.log.net)


# --- sections --------------------------------------------------------------------------------------------

def header(room, nick, presenting):
    """Who and where: the room, the nickname, the leaderboard, Leave; then the challenge's card."""
    challenge = ch.challenge_of(room)
    with st.container(horizontal=True, vertical_alignment="center", key="ws_joined"):
        st.markdown(f"Room **{room.code}** · you are **{safe(nick, ws.MAX_NICKNAME)}**")
        st.page_link("pages/7_leaderboard.py", label="Leaderboard", icon=":material/leaderboard:",
                     query_params={"room": room.code})
        if not presenting:
            st.button("Leave", icon=":material/logout:", on_click=leave, key="ws_leave")
    with st.container(border=True, key="ws_challenge"):
        st.subheader(f"{challenge.title} · {data.MODEL_LABELS[room.model]} model", anchor=False)
        st.markdown(challenge.describe())
    remaining = time_left(room)
    if not room.is_open:
        st.warning(f"Room {room.code} is closed: it takes no more submissions. Its leaderboard stays.",
                   icon=":material/lock:")
    elif remaining == "time is up":
        st.warning("Time is up: this room takes no more submissions. Your earlier ones stay on the leaderboard.",
                   icon=":material/timer_off:")
    elif remaining:
        st.info(f"Deadline: {remaining}.", icon=":material/timer:")


def network_work(service_, room, nick, presenting):
    """For a NETWORK challenge: the copy's accuracy and changes, Start, Hand-tune, Submit."""
    challenge = ch.challenge_of(room)
    acc, changes, left = progress(service_, room)
    limit = challenge.params.get("max_edits")
    with st.container(horizontal=True, key="ws_progress"):
        st.metric("Your copy: test accuracy", f"{acc:.2%}" if acc is not None else "n/a", width="content",
                  help="Measured here on the test images; the server measures again when you submit.")
        if changes is not None:
            st.metric("Changed weights and biases", f"{changes:,}" + (f" of {limit:,}" if limit else ""),
                      width="content", help="Counted from the challenge's starting network.")
    if left:
        st.info(f"Step 1: your copy still has {left:,} trained weights and biases in layer "
                f"{challenge.start_layer}. Set the layer to zero to start.", icon=":material/counter_1:")
        st.button(f"Start the challenge: set layer {challenge.start_layer} to 0", type="primary",
                  icon=":material/restart_alt:", on_click=start_challenge, args=(room,), key="ws_start_btn")
    if limit and changes is not None and changes > limit:
        st.warning(f"Your copy changes {changes:,} weights and biases; this challenge allows {limit:,}. Undo "
                   "some on Hand-tune" + (", or start again from the trained model." if not left else "."),
                   icon=":material/warning:")
        if not challenge.start_layer:
            st.button("Start again from the trained model", on_click=reset_copy, args=(room,), key="ws_reset_copy")
    with st.container(horizontal=True, key="ws_actions"):
        st.page_link("pages/2_hand_tune.py", label="Work on it in Hand-tune", icon=":material/tune:",
                     query_params={"model": data.MODEL_LABELS[room.model],
                                   "layer": str(challenge.start_layer or 1), "neuron": "0"})
        st.button("Submit my network", type="primary", icon=":material/send:", key="ws_submit",
                  disabled=not room.is_open or bool(left), on_click=submit_network, args=(room.code, nick))
    if not presenting:
        st.caption("Submit sends your edited copy (as its share code); the server rebuilds it from the trained "
                   "model and scores it. You can submit again whenever you improve it "
                   f"(at most one submission every {service_.limits.min_interval:g} s).")


def work(service_, room, nick, presenting):
    """What the participant works on, as the challenge's kind says: their network, or their image."""
    if ch.challenge_of(room).spec.submits == ch.STEPS:  # steps checked and recorded on their own page
        from ..class_progress import participant_panel
        participant_panel(service_, room, nick)
    elif ch.challenge_of(room).spec.submits == ch.IMAGE:
        if service_.judge is None:
            st.warning("This challenge needs the MNIST test images, which this server does not have.")
        else:
            fool.editor(service_, room, nick, presenting,
                        on_submit=lambda: submit(room.code, nick, lambda s, r: fool.pixels_of(r, s)))
    else:
        network_work(service_, room, nick, presenting)


def my_standing(service_, room, nick):
    challenge = ch.challenge_of(room)
    if challenge.spec.submits == ch.STEPS:
        return  # no standing on a board: the panel above says how far one has come
    board = attempt(lambda: service_.leaderboard(room.code)) or []
    mine = standing(board, nick)
    if mine:
        st.success(f"Your best: {challenge.format_score(mine.score)}, #{mine.rank} of {len(board)} "
                   f"({plural(mine.tries, 'try', 'tries')}).", icon=":material/emoji_events:")


def gone():
    st.button("Leave this room", on_click=leave, key="ws_leave_gone")
