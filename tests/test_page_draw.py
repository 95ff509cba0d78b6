"""AppTest drives the draw page: inject drawings, pick test images, switch model, leave and come back."""
import base64
import io
import json
import re

import numpy as np
import pytest
from PIL import Image

from src.edits import EditLog
from src.preprocess import preprocess, resize
from src.scoring import Scorer
from src.train import pixels
from tests import pages_helpers as helpers
from tests.pages_helpers import canvas_png, container_text, inject_drawing, open_page
from ui import draw
from ui.state import LAST_DRAWING, Tuning

PAGE = "pages/1_draw.py"


def shown_digit(at):
    text = container_text(at, "prediction")
    m = re.search(r"\d", re.sub(r"<[^>]+>", " ", text))  # the digit is the container's first number
    return int(m.group()) if m else None, text


def decode_png(data_url):
    """The canvas's PNG data URL as an (H, W, 4) array, decoded here rather than by the page."""
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(data_url.split(",", 1)[1]))))


def expected_for_canvas(net, data_url, centre=True):
    """What the library answers for this canvas drawing, computed without the page."""
    return int(net.predict(preprocess(decode_png(data_url), centre=centre).digit.reshape(784)))


def stroke(n):
    """A stand-in for one fabric path object (the page counts and hands back objects; it never reads them)."""
    return {"type": "path", "path": [["M", n, n], ["L", n + 1, n + 1]], "stroke": "#FFFFFF"}


def draw_strokes(at, url, n):
    """The canvas sending a drawing of ``n`` strokes, as it does after the n-th stroke."""
    at.session_state[draw.CANVAS] = {"drawing": {"raw": {"objects": [stroke(i) for i in range(n)]}, "data": url},
                                     "backgroundFit": None}
    at.run()
    assert not at.exception, at.exception


def canvas_props(at):
    """What the page handed the canvas component (its JSON arguments), or None when no canvas is shown."""
    node = helpers._find(at._tree, draw.CANVAS)
    return None if node is None else json.loads(node.proto.json)


def open_classic(query=None):
    """The draw page with the server canvas (the input before instant mode) chosen."""
    at = open_page(PAGE, query)
    at.button_group(key=draw.SOURCE).set_value("canvas").run()
    assert not at.exception, at.exception
    return at


def has(at, key):
    return helpers._find(at._tree, key) is not None


def test_blank_canvas_asks_for_a_digit():
    at = open_classic()
    digit, text = shown_digit(at)
    assert "Draw a digit" in text and "empty" in text and digit is None


@pytest.mark.parametrize("model", ["sigmoid", "relu"])
def test_injected_drawing_is_classified_like_the_library_does(mnist_test, shipped, model):
    images, labels = mnist_test
    at = open_classic({"model": {"sigmoid": "Sigmoid", "relu": "ReLU"}[model]})  # as in a shared link
    assert at.radio(key="model").value == model
    for i in (0, 1, 2, 3, 4):  # the first test digits: 7 2 1 0 4
        url = canvas_png(images[i])
        draw_strokes(at, url, i + 1)
        digit, _ = shown_digit(at)
        assert digit == expected_for_canvas(shipped[model], url)
        assert digit == labels[i]


def test_single_dot_is_not_classified():
    at = open_classic()
    dot = np.zeros((28, 28), np.uint8)
    dot[14, 14] = 255
    inject_drawing(at, draw.CANVAS, canvas_png(dot, margin=130))
    at.run()
    digit, text = shown_digit(at)
    assert digit is None
    assert "Draw a digit" in text and "dot" in text.lower()


def test_drawing_survives_leaving_the_page_and_coming_back(mnist_test, shipped):
    images, _ = mnist_test
    url = canvas_png(images[0])  # a 7
    at = open_classic()
    draw_strokes(at, url, 2)
    assert shown_digit(at)[0] == 7
    # the drawing as the network reads it is what other pages test on
    np.testing.assert_array_equal(at.session_state[LAST_DRAWING], preprocess(decode_png(url)).digit)
    at.switch_page("app.py").run()
    at.switch_page(PAGE).run()
    assert not at.exception
    digit, _ = shown_digit(at)
    assert digit == 7 == expected_for_canvas(shipped["sigmoid"], url)
    # ... and the canvas is mounted with the same two strokes, so the visitor sees the drawing again
    assert canvas_props(at)["initialDrawing"]["objects"] == [stroke(0), stroke(1)]
    # and so after showing a test image and going back to the drawing
    at.button_group(key=draw.SOURCE).set_value("blank").run()
    at.button_group(key=draw.SOURCE).set_value("canvas").run()
    assert shown_digit(at)[0] == 7
    assert canvas_props(at)["initialDrawing"]["objects"] == [stroke(0), stroke(1)]


