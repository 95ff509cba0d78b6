"""AppTest drives the Sigmoid vs ReLU page: the functions where z really is, both models (or the visitor's
edited copy) on one input, the sections behind a click, a race with a real Stop and a time cap, the stored
test-set statistics, the page without MNIST, and the presenter view."""
import base64
import json
import re
import xml.etree.ElementTree as ET
from decimal import Decimal, getcontext

import numpy as np
import pytest

from src.infra import mnist
from src import race as racing
from src.edits import EditLog
from src.train import pixels
from tests.pages_helpers import container_text, keyed, open_page

PAGE = "pages/3_sigmoid_vs_relu.py"
RACE_WAIT = 120  # seconds a race thread may take here (a busy 2-core machine)


def answer(at, name):
    return int(re.search(r"answers \*\*(\d)\*\*", container_text(at, f"cmp_answer_{name}")).group(1))


def chart(at, key):
    """The Plotly figure (as JSON) of the chart with this key."""
    found = [c for c in at.get("plotly_chart") if c.proto.id.endswith(f"-{key}")]
    assert found, f"no chart {key!r}"
    return json.loads(found[0].proto.spec)


SVG = "{http://www.w3.org/2000/svg}"


def svg(at, key) -> ET.Element:
    """The SVG drawn by st.image inside the container with this key, parsed."""
    image = next(iter(keyed(at, key).children.values()))
    url = image.proto.imgs[0].url
    assert url.startswith("data:image/svg+xml;base64,")
    return ET.fromstring(base64.b64decode(url.split(",", 1)[1]))


def marks(root):
    """Each dot: (z, y, circle cx, label lines, label box (x, y, w, h))."""
    out = []
    for g in root.iter(f"{SVG}g"):
        if g.get("class") == "mark":
            c, r = g.find(f"{SVG}circle"), g.find(f"{SVG}rect")
            box = tuple(float(r.get(k)) for k in ("x", "y", "width", "height"))
            out.append((float(g.get("data-z")), float(g.get("data-y")), float(c.get("cx")),
                        [t.text for t in g.iter(f"{SVG}text")], box))
    return out


def z_at(root, cx):
    """The z the x axis's own tick labels put at pixel ``cx`` (read from the drawing, not from the code)."""
    rows = {}
    for t in root.iter(f"{SVG}text"):
        try:
            rows.setdefault(float(t.get("y")), []).append((float(t.text.replace(",", "")), float(t.get("x"))))
        except (TypeError, ValueError):
            pass
    ticks = rows[max(y for y, v in rows.items() if len(v) >= 2)]
    (z0, x0), (z1, x1) = ticks[0], ticks[-1]
    return z0 + (cx - x0) * (z1 - z0) / (x1 - x0)


def charts(at):
    return [c.proto.id.rsplit("-", 1)[-1] for c in at.get("plotly_chart")]


def open_section(at, section):
    at.button_group(key="cmp_more").set_value(section).run()
    assert not at.exception, at.exception
    return at


_SUP = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def power_text(d: Decimal) -> str:
    """A Decimal as the page writes tiny numbers, '5.08×10⁻⁴³⁵' (formatted here independently)."""
    exponent = d.adjusted()
    mantissa = d.scaleb(-exponent)
    return f"{float(mantissa):.2f}×10{str(exponent).translate(_SUP)}"


def sigma(z) -> Decimal:
    """σ(z) in 60-digit decimal arithmetic: e^1000 is no problem for Decimal."""
    getcontext().prec = 60
    return 1 / (1 + Decimal(-z).exp())


# --- the two functions ------------------------------------------------------------------------------------
def test_worked_values_are_exact_far_out(shipped):
    at = open_page(PAGE)
    rows = at.table[0].value
    assert list(rows["z"]) == ["-1,000", "-10", "0", "10", "1,000"]
    assert rows["σ(z)"][0] == power_text(sigma(-1000)) == "5.08×10⁻⁴³⁵"  # the lesson's σ(-1000): not 0
    assert rows["σ(z)"][1] == power_text(sigma(-10))
    assert rows["σ(z)"][2] == "0.5"
    assert rows["σ(z)"][3] == "1 − " + power_text(1 - sigma(10))
    slope = sigma(-10) * (1 - sigma(-10))
    assert rows["slope of σ"][1] == power_text(slope) and rows["slope of σ"][4] == power_text(sigma(-1000) * sigma(1000))
    assert list(rows["ReLU(z)"]) == ["0", "0", "0", "10", "1,000"]
    assert list(rows["slope of ReLU"]) == ["0", "0", "0", "1", "1"]


