"""AppTest drives the draw page's instant surface (ui/instant.py): the browser's part is injected as the component
state it sends at the end of a stroke, good and bad; what the page hands the browser is read from the element."""
import base64
import json
import math

import numpy as np
import pytest

from src.edits import EditLog
from src.train import pixels
from tests import pages_helpers as helpers
from tests.pages_helpers import open_page
from ui import draw, instant
from ui.state import LAST_DRAWING, Tuning

PAGE = "pages/1_draw.py"


def sent(at) -> dict:
    """The data the page handed the instant surface on its last run (its JSON)."""
    node = helpers._find(at._tree, draw.INSTANT)
    assert node is not None, "no instant surface on the page"
    return json.loads(node.proto.json)


def stroke_end(at, **drawing):
    """The browser sending the drawing at the end of a stroke."""
    at.session_state[draw.INSTANT] = {"drawing": drawing}
    at.run()
    assert not at.exception, at.exception


def good(x, strokes=None, **extra):
    return {"pixels": np.asarray(x, np.float64).reshape(-1).round(6).tolist(), "status": "ok", "mode": "free",
            "strokes": strokes or [{"w": 20, "p": [60, 60, 200, 60, 130, 240]}], "grid": None, "pen": 20, **extra}


def decode(b64, shape):
    return np.frombuffer(base64.b64decode(b64), "<f4").reshape(shape)


def image_captions(at) -> str:
    return " ".join(img.caption for element in at.get("image") for img in element.proto.imgs)


@pytest.mark.parametrize("model", ["sigmoid", "relu"])
def test_the_surface_is_the_default_and_gets_the_network_in_use(shipped, model):
    at = open_page(PAGE, {"model": {"sigmoid": "Sigmoid", "relu": "ReLU"}[model]})
    # AppTest only: the first run after switch_page reads the URL-bound model radio as its default (the sidebar's
    # caption says Sigmoid too); a second run settles it, as in a browser
    at.run()
    assert at.button_group(key=draw.SOURCE).value == "instant"
    data = sent(at)
    net = shipped[model]
    assert data["network"]["sizes"] == net.sizes and data["network"]["activation"] == net.activation
    for l, (w, b) in enumerate(zip(net.weights, net.biases)):
        np.testing.assert_array_equal(decode(data["network"]["weights"][l], w.shape), w)
        np.testing.assert_array_equal(decode(data["network"]["biases"][l], b.shape), b)
    assert data["centre"] is True and data["presenting"] is False


def test_a_stroke_end_is_what_other_pages_test_on(mnist_test, shipped):
    images, _ = mnist_test
    x = pixels(images[:1])[0]
    at = open_page(PAGE)
    at.toggle(key=draw.DETAILS).set_value(True).run()  # the first neuron's weights times this input
    stroke_end(at, **good(x))
    np.testing.assert_allclose(at.session_state[LAST_DRAWING], x.reshape(28, 28), atol=1e-6)
    w = shipped["sigmoid"].weights[0][0]
    assert f"sums to {float(w @ x):.2f}" in image_captions(at)
    assert not at.warning


def test_a_blank_or_a_dot_is_not_kept_as_a_drawing(mnist_test):
    images, _ = mnist_test
    at = open_page(PAGE)
    stroke_end(at, **good(np.zeros(784), status="blank"))
    assert LAST_DRAWING not in at.session_state or at.session_state[LAST_DRAWING] is None
    dot = np.zeros(784)
    dot[14 * 28 + 14] = 1
    stroke_end(at, **good(dot, status="dot"))
    assert LAST_DRAWING not in at.session_state or at.session_state[LAST_DRAWING] is None


BAD = {
    "wrong length": good(np.zeros(783)),
    "a huge array": {**good(np.zeros(784)), "pixels": [0.0] * 2_000_000},
    "NaN (null in JSON)": {**good(np.zeros(784)), "pixels": [None] * 784},
    "NaN": {**good(np.zeros(784)), "pixels": [math.nan] + [0.0] * 783},
    "infinity": {**good(np.zeros(784)), "pixels": [math.inf] + [0.0] * 783},
    "out of range": {**good(np.zeros(784)), "pixels": [1.5] + [0.0] * 783},
    "negative": {**good(np.zeros(784)), "pixels": [-3] + [0.0] * 783},
    "huge values": {**good(np.zeros(784)), "pixels": [1e308] * 784},
    "text": {**good(np.zeros(784)), "pixels": "0" * 784},
    "strings in the list": {**good(np.zeros(784)), "pixels": ["0.5"] * 784},
    "booleans": {**good(np.zeros(784)), "pixels": [True] * 784},
    "a number": 7,
    "a list": [0.0] * 784,
    "text drawing": "<script>alert(1)</script>",
    "too many strokes": good(np.zeros(784), strokes=[{"w": 20, "p": [1, 1]}] * 501),
    "too many points": good(np.zeros(784), strokes=[{"w": 20, "p": [1.0] * 40_002}]),
    "a stroke off the surface": good(np.zeros(784), strokes=[{"w": 20, "p": [1e9, 3]}]),
    "an odd stroke": good(np.zeros(784), strokes=[{"w": 20, "p": [1, 2, 3]}]),
    "a bad pen": good(np.zeros(784), strokes=[{"w": -4, "p": [1, 2]}]),
    "a bad grid": good(np.zeros(784), grid=[2.0] * 784),
}


