"""The workshop and leaderboard pages' state, actions and pictures.

The page files (pages/6_workshop.py, pages/7_leaderboard.py) only lay out the screen; what they read or change
is named here: the session keys and their defaults (``DEFAULTS``), the callbacks (they run before the page
is drawn, so it shows their outcome), and the functions that compute what the pages show. Rooms, scoring and
the rules live in ``src.workshop``; the database in ``src.storage``.

Who is who: each browser session has a random token (``me``), kept in the session and in the workshop page's
address (``?room=K7QXM&nick=Ana&me=…``), so a reload keeps the room, the nickname and the right to submit
under that nickname (and, without a teacher secret, to close the room one opened). The teacher secret, when
one is typed, stays in the session only.
"""
from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path

import numpy as np
import streamlit as st

from src import storage as db
from src import workshop as ws
from src.edits import encode_link
from src.preprocess import resize

from . import canvas, data, figures, state
from .text import safe

# --- this page's session keys and their defaults ---------------------------------------------------------
ROOM = "ws_room"              # the room joined or being run: its canonical code (also ?room=)
NICK = "ws_nick"              # the nickname it was joined with (also ?nick=)
ME = "ws_me"                  # this session's token (also ?me=)
ROLE = "ws_role"              # PARTICIPANT or TEACHER: which half of the page is shown
SECRET = "ws_secret"          # the teacher secret as typed (session only, never in the address)
MESSAGE = "ws_message"        # (kind, text) of the last action, shown until the next one
JOIN_CODE, JOIN_NICK = "ws_join_code", "ws_join_nick"
KIND, MODEL, LAYER, MAX_EDITS, START = "ws_kind", "ws_model", "ws_layer", "ws_max_edits", "ws_start"
INDEX, TARGET = "ws_index", "ws_target"
CONFIRM_CLEAR = "ws_confirm_clear"
PIXELS = "ws_pixels"          # {room code: float32 (784,)}: the 'fool it' image being changed
UNDO = "ws_pixel_undo"        # earlier versions of it, newest last
PEN, PEN_PX = "ws_pen", "ws_pen_px"
CANVAS, CANVAS_GEN = "ws_canvas", "ws_canvas_gen"
STROKES_DONE = "ws_strokes_done"
LAST_SUBMIT = "ws_last_submit"  # (room, what the server said) of the last submission
CLAIM = "ws_claim"            # a room code from the address, to check against this session's token once
PICKED = "lb_pick"            # the leaderboard's selected entry (teacher)

PARTICIPANT, TEACHER = "Join a room", "Run a room"
INK, ERASE = "ink", "erase"
DEFAULTS = {
    ROOM: None, NICK: None, ME: None, ROLE: PARTICIPANT, SECRET: "", MESSAGE: (None, None),
    JOIN_CODE: "", JOIN_NICK: "", KIND: "from_scratch", MODEL: "relu", LAYER: 3, MAX_EDITS: 20, START: 0,
    INDEX: 0, TARGET: 0, CONFIRM_CLEAR: False, PIXELS: {}, UNDO: (), PEN: INK, PEN_PX: 1, CANVAS_GEN: 0,
    STROKES_DONE: (), LAST_SUBMIT: None,
}
REFRESH_SECONDS = 3           # the leaderboard refreshes itself this often
GRID_PX = 280                 # the 'fool it' image on screen: 10 px a pixel
UNDO_KEPT = 30


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


# --- the service: storage, judge and rules, one per server ------------------------------------------------

def teacher_secret() -> str | None:
    """VANILLA_TEACHER_SECRET, else ``teacher_secret`` in .streamlit/secrets.toml (top level or under
    [workshop]); None when neither is set."""
    secret = os.environ.get("VANILLA_TEACHER_SECRET")
    if not secret and st.secrets.load_if_toml_exists():
        secret = st.secrets.get("teacher_secret") or (st.secrets.get("workshop") or {}).get("teacher_secret")
    return str(secret) if secret else None


@st.cache_resource(show_spinner=False)
def _storage(database_url: str, folder: str) -> db.Storage:
    return db.open_storage(database_url) if database_url else db.SqliteStorage(Path(folder) / db.DB_FILE)