def test_a_stroke_does_not_reload_the_canvas(mnist_test):
    """The canvas reloads (and re-sends) whenever initial_drawing changes: it must stay put while drawing."""
    images, _ = mnist_test
    at = open_classic()
    before = canvas_props(at)["initialDrawing"]
    for n in (1, 2, 3):
        draw_strokes(at, canvas_png(images[n]), n)
        assert canvas_props(at)["initialDrawing"] == before


def test_undo_and_clear_step_back_through_the_drawing(mnist_test, shipped):
    images, labels = mnist_test
    first, second = canvas_png(images[0]), canvas_png(images[1])  # a 7, then (as if overdrawn) a 2
    at = open_classic()
    draw_strokes(at, first, 1)
    draw_strokes(at, second, 2)
    assert shown_digit(at)[0] == labels[1] == expected_for_canvas(shipped["sigmoid"], second)
    at.button(key="draw_undo").click().run()
    assert shown_digit(at)[0] == labels[0]  # the earlier drawing, at once
    props = canvas_props(at)["initialDrawing"]
    assert props["objects"] == [stroke(0)]  # the canvas is told to show one stroke
    # the canvas then re-sends the one-stroke drawing: that is not a new stroke for Undo
    draw_strokes(at, first, 1)
    at.button(key="draw_undo").click().run()
    digit, text = shown_digit(at)
    assert digit is None and "Draw a digit" in text
    assert canvas_props(at)["initialDrawing"]["objects"] == []
    draw_strokes(at, second, 1)
    at.button(key="draw_clear").click().run()
    assert "Draw a digit" in shown_digit(at)[1]
    cleared = canvas_props(at)["initialDrawing"]
    assert cleared["objects"] == [] and cleared != props  # a new revision: the canvas reloads even if it looks alike
    assert at.button(key="draw_undo").disabled and at.button(key="draw_clear").disabled


def test_pick_test_image_by_index_and_switch_model(mnist_test, shipped):
    images, labels = mnist_test
    at = open_page(PAGE)
    at.button_group(key=draw.SOURCE).set_value("test").run()
    at.number_input(key=draw.TEST_INDEX).set_value(8).run()
    digit, text = shown_digit(at)
    x = images[8].reshape(784).astype(np.float32) / 255
    assert digit == int(shipped["sigmoid"].predict(x))
    assert f"label is **{labels[8]}**" in text
    at.radio(key="model").set_value("relu").run()
    digit, _ = shown_digit(at)
    assert digit == int(shipped["relu"].predict(x))
    assert "ReLU" in at.sidebar.caption[0].value


def test_test_image_number_is_kept_when_the_source_changes(mnist_test):
    at = open_page(PAGE)
    at.button_group(key=draw.SOURCE).set_value("test").run()
    at.number_input(key=draw.TEST_INDEX).set_value(8).run()
    for other in ("canvas", "noise", "blank"):
        at.button_group(key=draw.SOURCE).set_value(other).run()
        at.button_group(key=draw.SOURCE).set_value("test").run()
        assert at.number_input(key=draw.TEST_INDEX).value == 8, other
    at.switch_page("app.py").run()
    at.switch_page(PAGE).run()
    assert at.button_group(key=draw.SOURCE).value == "test"
    assert at.number_input(key=draw.TEST_INDEX).value == 8


