"""The workshop and leaderboard pages: their session keys here, the rest in one module per concern.

- ``service``: the server's Workshop (database, judge, teacher secret) and the message an action leaves
- ``identity``: who this browser is: the participant's token and the teacher's rights
- ``join``: the join form and its callbacks
- ``participant``: a joined participant's view: the challenge, their copy of the network, Submit
- ``fool``: the 'fool it' pixel editor
- ``teacher``: opening and running rooms
- ``board``: the leaderboard: its table, the teacher's entry picker

The page files (pages/6_workshop.py, pages/7_leaderboard.py) only name the sections these modules draw. The
challenge kinds live in ``src.infra.challenges``, scoring in ``src.infra.judge``, rooms and their rules in
``src.infra.workshop``, the database in ``src.infra.storage``.
"""
from __future__ import annotations

from src.infra import challenges as ch

# --- the pages' session keys and their defaults ------------------------------------------------------------
ROOM = "ws_room"              # the room joined or being run: its canonical code (also ?room=)
NICK = "ws_nick"              # the nickname it was joined with
ME = "ws_me"                  # this browser's participant token
ROLE = "ws_role"              # PARTICIPANT or TEACHER: which half of the page is shown
SECRET = "ws_secret"          # the teacher secret as typed (session only, never in the address)
MESSAGE = "ws_message"        # (kind, text) of the last action, shown until the next one
JOIN_CODE, JOIN_NICK = "ws_join_code", "ws_join_nick"
KIND, MODEL = "ws_kind", "ws_model"  # the 'open a room' form; each kind's settings under param_key()
CONFIRM_CLEAR = "ws_confirm_clear"
PIXELS = "ws_pixels"          # {room code: float32 (784,)}: the 'fool it' image being changed
UNDO = "ws_pixel_undo"        # earlier versions of it, newest last
PEN, PEN_PX = "ws_pen", "ws_pen_px"
CANVAS = "ws_canvas"          # the pixel editor's canvas (ui.canvas.StrokeCanvas keeps its own keys under it)
LAST_SUBMIT = "ws_last_submit"  # (room, what the server said) of the last submission
CLAIM = "ws_claim"            # a room code from the address, to check against this browser's rights once
PICKED = "lb_pick"            # the leaderboard's selected entry (teacher)

PARTICIPANT, TEACHER = "Join a room", "Run a room"
INK, ERASE = "ink", "erase"


def param_key(kind: str, name: str) -> str:
    """The session key of one setting of a challenge kind in the 'open a room' form."""
    return f"ws_{kind}_{name}"


DEFAULTS = {
    ROOM: None, NICK: None, ME: None, ROLE: PARTICIPANT, SECRET: "", MESSAGE: (None, None),
    JOIN_CODE: "", JOIN_NICK: "", KIND: ch.KIND_LIST[0].id, MODEL: "relu", CONFIRM_CLEAR: False, PIXELS: {},
    UNDO: (), PEN: INK, PEN_PX: 1, LAST_SUBMIT: None,
    **{param_key(k.id, p.name): p.default if p.default is not None else 0 for k in ch.KIND_LIST for p in k.params},
}
REFRESH_SECONDS = 3           # the leaderboard refreshes itself this often


def plural(n: int, word: str, many: str | None = None) -> str:
    """'1 participant', '2 participants', '1 try', '3 tries'."""
    return f"{n:,} {word if n == 1 else (many or word + 's')}"
