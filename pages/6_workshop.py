"""Workshop: a class challenge. A teacher opens a room; everyone joins with its code and a nickname, works on
the other pages and submits; the server scores every submission itself and keeps the leaderboard."""
import streamlit as st
from streamlit_drawable_canvas import st_canvas

from src import workshop as rules
from ui import data, figures, state
from ui import workshop as wk
from ui.share import share_panel
from ui.sidebar import page_config, sidebar
from ui.text import safe

page_config("Workshop", "🏫")
wk.init()
service = wk.service()
wk.claim(service)
code, nick = st.session_state[wk.ROOM], st.session_state[wk.NICK]
joined = bool(code and nick and st.session_state[wk.ROLE] == wk.PARTICIPANT)
room = wk.room_or_message(service, code) if service is not None and code else None
if room is not None and joined:
    state.set_model(room.model)  # before the sidebar: the room's model is the one to work on
sidebar(uses_model=False, uses_edits=False)
wk.keep_in_address()
presenting = state.presenting()
st.html(wk.BOARD_CSS)

st.title(":material/groups: Workshop")
if not presenting:
    st.caption("A class challenge. The teacher opens a room with a challenge; everyone joins with the room's "
               "code and a nickname, works on the other pages, and submits. The server scores every submission "
               "itself on the 10,000 MNIST test images, and the leaderboard updates by itself.")
wk.show_message()
if service is None:
    st.stop()  # the database is misconfigured: said above; the rest of the app still works

if not presenting:
    st.segmented_control("I want to", [wk.PARTICIPANT, wk.TEACHER], key=wk.ROLE, label_visibility="collapsed",
                         required=True)
role = st.session_state[wk.ROLE] or wk.PARTICIPANT

# --- participants -----------------------------------------------------------------------------------------
if role == wk.PARTICIPANT and not joined:
    with st.form("ws_join_form", border=True, width=520):
        st.markdown("**Join a room**")
        st.text_input("Room code", key=wk.JOIN_CODE, max_chars=12, placeholder="e.g. K7QXM",
                      help="Five letters and digits, shown by the teacher (never I, L, O, 0 or 1).")
        st.text_input("Nickname", key=wk.JOIN_NICK, max_chars=rules.MAX_NICKNAME,
                      help=f"Shown on the leaderboard; up to {rules.MAX_NICKNAME} characters, any language or emoji.")
        st.form_submit_button("Join", icon=":material/login:", type="primary", on_click=wk.join, key="ws_join")

