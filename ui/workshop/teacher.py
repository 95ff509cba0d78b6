"""Opening and running rooms: the 'open a room' form (its settings read from each challenge kind), the room's
code and QR code, closing and clearing."""
from __future__ import annotations

import numpy as np
import streamlit as st

from src.infra import storage as db
from src.infra import challenges as ch
from src.network import SIDE

from .. import data, figures
from ..share import share_panel
from ..text import safe
from . import CONFIRM_CLEAR, KIND, MODEL, NICK, ROLE, ROOM, SECRET, TEACHER, param_key, plural
from .identity import me, secret, secret_given
from . import teacher_tools
from .board import time_left
from .service import attempt, say, service, storage_label
from src.words import a as article


# --- actions ---------------------------------------------------------------------------------------------

def params_from_form() -> tuple:
    """(kind, model, params) from the 'open a room' form; an optional setting at 0 means none."""
    kind, model = st.session_state[KIND], st.session_state[MODEL]
    params = {}
    for p in ch.KINDS[kind].params:
        v = int(st.session_state[param_key(kind, p.name)])
        params[p.name] = None if p.optional and v == 0 else v
    return kind, model, params


def open_room():
    service_ = service()
    if service_ is None:
        return
    kind, model, params = params_from_form()
    room = attempt(lambda: service_.open_room(ch.make_challenge(kind, model, **params), me(), secret() or None))
    if room is None:
        return
    st.session_state[ROOM], st.session_state[ROLE], st.session_state[NICK] = room.code, TEACHER, None
    if service_.judge is None:
        say("warning", f"Room {room.code} is open, but this server cannot score submissions: it has no MNIST test "
                       "set. Participants can join; their submissions will be refused until the server has it "
                       "(python -m src.infra.mnist download, then restart the app).")
    else:
        say("success", f"Room {room.code} is open. Show its code or QR code to the class.")


def manage_room(code):
    """Make ``code`` the room this teacher's page shows."""
    st.session_state[ROOM], st.session_state[ROLE] = code, TEACHER


def close_room(code):
    service_ = service()
    if service_ is not None:
        attempt(lambda: service_.close_room(code, me(), secret() or None),
                f"Room {code} is closed: it takes no more submissions; its leaderboard stays.")


def clear_room(code):
    service_ = service()
    if service_ is None:
        return
    if not st.session_state[CONFIRM_CLEAR]:
        say("warning", "Tick “Yes, delete every submission” first.")
        return
    attempt(lambda: service_.clear_room(code, me(), secret() or None),
            lambda n: f"Room {code}: {n:,} submissions deleted. The room stays open.")
    st.session_state[CONFIRM_CLEAR] = False


def my_rooms(service_) -> list:
    """The open rooms this teacher may run: those this browser opened, and every open room when the
    teacher secret was given."""
    try:
        if service_.teacher(me(), secret()):
            return service_.storage.rooms()
        return service_.storage.rooms(opener=me())
    except db.StorageError as e:
        st.error(safe(e, 400), icon=":material/database:")
        return []


def suggest_fool_target(service_, index, model):
    """A target digit for image ``index`` that is neither its label nor the model's answer."""
    judge = service_.judge
    label, answer = int(judge.labels[index]), int(judge.predictions(model)[index])
    return next(d for d in (8, 3, 5, 9, 0, 1, 2, 4, 6, 7) if d not in (label, answer))


def pick_test_image(kind):
    """A random test image the model reads correctly, with a target digit."""
    service_ = service()
    if service_ is None or service_.judge is None:
        return
    judge, model = service_.judge, st.session_state[MODEL]
    right = np.flatnonzero(judge.predictions(model) == judge.labels)
    index = int(np.random.default_rng().choice(right))
    st.session_state[param_key(kind, "index")] = index
    st.session_state[param_key(kind, "target")] = suggest_fool_target(service_, index, model)


# --- sections --------------------------------------------------------------------------------------------

def secret_input(service_):
    if service_.secret_configured:
        if service_.is_teacher_browser(me()) and not secret():
            st.caption("This browser gave the teacher secret: it runs rooms.")
            return
        st.text_input("Teacher secret", key=SECRET, type="password", width=360, on_change=secret_given,
                      help="This server has a teacher secret: opening, closing and clearing rooms need it. Once "
                           "given, this browser keeps teacher rights for a few hours, in every tab.")


def room_picker(rooms, code):
    if rooms:
        codes = [r.code for r in rooms]
        current = code if code in codes else None
        st.pills("Your open rooms", codes, default=current, key=f"ws_rooms_{current}",
                 on_change=lambda: manage_room(st.session_state[f"ws_rooms_{current}"] or current))


