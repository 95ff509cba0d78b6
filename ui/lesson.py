"""The lesson page's state: which step is open, which are done, and the parts every step shares.

pages/0_lesson.py lays out the screen; each step's own widgets and check are in ui/lesson_steps.py (steps 1-5)
and ui/lesson_more.py (steps 6-9). The checks themselves are pure NumPy in src/lesson.py.

Progress is kept in the session and in the address (``?step=4&progress=<token>``): the token is signed by the
server (src.lesson.progress_token), so a reload keeps it and a step "done" the browser made up is refused. A
step is only ever marked done by ``record``, after the server ran that step's check itself.
"""
from __future__ import annotations

import os
import secrets as pysecrets
from pathlib import Path

import streamlit as st

from src.edits import EditError

from src import lesson as L
from src.infra import storage

from . import instant, lesson_room, state
from .registry import by_path
from .text import safe

# --- this page's session keys -------------------------------------------------------------------------
STEP = "lesson_step"              # the step open now, 1..9 (also ?step=)
DONE = "lesson_done"              # frozenset of the steps whose check passed
RESULTS = "lesson_results"        # {step: src.lesson.Result} of the last check of each step
SEEN = "lesson_seen"              # the ?progress= token already read (or written) in this session
NOTICE = "lesson_notice"          # why the address was not taken as it was, shown once
ADDRESS_STEP = "lesson_address_step"  # the ?step= last read or written: only a new one (a link, a reload) is read
GENERATION = "lesson_gen_{}"      # a drawing surface's generation: a new one is a blank surface

DEFAULTS = {STEP: 1, DONE: frozenset(), RESULTS: {}, SEEN: None, NOTICE: None, ADDRESS_STEP: None}


def init():
    state.init_defaults(DEFAULTS)
    read_address()


# --- the server secret that signs progress tokens -------------------------------------------------------

SECRET_FILE = "lesson_secret"


@st.cache_resource(show_spinner=False)
def _secret(configured: str | None, folder: str) -> bytes:
    """The configured secret; else one kept in a file of the data folder (made once, readable only by this
    user), so that tokens survive a restart; else, where the folder cannot be written, one per process."""
    if configured:
        return configured.encode()
    path = Path(folder) / SECRET_FILE
    try:
        return bytes.fromhex(path.read_text().strip())
    except (OSError, ValueError):
        pass
    fresh = pysecrets.token_bytes(32)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(fresh.hex())
    except FileExistsError:  # another process made it first: use that one
        try:
            return bytes.fromhex(path.read_text().strip())
        except (OSError, ValueError):
            return fresh
    except OSError:
        return fresh
    return fresh


def secret() -> bytes:
    """VANILLA_LESSON_SECRET, else ``lesson_secret`` in .streamlit/secrets.toml, else a file in the data folder."""
    configured = os.environ.get("VANILLA_LESSON_SECRET")
    if not configured:
        try:
            if st.secrets.load_if_toml_exists():
                configured = st.secrets.get("lesson_secret")
        except Exception:  # noqa: BLE001 - a broken secrets file: fall back to the data folder
            configured = None
    return _secret(str(configured) if configured else None, str(storage.data_dir()))


# --- progress: the session and the address --------------------------------------------------------------

def read_address():
    """Take the step and the progress token from the address: a step that is not 1..9 and a token the server
    did not sign are refused, with a note saying so."""
    q = st.query_params
    token = q.get("progress")
    if token and token != st.session_state[SEEN]:
        st.session_state[SEEN] = token
        done = L.read_progress_token(token, secret())
        if done is None:
            st.session_state[NOTICE] = ("The progress in this address was not made by this server (or was changed), "
                                        "so it was not used: steps count as done only when the app has checked them.")
        else:
            st.session_state[DONE] = st.session_state[DONE] | done
    asked = q.get("step")
    if asked is not None and asked != st.session_state[ADDRESS_STEP]:
        st.session_state[ADDRESS_STEP] = asked
        n = L.parse_step(asked)
        if n is None:
            st.session_state[NOTICE] = f"There is no step “{safe(asked, 12)}”: the lesson has steps 1 to {L.N_STEPS}."
        else:
            st.session_state[STEP] = n


def keep_in_address():
    """Write the open step and the signed progress into the address, so a reload keeps both."""
    step = str(current())
    st.session_state[ADDRESS_STEP] = step
    if st.query_params.get("step") != step:
        st.query_params["step"] = step
    done = st.session_state[DONE]
    if done:
        token = L.progress_token(done, secret())
        st.session_state[SEEN] = token
        if st.query_params.get("progress") != token:
            st.query_params["progress"] = token
    elif "progress" in st.query_params:
        del st.query_params["progress"]


def current() -> int:
    n = st.session_state.get(STEP)
    return n if isinstance(n, int) and 1 <= n <= L.N_STEPS else 1


def go(n: int):
    if 1 <= n <= L.N_STEPS:
        st.session_state[STEP] = n