@st.cache_resource(show_spinner=False)
def _service(database_url: str, folder: str, secret: str | None, with_judge: bool) -> ws.Workshop:
    judge = None
    if with_judge:
        tests = data.test_set()
        judge = ws.Judge({name: data.shipped(name) for name in data.MODEL_LABELS}, tests.x, tests.labels)
    return ws.Workshop(_storage(database_url, folder), judge, secret=secret)


def service() -> ws.Workshop | None:
    """The server's Workshop, or None (with an error on the page) when the database is misconfigured."""
    try:
        return _service(os.environ.get("DATABASE_URL", ""), str(db.data_dir()), teacher_secret(),
                        data.test_set() is not None)
    except db.StorageError as e:
        st.error(f"The workshop is not available: {safe(e, 400)}", icon=":material/database:")
        return None


def storage_label(service_: ws.Workshop) -> str:
    s = service_.storage
    return f"PostgreSQL ({s.where})" if s.kind == "postgresql" else f"SQLite file {s.where}"


# --- messages that survive the rerun an action causes ---------------------------------------------------

def say(kind, text):
    st.session_state[MESSAGE] = (kind, text)


def message():
    return st.session_state.get(MESSAGE, (None, None))


def show_message():
    kind, text = message()
    if kind:
        with st.container(key="ws_status"):
            getattr(st, kind)(safe(text, 600))


def attempt(fn, success=None):
    """Run ``fn``; a refusal (WorkshopError) or a database problem (StorageError) becomes the message.
    Returns fn's result, or None when refused."""
    try:
        result = fn()
    except (ws.WorkshopError, db.StorageError) as e:
        say("error", str(e))
        return None
    if success:
        say("success", success(result) if callable(success) else success)
    return result


def room_or_message(service_, code):
    """The Room for ``code``, or None after showing why it cannot be had (gone, database down)."""
    try:
        return service_.room(code)
    except ws.WorkshopError as e:
        st.warning(safe(e, 400), icon=":material/meeting_room:")
    except db.StorageError as e:
        st.error(safe(e, 400), icon=":material/database:")
    return None


# --- participants: join, leave, start, submit --------------------------------------------------------

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


def start_challenge(room):
    """Apply the challenge's starting edit to this session's copy: the layer zeroed (one undoable edit)."""
    challenge = ws.challenge_of(room)
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
    _submit(room_code, nick, lambda service_, room: encode_link(state.tuning(room.model).log))


def submit_image(room_code, nick):
    """Send this session's 'fool it' image to be checked and scored by the server."""
    _submit(room_code, nick, lambda service_, room: fool_pixels(room, service_))


def _submit(room_code, nick, submission_of):
    """Store ``submission_of(service, room)`` for ``nick`` in the room, scored by the server; say how it went."""
    service_ = service()
    if service_ is None:
        return
    room = attempt(lambda: service_.room(room_code))
    if room is None:
        return
    challenge = ws.challenge_of(room)
    submission = submission_of(service_, room)
    stored = attempt(lambda: service_.submit(room.code, nick, me(), submission))
    if stored is None:
        return
    board = attempt(lambda: service_.leaderboard(room.code)) or []
    place = next((e.rank for e in board if ws.nickname_key(e.nickname) == stored.nick_key), None)
    extra = (f" ({stored.edits:,} weights and biases changed since the start)" if challenge.kind != "fool_it" else "")
    say("success", f"Submitted: {challenge.format_score(stored.score)}{extra}, scored by the server. "
                   + (f"You are #{place} of {len(board)} on the leaderboard." if place else ""))
    st.session_state[LAST_SUBMIT] = (room.code, stored.score)


def standing(entries, nick) -> ws.Entry | None:
    """This nickname's line on the leaderboard, or None."""
    key = ws.nickname_key(nick)
    return next((e for e in entries if ws.nickname_key(e.nickname) == key), None)


def progress(service_, room):
    """What the participant's copy would score, computed here for their information (the server scores
    again on submission): (test accuracy or None, changed parameters, trained values left in the zeroed
    layer)."""
    challenge = ws.challenge_of(room)
    t = state.tuning(room.model)
    acc = t.scorer.accuracy if t.scorer is not None else None
    judge = service_.judge
    if judge is None:
        return acc, None, None
    return acc, judge.changes(challenge, t.log.net), judge.leftover(challenge, t.log.net)


def code_length(room) -> int:
    return len(encode_link(state.tuning(room.model).log))


# --- the 'fool it' pixel editor -------------------------------------------------------------------------