@pytest.mark.parametrize("what", list(BAD))
def test_what_the_browser_sends_is_checked(mnist_test, what):
    images, _ = mnist_test
    x = pixels(images[:1])[0]
    at = open_page(PAGE)
    stroke_end(at, **good(x))
    at.session_state[draw.INSTANT] = {"drawing": BAD[what]}
    at.run()
    assert not at.exception
    message = " ".join(w.value for w in at.warning)
    assert "was refused" in message and "<script>" not in message and len(message) < 300
    np.testing.assert_allclose(at.session_state[LAST_DRAWING], x.reshape(28, 28), atol=1e-6)  # the last good one


def test_check_drawing_accepts_the_browsers_rounding_and_clips_it():
    x = np.linspace(0, 1, 784)
    x[0], x[1] = -1e-7, 1 + 1e-7
    drawn = instant.check_drawing(good(x))
    assert drawn.pixels.dtype == np.float32 and drawn.pixels.min() == 0 and drawn.pixels.max() == 1
    assert drawn.readable and drawn.strokes == [{"w": 20.0, "p": [60.0, 60.0, 200.0, 60.0, 130.0, 240.0]}]
    assert instant.check_drawing({**good(x), "status": "weird", "mode": "?", "pen": "big"}).restore()["mode"] == "free"


def test_the_drawing_is_drawn_again_after_leaving_the_page(mnist_test):
    images, _ = mnist_test
    x = pixels(images[:1])[0]
    strokes = [{"w": 20, "p": [60, 60, 200, 60]}, {"w": 12, "p": [200, 60, 130, 240]}]
    at = open_page(PAGE)
    first = sent(at)["restore"]
    stroke_end(at, **good(x, strokes=strokes))
    assert sent(at)["restore"] == first  # a stroke never makes the surface redraw itself
    at.switch_page("app.py").run()
    at.switch_page(PAGE).run()
    restore = sent(at)["restore"]
    assert restore["strokes"] == [{"w": 20.0, "p": [60.0, 60.0, 200.0, 60.0]}, {"w": 12.0, "p": [200.0, 60.0, 130.0, 240.0]}]
    assert restore["revision"] > first["revision"] and restore["mode"] == "free"
    np.testing.assert_allclose(at.session_state[LAST_DRAWING], x.reshape(28, 28), atol=1e-6)
    # and after looking at another input
    at.button_group(key=draw.SOURCE).set_value("blank").run()
    at.button_group(key=draw.SOURCE).set_value("instant").run()
    assert sent(at)["restore"]["strokes"] == restore["strokes"]


def test_the_weights_travel_once_per_version(mnist_test, shipped):
    """Once the tab says (with a drawing) that it holds this network, the page sends only its version; a new
    network (the other model) travels whole again."""
    images, _ = mnist_test
    at = open_page(PAGE)
    full = sent(at)["network"]
    assert "weights" in full
    stroke_end(at, **good(pixels(images[:1])[0], version=full["version"]))
    at.selectbox(key=draw.LAYER).set_value(2).run()  # any rerun
    assert sent(at)["network"] == {"version": full["version"]}
    at.radio(key="model").set_value("relu").run()
    assert sent(at)["network"] == instant.network_data(shipped["relu"])
    stroke_end(at, **good(pixels(images[:1])[0], version="someone else's"))
    at.run()
    assert "weights" in sent(at)["network"]


def test_a_hand_edit_reaches_the_surface_as_a_new_version(mnist_test, shipped):
    images, labels = mnist_test
    at = open_page(PAGE)
    before = sent(at)["network"]
    log = EditLog(shipped["sigmoid"].copy(), "sigmoid")
    log.set_bias(3, 1, 50.0)
    at.session_state["tuning_sigmoid"] = Tuning(log, None)
    at.run()
    after = sent(at)["network"]
    assert after["version"] != before["version"]
    np.testing.assert_array_equal(decode(after["biases"][2], (10,)), log.net.biases[2])
    assert after == instant.network_data(log.net)
    at.toggle(key="use_edits").set_value(False).run()
    assert sent(at)["network"]["version"] == before["version"]


def test_presenter_view_asks_for_the_large_surface():
    at = open_page(PAGE, {"present": "1"})
    assert sent(at)["presenting"] is True
    for key in (draw.CENTRE, draw.LAYER, draw.NEURON, draw.DETAILS):
        assert not helpers._find(at._tree, key), key


def test_the_chosen_neuron_is_ringed_in_the_picture():
    at = open_page(PAGE)
    at.selectbox(key=draw.LAYER).set_value(2).run()
    at.selectbox(key=draw.NEURON).set_value(7).run()
    assert sent(at)["chosen"] == [2, 7]


def test_a_browser_that_cannot_draw_gets_the_mnist_inputs(mnist_test):
    at = open_page(PAGE)
    at.session_state[draw.INSTANT] = {"error": "Drawing is unavailable in this browser (no canvas)."}
    at.run()
    assert not at.exception
    assert any("Drawing is unavailable" in w.value for w in at.warning)
    at.button(key="draw_instant_fallback").click().run()
    assert at.button_group(key=draw.SOURCE).value == "test"
