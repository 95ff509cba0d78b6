"""AppTest drives the draw page: inject drawings, pick test images, switch model."""
import re

import numpy as np
import pytest

from src.preprocess import preprocess, resize
from tests.pages_helpers import canvas_png, container_text, inject_drawing, open_page
from ui.tune import decode_png

PAGE = "pages/1_draw.py"


def shown_digit(at):
    text = container_text(at, "prediction")
    m = re.search(r"\d", re.sub(r"<[^>]+>", " ", text))  # the digit is the container's first number
    return int(m.group()) if m else None, text


def expected_for_canvas(net, data_url, centre=True):
    """What the library answers for this canvas drawing, computed without the page."""
    return int(net.predict(preprocess(decode_png(data_url), centre=centre).digit.reshape(784)))


def test_blank_canvas_asks_for_a_digit():
    at = open_page(PAGE)
    digit, text = shown_digit(at)
    assert "Draw a digit" in text and digit is None


@pytest.mark.parametrize("model", ["sigmoid", "relu"])
def test_injected_drawing_is_classified_like_the_library_does(mnist_test, shipped, model):
    images, labels = mnist_test
    at = open_page(PAGE, {"model": {"sigmoid": "Sigmoid", "relu": "ReLU"}[model]})  # as in a shared link
    assert at.radio(key="model").value == model
    for i in (0, 1, 2, 3, 4):  # the first test digits: 7 2 1 0 4
        url = canvas_png(images[i])
        inject_drawing(at, "draw_canvas", url)
        at.run()
        assert not at.exception
        digit, _ = shown_digit(at)
        assert digit == expected_for_canvas(shipped[model], url)
        assert digit == labels[i]


def test_single_dot_is_not_classified():
    at = open_page(PAGE)
    dot = np.zeros((28, 28), np.uint8)
    dot[14, 14] = 255
    inject_drawing(at, "draw_canvas", canvas_png(dot, margin=130))
    at.run()
    digit, text = shown_digit(at)
    assert "Draw a digit" in text and "dot" in text.lower() or "Draw a digit" in text


def test_pick_test_image_by_index_and_switch_model(mnist_test, shipped):
    images, labels = mnist_test
    at = open_page(PAGE)
    at.button_group(key="draw_source").set_value("test").run()
    at.number_input(key="draw_test_index").set_value(8).run()
    digit, text = shown_digit(at)
    x = images[8].reshape(784).astype(np.float32) / 255
    assert digit == int(shipped["sigmoid"].predict(x))
    assert f"label is **{labels[8]}**" in text
    at.radio(key="model").set_value("relu").run()
    digit, _ = shown_digit(at)
    assert digit == int(shipped["relu"].predict(x))
    assert "ReLU" in at.sidebar.caption[0].value


def test_next_mistake_finds_a_real_mistake(mnist_test, shipped):
    images, labels = mnist_test
    at = open_page(PAGE)
    at.button_group(key="draw_source").set_value("test").run()
    at.button(key="draw_mistake").click().run()
    index = at.number_input(key="draw_test_index").value
    x = images.reshape(-1, 784).astype(np.float32) / 255
    predictions = shipped["sigmoid"].predict(x)
    wrong = np.flatnonzero(predictions != labels)
    assert index == wrong[0]
    digit, text = shown_digit(at)
    assert digit == predictions[index] and "wrong" in text
    at.button(key="draw_mistake").click().run()
    assert at.number_input(key="draw_test_index").value == wrong[1]


@pytest.mark.parametrize("source", ["blank", "noise"])
def test_blank_and_noise_inputs_still_get_an_answer(shipped, source):
    at = open_page(PAGE)
    at.button_group(key="draw_source").set_value(source).run()
    digit, text = shown_digit(at)
    assert digit is not None and "must answer" in text
    if source == "blank":
        assert digit == int(shipped["sigmoid"].predict(np.zeros(784, np.float32)))


def test_preprocessing_switch_changes_what_the_network_reads(mnist_test, shipped):
    images, _ = mnist_test
    small = np.zeros((28, 28), np.float32)
    small[:9, :9] = resize(images[0].astype(np.float32) / 255, 9, 9)  # a small 7 in the top-left corner
    url = canvas_png(small, margin=0)
    at = open_page(PAGE)
    inject_drawing(at, "draw_canvas", url)
    at.run()
    on, _ = shown_digit(at)
    assert on == 7
    at.toggle(key="draw_centre").set_value(False).run()
    assert not at.exception
    off, _ = shown_digit(at)
    assert off == expected_for_canvas(shipped["sigmoid"], url, centre=False)
    assert off != 7  # crammed into a corner, the 7 is not read as a 7
