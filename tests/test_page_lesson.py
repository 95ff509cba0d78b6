"""AppTest of the lesson page: every step's check with a passing and a failing input (the server computes each
check; the expected outcome here comes from an independent computation), and the progress in the address
(a forged token, a made-up step number refused)."""
import numpy as np
import pytest

from src import lesson as L
from src import templates
from src.infra import mnist, weights_file
from src import race as racing
from src.train import pixels
from tests.conftest import ROOT
from ui.lesson_more import SHAPE_KEYS
from tests.pages_helpers import open_page
from tests.test_lesson import forward_np

PAGE = "pages/0_lesson.py"
SECRET = "test-lesson-secret"


@pytest.fixture(autouse=True)
def lesson_env(monkeypatch, tmp_path):
    monkeypatch.setenv("VANILLA_LESSON_SECRET", SECRET)
    monkeypatch.setenv("VANILLA_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("MNIST_DOWNLOAD", "0")
    if not mnist.available("test"):
        pytest.skip("MNIST test files not found (set MNIST_DIR)")


@pytest.fixture(scope="module")
def sig():
    return weights_file.load(ROOT / "weights" / "sigmoid.npz")


@pytest.fixture(scope="module")
def tests_x():
    images, labels = mnist.load("test", allow_download=False)
    return pixels(images), labels


def at_step(n, query=None):
    at = open_page(PAGE, query)
    if n != 1:
        at.segmented_control(key="lesson_step").set_value(n).run()
    assert not at.exception, at.exception
    assert at.header[0].value.startswith(f"{n}.")
    return at


def check(at, n):
    at.button(key=f"lesson_check_{n}").click().run()
    assert not at.exception, at.exception
    return at.session_state["lesson_results"][n]


def done(at):
    return at.session_state["lesson_done"]


# --- step 1 ----------------------------------------------------------------------------------------------

def sevens(net, tests_x, n=3):
    """``n`` MNIST test images of a 7 that the independent forward pass reads as 7 (as the surface sends them)."""
    x, labels = tests_x
    found = [x[i] for i in np.flatnonzero(labels == 7) if np.argmax(forward_np(net, x[i])[1][-1]) == 7]
    return found[:n]


def stroke_end(at, key, pixels):
    """The instant surface ``key`` sending its drawing at the end of a stroke (ui/instant.py checks it)."""
    at.session_state[key] = {"drawing": {"pixels": np.asarray(pixels, np.float64).reshape(-1).round(6).tolist(),
                                         "status": "ok", "mode": "free", "strokes": [{"w": 20, "p": [60, 60, 200, 200]}],
                                         "grid": None, "pen": 20}}
    at.run()
    assert not at.exception, at.exception


def keep_drawings(at, drawings):
    for x in drawings:
        gen = at.session_state["lesson_gen_lesson_draw1"] if "lesson_gen_lesson_draw1" in at.session_state else 0
        stroke_end(at, f"lesson_draw1_{gen}", x)
        at.button(key="lesson_keep").click().run()
        assert not at.exception, at.exception


def test_step_1_three_drawings_read_right(sig, tests_x):
    at = at_step(1)
    assert at.button(key="lesson_check_1").disabled  # no digit chosen yet
    at.pills(key="lesson_digit").set_value(7).run()
    keep_drawings(at, sevens(sig, tests_x))
    assert len(at.session_state["lesson_kept"]) == 3
    result = check(at, 1)
    assert result.passed and 1 in done(at)
    assert "progress" in at.query_params  # the signed progress is in the address


def test_step_1_fails_with_one_drawing_kept_three_times_or_another_digit(sig, tests_x):
    at = at_step(1)
    at.pills(key="lesson_digit").set_value(7).run()
    one = sevens(sig, tests_x, 1)[0]
    keep_drawings(at, [one, one, one])
    result = check(at, 1)
    assert not result.passed and "nearly the same" in result.message and 1 not in done(at)
    at.pills(key="lesson_digit").set_value(4).run()
    at.button(key="lesson_forget").click().run()
    keep_drawings(at, sevens(sig, tests_x))
    assert not check(at, 1).passed and 1 not in done(at)


# --- steps 2 and 3: reading neurons -------------------------------------------------------------------------

def test_step_2_output_neuron(sig, tests_x):
    at = at_step(2)
    best = int(np.argmax(forward_np(sig, tests_x[0][0])[1][-1]))  # no drawing yet: test image #0
    at.pills(key="lesson_clicked").set_value((best + 3) % 10).run()
    assert not check(at, 2).passed
    at.pills(key="lesson_clicked").set_value(best).run()
    assert check(at, 2).passed and 2 in done(at)


def test_step_3_strongest_first_layer_neuron(sig, tests_x):
    at = at_step(3)
    x = tests_x[0][0]  # the input chooser opens on test image #0
    z = sig.weights[0].astype(np.float64) @ x + sig.biases[0]
    at.selectbox(key="lesson_strongest").set_value(int(np.argmin(z))).run()
    assert not check(at, 3).passed
    at.selectbox(key="lesson_strongest").set_value(int(np.argmax(z))).run()
    assert check(at, 3).passed


# --- steps 4 and 5: one neuron's weights and bias ----------------------------------------------------------

def test_step_4_edge_detector(sig):
    at = at_step(4)
    at.selectbox(key="lesson_neuron").set_value(3).run()
    assert not check(at, 4).passed  # the trained weights: not painted
    at.selectbox(key="lesson_pattern").set_value("vertical edge").run()
    at.button(key="lesson_paint").click().run()
    assert not check(at, 4).passed
    at.selectbox(key="lesson_pattern").set_value("horizontal edge").run()
    at.button(key="lesson_paint").click().run()
    net = sig.copy()
    net.weights[0][3] = templates.make("horizontal edge")
    a = forward_np(net, L.HORIZONTAL_BAR)[1][1][3], forward_np(net, L.VERTICAL_BAR)[1][1][3]
    assert a[0] >= L.EDGE_HIGH and a[1] <= L.EDGE_LOW
    assert check(at, 4).passed and 4 in done(at)


@pytest.mark.parametrize("bias,ok", [(-10.0, True), (5.0, False)])
def test_step_5_bias_threshold(bias, ok):
    at = at_step(5)
    at.number_input(key="lesson_bias").set_value(bias)  # in a form: sent with the submit
    at.button(key="lesson_set_bias").click().run()
    assert float(at.session_state["tuning_sigmoid"].log.net.biases[0][0]) == bias
    assert check(at, 5).passed is ok


# --- steps 6 and 7: counting and shapes ------------------------------------------------------------------------

def test_step_6_counts(sig):
    at = at_step(6)
    sizes = [784, 16, 16, 10]
    for l in range(1, 4):
        at.number_input(key=f"lesson_count_{l}_weights").set_value(sizes[l - 1] * sizes[l])
        at.number_input(key=f"lesson_count_{l}_biases").set_value(sizes[l])
    at.number_input(key="lesson_count_total").set_value(784 * 16 + 16 + 16 * 16 + 16 + 16 * 10 + 9).run()
    assert not check(at, 6).passed  # the total is one short
    at.number_input(key="lesson_count_total").set_value(784 * 16 + 16 + 16 * 16 + 16 + 16 * 10 + 10).run()
    assert check(at, 6).passed


def test_step_7_shapes(sig):
    at = at_step(7)
    for l in L.SHAPE_LAYERS:
        n_out, n_in = sig.weights[l - 1].shape
        for name, shape in (("W", (n_in, n_out)), ("a", (n_in, 1)), ("b", (n_out, 1)), ("a'", (n_out, 1))):
            at.selectbox(key=f"lesson_shape_{l}_{SHAPE_KEYS[name]}").set_value(f"{shape[0]} x {shape[1]}")
    at.run()
    assert not check(at, 7).passed  # W transposed
    for l in L.SHAPE_LAYERS:
        n_out, n_in = sig.weights[l - 1].shape
        at.selectbox(key=f"lesson_shape_{l}_W").set_value(f"{n_out} x {n_in}")
    at.run()
    assert check(at, 7).passed


# --- step 8: zero a layer, rebuild some ------------------------------------------------------------------------

def test_step_8_zero_and_rebuild(sig, tests_x):
    at = at_step(8)
    at.selectbox(key="lesson_zero_layer").set_value(2).run()
    at.button(key="lesson_zero").click().run()
    net = at.session_state["tuning_sigmoid"].log.net
    assert not np.any(net.weights[1]) and not np.any(net.biases[1])
    assert not check(at, 8).passed  # zeroed, nothing rebuilt
    at.multiselect(key="lesson_rebuild").set_value([0, 1, 2, 3, 4, 5]).run()
    at.button(key="lesson_rebuild_btn").click().run()
    x, labels = tests_x
    rebuilt = L.zeroed(sig, 2)
    for j in range(6):
        rebuilt.weights[1][j], rebuilt.biases[1][j] = sig.weights[1][j], sig.biases[1][j]
    zero_acc = np.mean(L.zeroed(sig, 2).predict(x) == labels)
    assert np.mean(rebuilt.predict(x) == labels) >= zero_acc + L.MIN_REBUILT
    assert check(at, 8).passed


# --- step 9: the race -------------------------------------------------------------------------------------------

def finished_race(sigmoid_curve, relu_curve):
    run = racing.RaceRun(1000, 1, "sgd", 2000)
    r = racing.RaceResult()
    r.steps = list(range(len(sigmoid_curve)))
    r.images_seen = [100 * s for s in r.steps]
    r.accuracy = {"sigmoid": list(sigmoid_curve), "relu": list(relu_curve)}
    r.loss = {"sigmoid": [None] * len(r.steps), "relu": [None] * len(r.steps)}
    r.total_steps = r.steps[-1]
    run.result = r
    run._checkpoint(r, 1.0)
    return run


def test_step_9_which_learned_faster():
    at = at_step(9)
    assert at.button(key="lesson_check_9").disabled  # no race yet
    slow, fast = [0.1, 0.3, 0.5, 0.8], [0.1, 0.7, 0.85, 0.9]
    at.session_state["race_run"] = finished_race(slow, fast)
    at.run()
    assert np.mean(fast) - np.mean(slow) > L.TIE
    at.radio(key="lesson_said").set_value("sigmoid").run()
    assert not check(at, 9).passed
    at.radio(key="lesson_said").set_value("relu").run()
    assert check(at, 9).passed


# --- progress in the address -------------------------------------------------------------------------------------

def test_a_signed_token_restores_progress_and_the_step():
    token = L.progress_token({1, 2, 6}, SECRET.encode())
    at = at_step(6, {"progress": token})
    assert done(at) == {1, 2, 6}
    at = open_page(PAGE, {"step": "5", "progress": token})
    assert at.header[0].value.startswith("5.") and done(at) == {1, 2, 6}


@pytest.mark.parametrize("token", [L.progress_token(set(range(1, 10)), b"another server"), "1ff.AAAAAAAAAAAAAAAA",
                                   "<b>1ff</b>", "1ff." + "A" * 500, "A" * 200_000, "\u202e1ff.\x00"])
def test_a_forged_progress_token_is_refused(token):
    at = open_page(PAGE, {"progress": token})
    assert done(at) == frozenset()
    assert any("not made by this server" in w.value for w in at.warning)
    assert "progress" not in at.query_params


@pytest.mark.parametrize("step", ["99", "0", "-3", "x<script>", "4.5", "9" * 100_000, "[4](http://x)", "٤"])
def test_a_made_up_step_number_is_refused(step):
    at = open_page(PAGE, {"step": step})
    assert at.header[0].value.startswith("1.")
    assert any("There is no step" in w.value for w in at.warning)
    assert at.query_params["step"] == "1"


def test_skip_ahead_and_next_back():
    at = open_page(PAGE, {"step": "8"})
    assert at.header[0].value.startswith("8.")
    at.button(key="lesson_next").click().run()
    assert at.header[0].value.startswith("9.") and at.button(key="lesson_next").disabled
    at.button(key="lesson_back").click().run()
    assert at.header[0].value.startswith("8.") and at.query_params["step"] == "8"


def test_every_step_in_the_presenter_view():
    at = open_page(PAGE, {"present": "1"})
    for n in range(1, L.N_STEPS + 1):
        at.segmented_control(key="lesson_step").set_value(n).run()
        assert not at.exception, (n, at.exception)
        assert at.header[0].value.startswith(f"{n}.")


# --- in a lesson room: steps recorded by the server, the class's step, the projector ---------------------------

TEACHER, ANA, BEN, CAL = "teacher-token-1", "ana-token-0001", "ben-token-0001", "cal-token-0001"


@pytest.fixture
def shop(tmp_path):
    from src.infra import storage as db
    from src.infra import workshop as ws
    from src.infra.databases import SqliteStorage
    return ws.Workshop(SqliteStorage(tmp_path / db.DB_FILE), None)


def lesson_room(shop, pace=0, joined=(("Ana", ANA),)):
    from src.infra.challenges import make_challenge
    room = shop.open_room(make_challenge("lesson", "sigmoid", pace=pace), TEACHER)
    for nick, token in joined:
        shop.join(room.code, nick, token)
    return room


def open_as(token, page, query=None):
    from streamlit.testing.v1 import AppTest
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state["ws_me"] = token  # this browser's workshop token (its cookie, in a browser)
    at.query_params.update(query or {})
    at.run()
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def recorded(shop, room, token):
    return sorted(int(s.edits) for s in shop.storage.submissions(room.code) if s.session == token)


def fill_counts(at, total_off_by=0):
    sizes = [784, 16, 16, 10]
    for l in range(1, 4):
        at.number_input(key=f"lesson_count_{l}_weights").set_value(sizes[l - 1] * sizes[l])
        at.number_input(key=f"lesson_count_{l}_biases").set_value(sizes[l])
    total = sum(sizes[l - 1] * sizes[l] + sizes[l] for l in range(1, 4))
    at.number_input(key="lesson_count_total").set_value(total + total_off_by).run()


def test_a_checked_step_is_recorded_for_the_room_and_a_failed_one_is_not(shop):
    room = lesson_room(shop)
    at = open_as(ANA, PAGE, {"step": "6"})
    assert room.code in at.markdown.values[0] or any(room.code in m.value for m in at.markdown)
    fill_counts(at, total_off_by=1)
    assert not check(at, 6).passed and recorded(shop, room, ANA) == []
    fill_counts(at)
    assert check(at, 6).passed and recorded(shop, room, ANA) == [6]
    check(at, 6)
    assert recorded(shop, room, ANA) == [6]  # once
    assert recorded(shop, room, BEN) == []


def test_steps_passed_before_joining_are_recorded_with_the_next_check(shop, sig):
    from src.infra.challenges import make_challenge
    room = shop.open_room(make_challenge("lesson", "sigmoid", pace=0), TEACHER)
    at = open_as(BEN, PAGE, {"step": "6"})
    fill_counts(at)
    assert check(at, 6).passed and recorded(shop, room, BEN) == []  # not in the room yet
    shop.join(room.code, "Ben", BEN)
    at.segmented_control(key="lesson_step").set_value(7).run()
    for l in L.SHAPE_LAYERS:
        n_out, n_in = sig.weights[l - 1].shape
        for name, shape in (("W", (n_out, n_in)), ("a", (n_in, 1)), ("b", (n_out, 1)), ("a'", (n_out, 1))):
            at.selectbox(key=f"lesson_shape_{l}_{SHAPE_KEYS[name]}").set_value(f"{shape[0]} x {shape[1]}")
    at.run()
    assert check(at, 7).passed and recorded(shop, room, BEN) == [6, 7]


def test_a_progress_token_records_nothing_in_the_room(shop):
    room = lesson_room(shop)
    token = L.progress_token(set(range(1, 10)), SECRET.encode())  # even a real one: the room wants a check
    at = open_as(ANA, PAGE, {"progress": token})
    assert at.session_state["lesson_done"] == set(range(1, 10))
    assert recorded(shop, room, ANA) == []


def test_the_class_step_opens_the_path_there_and_the_learner_may_move_on(shop):
    from src.infra import lesson_room as lr
    room = lesson_room(shop)
    lr.set_pace(shop, room.code, 7, TEACHER)
    at = open_as(ANA, PAGE)
    assert at.header[0].value.startswith("7.")
    assert any("the class is on **step 7**" in m.value for m in at.markdown)
    at.segmented_control(key="lesson_step").set_value(3).run()
    assert at.header[0].value.startswith("3.")
    at.run()
    assert at.header[0].value.startswith("3.")  # not pulled back while the class's step stays
    lr.set_pace(shop, room.code, 8, TEACHER)
    at.run()
    assert at.header[0].value.startswith("8.")  # the teacher moved the class


def test_the_projector_shows_the_class_and_the_teacher_sets_its_step(shop):
    from src.infra import lesson_room as lr
    from ui.text import safe
    room = lesson_room(shop, joined=(("Ana", ANA), ("Ben", BEN), ("<b>Cal</b>", CAL)))
    for token, steps in ((ANA, [1, 2]), (BEN, [1])):
        for s in steps:
            lr.record_step(shop, room.code, token, s)
    at = open_as(TEACHER, "pages/7_leaderboard.py", {"room": room.code})
    from tests.pages_helpers import container_text
    text = container_text(at, "lesson_progress")
    assert "**2** of 3" in text and "**1** of 3" in text  # step 1: Ana and Ben; step 2: Ana
    assert safe("<b>Cal</b>") in text and "<b>Cal</b>" not in text  # markup shown as text
    at.toggle(key="class_progress_names").set_value(False).run()
    text = container_text(at, "lesson_progress")
    assert "Cal" not in text and "Ana" not in text and "learner 3" in text
    at.segmented_control(key="class_progress_pace").set_value(4).run()
    assert lr.pace(shop.room(room.code)) == 4
    assert "◀ the class is here" in container_text(at, "lesson_progress")


def test_only_the_teacher_gets_the_step_control(shop):
    room = lesson_room(shop)
    at = open_as(ANA, "pages/7_leaderboard.py", {"room": room.code})
    assert not [w for w in at.segmented_control if w.key == "class_progress_pace"]
    assert "Ana" in " ".join(m.value for m in at.markdown)


def test_the_workshop_pages_run_a_lesson_room():
    """The teacher opens a lesson room with the workshop's form (the class on step 3); a participant joins, is
    told to open the lesson (no Submit), and the lesson page opens on the class's step in that room."""
    from src.infra import lesson_room as lr
    from tests.pages_helpers import container_text
    teacher = open_page("pages/6_workshop.py")
    teacher.segmented_control(key="ws_role").set_value("Run a room").run()
    teacher.radio(key="ws_kind").set_value("lesson").run()
    teacher.number_input(key="ws_lesson_pace").set_value(3).run()
    teacher.button(key="ws_open").click().run()
    assert not teacher.exception, teacher.exception
    code = teacher.session_state["ws_room"]
    assert code and code in container_text(teacher, "ws_code")

    learner = open_page("pages/6_workshop.py", {"room": code})
    learner.text_input(key="ws_join_nick").input("[Ana](http://x)")
    learner.button(key="ws_join").click().run()
    assert not learner.exception, learner.exception
    panel = container_text(learner, "ws_lesson")
    assert f"0 of {L.N_STEPS} steps done" in panel and "[Ana](http://x)" not in panel  # the nickname as text
    assert not [b for b in learner.button if b.key == "ws_submit"]
    learner.switch_page(PAGE).run()
    assert not learner.exception, learner.exception
    assert learner.header[0].value.startswith("3.") and code in container_text(learner, "lesson_room")
    from src.infra import storage as db
    from src.infra import workshop as ws
    from src.infra.databases import SqliteStorage
    shop = ws.Workshop(SqliteStorage(db.data_dir() / db.DB_FILE), None)
    assert lr.pace(shop.room(code)) == 3