elif role == wk.PARTICIPANT and room is not None:
    challenge = rules.challenge_of(room)
    with st.container(horizontal=True, vertical_alignment="center", key="ws_joined"):
        st.markdown(f"Room **{room.code}** · you are **{safe(nick, rules.MAX_NICKNAME)}**")
        st.page_link("pages/7_leaderboard.py", label="Leaderboard", icon=":material/leaderboard:",
                     query_params={"room": room.code})
        if not presenting:
            st.button("Leave", icon=":material/logout:", on_click=wk.leave, key="ws_leave")
    with st.container(border=True, key="ws_challenge"):
        st.subheader(f"{rules.KINDS[challenge.kind]} · {data.MODEL_LABELS[room.model]} model", anchor=False)
        st.markdown(challenge.describe())
    if not room.is_open:
        st.warning(f"Room {room.code} is closed: it takes no more submissions. Its leaderboard stays.",
                   icon=":material/lock:")

    if challenge.kind != "fool_it":
        acc, changes, left = wk.progress(service, room)
        limit = challenge.params.get("max_edits")
        with st.container(horizontal=True, key="ws_progress"):
            st.metric("Your copy: test accuracy", f"{acc:.2%}" if acc is not None else "n/a", width="content",
                      help="Measured here on the 10,000 test images; the server measures again when you submit.")
            if changes is not None:
                st.metric("Changed weights and biases", f"{changes:,}" + (f" of {limit:,}" if limit else ""),
                          width="content", help="Counted from the challenge's starting network.")
        if left:
            st.info(f"Step 1: your copy still has {left:,} trained weights and biases in layer "
                    f"{challenge.start_layer}. Set the layer to zero to start.", icon=":material/counter_1:")
            st.button(f"Start the challenge: set layer {challenge.start_layer} to 0", type="primary",
                      icon=":material/restart_alt:", on_click=wk.start_challenge, args=(room,), key="ws_start_btn")
        if limit and changes is not None and changes > limit:
            st.warning(f"Your copy changes {changes:,} weights and biases; this challenge allows {limit:,}. Undo "
                       "some on Hand-tune" + (", or start again from the trained model." if not left else "."),
                       icon=":material/warning:")
            if not challenge.start_layer:
                st.button("Start again from the trained model", on_click=wk.reset_copy, args=(room,),
                          key="ws_reset_copy")
        with st.container(horizontal=True, key="ws_actions"):
            st.page_link("pages/2_hand_tune.py", label="Work on it in Hand-tune", icon=":material/tune:",
                         query_params={"model": data.MODEL_LABELS[room.model],
                                       "layer": str(challenge.start_layer or 1), "neuron": "0"})
            st.button("Submit my network", type="primary", icon=":material/send:", key="ws_submit",
                      disabled=not room.is_open or bool(left), on_click=wk.submit_network, args=(room.code, nick))
        if not presenting:
            st.caption("Submit sends your edited copy (as its share code); the server rebuilds it from the trained "
                       "model and scores it. You can submit again whenever you improve it "
                       f"(at most one submission every {service.limits.min_interval:g} s).")
    elif service.judge is None:
        st.warning("This challenge needs the MNIST test images, which this server does not have.")
    else:
        original = wk.original_pixels(room, service)
        pixels = wk.fool_pixels(room, service)
        answer, outputs = wk.reading(room, pixels)
        target = challenge.params["target"]
        changed = wk.changed_pixels(pixels, original)
        left_col, right_col = st.columns([1, 1.2], gap="large")
        with left_col:
            with st.container(key="ws_fool_canvas"):
                st_canvas(stroke_width=wk.pen_width(), stroke_color=wk.pen_colour(),
                          background_image=figures.png(wk.fool_image(pixels, original)), height=wk.GRID_PX,
                          width=wk.GRID_PX, drawing_mode="freedraw", return_image_data=True, key=wk.canvas_key(),
                          on_change=lambda: wk.pen_stroke(room.code))
            wk.hide_canvas_toolbar()  # its undo would replay strokes; the page has its own Undo
            st.caption("Drag over the image: each stroke sets the pixels it covers to white (ink) or black (erase). "
                       "Changed pixels are outlined in orange.")
        with right_col:
            with st.container(horizontal=True, key="ws_fool_status"):
                st.metric("The network reads", str(answer), width="content",
                          delta="fooled!" if answer == target else f"target {target}",
                          delta_color="normal" if answer == target else "off", delta_arrow="off")
                st.metric("Changed pixels", f"{changed:,}", width="content")
            st.plotly_chart(figures.output_bars(outputs, highlight=answer, height=200), key="ws_fool_bars",
                            config={"displayModeBar": False})
            if not presenting:
                with st.container(horizontal=True, key="ws_pen_controls"):
                    st.segmented_control("Pen", [wk.INK, wk.ERASE], key=wk.PEN, format_func=str.capitalize,
                                         required=True)
                    st.slider("Pen width (pixels)", 1, 3, key=wk.PEN_PX, width=200)
            with st.container(horizontal=True, key="ws_fool_actions"):
                st.button("Undo", icon=":material/undo:", on_click=wk.undo_pixels, args=(room.code,),
                          disabled=not wk.can_undo_pixels(room.code), key="ws_fool_undo")
                st.button("Start again", icon=":material/restart_alt:", on_click=wk.reset_image,
                          args=(room.code, original), disabled=changed == 0, key="ws_fool_reset")
                st.button("Submit my image", type="primary", icon=":material/send:", key="ws_submit_image",
                          disabled=not room.is_open or answer != target, on_click=wk.submit_image,
                          args=(room.code, nick))
            if answer != target:
                st.caption(f"Submit opens once the network reads a {target}.")

    board = wk.attempt(lambda: service.leaderboard(room.code)) or []
    mine = wk.standing(board, nick)
    if mine:
        st.success(f"Your best: {challenge.format_score(mine.score)}, #{mine.rank} of {len(board)} "
                   f"({mine.tries} {'try' if mine.tries == 1 else 'tries'}).", icon=":material/emoji_events:")

elif role == wk.PARTICIPANT:
    st.button("Leave this room", on_click=wk.leave, key="ws_leave_gone")

