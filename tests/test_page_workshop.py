"""AppTest of the workshop and leaderboard pages: a teacher opens a room, participants join and submit, the
server's scores (checked against an independent computation) and order on the leaderboard; bad room codes,
bad nicknames, the rate limit, closed rooms, the teacher secret, a deleted database and an unreachable
PostgreSQL, each with a clear message while the rest of the app keeps working. Each test has its own
VANILLA_DATA_DIR (a new SQLite file)."""
from __future__ import annotations

import re

import numpy as np
import pytest

from src.edits import encode_link
from src.train import pixels
from tests.pages_helpers import container_text, keyed, open_page
from ui import workshop as wk
from ui.workshop import identity

WORKSHOP, LEADERBOARD = "pages/6_workshop.py", "pages/7_leaderboard.py"


@pytest.fixture(autouse=True)
def own_database(tmp_path, monkeypatch, mnist_test):
    """A fresh SQLite database for each test; no PostgreSQL, no teacher secret unless a test sets one."""
    monkeypatch.setenv("VANILLA_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("VANILLA_TEACHER_SECRET", raising=False)
    return tmp_path / "data" / "workshop.sqlite3"


def texts(at, *kinds):
    """The messages of these kinds, as a person reads them (ui.text.safe's backslash escapes removed)."""
    joined = " ".join(e.value for kind in kinds for e in getattr(at, kind)).replace("\u2060", "")  # word joiners
    return re.sub(r"\\(.)", r"\1", joined)


def teacher_opens(kind="from_scratch", **form) -> tuple:
    """A teacher's session that opened a room: (AppTest, room code)."""
    at = open_page(WORKSHOP)
    at.segmented_control(key=wk.ROLE).set_value(wk.TEACHER).run()
    at.radio(key=wk.KIND).set_value(kind).run()
    for key, value in form.items():
        at.session_state[key] = value
    at.button(key="ws_open").click().run()
    assert not at.exception, at.exception
    code = at.session_state[wk.ROOM]
    assert code and code in container_text(at, "ws_code"), texts(at, "error", "success")
    return at, code


def join(code, nick):
    at = open_page(WORKSHOP, {"room": code})
    assert at.text_input(key=wk.JOIN_CODE).value == code  # filled in from the join link
    at.text_input(key=wk.JOIN_NICK).input(nick)
    at.button(key="ws_join").click().run()
    assert not at.exception, at.exception
    return at


def board_order(code) -> list:
    """The nicknames on the leaderboard page, top first."""
    at = open_page(LEADERBOARD, {"room": code})
    rows = [line for line in container_text(at, "lb_board").split("\n") if line.startswith("| ")][1:]
    return [row.split(" | ")[1] for row in rows]


def test_open_join_submit_and_the_leaderboard_in_score_order(shipped, mnist_test):
    images, labels = mnist_test
    x = pixels(images)
    _, code = teacher_opens("from_scratch", **{wk.param_key("from_scratch", "layer"): 3})
    trained = shipped["relu"]

    ana = join(code, "Ana")
    assert "Ana" in container_text(ana, "ws_joined")
    assert ana.button(key="ws_submit").disabled  # the trained layer is still there: start first
    ana.button(key="ws_start_btn").click().run()
    log = ana.session_state["tuning_relu"].log
    assert not log.net.weights[2].any() and not log.net.biases[2].any()
    for digit in range(10):  # Ana rebuilds the output layer well: the trained rows, rounded to 1 decimal
        log.set_row(3, digit, np.round(trained.weights[2][digit], 1), "rebuilt",
                    bias=float(np.round(trained.biases[2][digit], 1)))
    ana.run()
    ana.button(key="ws_submit").click().run()
    expected = log.net.accuracy(x, labels)  # an independent computation of the score
    assert f"Submitted: {expected:.2%}" in texts(ana, "success"), texts(ana, "success", "error")

    bo = join(code, "Bo")
    bo.button(key="ws_start_btn").click().run()
    bo.button(key="ws_submit").click().run()  # the layer left at zero: about 10%
    assert "Submitted" in texts(bo, "success"), texts(bo, "error")
    assert expected > 0.5

    assert board_order(code) == ["Ana", "Bo"]


def test_bad_room_codes_and_nicknames_say_what_is_wrong():
    at = open_page(WORKSHOP)
    at.text_input(key=wk.JOIN_CODE).input("K7Q")
    at.text_input(key=wk.JOIN_NICK).input("Ana")
    at.button(key="ws_join").click().run()
    assert "room code is 5 letters" in texts(at, "error")
    at.text_input(key=wk.JOIN_CODE).input("ZZZZZ")
    at.button(key="ws_join").click().run()
    assert "There is no room ZZZZZ" in texts(at, "error")
    _, code = teacher_opens()
    at.text_input(key=wk.JOIN_CODE).input(code)
    at.text_input(key=wk.JOIN_NICK).input("\u202e\u200b ")
    at.button(key="ws_join").click().run()
    assert "at least one visible character" in texts(at, "error")
    assert at.session_state[wk.ROOM] is None  # not joined


def test_rate_limit_and_a_closed_room():
    teacher, code = teacher_opens("fewest_edits", **{wk.param_key("fewest_edits", "max_edits"): 5})
    ana = join(code, "Ana")
    ana.session_state["tuning_relu"].log.set_bias(3, 0, 0.5)
    ana.run()
    ana.button(key="ws_submit").click().run()
    assert "Submitted" in texts(ana, "success")
    ana.button(key="ws_submit").click().run()
    assert "One submission every 5 s" in texts(ana, "error")
    teacher.button(key="ws_close").click().run()
    assert "is closed" in texts(teacher, "success")
    ana.run()
    assert "is closed" in texts(ana, "warning") and ana.button(key="ws_submit").disabled


def test_over_the_edit_limit_is_refused_and_nothing_is_stored():
    _, code = teacher_opens("fewest_edits", **{wk.param_key("fewest_edits", "max_edits"): 2})
    ana = join(code, "Ana")
    for k in range(3):
        ana.session_state["tuning_relu"].log.set_bias(3, k, 0.5)
    ana.run()
    assert "allows 2" in texts(ana, "warning")
    ana.button(key="ws_submit").click().run()
    assert "at most 2" in texts(ana, "error")
    assert board_order(code) == []


def as_browser(monkeypatch, token):
    """The next pages open in a browser whose workshop cookie holds ``token`` (None: a browser without one).
    AppTest has no browser: this is what st.context.cookies would give the page."""
    monkeypatch.setattr(identity, "browser_token", lambda: token)


def test_a_reload_keeps_the_room_and_the_nickname_and_the_address_carries_no_token(monkeypatch):
    _, code = teacher_opens("fewest_edits", **{wk.param_key("fewest_edits", "max_edits"): 5})
    ana = join(code, "Ana")
    token = ana.session_state[wk.ME]
    assert dict(ana.query_params) == {"room": [code]} or dict(ana.query_params) == {"room": code}
    as_browser(monkeypatch, token)
    again = open_page(WORKSHOP, {"room": code})  # the same tab reloaded: a new session, the same cookie
    assert "Ana" in container_text(again, "ws_joined")
    again.session_state["tuning_relu"].log.set_bias(3, 0, 0.5)
    again.run()
    again.button(key="ws_submit").click().run()
    assert "Submitted" in texts(again, "success"), texts(again, "error")  # still Ana's nickname to use
    elsewhere = open_page(WORKSHOP)  # the same browser opening the workshop page without a room: back in it
    assert "Ana" in container_text(elsewhere, "ws_joined")

    as_browser(monkeypatch, None)  # the address pasted into another browser, even an address from before
    for query in ({"room": code}, {"room": code, "nick": "Ana", "me": token}):
        other = open_page(WORKSHOP, query)
        assert not [k for k in keyed_keys(other) if k == "ws_joined"], "another browser is Ana"
        assert other.text_input(key=wk.JOIN_CODE).value == code  # only the join form, code filled in
        assert "me" not in other.query_params and "nick" not in other.query_params
    other.text_input(key=wk.JOIN_NICK).input("ANA")  # someone else, the same nickname
    other.button(key="ws_join").click().run()
    assert "already “Ana”" in texts(other, "error") and other.session_state[wk.ROOM] is None


def keyed_keys(at) -> list:
    """The keys of every keyed container on the page."""
    out = []

    def walk(node):
        block_id = str(getattr(getattr(node, "proto", None), "id", ""))
        if "-" in block_id:
            out.append(block_id.rsplit("-", 1)[-1])
        for child in getattr(node, "children", {}).values():
            walk(child)
    walk(at._tree)
    return out


def test_nicknames_are_shown_escaped_on_the_leaderboard():
    _, code = teacher_opens("fewest_edits", **{wk.param_key("fewest_edits", "max_edits"): 5})
    nasty = "[x](http://e.vil) <b>hi"
    at = join(code, nasty)
    at.session_state["tuning_relu"].log.set_bias(3, 0, 0.5)
    at.run()
    at.button(key="ws_submit").click().run()
    board = container_text(open_page(LEADERBOARD, {"room": code}), "lb_board").replace("\u2060", "")
    assert "\\[x\\]\\(http\\:\\/\\/e\\.vil\\) \\<b\\>hi" in board  # every mark escaped: shown as typed
    assert "](http" not in board and "<b>" not in board


def test_fool_it_scores_the_changed_pixels(mnist_test, shipped):
    images, labels = mnist_test
    index = int(np.flatnonzero(labels == 4)[0])
    _, code = teacher_opens("fool_it", **{wk.param_key("fool_it", "index"): index, wk.param_key("fool_it", "target"): 9})
    ana = join(code, "Ana")
    assert ana.button(key="ws_submit_image").disabled  # the network still reads a 4
    x0 = images[index].astype(np.float64).ravel() / 255
    other = images[np.flatnonzero(labels == 9)[0]].astype(np.float64).ravel() / 255
    for t in np.linspace(0, 1, 101):  # blend towards a 9 until the trained model reads a 9
        q = np.rint(((1 - t) * x0 + t * other) * 255)
        if shipped["relu"].predict((q / 255).astype(np.float32)) == 9:
            break
    changed = int(np.count_nonzero(q != images[index].ravel()))
    ana.session_state[wk.PIXELS] = {code: (q / 255).astype(np.float32)}
    ana.run()
    assert ana.metric[0].value == "9"
    ana.button(key="ws_submit_image").click().run()
    assert f"Submitted: {changed} px" in texts(ana, "success"), texts(ana, "error")


def test_a_teacher_secret_guards_opening_and_is_remembered_by_the_teachers_browser_only(monkeypatch):
    monkeypatch.setenv("VANILLA_TEACHER_SECRET", "s3cret-for-tests")
    at = open_page(WORKSHOP)
    at.segmented_control(key=wk.ROLE).set_value(wk.TEACHER).run()
    at.button(key="ws_open").click().run()
    assert "needs the teacher secret" in texts(at, "error") and at.session_state[wk.ROOM] is None
    at.text_input(key=wk.SECRET).input("s3cret-for-tests")
    at.button(key="ws_open").click().run()
    assert at.session_state[wk.ROOM] and "is open" in texts(at, "success")
    assert "s3cret" not in str(dict(at.query_params))  # the secret never goes into the address
    code = at.session_state[wk.ROOM]
    as_browser(monkeypatch, at.session_state[wk.ME])  # a new tab of the teacher's browser: known by its cookie
    tab = open_page(LEADERBOARD, {"room": code})
    keyed(tab, "lb_teacher")
    tab.switch_page(WORKSHOP).run()
    tab.segmented_control(key=wk.ROLE).set_value(wk.TEACHER).run()
    tab.button(key="ws_open").click().run()  # no secret typed in this tab
    assert "is open" in texts(tab, "success") and tab.session_state[wk.ROOM] != code
    as_browser(monkeypatch, None)  # another browser, with the room's address: no rights
    other = open_page(WORKSHOP, {"room": code})
    other.segmented_control(key=wk.ROLE).set_value(wk.TEACHER).run()
    assert not [b for b in other.button if b.key == "ws_close"]
    other.button(key="ws_open").click().run()
    assert "needs the teacher secret" in texts(other, "error")
    other.text_input(key=wk.SECRET).input("wrong")
    other.run()
    assert "not the teacher secret" in texts(other, "error")


def test_a_deleted_database_file_says_so_and_the_app_keeps_working(own_database):
    _, code = teacher_opens()
    ana = join(code, "Ana")
    own_database.unlink()
    ana.run()
    assert "was deleted" in texts(ana, "error") and "gone" in texts(ana, "error")
    ana.switch_page("pages/1_draw.py").run()
    assert not ana.exception
    _, again = teacher_opens()  # the new, empty database takes new rooms
    assert board_order(again) == []


def test_an_unreachable_postgresql_says_so_and_the_app_keeps_working(monkeypatch):
    pytest.importorskip("psycopg")
    monkeypatch.setenv("DATABASE_URL", "postgresql://u:pw@127.0.0.1:1/workshop")
    at = open_page(WORKSHOP)
    at.segmented_control(key=wk.ROLE).set_value(wk.TEACHER).run()
    at.button(key="ws_open").click().run()
    assert not at.exception
    shown = texts(at, "error")
    assert "cannot be reached" in shown and "DATABASE_URL" in shown and "pw" not in shown.replace("password", "")
    at.switch_page("app.py").run()
    assert not at.exception and at.metric  # the home page still works


def test_a_reloaded_teacher_page_is_still_the_teachers_and_its_address_gives_no_rights(monkeypatch):
    teacher, code = teacher_opens()
    assert dict(teacher.query_params) in ({"room": [code]}, {"room": code})  # no token in the address
    as_browser(monkeypatch, teacher.session_state[wk.ME])
    again = open_page(WORKSHOP, {"room": code})
    assert code in container_text(again, "ws_code") and not again.button(key="ws_close").disabled
    board = open_page(LEADERBOARD, {"room": code})  # the leaderboard in a new tab of the teacher's browser
    keyed(board, "lb_teacher")
    as_browser(monkeypatch, None)  # the projected address in another browser
    stranger = open_page(WORKSHOP, {"room": code})
    assert stranger.text_input(key=wk.JOIN_CODE).value == code  # the join link: a participant's form
    assert not [b for b in stranger.button if b.key == "ws_close"]
    assert "lb_teacher" not in keyed_keys(open_page(LEADERBOARD, {"room": code}))


def test_presenter_view_hides_secondary_controls(monkeypatch):
    _, code = teacher_opens()
    ana = join(code, "Ana")
    as_browser(monkeypatch, ana.session_state[wk.ME])
    at = open_page(WORKSHOP, {"room": code, "present": "1"})
    assert "Ana" in container_text(at, "ws_joined")
    assert not [b for b in at.button if b.key == "ws_leave"]
    assert not at.segmented_control  # no role switch either
    keyed(at, "ws_challenge")


def test_the_teacher_opens_an_entrys_network_from_the_leaderboard():
    teacher, code = teacher_opens("fewest_edits", **{wk.param_key("fewest_edits", "max_edits"): 5})
    ana = join(code, "Ana")
    log = ana.session_state["tuning_relu"].log
    log.set_bias(3, 0, 0.5)
    ana.run()
    ana.button(key="ws_submit").click().run()
    teacher.switch_page(LEADERBOARD).run()
    assert not teacher.exception
    teacher.session_state[wk.PICKED] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    teacher.run()
    links = [e.proto for e in teacher.get("page_link") if e.proto.label.startswith("Open entry")]
    assert links, "no link to open the entry"
    assert links[0].page == "hand_tune"
    assert links[0].query_string == f"model=ReLU&edits={encode_link(log)}"  # the entry's own share code
    participant_board = open_page(LEADERBOARD, {"room": code})  # not the teacher: no entries to open
    assert not [e for e in participant_board.get("page_link") if e.proto.label.startswith("Open entry")]


def test_without_mnist_rooms_open_and_submissions_say_why_not(tmp_path, monkeypatch):
    empty = tmp_path / "no-mnist"
    empty.mkdir()
    monkeypatch.setenv("MNIST_DIR", str(empty))
    monkeypatch.setenv("MNIST_DOWNLOAD", "0")
    teacher = open_page(WORKSHOP)
    teacher.segmented_control(key=wk.ROLE).set_value(wk.TEACHER).run()
    teacher.radio(key=wk.KIND).set_value("fewest_edits").run()
    teacher.button(key="ws_open").click().run()
    code = teacher.session_state[wk.ROOM]
    assert code and "cannot score submissions" in texts(teacher, "warning")  # said to the teacher at once
    ana = join(code, "Ana")
    assert not ana.exception
    ana.button(key="ws_submit").click().run()
    assert "no MNIST test set" in texts(ana, "error")
    at = open_page(LEADERBOARD, {"room": code})
    assert not at.exception and "No submissions yet" in container_text(at, "lb_board")


# --- the teacher's tools ------------------------------------------------------------------------------------

def submitted(code, nick, bias=0.5):
    """A participant who joined and submitted a network with one output bias changed."""
    at = join(code, nick)
    at.session_state["tuning_relu"].log.set_bias(3, 0, bias)
    at.run()
    at.button(key="ws_submit").click().run()
    assert "Submitted" in texts(at, "success"), texts(at, "error")
    return at


def fewest(**extra):
    return teacher_opens("fewest_edits", **{wk.param_key("fewest_edits", "max_edits"): 5}, **extra)


def test_the_teacher_view_names_no_server_path(own_database):
    teacher, _ = fewest()
    shown = texts(teacher, "caption", "markdown")
    assert "Stored in the server's SQLite database" in shown
    assert str(own_database.parent) not in shown and "workshop.sqlite3" not in shown


def test_csv_export_holds_every_submission(monkeypatch):
    import csv
    import io
    from ui.workshop import teacher_tools
    from ui.workshop.service import service
    teacher, code = fewest()
    ana = submitted(code, "=Ana", 0.5)
    teacher.run()
    assert [b for b in teacher.get("download_button") if b.proto.id.endswith("ws_export")] or \
        "ws_export" in str(teacher.get("download_button"))
    data = teacher_tools.csv_bytes(service(), code, teacher.session_state[wk.ME], "")
    assert data.startswith("\ufeff".encode())  # UTF-8 with the BOM spreadsheets look for
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    log = ana.session_state["tuning_relu"].log
    assert rows[1][1] == "'=Ana" and rows[1][3] == "1" and rows[1][4] == encode_link(log)
    with pytest.raises(Exception, match="Only the teacher"):
        teacher_tools.csv_bytes(service(), code, ana.session_state[wk.ME], "")


def test_moderation_removes_an_entry_and_bans_a_nickname_and_the_board_updates():
    teacher, code = fewest()
    submitted(code, "Ana")
    submitted(code, "Bo", 0.7)
    teacher.run()
    assert sorted(board_order(code)) == ["Ana", "Bo"]
    teacher.selectbox(key="ws_moderate_nick").set_value("Ana").run()
    teacher.button(key="ws_remove_entry").click().run()
    assert "entry is removed" in texts(teacher, "success") and board_order(code) == ["Bo"]
    teacher.selectbox(key="ws_moderate_nick").set_value("Bo").run()
    teacher.button(key="ws_ban").click().run()
    assert "banned" in texts(teacher, "success") and board_order(code) == []
    again = open_page(WORKSHOP, {"room": code})
    again.text_input(key=wk.JOIN_NICK).input("B\u043e")  # with a Cyrillic о
    again.button(key="ws_join").click().run()
    assert "may not be used" in texts(again, "error") and again.session_state[wk.ROOM] is None


def test_a_deadline_counts_down_and_refuses_later_submissions(own_database):
    import time
    from src.infra.databases import SqliteStorage
    teacher, code = fewest()
    teacher.number_input(key="ws_deadline_minutes").set_value(3).run()
    teacher.button(key="ws_set_deadline").click().run()
    assert "for 3 more minutes" in texts(teacher, "success")
    board = open_page(LEADERBOARD, {"room": code})
    assert re.search(r"[23] min \d\d s left", container_text(board, "lb_status").replace("\\", ""))
    ana = join(code, "Ana")
    assert "left" in texts(ana, "info")
    SqliteStorage(own_database).set_deadline(code, time.time() - 1)  # three minutes later
    ana.session_state["tuning_relu"].log.set_bias(3, 0, 0.5)
    ana.run()
    assert "Time is up" in texts(ana, "warning")
    ana.button(key="ws_submit").click().run()
    assert "Time is up" in texts(ana, "error") and board_order(code) == []


def test_the_board_freezes_before_the_reveal():
    teacher, code = fewest()
    submitted(code, "Ana")
    teacher.run()
    teacher.button(key="ws_freeze").click().run()
    submitted(code, "Bo", 0.7)
    board = open_page(LEADERBOARD, {"room": code})
    assert board_order(code) == ["Ana"] and "frozen" in container_text(board, "lb_status")
    teacher.run()
    teacher.button(key="ws_reveal").click().run()
    assert sorted(board_order(code)) == ["Ana", "Bo"]
    teacher.switch_page(LEADERBOARD).run()  # the projected tab of the teacher's browser freezes it too
    teacher.button(key="ws_freeze").click().run()
    submitted(code, "Cy", 0.9)
    assert sorted(board_order(code)) == ["Ana", "Bo"]
    teacher.button(key="ws_reveal").click().run()
    assert sorted(board_order(code)) == ["Ana", "Bo", "Cy"]
    assert "ws_freeze" not in [b.key for b in open_page(LEADERBOARD, {"room": code}).button]  # not for others


def test_who_is_in_lists_those_who_joined_and_have_not_submitted():
    teacher, code = fewest()
    join(code, "Ana")
    submitted(code, "Bo")
    join(code, "Cy")
    teacher.run()
    who = container_text(teacher, "ws_who")
    assert "(2)" in who and "Ana" in who and "Cy" in who and "Bo" not in who


def test_run_it_again_reopens_a_closed_rooms_challenge_in_one_click():
    teacher, code = fewest()
    teacher.button(key="ws_close").click().run()
    teacher.button(key="ws_run_again").click().run()
    new = teacher.session_state[wk.ROOM]
    assert new != code and new in container_text(teacher, "ws_code") and "same challenge" in texts(teacher, "success")
    ana = join(new, "Ana")
    assert "at most 5" in texts(ana, "markdown")  # the same challenge's settings


def test_a_look_alike_nickname_is_refused_at_join_with_a_suggestion_and_anonymous_names_on_request():
    _, code = fewest()
    join(code, "Ana")
    cyr = open_page(WORKSHOP, {"room": code})
    cyr.text_input(key=wk.JOIN_NICK).input("\u0410na")  # a Cyrillic А: shown identically on the board
    cyr.button(key="ws_join").click().run()
    assert "looks the same" in texts(cyr, "error") and cyr.session_state[wk.ROOM] is None
    cyr.button(key="ws_join_suggested").click().run()  # the suggestion, in one click
    assert cyr.session_state[wk.ROOM] == code and cyr.session_state[wk.NICK] == "\u0410na 2"
    anon = open_page(WORKSHOP, {"room": code})
    anon.button(key="ws_anonymous").click().run()
    name = anon.text_input(key=wk.JOIN_NICK).value
    assert re.fullmatch(r"[A-Z][a-z]+ [A-Z][a-z]+ \d\d", name)
    anon.button(key="ws_join").click().run()
    assert anon.session_state[wk.NICK] == name


@pytest.mark.parametrize("kind", ["from_scratch", "fewest_edits", "fool_it"])
def test_the_gallery_shows_the_top_entries_as_what_they_are(kind, shipped, mnist_test):
    from src.infra import challenges as ch
    images, labels = mnist_test
    form = {"from_scratch": {wk.param_key(kind, "layer"): 3},
            "fewest_edits": {wk.param_key(kind, "max_edits"): 5},
            "fool_it": {wk.param_key(kind, "index"): int(np.flatnonzero(labels == 4)[0]), wk.param_key(kind, "target"): 9}}
    teacher, code = teacher_opens(kind, **form[kind])
    ana = join(code, "Ana")
    if kind == "fool_it":
        index = form[kind][wk.param_key(kind, "index")]
        x0, other = images[index].astype(np.float64).ravel(), images[np.flatnonzero(labels == 9)[0]].ravel()
        for t in np.linspace(0, 1, 101):
            q = np.rint((1 - t) * x0 + t * other)
            if shipped["relu"].predict((q / 255).astype(np.float32)) == 9:
                break
        ana.session_state[wk.PIXELS] = {code: (q / 255).astype(np.float32)}
        ana.run()
        ana.button(key="ws_submit_image").click().run()
        expected = f"read as 9"
    else:
        if kind == "from_scratch":
            ana.button(key="ws_start_btn").click().run()
        ana.session_state["tuning_relu"].log.set_bias(3, 2, 0.5)
        ana.run()
        ana.button(key="ws_submit").click().run()
        expected = "the output layer" if kind == "from_scratch" else "edited: L3·2"
    assert "Submitted" in texts(ana, "success"), texts(ana, "error")
    teacher.switch_page(LEADERBOARD).run()
    teacher.segmented_control(key="lb_view").set_value("Gallery").run()
    gallery = keyed(teacher, "lb_gallery")
    assert len(gallery.get("image")) == 1 and "Ana" in container_text(teacher, "lb_gallery")
    assert expected in container_text(teacher, "lb_gallery")
    projector = open_page(LEADERBOARD, {"room": code, "view": "gallery", "present": "1"})  # from the address
    keyed(projector, "lb_gallery")
    assert ch.KINDS[kind].gallery in (ch.LAYER_WEIGHTS, ch.EDITED_NEURONS, ch.FOOLED_IMAGE)


def test_gallery_pictures_are_the_entries_own_numbers(shipped, mnist_test):
    """The from-scratch tile of a neuron is its rebuilt weights' picture; fewest-edits outlines exactly the
    changed weights; computed here from the share code independently of the judge's start network."""
    from src.infra.challenges import make_challenge
    from src.infra.judge import Judge
    from src.edits import EditLog
    from ui import figures
    from ui.workshop import gallery
    images, labels = mnist_test
    judge = Judge(shipped, pixels(images), labels)
    challenge = make_challenge("from_scratch", "relu", layer=1)
    log = EditLog(shipped["relu"].copy(), "relu")
    log.zero_layer(1)
    w = np.zeros(784, np.float32)
    w[100:110] = 1.0
    log.set_row(1, 5, w, "rebuilt", bias=0.0)
    picture, caption = gallery.layer_weights(judge, challenge, encode_link(log))
    tile = gallery.TILE
    r, c = divmod(5, 4)
    gap = 4
    got = picture[r * (tile + gap):r * (tile + gap) + tile, c * (tile + gap):c * (tile + gap) + tile]
    assert np.array_equal(got, figures.signed_image(w.reshape(28, 28), size=tile)) and "16 neurons" in caption

    challenge = make_challenge("fewest_edits", "relu", max_edits=5)
    log = EditLog(shipped["relu"].copy(), "relu")
    log.set_weight(1, 7, 3, 2.0)
    log.set_weight(1, 7, 400, -2.0)
    picture, caption = gallery.edited_neurons(judge, challenge, encode_link(log))
    assert caption == "edited: L1·7" and picture.shape == (tile, tile, 3)
    expected = figures.outline_cells(figures.signed_image(log.net.weights[0][7].reshape(28, 28), size=tile), [3, 400])
    assert np.array_equal(picture, expected)


def test_leaving_is_kept_after_a_reload(monkeypatch):
    _, code = fewest()
    ana = join(code, "Ana")
    ana.button(key="ws_leave").click().run()
    assert "You left the room" in texts(ana, "info")
    as_browser(monkeypatch, ana.session_state[wk.ME])
    for query in ({"room": code}, None):
        again = open_page(WORKSHOP, query)
        assert "ws_joined" not in keyed_keys(again)  # the join form, not Ana's room


def test_a_stroke_on_the_fool_it_canvas_sets_the_pixels_it_covers_once(mnist_test):
    import base64
    import io
    from PIL import Image
    from tests.pages_helpers import inject_drawing
    from ui.workshop import fool
    images, labels = mnist_test
    index = int(np.flatnonzero(labels == 4)[0])
    _, code = teacher_opens("fool_it", **{wk.param_key("fool_it", "index"): index, wk.param_key("fool_it", "target"): 9})
    ana = join(code, "Ana")
    before = ana.session_state[wk.PIXELS][code].copy()
    stroke = np.zeros((280, 280, 4), np.uint8)
    stroke[0:30, 0:280, 3] = 255  # the pen covered the top three rows of pixels fully (10 px a pixel)
    buf = io.BytesIO()
    Image.fromarray(stroke, "RGBA").save(buf, format="PNG")
    url = "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()
    inject_drawing(ana, fool.STROKES.widget_key(), url)
    ana.run()
    after = ana.session_state[wk.PIXELS][code]
    expected = before.reshape(28, 28).copy()
    expected[:3, :] = 1.0  # ink: white, and nothing else changed
    assert np.array_equal(after.reshape(28, 28), expected)
    assert ana.button(key="ws_fool_undo").disabled is False
    inject_drawing(ana, f"{fool.CANVAS}_0", url)  # the same stroke sent again by the old canvas: ignored
    ana.run()
    assert len(ana.session_state[wk.UNDO]) == 1
    ana.button(key="ws_fool_undo").click().run()
    assert np.array_equal(ana.session_state[wk.PIXELS][code], before)
