"""AppTest drives the hand-tune page: edits change the score exactly as an independent computation says,
and each defect found by new users stays fixed."""
import base64
import re
import io
import json

import numpy as np
import pytest
from PIL import Image

from src.infra import weights_file
from src.edits import EditLog, decode_link, encode_link
from src.network import Network
from src.templates import make
from src.train import pixels
from src.infra.weights_file import to_bytes
from tests.pages_helpers import canvas_png, container_text, inject_drawing, keyed, open_page
from ui import hand_tune as ht
from ui.text import safe
from src.activations import sigmoid

PAGE = "pages/2_hand_tune.py"


def metric(at, label):
    return next(m.value for m in at.metric if m.label == label)


def delta(at, label):
    return next(m.delta for m in at.metric if m.label == label)


def accuracy_of(net, mnist_test):
    images, labels = mnist_test
    return f"{np.mean(net.predict(pixels(images)) == labels):.2%}"


def status(at):
    return " ".join(e.value for kind in ("success", "error", "info", "warning") for e in at.get(kind))


def said(at):
    """The messages as a person reads them (the Markdown escapes resolved)."""
    return re.sub(r"\\(.)", r"\1", status(at)).replace("\u2060", "")


def tool(at, name):
    at.segmented_control(key=ht.TOOL).set_value(name).run()
    return at


def canvas(at):
    """The brush canvas's element and the arguments the page gave it."""
    found = [e for e in at.get("bidi_component") if "drawable_canvas" in e.proto.component_name]
    assert len(found) == 1
    return found[0], json.loads(found[0].proto.json)


def canvas_background(at) -> np.ndarray:
    url = canvas(at)[1]["backgroundImageURL"]
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1]))).convert("RGB"))


def stroke(at, cells):
    """Paint ``cells`` [(row, col)] on the current canvas, as the browser sends a stroke."""
    digit = np.zeros((28, 28), np.float32)
    for r, c in cells:
        digit[r, c] = 1.0
    key = canvas(at)[0].proto.id.rsplit("-", 1)[-1]
    inject_drawing(at, key, canvas_png(digit, margin=0))
    at.run()


def app_trained(name="sigmoid"):
    """The app's own cached, shared model (ui.data), the object every session's copy is made from."""
    from ui import data
    return data.shipped(name)


def test_set_a_weight_then_undo(mnist_test):
    pristine = weights_file.load(ht.data.WEIGHTS["sigmoid"])
    at = tool(open_page(PAGE, {"layer": "1", "neuron": "3"}), ht.EXACT)
    assert at.selectbox(key="layer").value == 1 and at.selectbox(key="neuron").value == 3
    assert metric(at, "Test accuracy now") == accuracy_of(pristine, mnist_test)
    at.number_input(key=ht.ROW).set_value(10)
    at.number_input(key=ht.COL).set_value(12)
    at.text_input(key=ht.VALUE).set_value("40")
    at.button(key="tune_set_w").click().run()
    assert not at.exception
    edited = pristine.copy()
    edited.weights[0][3, 10 * 28 + 12] = 40.0
    assert metric(at, "Test accuracy now") == accuracy_of(edited, mnist_test) != metric(at, "Trained model")
    assert metric(at, "Edits") == "1"
    at.button(key="tune_undo").click().run()
    assert metric(at, "Test accuracy now") == metric(at, "Trained model")
    at.button(key="tune_redo").click().run()
    assert metric(at, "Test accuracy now") == accuracy_of(edited, mnist_test)
    # the app's shared, cached model -- the one this session copied -- was not touched
    assert at.session_state["tuning_sigmoid"].log.trained is app_trained()
    np.testing.assert_array_equal(app_trained().weights[0], pristine.weights[0])


def test_new_weight_and_bias_apply_on_enter():
    """Enter in a text box submits its form; without a form Enter applied nothing."""
    at = tool(open_page(PAGE), ht.EXACT)
    for key, button in ((ht.VALUE, "tune_set_w"), (ht.BIAS, "tune_set_b")):
        box = at.text_input(key=key)
        assert box.proto.form_id, f"{key} is not in a form: Enter would apply nothing"
        assert at.button(key=button).proto.form_id == box.proto.form_id