@pytest.mark.parametrize("source", ["instant", "canvas", "test", "blank", "noise"])
def test_only_the_chosen_sources_controls_are_shown(mnist_test, source):
    at = open_page(PAGE)
    at.button_group(key=draw.SOURCE).set_value(source).run()
    canvas_controls = (draw.CANVAS, "draw_undo", "draw_clear", "draw_pen_popover")
    for key in canvas_controls:
        assert has(at, key) == (source == "canvas"), key
    assert has(at, draw.INSTANT) == (source == "instant")
    assert has(at, draw.CENTRE) == (source in ("instant", "canvas"))
    assert has(at, draw.PICTURE) == (source != "instant")  # the instant surface draws the network itself
    for key in (draw.TEST_INDEX, "draw_random", "draw_mistake"):
        assert has(at, key) == (source == "test"), key
    assert has(at, "draw_new_noise") == (source == "noise")


def test_next_mistake_finds_a_real_mistake(mnist_test, shipped):
    images, labels = mnist_test
    at = open_page(PAGE)
    at.button_group(key=draw.SOURCE).set_value("test").run()
    at.button(key="draw_mistake").click().run()
    index = at.number_input(key=draw.TEST_INDEX).value
    predictions = shipped["sigmoid"].predict(pixels(images))
    wrong = np.flatnonzero(predictions != labels)
    assert index == wrong[0]
    digit, text = shown_digit(at)
    assert digit == predictions[index] and "wrong" in text
    at.button(key="draw_mistake").click().run()
    assert at.number_input(key=draw.TEST_INDEX).value == wrong[1]


def test_next_mistake_follows_the_edited_copy_in_use(mnist_test, shipped):
    """With the hand-edited copy in use, "Next mistake" finds that copy's mistakes, not the trained model's."""
    images, labels = mnist_test
    x = pixels(images)
    log = EditLog(shipped["sigmoid"].copy(), "sigmoid")
    log.set_bias(len(log.net.weights), 1, 50.0)  # the output neuron for 1 always wins: every non-1 is a mistake
    at = open_page(PAGE)
    at.session_state["tuning_sigmoid"] = Tuning(log, Scorer(log.net, x, labels))
    at.button_group(key=draw.SOURCE).set_value("test").run()
    at.button(key="draw_mistake").click().run()
    edited_wrong = np.flatnonzero(log.net.predict(x) != labels)
    trained_wrong = np.flatnonzero(shipped["sigmoid"].predict(x) != labels)
    index = at.number_input(key=draw.TEST_INDEX).value
    assert index == edited_wrong[edited_wrong > 0][0] != trained_wrong[0]
    digit, text = shown_digit(at)
    assert digit == 1 != labels[index] and "wrong" in text
    # switch the edited copy off: back to the trained model's mistakes
    at.toggle(key="use_edits").set_value(False).run()
    at.button(key="draw_mistake").click().run()
    assert at.number_input(key=draw.TEST_INDEX).value == trained_wrong[trained_wrong > index][0]


@pytest.mark.parametrize("source", ["blank", "noise"])
def test_blank_and_noise_inputs_still_get_an_answer(shipped, source):
    at = open_page(PAGE)
    at.button_group(key=draw.SOURCE).set_value(source).run()
    digit, text = shown_digit(at)
    assert digit is not None and "must answer" in text
    x = np.zeros(784, np.float32) if source == "blank" else np.random.default_rng(0).random(784).astype(np.float32)
    assert digit == int(shipped["sigmoid"].predict(x))


def test_preprocessing_switch_changes_what_the_network_reads(mnist_test, shipped):
    images, _ = mnist_test
    small = np.zeros((28, 28), np.float32)
    small[:9, :9] = resize(images[0].astype(np.float32) / 255, 9, 9)  # a small 7 in the top-left corner
    url = canvas_png(small, margin=0)
    at = open_classic()
    inject_drawing(at, draw.CANVAS, url)
    at.run()
    on, _ = shown_digit(at)
    assert on == 7
    at.toggle(key=draw.CENTRE).set_value(False).run()
    assert not at.exception
    off, _ = shown_digit(at)
    assert off == expected_for_canvas(shipped["sigmoid"], url, centre=False)
    assert off != 7  # crammed into a corner, the 7 is not read as a 7


