"""The lesson, step by step: the chapter's ideas in its order, each with a live widget and a task the app checks."""
import streamlit as st

from src import lesson as L
from ui import lesson, lesson_more, lesson_room, lesson_steps, state
from ui.sidebar import page_config, sidebar

page_config("The lesson", "🎓")
lesson.init()
lesson_steps.init()
lesson_more.init()
lesson_room.init()
room = lesson_room.membership()  # (service, room, participant) when this browser joined a lesson room
if room is not None:
    state.set_model(room[1].model)  # before the sidebar: the room's model is the class's
model_name = sidebar()

STEPS = {1: lesson_steps.step_1, 2: lesson_steps.step_2, 3: lesson_steps.step_3, 4: lesson_steps.step_4,
         5: lesson_steps.step_5, 6: lesson_more.step_6, 7: lesson_more.step_7, 8: lesson_more.step_8,
         9: lesson_more.step_9}

presenting = state.presenting()
st.html(lesson.PAGE_CSS)
if not presenting:  # projected, the step's own title is the heading
    st.title(":material/school: The lesson, step by step")
note = lesson.notice()
if note:
    st.warning(note, icon=":material/gpp_bad:")

# --- the class: the room this browser joined, the step the teacher has the class on ---------------------------
lesson_room.banner(room, lesson.go)

# --- the path: nine steps, the done ones ticked; any step can be opened -------------------------------------
lesson.path(show_progress=not presenting)

# --- the step open now: a few sentences, its live widget, its task ------------------------------------------
n = lesson.current()
with st.container(key=f"lesson_step_{n}"):
    st.header(f"{n}. {L.STEPS[n - 1].title}" + (f" · step {n} of {L.N_STEPS}" if presenting else ""))
    STEPS[n](model_name)

# --- on to the next step, or the full page for more ------------------------------------------------------------
lesson.footer(n)
lesson.keep_in_address()
