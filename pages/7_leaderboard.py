"""Leaderboard: a room's best submissions, refreshing by itself, big enough for a projector."""
import streamlit as st

from src import workshop as rules
from src.storage import StorageError
from ui import data, figures, state
from ui import workshop as wk
from ui.share import share_panel
from ui.sidebar import page_config, sidebar
from ui.text import safe

page_config("Leaderboard", "🏆")
wk.init()
service = wk.service()
sidebar(uses_model=False, uses_edits=False)
presenting = state.presenting()
st.html(wk.BOARD_CSS)

code = st.query_params.get("room") or st.session_state[wk.ROOM]
if code:
    try:
        code = rules.parse_room_code(code)
        st.query_params["room"] = code
    except rules.WorkshopError as e:
        st.warning(safe(e, 300), icon=":material/meeting_room:")
        code = None

st.title(":material/leaderboard: Leaderboard")
if service is None:
    st.stop()
if not code:
    st.text_input("Room code", key="lb_code_input", max_chars=12, width=240, placeholder="e.g. K7QXM",
                  on_change=lambda: st.query_params.update(room=st.session_state["lb_code_input"].strip()))
    st.stop()
room = wk.room_or_message(service, code)
if room is None:
    st.stop()
challenge = rules.challenge_of(room)
can_open = service.can_manage(room, wk.me(), wk.secret())

board_col, join_col = st.columns([3, 1], gap="large")
with join_col:
    st.markdown("Join with the code")
    with st.container(key="lb_room_code"):
        st.markdown(room.code)
    share_panel("workshop", {"room": room.code}, title="", size=220 if not presenting else 300, key="lb_share")


@st.fragment(run_every=wk.REFRESH_SECONDS)
def live_board():
    """Reruns on its own every few seconds: only this part of the page is redrawn."""
    fresh = wk.room_or_message(service, room.code)
    if fresh is None:
        return
    st.markdown(f"**{rules.KINDS[challenge.kind]}** · {data.MODEL_LABELS[room.model]} · "
                f"{challenge.score_name}, " + ("higher is better" if challenge.higher_is_better else "fewer is better")
                + ("" if fresh.is_open else " · **closed**"))
    if not presenting:
        st.caption(challenge.describe())
    try:
        entries = service.leaderboard(room.code)
    except (rules.WorkshopError, StorageError) as e:
        st.warning(f"The leaderboard cannot be read right now: {safe(e, 300)} It will try again in "
                   f"{wk.REFRESH_SECONDS} s.", icon=":material/database:")
        return
    with st.container(key="lb_board"):
        if entries:
            st.markdown(wk.board_markdown(challenge, entries, limit=30 if presenting else None))
        else:
            st.markdown(f"No submissions yet. Join with the code **{room.code}**.")
    if can_open and entries and not presenting:
        st.caption("Choose an entry to open its network (teacher only).")
        picked = st.dataframe(wk.board_rows(challenge, entries), hide_index=True, key=wk.PICKED,
                              on_select="rerun", selection_mode="single-row", width="stretch")
        rows = picked.selection.rows if picked else []
        if rows:
            entry = entries[rows[0]]
            code_ = wk.attempt(lambda: service.entry_code(room.code, entry.submission))
            if code_ and challenge.kind == "fool_it":
                image = rules.decode_image(code_)
                answer = int(data.shipped(room.model).predict(image.reshape(-1) / 255.0))
                st.image(figures.gray_image(image / 255.0, 168),
                         caption=f"#{entry.rank}: {entry.edits} changed pixels, read as {answer}")
            elif code_:
                st.page_link("pages/2_hand_tune.py", label=f"Open entry #{entry.rank} in Hand-tune",
                             icon=":material/open_in_new:", query_params=wk.entry_link(room, code_))


with board_col:
    live_board()
