"""Who this browser is: its workshop token (``me``), kept in a cookie, never in the address.

A random token names this browser. A small Components v2 component (``cookie.js``) stores it in a cookie
(SameSite=Lax, path /) and ``st.context.cookies`` reads it back when a page is opened again, so:

- a reload keeps the participant: the database knows which nickname this token joined the room with;
- a copied or projected address (``/workshop?room=K7QXM``) carries no token: it opens the join form;
- the teacher's rights come from this browser too: the token that opened the room (without a teacher secret),
  or a token that gave the teacher secret earlier (remembered by the server for a few hours), or the secret
  typed in this session. The leaderboard opened in a new tab of the teacher's browser knows the teacher.
"""
from __future__ import annotations

import time

import streamlit as st

from src.infra import storage as db
from src.infra import workshop as ws

from .. import components, state
from . import CLAIM, DEFAULTS, JOIN_CODE, ME, NICK, PARTICIPANT, ROLE, ROOM, SECRET, TEACHER
from .service import say, service

COOKIE = "vanilla_net_workshop"
COOKIE_DAYS = 30
REJOIN_HOURS = 12             # a browser opening the workshop page is put back in the room it joined this long ago
_CLAIMED = "ws_claimed"       # this session looked up the browser's place once


def browser_token() -> str | None:
    """The token this browser's cookie held when the page was opened (None: no cookie, or a damaged one)."""
    try:
        token = st.context.cookies.get(COOKIE)
    except Exception:  # no browser (a script run outside a server)
        return None
    try:
        return ws.check_session_token(token) if token else None
    except ws.WorkshopError:
        return None


def _keep_in_cookie(token: str):
    st.html("<style>.st-key-ws_identity { display: none; }</style>")
    with st.container(key="ws_identity"):
        components.script("workshop_identity", "workshop/cookie.js",
                          {"name": COOKIE, "value": token, "maxAge": COOKIE_DAYS * 86_400}, key="ws_identity_cookie")


def init():
    """Defaults; this browser's token (from its cookie, else a new one, stored in the cookie); and what the
    address says: a room code (a join link, or a reload of a joined or teacher's page) and nothing else."""
    state.init_defaults(DEFAULTS)
    if not st.session_state[ME]:
        st.session_state[ME] = browser_token() or ws.new_session_token()
    _keep_in_cookie(st.session_state[ME])
    for stale in ("me", "nick"):  # an address from before: a token in it gives nothing
        if stale in st.query_params:
            del st.query_params[stale]
    code = st.query_params.get("room")
    if code:
        try:
            code = ws.parse_room_code(code)
        except ws.WorkshopError:
            code = None
    if code and code != st.session_state[ROOM] and not st.session_state[ROOM]:
        st.session_state[JOIN_CODE] = code  # a join link: the code is filled in...
        st.session_state[CLAIM] = code      # ... unless this browser is in the room, or runs it


def claim(service_):
    """Once a session: put this browser back where it was. A room in the address that this browser runs opens
    as the teacher's; one it joined, as that participant's; with no room, the open room it joined last."""
    if service_ is None or st.session_state.get(_CLAIMED):
        return
    st.session_state[_CLAIMED] = True
    code = st.session_state.pop(CLAIM, None)
    try:
        if code:
            room = service_.storage.room(code)
            if room is None:
                return
            if service_.can_manage(room, me(), secret()):
                st.session_state[ROOM], st.session_state[ROLE] = room.code, TEACHER
                return
            place = service_.participant(room.code, me())
        elif not st.session_state[ROOM]:
            place = service_.storage.latest_participation(me(), since=time.time() - REJOIN_HOURS * 3600)
        else:
            return
    except (db.StorageError, ws.WorkshopError):
        return
    if place is not None:
        st.session_state[ROOM], st.session_state[NICK] = place.room, place.nickname
        st.session_state[ROLE] = PARTICIPANT


def keep_in_address():
    """The room's code in the address (harmless to share: it opens the join form); nothing else."""
    room = st.session_state[ROOM]
    if room and st.query_params.get("room") != room:
        st.query_params["room"] = room
    elif not room and "room" in st.query_params and not st.session_state[JOIN_CODE]:
        del st.query_params["room"]


def me() -> str:
    return st.session_state[ME]


def secret() -> str:
    return st.session_state[SECRET] or ""


def is_teacher_of(service_, room) -> bool:
    """Whether this browser may run ``room`` (see the module's docstring)."""
    try:
        return service_.can_manage(room, me(), secret())
    except db.StorageError:
        return False


def secret_given():
    """The teacher secret was typed: a right one makes this browser a teacher's for a few hours, in every tab."""
    service_ = service()
    if service_ is None or not secret():
        return
    try:
        if service_.remember_teacher(me(), secret()):
            say("success", f"Teacher secret accepted: this browser runs rooms for the next "
                           f"{service_.limits.teacher_hours:g} hours, in every tab.")
        else:
            say("error", "That is not the teacher secret.")
    except (db.StorageError, ws.WorkshopError) as e:
        say("error", str(e))