@pytest.mark.parametrize("typed", ["1e9", "nan", "abc", "inf"])
def test_absurd_weight_is_refused_with_a_message(typed):
    at = tool(open_page(PAGE), ht.EXACT)
    at.text_input(key=ht.VALUE).set_value(typed)
    at.button(key="tune_set_w").click().run()
    assert "Not changed" in status(at)
    assert metric(at, "Edits") == "0"


def test_no_score_change_is_shown_before_any_edit():
    at = open_page(PAGE)
    assert not delta(at, "Test accuracy now") and not delta(at, "Trained model")
    assert "0 neurons changed" == delta(at, "Edits")


def test_template_keeps_its_tool_open_and_bias_on_layer_2(mnist_test):
    pristine = weights_file.load(ht.data.WEIGHTS["sigmoid"])
    at = tool(open_page(PAGE), ht.PATTERN)
    at.selectbox(key=ht.TEMPLATE).set_value("vertical edge").run()
    at.button(key="tune_apply_t").click().run()
    # the first action of a session does not send the tools back to the first one
    assert at.segmented_control(key=ht.TOOL).value == ht.PATTERN
    assert at.selectbox(key=ht.TEMPLATE).value == "vertical edge"
    edited = pristine.copy()
    edited.weights[0][0] = make("vertical edge")
    assert metric(at, "Test accuracy now") == accuracy_of(edited, mnist_test)
    at.selectbox(key="layer").set_value(2).run()
    at.selectbox(key="neuron").set_value(4).run()
    assert at.segmented_control(key=ht.TOOL).options == [ht.EXACT, ht.WHOLE]
    at.text_input(key=ht.BIAS).set_value("-20")
    at.button(key="tune_set_b").click().run()
    edited.biases[1][4] = -20
    assert metric(at, "Test accuracy now") == accuracy_of(edited, mnist_test)
    assert metric(at, "Edits") == "2"
    at.button(key="tune_reset").click().run()
    assert metric(at, "Test accuracy now") == metric(at, "Trained model")


def test_from_scratch_zeroes_a_layer_and_the_list_says_what_it_leaves_out(mnist_test):
    pristine = weights_file.load(ht.data.WEIGHTS["sigmoid"])
    at = tool(open_page(PAGE, {"layer": "2"}), ht.WHOLE)
    at.button(key="tune_zero_layer").click().run()
    edited = pristine.copy()
    edited.weights[1][:] = 0
    edited.biases[1][:] = 0
    assert metric(at, "Test accuracy now") == accuracy_of(edited, mnist_test)
    at.selectbox(key="layer").set_value(1).run()
    tool(at, ht.WHOLE).button(key="tune_zero_layer").click().run()
    listed = [b for b in at.button if b.key.startswith("tune_revert_")]
    assert len(listed) == 12
    text = container_text(at, "tune_changed")
    assert "in 32 neurons" in text and "…and 20 more neurons (4 in layer 1, 16 in layer 2)" in text


def test_one_changed_neuron_is_singular():
    at = tool(open_page(PAGE), ht.EXACT)
    at.text_input(key=ht.BIAS).set_value("3")
    at.button(key="tune_set_b").click().run()
    assert "1 parameter differs, in 1 neuron." in container_text(at, "tune_changed")
    assert delta(at, "Edits") == "1 neuron changed"


def test_brush_width_follows_its_slider_in_the_same_run():
    at = open_page(PAGE)
    assert canvas(at)[1]["strokeWidth"] == 20
    at.slider(key=ht.BRUSH_PX).set_value(5).run()
    assert canvas(at)[1]["strokeWidth"] == 50


