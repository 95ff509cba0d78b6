"""AppTest drives the hand-tune page: edits change the score exactly as an independent computation says."""

import numpy as np
import pytest

from src.edits import EditLog, encode_link
from src.templates import make
from src.train import pixels
from src.weights_file import to_bytes
from tests.pages_helpers import open_page

PAGE = "pages/2_hand_tune.py"


def metric(at, label):
    return next(m.value for m in at.metric if m.label == label)


def accuracy_of(net, mnist_test):
    images, labels = mnist_test
    return f"{np.mean(net.predict(pixels(images)) == labels):.2%}"


def status(at):
    return " ".join(e.value for kind in ("success", "error", "info", "warning") for e in at.get(kind))


def test_set_a_weight_then_undo(mnist_test, shipped):
    at = open_page(PAGE, {"layer": "1", "neuron": "3"})
    assert at.selectbox(key="layer").value == 1 and at.selectbox(key="neuron").value == 3
    assert metric(at, "Test accuracy now") == accuracy_of(shipped["sigmoid"], mnist_test)
    at.number_input(key="tune_row").set_value(10)
    at.number_input(key="tune_col").set_value(12)
    at.text_input(key="tune_value").set_value("40").run()
    at.button(key="tune_set_w").click().run()
    assert not at.exception
    edited = shipped["sigmoid"].copy()
    edited.weights[0][3, 10 * 28 + 12] = 40.0
    assert metric(at, "Test accuracy now") == accuracy_of(edited, mnist_test)
    assert metric(at, "Test accuracy now") != metric(at, "Trained model")
    assert metric(at, "Edits") == "1"
    at.button(key="tune_undo").click().run()
    assert metric(at, "Test accuracy now") == metric(at, "Trained model")
    at.button(key="tune_redo").click().run()
    assert metric(at, "Test accuracy now") == accuracy_of(edited, mnist_test)
    # the shared, trained model was not touched
    assert shipped["sigmoid"].weights[0][3, 292] != 40.0


@pytest.mark.parametrize("typed", ["1e9", "nan", "abc", "inf"])
def test_absurd_weight_is_refused_with_a_message(typed):
    at = open_page(PAGE)
    at.text_input(key="tune_value").set_value(typed).run()
    at.button(key="tune_set_w").click().run()
    assert "Not changed" in status(at)
    assert metric(at, "Edits") == "0"


def test_template_and_bias_on_layer_2(mnist_test, shipped):
    at = open_page(PAGE)
    at.selectbox(key="tune_template").set_value("vertical edge").run()
    at.button(key="tune_apply_t").click().run()
    edited = shipped["sigmoid"].copy()
    edited.weights[0][0] = make("vertical edge")
    assert metric(at, "Test accuracy now") == accuracy_of(edited, mnist_test)
    at.selectbox(key="layer").set_value(2).run()
    at.selectbox(key="neuron").set_value(4).run()
    at.text_input(key="tune_bias").set_value("-20").run()
    at.button(key="tune_set_b").click().run()
    edited.biases[1][4] = -20
    assert metric(at, "Test accuracy now") == accuracy_of(edited, mnist_test)
    assert metric(at, "Edits") == "2"
    at.button(key="tune_reset").click().run()
    assert metric(at, "Test accuracy now") == metric(at, "Trained model")


def test_from_scratch_zeroes_a_layer(mnist_test, shipped):
    at = open_page(PAGE, {"layer": "2"})
    at.button(key="tune_zero_layer").click().run()
    edited = shipped["sigmoid"].copy()
    edited.weights[1][:] = 0
    edited.biases[1][:] = 0
    assert metric(at, "Test accuracy now") == accuracy_of(edited, mnist_test)


def test_bad_upload_is_refused_and_work_kept(mnist_test):
    at = open_page(PAGE)
    at.text_input(key="tune_value").set_value("25").run()
    at.button(key="tune_set_w").click().run()
    before = metric(at, "Test accuracy now")
    at.file_uploader(key="tune_upload").upload("broken.npz", b"this is not a zip", "application/octet-stream").run()
    assert not at.exception
    assert "was not loaded" in status(at) and "not a weights file" in status(at)
    assert metric(at, "Test accuracy now") == before and metric(at, "Edits") == "1"


def test_good_upload_replaces_the_copy(mnist_test, shipped):
    net = shipped["sigmoid"].copy()
    net.weights[2][:] *= -1
    at = open_page(PAGE)
    at.file_uploader(key="tune_upload").upload("mine.npz", to_bytes(net), "application/octet-stream").run()
    assert "mine.npz" in status(at)
    assert metric(at, "Test accuracy now") == accuracy_of(net, mnist_test)


def test_wrong_shape_upload_is_refused(shipped):
    from src.network import Network
    at = open_page(PAGE)
    at.file_uploader(key="tune_upload").upload("big.npz", to_bytes(Network.initialise((784, 30, 10))),
                                               "application/octet-stream").run()
    assert "was not loaded" in status(at) and "784, 30, 10" in status(at)


def test_share_link_reproduces_the_network(mnist_test, shipped):
    log = EditLog(shipped["relu"].copy(), "relu")
    log.trained = shipped["relu"]
    log.set_row(1, 5, make("loop", strength=2), "loop")
    log.set_bias(3, 2, 4.0)
    code = encode_link(log)
    at = open_page(PAGE, {"model": "ReLU", "edits": code})
    assert at.radio(key="model").value == "relu"
    assert "Opened a shared ReLU network" in status(at)
    assert metric(at, "Test accuracy now") == accuracy_of(log.net, mnist_test)
    # the page's own share link is the same code
    assert any(code in c.value for c in at.code)


def test_tampered_link_gives_a_message_and_the_trained_model(shipped):
    log = EditLog(shipped["sigmoid"].copy(), "sigmoid")
    log.trained = shipped["sigmoid"]
    log.set_bias(1, 0, 9.0)
    code = encode_link(log)
    tampered = code[:-6] + ("AAAAAA" if not code.endswith("AAAAAA") else "BBBBBB")
    at = open_page(PAGE, {"edits": tampered})
    assert "could not be used" in status(at)
    assert metric(at, "Test accuracy now") == metric(at, "Trained model") and metric(at, "Edits") == "0"