def test_outputs_come_with_the_one_function_sentence(mnist_test, shipped):
    images, _ = mnist_test
    at = open_classic()
    inject_drawing(at, draw.CANVAS, canvas_png(images[0]))
    at.run()
    net = shipped["sigmoid"]
    text = " ".join(c.value for c in at.caption)
    n_params = sum(w.size for w in net.weights) + sum(b.size for b in net.biases)
    assert f"{net.sizes[0]:,} numbers in" in text and f"{net.sizes[-1]} numbers out" in text
    assert f"{n_params:,} weights and biases" in text


def test_neuron_choice_and_its_sum(mnist_test, shipped):
    images, _ = mnist_test
    at = open_page(PAGE)
    at.button_group(key=draw.SOURCE).set_value("test").run()
    at.selectbox(key=draw.LAYER).set_value(2).run()
    at.selectbox(key=draw.NEURON).set_value(15).run()
    at.selectbox(key=draw.LAYER).set_value(3).run()  # 10 output neurons: neuron 15 does not exist there
    assert not at.exception
    assert at.selectbox(key=draw.NEURON).value == 0
    at.selectbox(key=draw.NEURON).set_value(4).run()
    fw = shipped["sigmoid"].forward(pixels(images[:1])[0])
    line = next(m.value for m in at.markdown if "neuron 4" in m.value)
    assert f"**{float(fw.zs[2][4]):.2f}**" in line and f"**{float(fw.activations[3][4]):.3f}**" in line
    images = len(at.get("image"))
    at.toggle(key=draw.DETAILS).set_value(True).run()
    assert not at.exception and len(at.get("image")) == images + 1  # the weight bars, as a picture


def test_parse_choice_refuses_what_is_not_a_neuron():
    sizes = [784, 16, 16, 10]
    assert draw.parse_choice("2,5", sizes) == (2, 5)
    assert draw.parse_choice("3,9", sizes) == (3, 9)
    for bad in ("3,10", "0,1", "4,0", "1", "a,b", None, "1,-1", "9" * 5000 + ",1"):
        assert draw.parse_choice(bad, sizes) is None, bad


def test_presenter_view_keeps_what_a_teacher_projects(mnist_test):
    images, _ = mnist_test
    at = open_classic({"present": "1"})
    inject_drawing(at, draw.CANVAS, canvas_png(images[0]))
    at.run()
    assert shown_digit(at)[0] == 7
    for key in (draw.CANVAS, "draw_undo", "draw_clear", "prediction", draw.PICTURE):
        assert has(at, key), key
    for key in ("draw_pen_popover", draw.CENTRE, draw.LAYER, draw.NEURON, draw.DETAILS):
        assert not has(at, key), key


def test_without_mnist_the_page_still_draws(monkeypatch, tmp_path, shipped):
    monkeypatch.setenv("MNIST_DIR", str(tmp_path))
    monkeypatch.setenv("MNIST_DOWNLOAD", "0")
    at = open_classic()
    assert draw.SOURCES["test"] not in at.button_group(key=draw.SOURCE).options
    assert any("not available" in c.value for c in at.caption)
    seven = np.zeros((28, 28), np.float32)
    seven[6, 6:22] = 1
    for r in range(7, 24):  # a hand-made 7: a bar and a slanted stem
        seven[r, 21 - (r - 7) // 2: 23 - (r - 7) // 2] = 1
    url = canvas_png(seven)
    inject_drawing(at, draw.CANVAS, url)
    at.run()
    assert not at.exception
    assert shown_digit(at)[0] == expected_for_canvas(shipped["sigmoid"], url)
    for source in ("blank", "noise"):
        at.button_group(key=draw.SOURCE).set_value(source).run()
        assert not at.exception and shown_digit(at)[0] is not None


def test_history_shares_earlier_strokes(mnist_test):
    """Each kept drawing holds every stroke so far: the earlier ones are shared, not copied (memory per visitor)."""
    images, _ = mnist_test
    at = open_classic()
    for n in (1, 2, 3):
        draw_strokes(at, canvas_png(images[n]), n)
    history = at.session_state[draw.HISTORY]
    assert [d.strokes for d in history] == [1, 2, 3]
    assert history[2].raw["objects"] == [stroke(0), stroke(1), stroke(2)]
    assert history[2].raw["objects"][0] is history[1].raw["objects"][0] is history[0].raw["objects"][0]