def done() -> frozenset:
    return st.session_state[DONE]


def notice() -> str | None:
    """The note about the address, once."""
    return st.session_state.pop(NOTICE, None) if st.session_state.get(NOTICE) else None


def record(n: int, result: L.Result):
    """Keep the outcome of step ``n``'s check, made by the server; a passed check marks the step done."""
    st.session_state[RESULTS] = {**st.session_state[RESULTS], n: result}
    if result.passed:
        st.session_state[DONE] = st.session_state[DONE] | {n}
        lesson_room.report(n, result, st.session_state[RESULTS])  # stored for a lesson room this browser joined


def result(n: int) -> L.Result | None:
    return st.session_state[RESULTS].get(n)


def run_check(n: int, check):
    """A Check button's callback: run ``check()`` (it reads the session's widgets and networks) and record it."""
    record(n, check())


# --- the parts every step has ------------------------------------------------------------------------------

def step_label(n: int) -> str:
    return f"{n} ✓" if n in done() else str(n)


def check_box(n: int, task: str, check, disabled: str | None = None):
    """The step's task, its Check button and the outcome of the last check."""
    with st.container(border=True, key=f"lesson_task_{n}"):
        st.markdown(f":material/task_alt: **Your task**: {task}")
        st.button("Check", key=f"lesson_check_{n}", on_click=run_check, args=(n, check), type="primary",
                  icon=":material/fact_check:", disabled=disabled is not None, help=disabled)
        last = result(n)
        if last is not None:
            with st.container(key=f"lesson_result_{n}"):
                (st.success if last.passed else st.warning)(safe(last.message, 600),
                                                            icon=":material/check_circle:" if last.passed
                                                            else ":material/replay:")
        elif n in done():
            st.success("Done earlier.", icon=":material/check_circle:")


# --- the drawing surface --------------------------------------------------------------------------------

def surface_key(key: str) -> str:
    """The widget key of the drawing surface ``key`` now (a new one after Clear)."""
    return f"{key}_{st.session_state.get(GENERATION.format(key), 0)}"


def clear_drawing(key: str):
    gen = GENERATION.format(key)
    st.session_state[gen] = st.session_state.get(gen, 0) + 1


def _draw(net, key: str):
    """The app's drawing surface (ui.instant: it reads the drawing and runs ``net`` in the browser, and sends the
    drawing back at the end of each stroke, checked); returns the (28, 28) pixels as the network reads them, or
    None while there is no readable drawing. A readable drawing becomes the last drawing other steps use."""
    x = instant.drawing_surface(net, surface_key(key), presenting=state.presenting())
    if instant.unavailable(surface_key(key)):
        st.warning(instant.UNAVAILABLE, icon=":material/block:")
    if x is not None:
        state.set_last_drawing(x)
    return x


# --- the path and the way on ---------------------------------------------------------------------------------

def path(show_progress=True):
    """The nine steps as one row of buttons (done ones ticked), and how many are done."""
    if show_progress:
        n_done = len(done())
        st.progress(n_done / L.N_STEPS, text=f"{n_done} of {L.N_STEPS} steps done")
    labels = {n: step_label(n) for n in range(1, L.N_STEPS + 1)}  # plain values: AppTest calls it outside a run
    with st.container(key="lesson_path"):
        st.segmented_control("Step", list(labels), key=STEP, format_func=labels.get, required=True,
                             label_visibility="collapsed", width="stretch")


def footer(n: int):
    """Back, on, and the full page for more."""
    page = by_path(L.STEPS[n - 1].page)
    with st.container(horizontal=True, key="lesson_footer", vertical_alignment="center"):
        st.button("Back", key="lesson_back", on_click=go, args=(n - 1,), disabled=n == 1, icon=":material/arrow_back:")
        st.button("Next step", key="lesson_next", on_click=go, args=(n + 1,), disabled=n == L.N_STEPS,
                  icon=":material/arrow_forward:", type="primary" if n in done() else "secondary")
        st.page_link(page.path, label=f"More on the {page.label} page", icon=page.icon)


# On a phone: a shorter title with less space above it, and the nine step buttons on one row.
PAGE_CSS = """<style>
@media (max-width: 640px) {
  [data-testid="stMainBlockContainer"] { padding-top: 3.5rem; }
  [data-testid="stMainBlockContainer"] h1 { font-size: 1.75rem; padding-top: 0; }
  .st-key-lesson_path button { padding-left: 0.1rem; padding-right: 0.1rem; min-width: 0; }
}
</style>"""


def apply_edit(message_key: str, fn, done_text: str):
    """Run an edit of the visitor's copy and keep what it did under ``message_key`` as (kind, text): refused
    (the reason), done, or nothing changed."""
    try:
        edit = fn()
    except EditError as e:
        st.session_state[message_key] = ("error", f"Not changed: {e}.")
        return
    st.session_state[message_key] = ("success", done_text) if edit else ("info", "Nothing changed.")