def test_brush_stroke_is_one_edit_and_a_replayed_stroke_is_not_applied_again(mnist_test):
    pristine = weights_file.load(ht.data.WEIGHTS["sigmoid"])
    at = open_page(PAGE, {"neuron": "3"})
    first_key = canvas(at)[0].proto.id
    stroke(at, [(14, c) for c in range(5, 23)])
    assert metric(at, "Edits") == "1" and "painted" in status(at)
    w = at.session_state["tuning_sigmoid"].log.net.weights[0][3].reshape(28, 28)
    assert np.all(w[14, 6:22] > pristine.weights[0][3].reshape(28, 28)[14, 6:22] + 0.5)
    # after a stroke the canvas is a new one (no toolbar history to replay)
    assert canvas(at)[0].proto.id != first_key
    stroke(at, [(r, 9) for r in range(5, 23)])
    assert metric(at, "Edits") == "2"
    # the canvas's own toolbar undo sends an earlier stroke again: it must not become a new edit
    stroke(at, [(14, c) for c in range(5, 23)])
    assert metric(at, "Edits") == "2"


def test_colour_scale_is_robust_and_the_chosen_pixel_is_marked():
    at = tool(open_page(PAGE, {"neuron": "3"}), ht.EXACT)
    before = canvas_background(at)
    at.number_input(key=ht.ROW).set_value(2)
    at.number_input(key=ht.COL).set_value(3)
    at.text_input(key=ht.VALUE).set_value("5")
    at.button(key="tune_set_w").click().run()
    after = canvas_background(at)
    cell = ht.GRID_PX // 28
    # the chosen pixel is outlined in the highlight colour
    assert (after[2 * cell, 3 * cell + cell // 2] == [255, 140, 66]).all()
    # every other cell keeps its colour: one weight set to 5 does not dim the others
    others = np.ones((28, 28), bool)
    others[2, 3] = False
    centres = (np.arange(28) * cell + cell // 2)
    b_cells, a_cells = before[np.ix_(centres, centres)], after[np.ix_(centres, centres)]
    np.testing.assert_array_equal(b_cells[others], a_cells[others])
    # and the scale is shown
    limit = ht.colour_limit(app_trained().weights[0][3])
    assert any(f"±{limit:.2f}" in c.value for c in at.caption)


def test_threshold_example_sets_the_lessons_bias():
    at = open_page(PAGE, {"layer": "1", "neuron": "5"})
    at.button(key="tune_threshold_example").click().run()
    assert at.session_state["tuning_sigmoid"].log.net.biases[0][5] == -10.0
    assert any("b = -10.000" in m.value for m in at.caption)
    assert "bias = -10" in said(at)


def test_newly_wrong_images_are_labelled(mnist_test):
    at = tool(open_page(PAGE, {"layer": "3", "neuron": "7"}), ht.EXACT)
    at.text_input(key=ht.BIAS).set_value("-30")
    at.button(key="tune_set_b").click().run()
    captions = " ".join(c.value for c in at.caption)
    assert "newly wrong (label→answer now)" in captions
    images, labels = mnist_test
    scorer = at.session_state["tuning_sigmoid"].scorer
    broken, _ = scorer.changed_since(app_trained().predict(pixels(images)))
    assert len(broken) and np.all(labels[broken] == 7)
    strip = ht.labelled_thumbnails(images, broken[:24], labels, scorer.predictions)
    assert strip.shape[0] > 28 + 10  # room for the label line under each image


# --- keeping, loading and sharing --------------------------------------------------------------------------

def test_edits_live_in_the_address_so_a_reload_keeps_them(mnist_test):
    at = tool(open_page(PAGE, {"layer": "2", "neuron": "4"}), ht.EXACT)
    at.text_input(key=ht.BIAS).set_value("-7.5")
    at.button(key="tune_set_b").click().run()
    code = at.query_params["edits"]
    code = code[0] if isinstance(code, list) else code
    name, diff = decode_link(code, {"sigmoid": app_trained(), "relu": app_trained("relu")})
    assert name == "sigmoid" and list(diff) == [(2, "b")] and diff[(2, "b")][1][0] == -7.5
    accuracy = metric(at, "Test accuracy now")
    # a reload is a new session opened on the same address
    again = open_page(PAGE, {"layer": "2", "neuron": "4", "edits": code})
    assert metric(again, "Test accuracy now") == accuracy
    assert again.session_state["tuning_sigmoid"].log.net.biases[1][4] == -7.5
    # undoing everything clears the address
    at.button(key="tune_undo").click().run()
    assert "edits" not in at.query_params


def test_share_link_reproduces_the_network_and_opens_on_the_edited_neuron(mnist_test, shipped):
    log = EditLog(app_trained("relu"), "relu")
    log.set_row(1, 5, make("loop", strength=2), "loop")
    log.set_bias(3, 2, 4.0)
    code = encode_link(log)
    at = open_page(PAGE, {"model": "ReLU", "edits": code})
    assert at.radio(key="model").value == "relu"
    assert "Opened a ReLU network" in status(at)
    assert metric(at, "Test accuracy now") == accuracy_of(log.net, mnist_test)
    # a link without a neuron opens on the first one it changed, not on layer 1 neuron 0
    assert (at.selectbox(key="layer").value, at.selectbox(key="neuron").value) == (1, 5)
    # the page's own share link is the same code, and names the neuron
    share = container_text(at, "tune_share") + " ".join(c.value for c in at.code)
    assert code in share and "layer=1&neuron=5" in share
    # viewing a neuron that was not edited, the link names the last edited one
    at.selectbox(key="neuron").set_value(0).run()
    assert any("layer=1&neuron=5&edits=" in c.value for c in at.code)


def test_tampered_link_gives_a_message_and_the_trained_model():
    log = EditLog(app_trained(), "sigmoid")
    log.set_bias(1, 0, 9.0)
    code = encode_link(log)
    tampered = code[:-6] + ("AAAAAA" if not code.endswith("AAAAAA") else "BBBBBB")
    at = open_page(PAGE, {"edits": tampered})
    assert "could not be used" in status(at)
    assert metric(at, "Test accuracy now") == metric(at, "Trained model") and metric(at, "Edits") == "0"


@pytest.mark.parametrize("code", ["A" * 100_000, "x" * 30 + "%5D(https://evil.example)",
                                  "not base64 at all!", ""])
def test_forged_or_oversized_links_give_a_message_and_the_trained_model(code):
    at = open_page(PAGE, {"edits": code} if code else {"edits": "-"})
    assert not at.exception
    assert "could not be used" in status(at)
    assert metric(at, "Edits") == "0"
    assert "](http" not in status(at)


def test_a_link_whose_decoder_breaks_is_refused_without_details(monkeypatch):
    def boom(*a, **k):
        raise RuntimeError("/srv/secret/path.py line 3")
    monkeypatch.setattr(ht.link, "decode_steps", boom)
    at = open_page(PAGE, {"edits": "abc"})
    assert not at.exception and "could not be used" in status(at) and "secret" not in status(at)


def test_bad_upload_is_refused_and_work_kept():
    at = tool(open_page(PAGE), ht.EXACT)
    at.text_input(key=ht.VALUE).set_value("25")
    at.button(key="tune_set_w").click().run()
    before = metric(at, "Test accuracy now")
    at.file_uploader(key=ht.UPLOAD).upload("broken.npz", b"this is not a zip", "application/octet-stream").run()
    assert not at.exception
    assert "was not loaded" in status(at)
    assert metric(at, "Test accuracy now") == before and metric(at, "Edits") == "1"


def test_upload_name_is_shown_as_text_not_markdown():
    name = "[click me](https://evil.example)![](https://tracker.example/p.png).npz"
    at = open_page(PAGE)
    at.file_uploader(key=ht.UPLOAD).upload(name, b"junk", "application/octet-stream").run()
    shown = status(at)
    assert "was not loaded" in shown
    assert "](https" not in shown and "![" not in shown and safe(name, 60) in shown


def test_loader_crash_shows_a_plain_message(monkeypatch):
    def boom(*a, **k):
        raise RuntimeError("Traceback at /srv/app/src/infra/weights_file.py")
    monkeypatch.setattr(weights_file, "load", boom)
    at = open_page(PAGE)
    at.file_uploader(key=ht.UPLOAD).upload("x.npz", b"PK\x03\x04", "application/octet-stream").run()
    assert not at.exception
    assert "was not loaded" in status(at) and "/srv" not in status(at) and "Traceback" not in status(at)


def test_upload_is_parsed_once_per_file(monkeypatch, mnist_test):
    net = app_trained().copy()
    net.weights[2][:] *= -1
    content = to_bytes(net)
    calls = []
    real = weights_file.load
    monkeypatch.setattr(weights_file, "load", lambda f: calls.append(1) or real(f))
    at = open_page(PAGE)
    at.file_uploader(key=ht.UPLOAD).upload("mine.npz", content, "application/octet-stream").run()
    assert f"Loaded “{safe('mine.npz', 60)}”" in status(at)
    assert metric(at, "Test accuracy now") == accuracy_of(net, mnist_test)
    for _ in range(3):
        at.run()  # reruns do not parse it again
    at.file_uploader(key=ht.UPLOAD).upload("again.npz", content, "application/octet-stream").run()
    assert len(calls) == 1


def test_wrong_shape_upload_is_refused():
    at = open_page(PAGE)
    at.file_uploader(key=ht.UPLOAD).upload("big.npz", to_bytes(Network.initialise((784, 30, 10))),
                                           "application/octet-stream").run()
    assert "was not loaded" in status(at) and "784, 30, 10" in status(at)


# --- presenter view and no MNIST ------------------------------------------------------------------------------

def test_presenter_view_keeps_the_grid_tools_and_score_only():
    at = open_page(PAGE, {"present": "1"})
    assert metric(at, "Test accuracy now") and canvas(at)
    assert at.segmented_control(key=ht.TOOL).value == ht.BRUSH
    assert not at.get("download_button") and not at.get("file_uploader")
    assert "Your edits" not in [s.value for s in at.subheader]
    assert "Keep and share" not in [s.value for s in at.subheader]


def test_page_renders_without_mnist(monkeypatch, tmp_path):
    monkeypatch.setenv("MNIST_DIR", str(tmp_path))
    monkeypatch.setenv("MNIST_DOWNLOAD", "0")
    at = tool(open_page(PAGE), ht.EXACT)
    assert any("MNIST" in w.value for w in at.warning)
    at.text_input(key=ht.BIAS).set_value("2")
    at.button(key="tune_set_b").click().run()
    assert not at.exception and metric(at, "Edits") == "1"
    assert "Test accuracy now" not in [m.label for m in at.metric]


# --- the page's pure functions ------------------------------------------------------------------------------

@pytest.mark.parametrize("lo, hi", [(-0.372, 1.86), (0, 1), (-5e-6, 5e-6), (-13.7, 48.2), (3, 3), (-1e4, 2e4)])
def test_nice_ticks_are_round_and_cover_the_range(lo, hi):
    ticks = ht.nice_ticks(lo, hi, 6)
    step = ticks[1] - ticks[0]
    mantissa = step / 10 ** np.floor(np.log10(step))
    assert any(np.isclose(mantissa, m) for m in (1, 2, 5))
    assert np.allclose(np.diff(ticks), step)
    assert all(np.isclose(t / step, round(t / step)) for t in ticks)  # multiples of the step
    assert 2 <= len(ticks) <= 12
    if hi > lo:  # within the range, the first tick less than a step above its start
        assert ticks[0] >= lo - 1e-9 and ticks[0] - step < lo + 1e-9 and ticks[-1] <= hi + 1e-9


def test_threshold_chart_after_zeroing_has_a_sensible_range_and_labels():
    svg = ht.threshold_svg(np.random.default_rng(0).normal(0, 1e-6, 1000), 0.0)
    labels = re.findall(r'text-anchor="middle">([^<]*)</text>', svg)
    numbers = [float(s.replace("−", "-")) for s in labels if re.fullmatch(r"[−\d.]+", s)]
    assert min(numbers) <= -1 and max(numbers) >= 1  # at least 2 wide, not ±5e-6
    assert not any("e-" in s or "µ" in s for s in labels)
    assert all(len(s) <= 4 for s in labels if re.fullmatch(r"[−\d.]+", s))  # "0.5", not "0.372"
    assert "threshold −b = 0.00" in svg


def test_threshold_line_sits_at_minus_b():
    s = np.linspace(-20, 20, 500)
    svg = ht.threshold_svg(s, -10.0, sigmoid)
    lo, hi = ht.sum_range(s, -10.0)
    x = float(re.search(r'<line x1="([\d.]+)" y1="26" x2="[\d.]+" y2="\d+" stroke="#FF8C42"', svg).group(1))
    assert x == pytest.approx(44 + (10 - lo) / (hi - lo) * (560 - 44 - 64), abs=0.1)
    assert "threshold −b = 10.00" in svg


def test_colour_limit_ignores_one_huge_weight():
    rng = np.random.default_rng(1)
    w = rng.normal(0, 0.3, 784)
    limit = ht.colour_limit(w)
    assert limit == pytest.approx(np.percentile(np.abs(w), 99))
    w2 = w.copy()
    w2[100] = 5.0
    assert ht.colour_limit(w2) == pytest.approx(limit, rel=0.05)
    assert ht.colour_limit(np.zeros(784)) == 1.0
    # beyond the limit the colour saturates: 5 and 50 look the same
    a, b = ht.grid_image(np.full(784, 5.0), limit), ht.grid_image(np.full(784, 50.0), limit)
    np.testing.assert_array_equal(a, b)


def test_labelled_thumbnails_draw_the_labels():
    images = np.zeros((3, 28, 28), np.uint8)
    one = ht.labelled_thumbnails(images, [0, 1], np.array([1, 2, 3]), np.array([7, 7, 7]))
    other = ht.labelled_thumbnails(images, [0, 1], np.array([4, 5, 6]), np.array([7, 7, 7]))
    assert one.shape == other.shape and one.shape[0] > 28
    assert not np.array_equal(one[28:], other[28:])   # the text differs
    np.testing.assert_array_equal(one[:28], other[:28])  # the images do not
    assert ht.labelled_thumbnails(images, [], np.zeros(3), np.zeros(3)) is None


def test_changed_neurons_note_and_plurals():
    assert ht.changed_neurons_note([(1, j) for j in range(12)]) is None
    assert ht.changed_neurons_note([(1, j) for j in range(13)]) == (
        "…and 1 more neuron (1 in layer 1): use Reset to restore everything.")
    assert ht.plural(1, "neuron") == "1 neuron" and ht.plural(0, "neuron") == "0 neurons"
    assert ht.plural(1234, "parameter") == "1,234 parameters"


def unload_warning(at) -> bool:
    found = [e for e in at.get("bidi_component") if "hand_tune_page_script" in e.proto.component_name]
    assert len(found) == 1
    return json.loads(found[0].proto.json)["warn"]


def test_edits_the_address_cannot_hold_are_announced_and_guarded(shipped):
    at = tool(open_page(PAGE), ht.EXACT)
    assert unload_warning(at) is False
    at.text_input(key=ht.BIAS).set_value("2")
    at.button(key="tune_set_b").click().run()
    assert unload_warning(at) is False and "edits" in at.query_params
    # the other model's page: the address holds its (no) edits, the Sigmoid ones would be lost on reload
    at.radio(key="model").set_value("relu").run()
    assert "edits" not in at.query_params
    assert unload_warning(at) is True
    assert any("Sigmoid model are not in the address bar" in c.value for c in at.caption)
    # too many edits for a link: the address drops them and the tab asks before unloading
    at.radio(key="model").set_value("sigmoid").run()
    tool(at, ht.WHOLE)
    for n in (0, 1):
        at.selectbox(key="neuron").set_value(n).run()
        at.button(key="tune_scale_btn").click().run()
    assert "edits" not in at.query_params and unload_warning(at) is True
    assert any("too many for the address bar" in c.value for c in at.caption)


def test_closer_looks_draw_only_the_chosen_view(mnist_test):
    images, labels = mnist_test
    at = open_page(PAGE, {"layer": "1", "neuron": "2"})
    assert at.segmented_control(key=ht.CLOSER).value == ht.CHANGED
    assert "newly wrong" in container_text(at, "tune_changes")
    assert not any("excite it most" in m.value for m in at.markdown)
    at.segmented_control(key=ht.CLOSER).set_value(ht.EXCITES).run()
    acts = app_trained().forward(pixels(images)).activations[1][:, 2]
    top = next(m.value for m in at.markdown if "excite it most" in m.value)
    assert f"activation {acts.max():.2f}" in top
    at.segmented_control(key=ht.CLOSER).set_value(ht.ONE_INPUT).run()
    at.number_input(key=ht.INPUT_INDEX).set_value(1).run()
    answer = int(np.argmax(app_trained().forward(pixels(images[1:2])[0]).output))
    assert f"network answers **{answer}**" in container_text(at, "tune_answer")
    assert not any("newly wrong" in m.value for m in at.markdown)  # the other views are not drawn


@pytest.mark.parametrize("query", [{"layer": "7", "neuron": "-1"}, {"layer": "3", "neuron": "12"},
                                   {"layer": "9" * 5000, "neuron": "x"}])
def test_forged_neuron_in_the_address_falls_back_to_a_real_one(query):
    at = open_page(PAGE, query)
    assert not at.exception
    layer, neuron = at.selectbox(key="layer").value, at.selectbox(key="neuron").value
    assert 1 <= layer <= 3 and 0 <= neuron < app_trained().sizes[layer]


# --- words, where messages appear, links made once, a link whose model= disagrees -------------------------------

def test_an_upload_is_answered_beside_the_uploader_and_listed_without_escapes(mnist_test):
    net = app_trained().copy()
    net.biases[0][:] += 1
    at = open_page(PAGE)
    at.file_uploader(key=ht.UPLOAD).upload("edited.npz", to_bytes(net), "application/octet-stream").run()
    assert any("Loaded" in e.value for e in keyed(at, "tune_upload_box").get("success"))
    assert not any(c.endswith("-tune_status") for c in block_ids(at))  # nothing said at the top of the page
    listed = " ".join(t.value for t in at.text)
    assert "loaded from edited.npz" in listed and "\\" not in listed
    at.file_uploader(key=ht.UPLOAD).upload("broken.npz", b"junk", "application/octet-stream").run()
    assert any("was not loaded" in e.value for e in keyed(at, "tune_upload_box").get("error"))


def block_ids(at):
    out, stack = [], [at._tree]
    while stack:
        node = stack.pop()
        out.append(str(getattr(getattr(node, "proto", None), "id", "")))
        stack.extend(getattr(node, "children", {}).values())
    return out


@pytest.mark.parametrize("typed, shown", [("-1000000.5", "-1000000.5 is beyond ±1,000,000"),
                                          ("1" + "x" * 9_999, "1" + "x" * 39 + "…” is not a number")])
def test_a_refused_number_is_quoted_as_typed_and_briefly(typed, shown):
    at = tool(open_page(PAGE), ht.EXACT)
    at.text_input(key=ht.VALUE).set_value(typed)
    at.button(key="tune_set_w").click().run()
    assert shown in said(at) and len(said(at)) < 200
    assert metric(at, "Edits") == "0"


def test_a_link_too_long_for_the_address_is_made_once_not_on_every_rerun(monkeypatch, mnist_test):
    calls = []
    real = ht.link.encode_link
    monkeypatch.setattr(ht.link, "encode_link", lambda *a, **k: calls.append(1) or real(*a, **k))
    net = app_trained().copy()
    for arr in net.weights + net.biases:
        arr += np.random.default_rng(0).normal(0, 0.01, arr.shape).astype(np.float32)
    at = open_page(PAGE)
    at.file_uploader(key=ht.UPLOAD).upload("all.npz", to_bytes(net), "application/octet-stream").run()
    assert any("too long for an address" in w.value for w in at.warning)
    made = len(calls)
    assert made == 1  # the shortest code is too long: nothing else is tried
    for _ in range(3):
        at.run()
    assert len(calls) == made
    assert "edits" not in at.query_params


def test_a_link_whose_model_disagrees_with_its_edits_opens_the_edits_model(mnist_test):
    log = EditLog(app_trained("relu"), "relu")
    log.set_bias(3, 2, 4.0)
    at = open_page(PAGE, {"model": "Sigmoid", "edits": encode_link(log)})
    assert at.radio(key="model").value == "relu"
    assert "Opened a ReLU network" in said(at)
    assert metric(at, "Test accuracy now") == accuracy_of(log.net, mnist_test)


def test_every_session_has_its_own_caches():
    one, two = open_page(PAGE), open_page(PAGE)
    for key in (ht.UPLOADS, ht.LINK_CACHE):
        assert one.session_state[key] is not two.session_state[key]
