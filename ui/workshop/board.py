"""The leaderboard: its table (Markdown for everyone, rows for the teacher's picker), refreshing by itself,
big enough for a projector; the teacher opens an entry from it."""
from __future__ import annotations

import time

import streamlit as st

from src.infra import challenges as ch
from src.infra.judge import decode_image
from src.infra import workshop as ws
from src.infra.records import StorageError

from .. import data, figures
from ..share import share_panel
from ..text import safe
from . import gallery
from . import PICKED, REFRESH_SECONDS, plural
from .service import attempt, room_or_message

VIEW = "lb_view"                   # the table or the gallery (also ?view=gallery, for the projector)
TABLE, GALLERY = "Table", "Gallery"


def time_left(room, now=None) -> str | None:
    """'4 min 05 s left', 'time is up', or None without a deadline."""
    if room.deadline is None:
        return None
    s = int(room.deadline - (time.time() if now is None else now))
    if s <= 0:
        return "time is up"
    return f"{s // 60} min {s % 60:02d} s left" if s >= 60 else f"{s} s left"


def ago(seconds: float) -> str:
    seconds = max(0, int(seconds))
    if seconds < 60:
        return f"{seconds} s ago"
    if seconds < 3600:
        return f"{seconds // 60} min ago"
    return f"{seconds // 3600} h ago"


def board_markdown(challenge: ch.Challenge, entries, now=None, limit=None) -> str:
    """The leaderboard as a Markdown table; every nickname escaped with ``safe`` (a nickname like
    ``[x](http://…)`` or ``<img>`` is shown as typed, never as a link or markup)."""
    now = time.time() if now is None else now
    shown = entries[:limit] if limit else entries
    edits = challenge.spec.board_edits  # e.g. counted from the challenge's start (a zeroed layer is no edit)
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
             **({challenge.spec.board_edits: e.edits} if challenge.spec.board_edits else {}), "tries": e.tries,
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


def style():
    st.html(BOARD_CSS)


def entry_link(room, code: str) -> dict:
    """Query parameters that open an entry's network on Hand-tune."""
    return {"model": data.MODEL_LABELS[room.model], "edits": code}


# --- sections --------------------------------------------------------------------------------------------

def code_input():
    st.text_input("Room code", key="lb_code_input", max_chars=12, width=240, placeholder="e.g. K7QXM",
                  on_change=lambda: st.query_params.update(room=st.session_state["lb_code_input"].strip()))


def join_panel(room, presenting):
    st.markdown("Join with the code")
    with st.container(key="lb_room_code"):
        st.markdown(room.code)
    share_panel("workshop", {"room": room.code}, title="", size=220 if not presenting else 300, key="lb_share")


def teacher_note(room, view):
    with st.container(key="lb_teacher"):
        st.caption(f"You run room {room.code} from this browser" + (": choose an entry below the board to open it."
                   if view == TABLE else ".") + " Anyone else opening this address sees the board only.")


def heading(challenge, room, presenting):
    remaining = time_left(room)
    st.markdown(f"**{challenge.title}** · {data.MODEL_LABELS[room.model]} · {challenge.score_name}, "
                + ("higher is better" if challenge.higher_is_better else "fewer is better")
                + ("" if room.is_open else " · **closed**"))
    if remaining or room.frozen is not None:
        with st.container(key="lb_status"):
            if remaining:
                st.markdown(f"### :material/timer: {remaining}")
            if room.frozen is not None:
                st.markdown(":material/ac_unit: **The board is frozen** until the reveal: later submissions count "
                            "but are not shown yet.")
    if not presenting:
        st.caption(challenge.describe())


def view_choice(presenting) -> str:
    """Table or gallery: from the address (?view=gallery) at first, then the control (hidden when presenting)."""
    if VIEW not in st.session_state:
        st.session_state[VIEW] = GALLERY if st.query_params.get("view") == "gallery" else TABLE
    if not presenting:
        st.segmented_control("Show", [TABLE, GALLERY], key=VIEW, required=True, label_visibility="collapsed")
    view = st.session_state[VIEW] or TABLE
    if (view == GALLERY) != (st.query_params.get("view") == "gallery"):
        if view == GALLERY:
            st.query_params["view"] = "gallery"
        else:
            del st.query_params["view"]
    return view


def table(challenge, room, entries, presenting):
    with st.container(key="lb_board"):
        if entries:
            st.markdown(board_markdown(challenge, entries, limit=30 if presenting else None))
        else:
            st.markdown(f"No submissions yet. Join with the code **{room.code}**.")


def entry_picker(service_, challenge, room, entries):
    """The teacher chooses an entry: a fooled image is shown, a network opens in Hand-tune."""
    st.caption("Choose an entry to open its network (teacher only).")
    picked = st.dataframe(board_rows(challenge, entries), hide_index=True, key=PICKED, on_select="rerun",
                          selection_mode="single-row", width="stretch")
    rows = picked.selection.rows if picked else []
    if not rows:
        return
    entry = entries[rows[0]]
    code_ = attempt(lambda: service_.entry_code(room.code, entry.submission))
    if code_ and challenge.spec.submits == ch.IMAGE:
        image = decode_image(code_)
        answer = int(data.shipped(room.model).predict(image.reshape(-1) / 255.0))
        st.image(figures.gray_image(image / 255.0, 168),
                 caption=f"#{entry.rank}: {plural(entry.edits, 'changed pixel')}, read as {answer}")
    elif code_:
        st.page_link("pages/2_hand_tune.py", label=f"Open entry #{entry.rank} in Hand-tune",
                     icon=":material/open_in_new:", query_params=entry_link(room, code_))


def live(service_, room, teacher: bool, presenting, view=TABLE):
    """The board, rerun on its own every REFRESH_SECONDS (only this part of the page is redrawn)."""

    @st.fragment(run_every=REFRESH_SECONDS)
    def live_board():
        fresh = room_or_message(service_, room.code)
        if fresh is None:
            return
        challenge = ch.challenge_of(fresh)
        heading(challenge, fresh, presenting)
        try:
            entries = service_.leaderboard(room.code)
        except (ws.WorkshopError, StorageError) as e:
            st.warning(f"The leaderboard cannot be read right now: {safe(e, 300)} It will try again in "
                       f"{REFRESH_SECONDS} s.", icon=":material/database:")
            return
        if view == GALLERY:
            gallery.show(service_, fresh, entries)
            return
        table(challenge, fresh, entries, presenting)
        if teacher and entries and not presenting:
            entry_picker(service_, challenge, fresh, entries)

    live_board()