# --- teachers -----------------------------------------------------------------------------------------------
else:
    if service.secret_configured and not presenting:
        st.text_input("Teacher secret", key=wk.SECRET, type="password", width=360,
                      help="This server has a teacher secret: opening, closing and clearing rooms need it.")
    rooms = wk.my_rooms(service)
    if rooms and not presenting:
        codes = [r.code for r in rooms]
        current = code if code in codes else None
        st.pills("Your open rooms", codes, default=current, key=f"ws_rooms_{current}",
                 on_change=lambda: wk.manage_room(st.session_state[f"ws_rooms_{current}"] or current))
    managed = next((r for r in rooms if r.code == code), None) if code else None
    if room is not None and managed is None and code and service.can_manage(room, wk.me(), wk.secret()):
        managed = room  # a closed room of one's own
    if not presenting:
        with st.expander("Open a new room", expanded=managed is None, icon=":material/add_circle:"):
            if service.secret_configured and not service.is_teacher(wk.secret()):
                st.info("Type the teacher secret above first.")
            kind = st.radio("Challenge", list(rules.KINDS), format_func=rules.KINDS.get, key=wk.KIND,
                            horizontal=True)
            st.radio("Model", list(data.MODEL_LABELS), format_func=data.MODEL_LABELS.get, key=wk.MODEL,
                     horizontal=True)
            if kind == "from_scratch":
                st.selectbox("Layer set to zero", [1, 2, 3], key=wk.LAYER, format_func=rules.LAYER_NAMES.get,
                             width=320)
                st.caption("Layers 2 and 3 (272 and 170 numbers) are rebuildable in a session; layer 1 has "
                           "12,560 and a painted layer may not fit in a submission.")
            elif kind == "fewest_edits":
                st.number_input("At most this many changed weights and biases", 1, 13_002, key=wk.MAX_EDITS,
                                width=320)
                st.selectbox("Starting from", [0, 1, 2, 3], key=wk.START, width=320,
                             format_func=lambda l: "the trained model" if not l else f"{rules.LAYER_NAMES[l]} at 0")
            elif service.judge is None:
                st.warning("'Fool it' needs the MNIST test images, which this server does not have.")
            else:
                c1, c2, c3 = st.columns([1, 1, 1])
                c1.number_input("Test image #", 0, len(service.judge.labels) - 1, key=wk.INDEX)
                c2.selectbox("Make it read as", list(range(10)), key=wk.TARGET)
                c3.button("Pick one for me", on_click=wk.pick_fool_image, key="ws_pick")
                i = int(st.session_state[wk.INDEX])
                answer = int(service.judge.predictions(st.session_state[wk.MODEL])[i])
                st.image(figures.gray_image(service.judge.original(rules.make_challenge(
                    "fool_it", "relu", index=i, target=0)).reshape(28, 28), 112),
                    caption=f"#{i}: a {int(service.judge.labels[i])}, read as {answer}")
            st.button("Open the room", type="primary", icon=":material/meeting_room:", on_click=wk.open_room,
                      key="ws_open")
    if managed is not None:
        challenge = rules.challenge_of(managed)
        left, right = st.columns([1.3, 1], gap="large")
        with left:
            st.markdown("Room code")
            with st.container(key="ws_code"):
                st.markdown(managed.code)
            st.markdown(f"**{rules.KINDS[challenge.kind]}** · {data.MODEL_LABELS[managed.model]} model. "
                        + challenge.describe())
            board = wk.attempt(lambda: service.leaderboard(managed.code)) or []
            st.markdown(f"{len(board)} participants · {sum(e.tries for e in board)} submissions · "
                        + ("**open**" if managed.is_open else "**closed**"))
            st.page_link("pages/7_leaderboard.py", label="Open the leaderboard (for the projector)",
                         icon=":material/leaderboard:", query_params={"room": managed.code})
            if not presenting:
                with st.container(horizontal=True, key="ws_manage"):
                    st.button("Close the room", icon=":material/lock:", on_click=wk.close_room,
                              args=(managed.code,), disabled=not managed.is_open, key="ws_close")
                    st.checkbox("Yes, delete every submission", key=wk.CONFIRM_CLEAR)
                    st.button("Clear", icon=":material/delete:", on_click=wk.clear_room, args=(managed.code,),
                              key="ws_clear")
                st.caption(f"Stored in the {wk.storage_label(service)}. Limits: {service.limits.max_participants} "
                           f"participants and {service.limits.max_submissions} submissions a room, "
                           f"{service.limits.per_session} a participant, one every "
                           f"{service.limits.min_interval:g} s.")
        with right:
            share_panel("workshop", {"room": managed.code}, title="Scan to join", key="ws_share")
    elif not rooms:
        st.caption("Open a room above; its code and a QR code to join it appear here.")
