"""AppTest: the Probe page drives each experiment on the network in use, and its numbers agree with an
independent computation (the shipped model's own forward pass, or src.probe called directly)."""
import numpy as np
import pytest

from src import probe
from src.edits import EditLog
from src.scoring import Scorer
from src.train import pixels
from tests.pages_helpers import container_text, keyed, open_page
from ui import probe as pr

PAGE = "pages/5_probe.py"
SECTIONS = ["What does it want to see?", "Morph: from one digit to another", "Fool it", "Break it", "Noise"]


def part(at, name):
    """Open one part of the page, as a visitor does with the control under the title."""
    at.segmented_control(key=pr.SECTION).set_value(name).run()
    assert not at.exception, at.exception
    return at


def every_part(at):
    """The subheaders of each part, opened in turn."""
    return [part(at, name).subheader[0].value for name in pr.SECTIONS]


def metric(at, label):
    return next(m.value for m in at.metric if m.label == label)


def manual_accuracy(net, x, labels, off):
    """Accuracy with neurons ``off`` forced to 0, by a forward pass written out here."""
    a = x.astype(np.float64)
    for l, (w, b) in enumerate(zip(net.weights, net.biases), start=1):
        z = a @ w.T.astype(np.float64) + b
        if l < len(net.weights):
            a = 1 / (1 + np.exp(-z)) if net.activation == "sigmoid" else np.maximum(z, 0)
            for layer, j in off:
                if layer == l:
                    a[:, j] = 0
        else:
            a = z
    return float(np.mean(np.argmax(a, axis=1) == labels))


@pytest.fixture(scope="module")
def test_x(mnist_test):
    return pixels(mnist_test[0]), mnist_test[1]


def test_every_section_renders_and_the_morph_starts_from_a_3_and_an_8(shipped, test_x):
    x, labels = test_x
    at = open_page(PAGE)
    assert [s.value for s in at.subheader] == SECTIONS[:1]  # one part at a time: the first by default
    assert every_part(at) == SECTIONS
    part(at, "morph")
    net = shipped["sigmoid"]
    a, b = at.session_state[pr.MORPH_A], at.session_state[pr.MORPH_B]
    assert labels[a] == 3 and labels[b] == 8 and net.predict(x[a]) == 3 and net.predict(x[b]) == 8
    # the flip point, by evaluating the network directly along the line
    ts = np.linspace(0, 1, pr.MORPH_POINTS)
    direct = net.predict((1 - ts[:, None]) * x[a] + ts[:, None] * x[b])
    flip = int(np.flatnonzero(direct != direct[0])[0])
    text = container_text(at, "probe_morph_images")
    assert f"from **3** to **{direct[flip]}** at **t = {ts[flip]:.3f}**" in text, text
    assert not at.session_state[pr.DREAM_RESULT]  # nothing heavy runs before the visitor asks


def test_dream_runs_with_and_without_penalty(shipped):
    at = open_page(PAGE)
    at.segmented_control(key=pr.DREAM_DIGIT).set_value(4).run()
    at.slider(key=pr.DREAM_SMOOTH).set_value(0.5).run()
    at.button(key=pr.DREAM_RUN).click().run()
    assert not at.exception, at.exception
    run = at.session_state[pr.DREAM_RESULT]
    assert [caption for caption, _, _ in run.runs] == ["no penalty", "with your penalties"]
    net = shipped["sigmoid"]
    rough, smooth = run.runs[0][1], run.runs[1][1]
    for d in (rough, smooth):
        assert d.image.min() >= 0 and d.image.max() <= 1
        out = net.feedforward(d.image)
        assert d.value == pytest.approx(float(out[4]), abs=1e-5) and d.value > d.trace[0]
        assert d.answer == int(np.argmax(out))
    assert probe.total_variation(smooth.image)[0] < probe.total_variation(rough.image)[0] / 3
    text = container_text(at, "probe_dream_result")
    assert "What maximises the digit 4's output" in text and f"the network answers **{smooth.answer}**" in text