def fool_pixels(room, service_) -> np.ndarray:
    """This session's version of the room's image, float32 (784,) in [0, 1] (the original at first)."""
    images = st.session_state[PIXELS]
    if room.code not in images:
        images[room.code] = original_pixels(room, service_)
    return images[room.code]


def original_pixels(room, service_) -> np.ndarray:
    return service_.judge.original(ws.challenge_of(room)).astype(np.float32) / np.float32(255)


def _set_pixels(room_code, new):
    images = st.session_state[PIXELS]
    st.session_state[UNDO] = (st.session_state[UNDO] + ((room_code, images[room_code].copy()),))[-UNDO_KEPT:]
    images[room_code] = new.astype(np.float32)
    st.session_state[CANVAS_GEN] += 1  # a fresh canvas shows the new image and has no strokes to replay


def canvas_key() -> str:
    return f"{CANVAS}_{st.session_state[CANVAS_GEN]}"


def pen_width() -> int:
    return int(st.session_state[PEN_PX]) * GRID_PX // 28


def pen_colour() -> str:
    return "rgba(255,255,255,1)" if st.session_state[PEN] == INK else "rgba(252,98,85,1)"


def stroke_cells(alpha: np.ndarray) -> np.ndarray:
    """Which of the 28x28 pixels a stroke covers: (28, 28) bool, from the canvas's (H, W) alpha in [0, 1]
    (280x280, or a multiple on a high-density screen). A pixel counts when the pen covered at least 40% of
    its area, so a stroke changes whole pixels and a one-pixel pen changes one row or column of them."""
    a = np.asarray(alpha, np.float32)
    h, w = a.shape
    if h % 28 == 0 and w % 28 == 0:
        cover = a.reshape(28, h // 28, 28, w // 28).mean(axis=(1, 3))  # the exact share of each cell covered
    else:
        cover = resize(a, 28, 28)
    return cover >= 0.4


def pen_stroke(room_code):
    """Canvas callback: the stroke just drawn sets the pixels it covers to white (ink) or black (erase)."""
    key = canvas_key()
    url = ((st.session_state.get(key) or {}).get("drawing") or {}).get("data")
    if not url:
        return
    digest = hashlib.sha1(url.encode()).hexdigest()
    if digest in st.session_state[STROKES_DONE]:
        return
    st.session_state[STROKES_DONE] = (st.session_state[STROKES_DONE] + (digest,))[-50:]
    alpha = canvas.decode_png(url)[..., 3].astype(np.float32) / 255.0
    cells = stroke_cells(alpha).ravel()
    if not cells.any():
        return
    images = st.session_state[PIXELS]
    if room_code not in images:
        return
    new = images[room_code].copy()
    new[cells] = 1.0 if st.session_state[PEN] == INK else 0.0
    if not np.array_equal(new, images[room_code]):
        _set_pixels(room_code, new)


def hide_canvas_toolbar():
    canvas.hide_toolbar("ws_fool_canvas")


def reset_image(room_code, original):
    if room_code in st.session_state[PIXELS]:
        _set_pixels(room_code, original)


def undo_pixels(room_code):
    history = list(st.session_state[UNDO])
    for i in range(len(history) - 1, -1, -1):
        if history[i][0] == room_code:
            st.session_state[PIXELS][room_code] = history.pop(i)[1]
            st.session_state[UNDO] = tuple(history)
            st.session_state[CANVAS_GEN] += 1
            return


def can_undo_pixels(room_code) -> bool:
    return any(code == room_code for code, _ in st.session_state[UNDO])


def fool_image(pixels, original, size=GRID_PX) -> np.ndarray:
    """The image as RGB (size, size): white ink on black, with every changed pixel outlined in orange."""
    img = np.repeat(figures.gray_image(np.asarray(pixels).reshape(28, 28), size)[..., None], 3, axis=2)
    changed = np.rint(np.asarray(pixels) * 255) != np.rint(np.asarray(original) * 255)
    return figures.outline_cells(img, np.flatnonzero(changed))


def reading(room, pixels):
    """(the trained model's answer for ``pixels``, its ten outputs)."""
    out = data.shipped(room.model).feedforward(np.asarray(pixels, np.float32))
    return int(np.argmax(out)), out


def changed_pixels(pixels, original) -> int:
    return int(np.count_nonzero(np.rint(np.asarray(pixels) * 255) != np.rint(np.asarray(original) * 255)))


# --- teachers -------------------------------------------------------------------------------------------

def secret() -> str:
    return st.session_state[SECRET] or ""


def params_from_form() -> tuple:
    """(kind, model, params) from the 'open a room' form."""
    kind, model = st.session_state[KIND], st.session_state[MODEL]
    if kind == "from_scratch":
        return kind, model, {"layer": int(st.session_state[LAYER])}
    if kind == "fewest_edits":
        start = int(st.session_state[START])
        return kind, model, {"max_edits": int(st.session_state[MAX_EDITS]), "layer": start or None}
    return kind, model, {"index": int(st.session_state[INDEX]), "target": int(st.session_state[TARGET])}


def open_room():
    service_ = service()
    if service_ is None:
        return
    kind, model, params = params_from_form()
    room = attempt(lambda: service_.open_room(ws.make_challenge(kind, model, **params), me(), secret() or None))
    if room is None:
        return
    st.session_state[ROOM], st.session_state[ROLE], st.session_state[NICK] = room.code, TEACHER, None
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
    """The open rooms this teacher may run: those this session opened, and every open room when the
    teacher secret was given."""
    try:
        if service_.is_teacher(secret()):
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


def pick_fool_image():
    """A random test image the model reads correctly, with a target digit."""
    service_ = service()
    if service_ is None or service_.judge is None:
        return
    judge, model = service_.judge, st.session_state[MODEL]
    right = np.flatnonzero(judge.predictions(model) == judge.labels)
    index = int(np.random.default_rng().choice(right))
    st.session_state[INDEX] = index
    st.session_state[TARGET] = suggest_fool_target(service_, index, model)


# --- the leaderboard ------------------------------------------------------------------------------------

def ago(seconds: float) -> str:
    seconds = max(0, int(seconds))
    if seconds < 60:
        return f"{seconds} s ago"
    if seconds < 3600:
        return f"{seconds // 60} min ago"
    return f"{seconds // 3600} h ago"


def board_markdown(challenge: ws.Challenge, entries, now=None, limit=None) -> str:
    """The leaderboard as a Markdown table; every nickname escaped with ``safe`` (a nickname like
    ``[x](http://…)`` or ``<img>`` is shown as typed, never as a link or markup)."""
    now = time.time() if now is None else now
    shown = entries[:limit] if limit else entries
    # counted from the challenge's start (a zeroed layer is the start, not an edit)
    edits = "edits since start" if challenge.kind != "fool_it" else ""
    head = f"| # | nickname | {challenge.score_name} |" + (f" {edits} |" if edits else "") + " tries | when |"
    rule = "|---:|---|---:|" + ("---:|" if edits else "") + "---:|---:|"
    rows = [head, rule]
    for e in shown:
        cells = [f"**{e.rank}**" if e.rank <= 3 else str(e.rank), safe(e.nickname, ws.MAX_NICKNAME),
                 f"**{challenge.format_score(e.score)}**"]
        if edits:
            cells.append(f"{e.edits:,}")
        cells += [str(e.tries), ago(now - e.created)]
        rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(rows)


def board_rows(challenge, entries):
    """The leaderboard as rows for st.dataframe (plain text cells: nicknames are never rendered)."""
    return [{"#": e.rank, "nickname": e.nickname, challenge.score_name: challenge.format_score(e.score),
             "edits since start": e.edits, "tries": e.tries,
             "when": time.strftime("%H:%M:%S", time.localtime(e.created))} for e in entries]


# Projector-sized: the board's table and the room code.
BOARD_CSS = """<style>
.st-key-lb_board table { font-size: 1.35rem; width: 100%; }
.st-key-lb_board td, .st-key-lb_board th { padding: 0.35rem 0.8rem; }
@media (max-width: 640px) {  /* a phone: rank, nickname, score and edits fit; tries and time do not */
  .st-key-lb_board table { font-size: 1rem; }
  .st-key-lb_board td:nth-last-child(-n+2), .st-key-lb_board th:nth-last-child(-n+2) { display: none; }
}
.st-key-ws_code p, .st-key-lb_room_code p { font-size: 3.2rem; font-weight: 700; letter-spacing: 0.35rem;
  margin: 0; line-height: 1.15; font-family: "Source Code Pro", monospace; }
</style>"""


def entry_link(room, code: str) -> dict:
    """Query parameters that open an entry's network on Hand-tune."""
    return {"model": data.MODEL_LABELS[room.model], "edits": code}
