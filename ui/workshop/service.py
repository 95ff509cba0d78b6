"""The server's Workshop (one per server: database, judge, teacher secret), and the message an action leaves
for the rerun it causes."""
from __future__ import annotations

import os
from pathlib import Path

import streamlit as st

from src.infra import databases
from src.infra.judge import Judge
from src.infra import storage as db
from src.infra import workshop as ws

from .. import data
from ..text import safe
from . import MESSAGE


def teacher_secret() -> str | None:
    """VANILLA_TEACHER_SECRET, else ``teacher_secret`` in .streamlit/secrets.toml (top level or under
    [workshop]); None when neither is set."""
    secret = os.environ.get("VANILLA_TEACHER_SECRET")
    if not secret and st.secrets.load_if_toml_exists():
        secret = st.secrets.get("teacher_secret") or (st.secrets.get("workshop") or {}).get("teacher_secret")
    return str(secret) if secret else None


@st.cache_resource(show_spinner=False)
def _storage(database_url: str, folder: str) -> db.Storage:
    return databases.open_storage(database_url) if database_url else databases.SqliteStorage(Path(folder) / db.DB_FILE)


@st.cache_resource(show_spinner=False)
def _service(database_url: str, folder: str, secret: str | None, with_judge: bool) -> ws.Workshop:
    judge = None
    if with_judge:
        tests = data.test_set()
        judge = Judge({name: data.shipped(name) for name in data.MODEL_LABELS}, tests.x, tests.labels)
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
    """Where rooms are kept, in words that name no server path or address."""
    return "PostgreSQL database" if service_.storage.kind == "postgresql" else "server's SQLite database"


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