def test_dream_of_a_hidden_neuron_from_a_test_image(shipped, test_x):
    x, _ = test_x
    at = open_page(PAGE)
    at.segmented_control(key=pr.DREAM_KIND).set_value("hidden").run()
    at.selectbox(key=pr.DREAM_LAYER).set_value(2).run()
    at.selectbox(key=pr.DREAM_NEURON).set_value(5).run()
    at.segmented_control(key=pr.DREAM_START).set_value("test image").run()
    at.number_input(key=pr.DREAM_INDEX).set_value(7).run()
    at.toggle(key=pr.DREAM_COMPARE).set_value(False).run()
    at.button(key=pr.DREAM_RUN).click().run()
    run = at.session_state[pr.DREAM_RESULT]
    assert len(run.runs) == 1 and (run.layer, run.neuron) == (2, 5)
    d = run.runs[0][1]
    fw = shipped["sigmoid"].forward
    assert d.trace[0] == pytest.approx(float(fw(x[7]).activations[2][5]), abs=1e-5)
    assert d.value == pytest.approx(float(fw(d.image).activations[2][5]), abs=1e-5) and d.value > d.trace[0]
    assert "hidden neuron #5 of layer 2" in container_text(at, "probe_dream_result")


def test_morph_slider_and_a_neuron_s_weights(shipped, test_x):
    x, labels = test_x
    at = part(open_page(PAGE), "morph")
    at.number_input(key=pr.MORPH_A).set_value(18).run()
    at.number_input(key=pr.MORPH_B).set_value(61).run()
    at.slider(key=pr.MORPH_T).set_value(0.75).run()
    net = shipped["sigmoid"]
    blend = 0.25 * x[18] + 0.75 * x[61]
    answer = int(net.predict(blend))
    assert any(f"at t = 0.750: answered {answer}" in c for c in _captions(at)), _captions(at)
    m = probe.morph(net, x[18], x[61], n=pr.MORPH_POINTS)
    top = [f"{r['layer']}:{r['neuron']}" for r in m.ranking[:8]]
    assert at.pills(key=pr.MORPH_PICK).options == [pr.neuron_label(k) for k in top]
    first_layer = next(k for k in top if k.startswith("1:"))
    at.pills(key=pr.MORPH_PICK).set_value(first_layer).run()
    layer, neuron = pr.parse_neuron(first_layer)
    assert any(c.startswith(f"L{layer} #{neuron}: its 784 weights") for c in _captions(at))
    links = [p.proto for p in at.get("page_link")]
    assert any(p.label == f"Open L{layer} #{neuron} in Hand-tune" and f"layer={layer}" in p.query_string
               and f"neuron={neuron}" in p.query_string for p in links), links
    second_layer = next((k for k in top if k.startswith("2:")), None)
    if second_layer is not None:
        at.pills(key=pr.MORPH_PICK).set_value(second_layer).run()
        assert not at.exception
        bars = at.get("plotly_chart")
        assert any("incoming weights of L2" in b.proto.spec for b in bars)


def _captions(at):
    return [c for image in at.image for c in image.captions]


def test_fool_it_flips_the_answer(shipped, test_x):
    x, labels = test_x
    at = part(open_page(PAGE), "fool")
    at.number_input(key=pr.FOOL_INDEX).set_value(11).run()
    net = shipped["sigmoid"]
    f = probe.fool(net, x[11])
    assert metric(at, "Pixels changed") == str(f.count)
    assert int(net.predict(f.image)) != int(net.predict(x[11]))
    assert f"Answer **{f.before} → {f.after}**" in container_text(at, "probe_fool")
    at.selectbox(key=pr.FOOL_TARGET).set_value(2).run()
    g = probe.fool(net, x[11], target=2)
    assert g.flipped and int(net.predict(g.image)) == 2
    assert metric(at, "Pixels changed") == str(g.count)
    assert f"Answer **{g.before} → 2**" in container_text(at, "probe_fool")


def image_captions(node) -> list:
    """The captions of every st.image under ``node`` (AppTest has no accessor for images)."""
    found = [img.caption for img in getattr(getattr(node, "proto", None), "imgs", [])]
    for child in getattr(node, "children", {}).values():
        found += image_captions(child)
    return found


def test_the_dimmed_fooled_image_is_explained_by_its_caption(shipped, test_x):
    """The right-hand picture draws the fooled image dimmed: its caption says so, and how dim, as measured on
    the picture itself (a full-ink pixel that did not change is drawn at that share of white)."""
    from ui import probe_figures
    x, _ = test_x
    at = part(open_page(PAGE), "fool")
    caption = image_captions(keyed(at, "probe_fool"))[0]
    before = np.ones(784, np.float32)
    after = before.copy()
    after[0] = 0.0  # one pixel changed: ink removed (red); the rest full ink, unchanged
    picture = probe_figures.changes_image(before, after, size=28)
    grey = picture[27, 27]
    assert grey[0] == grey[1] == grey[2] and 0 < grey[0] < 255 and tuple(picture[0, 0]) != tuple(grey)
    assert "dimmed" in caption and f"at {grey[0] / 255:.0%}" in caption
    assert "blue where ink was added" in caption and "red where it was removed" in caption