def test_a_neuron_far_out_is_drawn_where_it_is(mnist_test, shipped):
    """ReLU's first-layer neuron 14 reads test image 0 at z = -11.0, beyond the old fixed -8..8 axis."""
    x = pixels(mnist_test[0][:1])[0].astype(np.float64)
    z = float(shipped["relu"].weights[0][14].astype(np.float64) @ x + shipped["relu"].biases[0][14])
    assert z < -8
    at = open_page(PAGE)
    at.selectbox(key="cmp_neuron").set_value(14).run()
    root = svg(at, "cmp_function_relu")
    (mz, my, cx, lines, box), = marks(root)
    assert mz == pytest.approx(z, abs=1e-4) and my == 0
    assert z_at(root, cx) == pytest.approx(z, abs=0.05)  # on the axis where z really is, not at its edge
    assert lines == [f"ReLU neuron 14: z = {z:,.4g}", "ReLU(z) = 0", "slope 0"]
    assert 0 <= box[0] and box[0] + box[2] <= float(root.get("width"))  # the label is not clipped


def test_the_lessons_sigma_of_minus_1000_on_the_curves():
    at = open_page(PAGE)
    at.button(key="cmp_lesson_z").click().run()
    assert at.number_input(key="cmp_z").value == -1000
    root = svg(at, "cmp_function_sigmoid")
    found = marks(root)
    assert len(found) == 2  # the neuron and your z
    (z, y, cx, lines, box), = [m for m in found if m[3][0].startswith("your z")]
    assert z == -1000 and z_at(root, cx) == pytest.approx(-1000, abs=5)
    assert lines == ["your z: z = -1,000", f"σ(z) = {power_text(sigma(-1000))}",
                     f"slope {power_text(sigma(-1000) * sigma(1000))}"]
    (b1, b2), width = [m[4] for m in found], float(root.get("width"))
    assert b1[1] + b1[3] <= b2[1] or b2[1] + b2[3] <= b1[1]  # the two labels do not overlap
    assert all(0 <= b[0] and b[0] + b[2] <= width for b in (b1, b2))
    at.number_input(key="cmp_z").set_value(None).run()
    root = svg(at, "cmp_function_sigmoid")
    assert len(marks(root)) == 1 and z_at(root, 46) >= -9  # back to about -8..8


def test_colours_are_the_themes():
    from ui import theme
    at = open_page(PAGE)
    for name in ("sigmoid", "relu"):
        colour = theme.ACTIVATION_COLOURS[name]
        assert {p.get("stroke") for p in svg(at, f"cmp_function_{name}").iter(f"{SVG}polyline")} == {colour}
        assert {r.get("fill") for r in svg(at, f"cmp_layers_{name}").iter(f"{SVG}rect")} == {colour}


def test_activation_bars_are_the_forward_pass(mnist_test, shipped):
    at = open_page(PAGE)
    x = pixels(mnist_test[0][:1])[0].astype(np.float64)
    net = shipped["sigmoid"]
    a1 = 1 / (1 + np.exp(-(net.weights[0].astype(np.float64) @ x + net.biases[0])))
    bars = [r.find(f"{SVG}title").text for r in svg(at, "cmp_layers_sigmoid").iter(f"{SVG}rect")]
    assert len(bars) == sum(net.sizes[1:])
    assert bars[:16] == [f"neuron {i}: a = {v:.3f}" for i, v in enumerate(a1)]


# --- both models, one input; the sidebar's choices ---------------------------------------------------------
def test_both_models_answer_the_same_input(mnist_test, shipped):
    images, _ = mnist_test
    at = open_page(PAGE)
    at.number_input(key="cmp_index").set_value(8).run()
    for name in ("sigmoid", "relu"):
        assert answer(at, name) == int(shipped[name].predict(pixels(images[8:9]))[0])
    at.button_group(key="cmp_source").set_value("blank").run()
    assert not at.exception
    for name in ("sigmoid", "relu"):
        assert answer(at, name) == int(shipped[name].predict(np.zeros(784, np.float32)))


def test_no_model_choice_in_the_sidebar_and_the_edited_copy_is_used(shipped):
    """The page shows both models, so the sidebar offers no model choice; a hand-edited copy is used, with a
    switch, in the side-by-side."""
    from ui import state
    at = open_page(PAGE)
    assert not at.sidebar.radio  # no model choice that would do nothing
    assert state.USE_EDITS not in {t.key for t in at.toggle}  # no edited copy yet: no switch
    trained = answer(at, "sigmoid")
    digit = (trained + 3) % 10
    log = EditLog(shipped["sigmoid"], "sigmoid")
    log.set_bias(3, digit, 50.0)  # the output neuron for `digit` always wins
    at.session_state[state._TUNING.format("sigmoid")] = state.Tuning(log, None)
    at.run()
    assert answer(at, "sigmoid") == digit
    assert "your edited copy" in container_text(at, "cmp_answer_sigmoid")
    assert "your edited copy" not in container_text(at, "cmp_answer_relu")
    at.toggle(key=state.USE_EDITS).set_value(False).run()
    assert answer(at, "sigmoid") == trained