def _setting(service_, kind: ch.Kind, p: ch.Param):
    """One setting of the form, as its Param says it is chosen."""
    key = param_key(kind.id, p.name)
    if p.choice == "layer":
        options = ([0] if p.optional else []) + list(range(p.lo, p.hi + 1))
        if p.optional:
            fmt = lambda l: "the trained model" if not l else f"{ch.layer_name(l)} at 0"  # noqa: E731
        else:
            fmt = ch.layer_name
        st.selectbox(p.label, options, key=key, format_func=fmt, width=320)
    elif p.choice == "digit":
        st.selectbox(p.label, list(range(p.lo, p.hi + 1)), key=key, width=160)
    elif p.choice == "test image":
        st.number_input(p.label, p.lo, min(p.hi, len(service_.judge.labels) - 1), key=key, width=160)
    else:
        st.number_input(p.label, p.lo, p.hi, key=key, width=320)


def _test_image_preview(service_, kind: ch.Kind):
    st.button("Pick one for me", on_click=pick_test_image, args=(kind.id,), key="ws_pick")
    i = int(st.session_state[param_key(kind.id, "index")])
    judge = service_.judge
    answer = int(judge.predictions(st.session_state[MODEL])[i])
    st.image(figures.gray_image(judge.images[i].reshape(SIDE, SIDE) / 255.0, 112),
             caption=f"#{i}: {article(int(judge.labels[i]))}, read as {answer}")


def open_form(service_, expanded):
    """The challenge (one of ``ch.KIND_LIST``), the model, the kind's own settings, and Open."""
    with st.expander("Open a new room", expanded=expanded, icon=":material/add_circle:"):
        if service_.secret_configured and not service_.teacher(me(), secret()):
            st.info("Type the teacher secret above first.")
        kind = ch.KINDS[st.radio("Challenge", list(ch.KINDS), format_func=lambda k: ch.KINDS[k].title, key=KIND,
                                 horizontal=True)]
        st.radio("Model", list(data.MODEL_LABELS), format_func=data.MODEL_LABELS.get, key=MODEL, horizontal=True)
        if kind.submits == ch.IMAGE and service_.judge is None:
            st.warning(f"'{kind.title}' needs the MNIST test images, which this server does not have.")
        else:
            with st.container(horizontal=True, vertical_alignment="bottom", key="ws_settings"):
                for p in kind.params:
                    _setting(service_, kind, p)
            if any(p.choice == "test image" for p in kind.params):
                _test_image_preview(service_, kind)
        if kind.note:
            st.caption(kind.note)
        st.button("Open the room", type="primary", icon=":material/meeting_room:", on_click=open_room,
                  key="ws_open")


def room_panel(service_, room, presenting):
    """The room's code, its challenge, its counts, the leaderboard's link and (not presenting) its controls;
    beside them, the QR code to join."""
    challenge = ch.challenge_of(room)
    left, right = st.columns([1.3, 1], gap="large")
    with left:
        st.markdown("Room code")
        with st.container(key="ws_code"):
            st.markdown(room.code)
        st.markdown(f"**{challenge.title}** · {data.MODEL_LABELS[room.model]} model. " + challenge.describe())
        if service_.judge is None:
            st.warning("This server cannot score submissions: it has no MNIST test set.", icon=":material/warning:")
        board = attempt(lambda: service_.leaderboard(room.code)) or []
        status = ["**open**" if room.is_open else "**closed**"]
        if room.frozen is not None:
            status.append("board **frozen**")
        if room.deadline is not None:
            status.append(time_left(room))
        st.markdown(f"{plural(len(board), 'participant')} on the board · "
                    f"{plural(sum(e.tries for e in board), 'submission')} · " + " · ".join(status))
        with st.container(horizontal=True, key="ws_board_links"):
            st.page_link("pages/7_leaderboard.py", label="Open the leaderboard (for the projector)",
                         icon=":material/leaderboard:", query_params={"room": room.code})
            st.page_link("pages/7_leaderboard.py", label="Open the gallery", icon=":material/photo_library:",
                         query_params={"room": room.code, "view": "gallery"})
        if not presenting:
            with st.container(horizontal=True, key="ws_manage"):
                st.button("Close the room", icon=":material/lock:", on_click=close_room, args=(room.code,),
                          disabled=not room.is_open, key="ws_close")
                st.checkbox("Yes, delete every submission", key=CONFIRM_CLEAR)
                st.button("Clear", icon=":material/delete:", on_click=clear_room, args=(room.code,), key="ws_clear")
            teacher_tools.tools(service_, room, board)
            lim = service_.limits
            st.caption(f"Stored in the {storage_label(service_)}. Limits: {lim.max_participants} participants and "
                       f"{lim.max_submissions} submissions a room, {lim.per_session} a participant, one every "
                       f"{lim.min_interval:g} s.")
    with right:
        share_panel("workshop", {"room": room.code}, title="Scan to join", key="ws_share")


def view(service_, room, code, presenting):
    """The teacher's half of the workshop page."""
    if not presenting:
        secret_input(service_)
    rooms = my_rooms(service_)
    if not presenting:
        room_picker(rooms, code)
    managed = next((r for r in rooms if r.code == code), None) if code else None
    if room is not None and managed is None and code and service_.can_manage(room, me(), secret()):
        managed = room  # a closed room of one's own
    if not presenting:
        open_form(service_, expanded=managed is None)
    if managed is not None:
        room_panel(service_, managed, presenting)
    elif not rooms:
        st.caption("Open a room above; its code and a QR code to join it appear here.")