def test_break_it_scores_against_a_full_recomputation(shipped, test_x):
    x, labels = test_x
    net = shipped["sigmoid"]
    at = part(open_page(PAGE), "break")
    assert metric(at, "Test accuracy") == f"{manual_accuracy(net, x, labels, []):.2%}"
    at.multiselect(key=pr.BREAK_OFF).set_value(["1:3", "2:7"]).run()
    assert metric(at, "Test accuracy") == f"{manual_accuracy(net, x, labels, [(1, 3), (2, 7)]):.2%}"
    at.button(key=pr.BREAK_RANK).click().run()
    table = at.dataframe[-1].value
    assert len(table) == 10
    worst = table["neuron"][0]
    layer, neuron = int(worst[1]), int(worst.split("#")[1])
    expected = manual_accuracy(net, x, labels, [(layer, neuron)])
    assert table["accuracy without it"][0] == pytest.approx(expected * 100, abs=1e-6)
    drops = list(table["drop (points)"])
    assert drops == sorted(drops, reverse=True)
    at.button(key="probe_break_top3").click().run()
    off = at.session_state[pr.BREAK_OFF]
    assert len(off) == 3 and off[0] == f"{layer}:{neuron}"
    at.button(key="probe_break_clear").click().run()
    assert at.session_state[pr.BREAK_OFF] == []


def test_noise_census_matches_the_network_s_answers(shipped):
    at = part(open_page(PAGE), "noise")
    at.segmented_control(key=pr.NOISE_KIND).set_value("binary").run()
    at.selectbox(key=pr.NOISE_N).set_value(1_000).run()
    at.number_input(key=pr.NOISE_SEED).set_value(3).run()
    images = probe.noise_images(1_000, "binary", np.random.default_rng(3))
    answers = shipped["sigmoid"].predict(images)
    counts = np.bincount(answers, minlength=10)
    assert metric(at, "Most common answer") == str(int(counts.argmax()))
    assert "over 1,000 images" in container_text(at, "probe_noise")


def test_the_edited_copy_is_probed(shipped, test_x):
    x, labels = test_x
    at = open_page(PAGE)
    log = EditLog(shipped["relu"], "relu")
    scorer = Scorer(log.net, x, labels)
    log.listeners.append(scorer.on_edit)
    log.zero_layer(2)
    from ui.state import Tuning
    at.session_state["tuning_relu"] = Tuning(log, scorer)
    at.radio(key="model").set_value("relu").run()
    assert not at.exception, at.exception
    assert "your hand-edited ReLU model" in at.caption[0].value
    part(at, "break")
    assert metric(at, "Test accuracy") == f"{manual_accuracy(log.net, x, labels, []):.2%}"
    part(at, "want")
    at.button(key=pr.DREAM_RUN).click().run()
    assert at.session_state[pr.DREAM_RESULT].fingerprint == pr.fingerprint(log.net)
    at.toggle(key="use_edits").set_value(False).run()
    part(at, "break")
    assert metric(at, "Test accuracy") == f"{manual_accuracy(shipped['relu'], x, labels, []):.2%}"
    part(at, "want")  # the dream was of the edited copy: the page says it is stale
    assert any("Computed for another network" in c.value for c in at.caption)


def test_without_mnist_the_page_still_dreams_and_counts_noise(monkeypatch, tmp_path):
    monkeypatch.setenv("MNIST_DIR", str(tmp_path / "empty"))
    monkeypatch.setenv("MNIST_DOWNLOAD", "0")
    at = open_page(PAGE)
    needs = []
    for name in pr.SECTIONS:
        part(at, name)
        needs += [name for i in at.info if "needs the MNIST test images" in i.value]
        assert len([w for w in at.warning if "MNIST" in w.value]) == 1  # one notice, from the sidebar
    assert needs == ["morph", "fool", "break"]
    part(at, "want")
    assert at.segmented_control(key=pr.DREAM_START).options == ["blank", "noise"]
    at.button(key=pr.DREAM_RUN).click().run()
    assert not at.exception and at.session_state[pr.DREAM_RESULT] is not None
    part(at, "noise")
    assert metric(at, "Most common answer") in [str(d) for d in range(10)]


def test_presenter_view_hides_the_secondary_controls():
    at = open_page(PAGE, query={"present": "1"})
    assert every_part(at) == SECTIONS
    part(at, "want")
    assert not [e for e in at.expander if e.label == "More settings"]
    assert pr.MORPH_A in {n.key for n in part(at, "morph").number_input}
    assert pr.NOISE_SEED not in {n.key for n in part(at, "noise").number_input}