# --- first view: few figures; the rest behind a click --------------------------------------------------------
def test_first_view_draws_no_plotly_and_sections_only_when_opened():
    at = open_page(PAGE)
    assert charts(at) == []  # the curves and bars are SVG images: no Plotly to load or draw
    assert not at.dataframe  # the tables are plain tables, not data grids
    open_section(at, "training")
    assert charts(at) == ["cmp_curves_loss", "cmp_curves_accuracy"]
    fig = chart(at, "cmp_curves_loss")
    assert len(fig["data"][0]["x"]) == 60  # the 60 epochs in the weights file's curves


# --- the race ----------------------------------------------------------------------------------------------
def start_race(at, images, epochs):
    open_section(at, "race")
    at.select_slider(key="race_images").set_value(images)
    at.slider(key="race_epochs").set_value(epochs)
    at.button(key="race_start").click().run()
    assert not at.exception, at.exception
    return at.session_state["race_run"]


def finish(at, run):
    run.thread.join(RACE_WAIT)
    assert not run.running
    at.run()
    return container_text(at, "race_finished")


def test_a_small_race_finishes_with_both_curves(mnist_train, mnist_test):
    at = open_page(PAGE)
    run = start_race(at, 1000, 1)
    text = finish(at, run)
    result = run.result
    assert result.stopped is None and result.fraction_done == 1.0
    # the scores shown are the trained networks' accuracy on the first 2,000 test images, recomputed here
    x = pixels(mnist_test[0][:2000]).astype(np.float64)
    for name, label in (("sigmoid", "Sigmoid"), ("relu", "ReLU")):
        net = result.nets[name]
        a = x
        for l, (w, b) in enumerate(zip(net.weights, net.biases)):
            z = a @ w.astype(np.float64).T + b
            a = z if l == 2 else (1 / (1 + np.exp(-z)) if name == "sigmoid" else np.maximum(z, 0))
        acc = float(np.mean(np.argmax(a, 1) == mnist_test[1][:2000]))
        assert f"**{label} {acc:.1%}**" in text
        assert len(result.accuracy[name]) == 26
    assert text.startswith("Race finished")
    assert {"race_chart_loss", "race_chart_accuracy"} <= set(charts(at))


def test_stop_stops_the_training_itself(mnist_train, mnist_test):
    at = open_page(PAGE)
    run = start_race(at, 60000, 5)  # 9,375 steps per network: far longer than the test
    assert run.running
    at.button(key="race_stop").click().run()
    assert not at.exception
    assert not run.running  # the trainer ended: Stop is a real signal, not just a rerun of the page
    assert run.result.stopped == racing.STOPPED and run.result.fraction_done < 1
    text = container_text(at, "race_finished")
    assert text.startswith(f"You stopped the race at {run.result.fraction_done:.0%}")
    assert at.button(key="race_start")  # ready for another


def test_the_time_cap_ends_a_race_and_the_page_says_so(mnist_train, mnist_test, monkeypatch):
    monkeypatch.setattr(racing, "MAX_SECONDS", 0.5)
    at = open_page(PAGE)
    run = start_race(at, 60000, 5)
    text = finish(at, run)
    assert run.result.stopped == racing.TIME_LIMIT
    assert "reached its time cap of 0.5 s" in text


def result_with(sigmoid, relu, images=None):
    """A RaceResult whose checkpoints have these accuracies (what a real race records), for the words about it."""
    r = racing.RaceResult()
    r.steps = list(range(len(sigmoid)))
    r.images_seen = images or [1000 * k for k in r.steps]
    r.accuracy = {"sigmoid": list(sigmoid), "relu": list(relu)}
    r.total_steps = r.steps[-1]
    return r


def two_standard_errors(a, b, n):
    p = (a + b) / 2
    return 2 * np.sqrt(2 * p * (1 - p) / n) * 100


@pytest.mark.parametrize("final,leader", [((0.923, 0.885), "Sigmoid"), ((0.850, 0.912), "ReLU")])
def test_the_race_says_who_won_this_run(final, leader):
    """The issue's run: sigmoid 92.3% beat ReLU. The words name the run's own leader, never a fixed one."""
    from ui import race
    early = [0.1, 0.5, 0.6, 0.7, 0.8, 0.85]
    text = race.story(result_with(early + [final[0]], early + [final[1]]), 2000)
    gap = abs(final[0] - final[1]) * 100
    assert gap > two_standard_errors(*final, 2000)
    other = "ReLU" if leader == "Sigmoid" else "Sigmoid"
    assert f"**{leader} ends ahead** by {gap:.1f} points" in text and f"{other} ends ahead" not in text


def test_a_gap_within_chance_is_called_level_and_an_early_leader_is_named():
    from ui import race
    s = [0.1, 0.40, 0.6, 0.7, 0.8, 0.9, 0.915]
    r = [0.1, 0.62, 0.7, 0.8, 0.85, 0.9, 0.923]  # the 92.3% vs 91.5%, the other way round
    text = race.story(result_with(s, r), 2000)
    margin = two_standard_errors(0.915, 0.923, 2000)
    assert 0.8 < margin and f"They end level: 0.8 points apart, less than the ±{margin:.1f} points" in text
    assert "ends ahead" not in text
    assert "Early on (after 1,000 images) **ReLU learned faster**: 62.0% against 40.0%" in text  # checkpoint 6/5
    caught = race.story(result_with(s[:-1] + [0.95], r), 2000)
    assert "**Sigmoid ends ahead**" in caught and "**ReLU learned faster**" in caught and "and was caught" in caught


def test_a_real_race_is_described_by_its_own_numbers(mnist_train, mnist_test):
    at = open_page(PAGE)
    run = start_race(at, 2000, 1)
    text = finish(at, run)
    a_s, a_r = run.result.accuracy["sigmoid"][-1], run.result.accuracy["relu"][-1]
    if abs(a_s - a_r) * 100 < two_standard_errors(a_s, a_r, 2000):
        assert "They end level" in text
    else:
        assert f"**{'ReLU' if a_r > a_s else 'Sigmoid'} ends ahead**" in text
    assert any("Which tends to win" in c.value for c in at.caption)


# --- the test-set statistics ---------------------------------------------------------------------------------
def test_inside_table_matches_direct_computation(mnist_test, shipped):
    at = open_section(open_page(PAGE), "inside")
    table = at.table[1].value  # after the worked values
    x = pixels(mnist_test[0]).astype(np.float64)
    for l in (0, 1):
        shares = {}
        for name in ("sigmoid", "relu"):
            net, a = shipped[name], x
            for k in range(l + 1):
                z = a @ net.weights[k].astype(np.float64).T + net.biases[k]
                a = 1 / (1 + np.exp(-z)) if name == "sigmoid" else np.maximum(z, 0)
            shares[name] = np.mean((a < 0.05) | (a > 0.95)) if name == "sigmoid" else np.mean(a <= 0)
        assert table["sigmoid saturated"][l] == f"{shares['sigmoid']:.1%}"
        assert table["ReLU off (a = 0)"][l] == f"{shares['relu']:.1%}"
    # at initialisation: the He start the ReLU file's recipe names (seed 0), drawn here
    rng = np.random.default_rng(shipped["relu"].meta["training"]["seed"])
    w1 = rng.standard_normal((16, 784)) * np.sqrt(2 / 784)
    assert table["ReLU at initialisation"][0] == f"{np.mean(x @ w1.astype(np.float32).T.astype(np.float64) <= 0):.1%}"


def test_inside_numbers_are_read_not_computed(monkeypatch):
    """The first visitor waits for nothing: the statistics come from weights/<name>.stats.json."""
    from src import stats
    from ui import compare_stats

    def refuse(*args):
        raise AssertionError("computed on a page visit")

    monkeypatch.setattr(stats, "summarise", refuse)
    compare_stats._inside.clear()
    at = open_section(open_page(PAGE), "inside")
    assert at.table[1].value["hidden layer"].tolist() == [1, 2]
    assert "cmp_gradients" in charts(at)


def test_disagreements_are_counted(mnist_test, shipped):
    x = pixels(mnist_test[0])
    s, r = shipped["sigmoid"].predict(x), shipped["relu"].predict(x)
    n = int(np.sum(s != r))
    s_right = int(np.sum((s != r) & (s == mnist_test[1])))
    at = open_section(open_page(PAGE), "accuracy")
    text = container_text(at, "cmp_disagree")
    assert f"They disagree on **{n}** of 10,000" in text and f"sigmoid is right on **{s_right}**" in text


# --- no MNIST; the presenter view ----------------------------------------------------------------------------
def test_without_mnist_the_page_still_works(tmp_path, monkeypatch, shipped):
    monkeypatch.setenv("MNIST_DIR", str(tmp_path))
    monkeypatch.setenv("MNIST_DOWNLOAD", "0")
    at = open_page(PAGE)
    assert not at.exception
    assert at.button_group(key="cmp_source").value == "blank"
    for name in ("sigmoid", "relu"):
        assert answer(at, name) == int(shipped[name].predict(np.zeros(784, np.float32)))
    assert len(marks(svg(at, "cmp_function_relu"))) == 1
    at.button_group(key="cmp_source").set_value("noise").run()
    assert not at.exception
    assert "cmp_curves_accuracy" in charts(open_section(at, "training"))  # from the weights files
    open_section(at, "race")
    assert at.button(key="race_start").disabled
    assert any("training images" in i.value for i in at.info)
    open_section(at, "inside")  # stored beside the weights: shown without MNIST
    assert at.table[1].value["hidden layer"].tolist() == [1, 2]
    open_section(at, "accuracy")
    assert any("MNIST test images" in i.value for i in at.info)


def test_presenter_view_hides_secondary_controls():
    at = open_section(open_page(PAGE, {"present": "1"}), "race")
    assert at.button(key="race_start")  # the race itself is still there
    keys = {w.key for w in at.select_slider} | {w.key for w in at.slider} | {w.key for w in at.selectbox}
    assert not {"race_images", "race_epochs", "race_optimizer"} & keys
    at = open_section(open_page(PAGE), "race")
    assert at.select_slider(key="race_images")


def test_choices_survive_leaving_the_page():
    at = open_page(PAGE)
    at.selectbox(key="cmp_layer").set_value(2).run()
    at.selectbox(key="cmp_neuron").set_value(5).run()
    open_section(at, "training")
    at.switch_page("app.py").run()
    at.switch_page(PAGE).run()
    assert not at.exception
    assert (at.selectbox(key="cmp_layer").value, at.selectbox(key="cmp_neuron").value) == (2, 5)
    assert at.button_group(key="cmp_more").value == "training" and "cmp_curves_accuracy" in charts(at)


@pytest.mark.parametrize("z", [-1e6, 1e6])
def test_the_largest_z_a_visitor_can_type_is_drawn_and_labelled(z):
    at = open_page(PAGE)
    at.number_input(key="cmp_z").set_value(z).run()
    assert not at.exception
    for name in ("sigmoid", "relu"):
        root = svg(at, f"cmp_function_{name}")
        (mz, _, cx, lines, box), = [m for m in marks(root) if m[3][0].startswith("your z")]
        assert mz == z and z_at(root, cx) == pytest.approx(z, rel=1e-3)
        assert all(len(line) < 40 for line in lines) and box[0] + box[2] <= float(root.get("width"))
    limits = at.number_input(key="cmp_z").proto
    assert (limits.min, limits.max) == (-1e6, 1e6)  # nothing wider can be typed


def test_training_section_says_the_recipe_from_the_files(shipped):
    at = open_section(open_page(PAGE), "training")
    caption = " ".join(c.value for c in at.caption)
    t = shipped["relu"].meta["training"]
    assert f"{t['optimizer']} (lr {t['lr']}), {t['schedule']} schedule, {t['epochs']} epochs" in caption
    assert "Sigmoid: Xavier initialisation, ReLU: He initialisation" in caption
    curve = chart(at, "cmp_curves_accuracy")["data"]
    for trace, name in ((curve[0], "sigmoid"), (curve[1], "relu")):  # test accuracy, in %
        assert trace["y"] == pytest.approx([a * 100 for a in shipped[name].meta["curves"]["test_accuracy"]])


def test_with_only_the_test_files_start_names_the_missing_files(tmp_path, monkeypatch, mnist_test):
    """Only the test files: Start says exactly which training files are missing and how to get them, not that
    the test images are missing too, and points to no note elsewhere on the page."""
    import shutil
    for f in mnist.default_dir().iterdir():
        if f.name.startswith("t10k"):
            shutil.copy(f, tmp_path / f.name)
    monkeypatch.setenv("MNIST_DIR", str(tmp_path))
    monkeypatch.setenv("MNIST_DOWNLOAD", "0")
    at = open_section(open_page(PAGE), "race")
    at.button(key="race_start").click().run()
    assert not at.exception
    assert at.session_state["race_run"] is None
    (note,) = [w.value for w in at.warning if "race" in w.value]
    for name in mnist.SPLITS["train"]:
        assert name in note
    assert not any(name in note for name in mnist.SPLITS["test"])
    assert "python -m src.infra.mnist download" in note and "MNIST_DIR" in note
    assert "note at the top" not in note and "test images are" not in note
