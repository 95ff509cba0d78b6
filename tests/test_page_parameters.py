"""AppTest of the Parameters page: counts from the arrays, the issue-10 defects, hostile and large uploads
(issue 9), no MNIST, presenter view, and the pure computations of ui/parameters.py against NumPy."""
import base64
import io
import json

import numpy as np
import pytest
import streamlit

from src.infra import weights_file
from src.edits import EditLog
from src.network import Network, count_parameters
from src.infra.weights_file import to_bytes
from tests import browser as br
from tests.pages_helpers import container_text, keyed, open_page
from ui import parameters as params
from ui import parameters_pictures as pics
from ui import state, theme

PAGE = "pages/4_parameters.py"
# The loader's parameter cap (src/infra/weights_file.py); without one, the issue's large files are all legal.
CAP = getattr(weights_file, "MAX_PARAMETERS", 20_000 * 794 + 10)


def table(at):
    return at.dataframe[0].value


def widget(at, kind, key):
    found = [w for w in at.get(kind) if getattr(w, "key", None) == key]
    return found[0] if found else None


def plotly_array(value):
    """A Plotly JSON array: a list, or Plotly 6+'s typed array {"dtype", "bdata" (base64), "shape"}."""
    if isinstance(value, dict):
        arr = np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"])
        return arr.reshape([int(n) for n in str(value.get("shape", arr.size)).split(",")])
    return np.asarray(value)


def upload(at, name, content):
    at.file_uploader(key=params.UPLOAD).upload(name, content, "application/octet-stream").run()
    assert not at.exception, at.exception
    return at


def npz_bytes(sizes, activation="sigmoid", fill=0.01):
    """A legal weights file of the given layer sizes, deflated (constant weights compress to almost nothing)."""
    arrays = {}
    for l, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
        arrays[f"W{l}"] = np.full((n_out, n_in), fill, np.float32)
        arrays[f"b{l}"] = np.zeros(n_out, np.float32)
    arrays["meta"] = np.array(json.dumps({"activation": activation, "output": "softmax", "layers": list(sizes)}))
    buf = io.BytesIO()
    np.savez_compressed(buf, **arrays)
    return buf.getvalue()


def largest_legal_hidden(n_in=784, n_out=10):
    """The widest single hidden layer a legal 784-h-10 file may have under the loader's parameter cap."""
    return (CAP - n_out) // (n_in + 1 + n_out)


@pytest.fixture
def drawn(monkeypatch):
    """Every st.image array and Plotly figure the page draws: [(height, width)] and [JSON length]."""
    images, figures = [], []
    image, plotly_chart = streamlit.image, streamlit.plotly_chart

    def record_image(img, *a, **k):
        if isinstance(img, np.ndarray):
            images.append(img.shape[:2])
        return image(img, *a, **k)

    def record_plotly(fig, *a, **k):
        figures.append(len(fig.to_json()))
        return plotly_chart(fig, *a, **k)

    monkeypatch.setattr(streamlit, "image", record_image)
    monkeypatch.setattr(streamlit, "plotly_chart", record_plotly)
    return images, figures


# --- counts from the arrays ---------------------------------------------------------------------------------
def test_counts_match_the_arrays_of_the_shipped_model(shipped):
    at = open_page(PAGE)
    t = table(at)
    net = shipped["sigmoid"]
    for l, (w, b) in enumerate(zip(net.weights, net.biases)):
        assert t["weights"][l] == w.size and t["biases"][l] == b.size and t["layer total"][l] == w.size + b.size
        assert t["W shape"][l] == f"{w.shape[0]}x{w.shape[1]}"
    assert list(t["layer total"]) == [12560, 272, 170, 13002]
    assert t["share"][0] == "96.6%"
    assert "12,560 + 272 + 170 = **13,002**" in container_text(at, "params_table")
    assert at.subheader[0].value.startswith("13,002 parameters")


def test_a_model_with_other_layer_sizes():
    net = Network.initialise((784, 30, 20, 10), activation="relu", seed=1)
    at = upload(open_page(PAGE), "wide.npz", to_bytes(net))
    t = table(at)
    expected = [784 * 30 + 30, 30 * 20 + 20, 20 * 10 + 10]
    assert list(t["layer total"]) == expected + [sum(expected)]
    assert list(t["W shape"])[:3] == ["30x784", "20x30", "10x20"]
    assert at.subheader[0].value == f"{sum(expected):,} parameters in the uploaded file"
    assert [t.value for t in at.text] == ["File: wide.npz"]


@pytest.mark.parametrize("sizes", [(784, 10), (784, 9, 8, 7, 6, 10)])
def test_any_depth_renders_every_section(sizes):
    at = upload(open_page(PAGE), "any.npz", to_bytes(Network.initialise(sizes, seed=5)))
    for key in (params.HOVER, params.SHOW_COMPARE):
        at.toggle(key=key).set_value(True).run()
    assert not at.exception
    layers = [f"layer {l}" for l in range(1, len(sizes))]
    assert widget(at, "button_group", params.LAYER).options == layers
    assert list(table(at)["layer"]) == [str(l) for l in range(1, len(sizes))] + ["all"]


def test_a_model_that_does_not_take_images_is_counted_but_not_run():
    at = upload(open_page(PAGE), "tiny.npz", to_bytes(Network.initialise((5, 3, 2), seed=0)))
    assert list(table(at)["layer total"]) == [18, 8, 26]
    assert any("not a 28x28 image" in i.value for i in at.info)


def test_what_if_calculator_counts_against_the_model_in_use():
    at = open_page(PAGE)
    assert at.text_input(key=params.WHATIF).value == "16, 16"  # from the trained model's arrays
    at.text_input(key=params.WHATIF).set_value("100").run()
    n = sum(w + b for w, b in count_parameters([784, 100, 10]))
    assert f"**{n:,}** parameters ({n / 13002:.2f}x the 13,002 of the Sigmoid model)" in container_text(at, "whatif_result")
    at.text_input(key=params.WHATIF).set_value("512, 256, 128").run()
    n = 784 * 512 + 512 + 512 * 256 + 256 + 256 * 128 + 128 + 128 * 10 + 10
    assert f"**{n:,}**" in container_text(at, "whatif_result")
    at.text_input(key=params.WHATIF).set_value("16, banana").run()
    assert any("whole numbers" in e.value for e in at.error)


def test_what_if_of_an_uploaded_model_keeps_its_inputs_and_outputs():
    at = upload(open_page(PAGE), "tiny.npz", to_bytes(Network.initialise((5, 3, 2), seed=0)))
    at.text_input(key=params.WHATIF).set_value("4").run()
    assert "**5 → 4 → 2** has **34** parameters (1.31x the 26 of" in container_text(at, "whatif_result")


def test_count_parameters_agrees_with_built_networks():
    for sizes in [(784, 16, 16, 10), (784, 100, 10), (3, 7, 5, 2, 9)]:
        built = Network.initialise(sizes).parameter_counts()
        assert [(r["weights"], r["biases"]) for r in built] == count_parameters(sizes)


# --- issue 10: the defects --------------------------------------------------------------------------------
def test_sigmoid_and_relu_have_the_colours_of_every_other_page():
    at = open_page(PAGE)
    at.toggle(key=params.SHOW_COMPARE).set_value(True).run()
    fig = json.loads(at.get("plotly_chart")[0].proto.spec)
    colours = {t["name"]: t["line"]["color"] for t in fig["data"]}
    assert colours == {"Sigmoid": theme.ACTIVATION_COLOURS["sigmoid"], "ReLU": theme.ACTIVATION_COLOURS["relu"]}


def test_weight_images_have_a_colour_legend_with_their_numbers(shipped):
    at = open_page(PAGE)
    assert not at.get("plotly_chart")  # first view: images, no Plotly at all
    limit = float(np.abs(shipped["sigmoid"].weights[0]).max())
    legends = [h.proto.body for h in keyed(at, "params_w").get("html")]
    assert legends and f"−{limit:.3g}" in legends[0] and f"+{limit:.3g}" in legends[0]
    gallery = [h.proto.body for h in keyed(at, "params_gallery").get("html")]
    assert gallery and f"+{limit:.3g}" in gallery[0]


def test_the_interactive_heatmap_has_a_colour_bar_and_values_on_hover(shipped):
    at = open_page(PAGE)
    at.toggle(key=params.HOVER).set_value(True).run()
    heat = json.loads(at.get("plotly_chart")[0].proto.spec)["data"][0]
    assert heat["type"] == "heatmap" and heat["showscale"] is True and "%{z" in heat["hovertemplate"]
    w = shipped["sigmoid"].weights[0]
    assert np.allclose(plotly_array(heat["z"]), w, atol=1e-4) and heat["zmid"] == 0
    assert heat["zmax"] == pytest.approx(float(np.abs(w).max()))


def test_every_layer_of_the_proportions_bar_is_labelled_readably():
    at = open_page(PAGE)
    body = keyed(at, "params_proportions").get("html")[0].proto.body
    for text in ("layer 1 (784 → 16): <b>12,560</b> (96.6%)", "layer 2 (16 → 16): <b>272</b> (2.1%)",
                 "layer 3 (16 → 10): <b>170</b> (1.3%)"):
        assert text in body  # in the legend beside the bar, not squeezed inside a 2% sliver


def test_compare_offers_no_radio_with_a_single_choice():
    at = open_page(PAGE)
    at.toggle(key=params.SHOW_COMPARE).set_value(True).run()
    assert widget(at, "radio", params.COMPARE) is None
    assert any("Comparing Sigmoid vs ReLU" in c.value for c in at.caption)


def test_edited_model_is_counted_and_compared(shipped):
    log = EditLog(shipped["sigmoid"], "sigmoid")
    log.set_weight(1, 0, 0, 5.0)  # what the Hand-tune page does: this session's edited copy
    at = open_page(PAGE)
    at.session_state["tuning_sigmoid"] = state.Tuning(log, None)
    at.run()
    assert "hand-edited" in at.subheader[0].value
    at.toggle(key=params.SHOW_COMPARE).set_value(True).run()
    radio = at.radio(key=params.COMPARE)
    assert radio.options == ["Sigmoid vs ReLU", "Edited vs trained"]
    radio.set_value("Edited vs trained").run()
    assert "1 of 12,544 entries differ" in container_text(at, "params_diff")


def test_compared_layers_come_from_the_arrays():
    at = upload(open_page(PAGE), "deep.npz", to_bytes(Network.initialise((784, 20, 20, 20, 10), seed=2)))
    at.toggle(key=params.SHOW_COMPARE).set_value(True).run()
    at.radio(key=params.COMPARE).set_value("Uploaded file").run()
    assert widget(at, "button_group", params.COMPARE_LAYER).options == ["layer 1", "layer 2", "layer 3", "layer 4"]
    assert widget(at, "button_group", params.LAYER).options == ["layer 1", "layer 2", "layer 3", "layer 4"]


def test_a_layer_computation_shows_the_numbers_it_names(shipped):
    at = open_page(PAGE)
    widget(at, "button_group", params.LAYER).set_value(2).run()
    net, x = shipped["sigmoid"], np.zeros(784, np.float32)
    widget(at, "button_group", "params_source").set_value("blank").run()
    fw = net.forward(x)
    rows = keyed(at, "params_vectors").get("dataframe")[0].value
    assert np.allclose(rows["b"], net.biases[1]) and np.allclose(rows["z = W·a + b"], fw.zs[1], atol=1e-5)
    assert np.allclose(rows["a = f(z)"], fw.activations[2], atol=1e-6)


# --- issue 9: uploads parsed once, bounded, named safely, never a traceback ----------------------------------
def test_an_upload_is_parsed_once_not_on_every_rerun(monkeypatch):
    calls = []
    load = weights_file.load
    content = to_bytes(Network.initialise((784, 24, 10), seed=3))
    # parses of the uploaded bytes only: the shipped models are read through the same loader when first used
    monkeypatch.setattr(weights_file, "load", lambda f: (f == content and calls.append(1)) or load(f))
    at = upload(open_page(PAGE), "once.npz", content)
    widget(at, "button_group", params.LAYER).set_value(2).run()
    at.toggle(key=params.HOVER).set_value(True).run()
    at.toggle(key=params.SHOW_COMPARE).set_value(True).run()
    at.text_input(key=params.WHATIF).set_value("30").run()
    at.switch_page(PAGE).run()
    assert len(calls) == 1 and "24 → 10" in " ".join(table(at)["from → to"])
    at.file_uploader(key=params.UPLOAD).upload("renamed.npz", content, "application/octet-stream").run()
    assert len(calls) == 1  # the same bytes under another name: known by their SHA-256
    assert [t.value for t in at.text] == ["File: renamed.npz"]


def test_each_session_keeps_its_own_upload_and_removing_it_frees_it():
    content = to_bytes(Network.initialise((784, 24, 10), seed=3))
    one, two = upload(open_page(PAGE), "one.npz", content), open_page(PAGE)
    assert one.session_state[params.PARSED] is not two.session_state[params.PARSED]
    assert len(one.session_state[params.PARSED]) == 1 and two.session_state[params.PARSED] == {}
    one.file_uploader(key=params.UPLOAD).clear().run()
    assert one.session_state[params.PARSED] == {} and list(table(one)["layer total"]) == [12560, 272, 170, 13002]


def test_the_largest_legal_file_renders_bounded(drawn):
    images, figures = drawn
    hidden = largest_legal_hidden()
    at = upload(open_page(PAGE), "wide.npz", npz_bytes((784, hidden, 10)))
    assert at.subheader[0].value.startswith(f"{784 * hidden + hidden + hidden * 10 + 10:,} parameters")
    at.toggle(key=params.HOVER).set_value(True).run()
    at.toggle(key=params.SHOW_COMPARE).set_value(True).run()
    at.toggle(key=params.SHOW_PROJECTION).set_value(True).run()
    assert not at.exception
    captions = " ".join(c.value for c in at.caption)
    assert f"Showing the first {pics.MAX_NEURONS} of {hidden:,} first-layer neurons" in captions
    assert images and max(h for h, _ in images) <= 1000 and max(w for _, w in images) <= 1100
    assert figures and max(figures) < 600_000  # bytes of JSON: 64 rows at most, histograms as 60 bars


@pytest.mark.parametrize("hidden", [6257, 20000])
def test_the_issues_large_files_never_crash_the_page(hidden, drawn):
    """784-6257-10 crashed the gallery (an image over 65,500 px) and 784-20000-10 cost 1.76 GB: now either
    the loader's parameter cap refuses them with a message, or the page draws them bounded."""
    images, _ = drawn
    at = upload(open_page(PAGE), f"{hidden}.npz", npz_bytes((784, hidden, 10)))
    if 784 * hidden + hidden * 11 + 10 > CAP:
        assert any("could not be read" in e.value for e in at.error)
        assert list(table(at)["layer total"]) == [12560, 272, 170, 13002]
    else:
        assert max(max(s) for s in images) <= 1100


def test_pictures_of_a_wide_layer_are_bounded_by_the_neurons_shown():
    wide = Network([np.ones((6257, 784), np.float32) * 0.01, np.ones((10, 6257), np.float32)],
                   [np.zeros(6257), np.zeros(10)])
    img, _ = pics.gallery(wide.weights[0])
    assert img.shape[0] <= 8 * 90 and img.shape[1] <= 8 * 90  # 64 tiles of 84 px + 6 px gaps
    img, _ = pics.matrix_image(wide.weights[1])  # 10 x 6257: only the first 1,024 columns
    assert img.shape[1] <= pics.MAX_INPUTS * 1 and img.shape[0] <= 10 * 24
    proj = pics.projection(wide)
    assert proj.shape == (10, 784) and np.allclose(proj, wide.weights[1] @ wide.weights[0])
    s = pics.summary(wide.weights[0])
    assert s["count"] == 6257 * 784 and s["mean"] == pytest.approx(0.01) and s["std"] == pytest.approx(0, abs=1e-6)


@pytest.mark.parametrize("name", ["[click here](https://evil.example/phish).npz",
                                  "![pixel](https://evil.example/track.png).npz"])
def test_uploaded_file_names_are_shown_as_text(name):
    """Not even escaped Markdown: GFM turns a bare https://… in escaped text into a live link (seen in Chromium)."""
    def markdown(at):
        return " ".join(e.value for kind in ("title", "subheader", "markdown", "caption", "error", "info", "warning")
                        for e in at.get(kind))
    at = upload(open_page(PAGE), name, to_bytes(Network.initialise((784, 12, 10), seed=4)))
    assert [t.value for t in at.text] == [f"File: {name}"]  # st.text: shown as typed, never rendered
    assert "evil" not in markdown(at) and "evil" not in " ".join(h.proto.body for h in at.get("html"))
    at = upload(open_page(PAGE), name, b"not a zip")
    assert "could not be read" in markdown(at) and "evil" not in markdown(at)


def test_any_loader_exception_is_a_plain_message(monkeypatch):
    def broken(_):
        raise RuntimeError("boom in /srv/secret/site-packages/numpy/lib/format.py")
    monkeypatch.setattr(weights_file, "load", broken)
    at = upload(open_page(PAGE), "odd.npz", b"PK\x03\x04whatever")
    text = " ".join(e.value for e in at.error)
    assert "could not be read" in text and "/srv/secret" not in text and "boom" not in text
    assert list(table(at)["layer total"]) == [12560, 272, 170, 13002]


def test_a_refused_file_says_why_and_keeps_the_model():
    at = upload(open_page(PAGE), "junk.npz", b"junk")
    assert any("could not be read" in e.value for e in at.error)
    assert list(table(at)["layer total"]) == [12560, 272, 170, 13002]


def test_without_mnist_the_page_works_on_drawings_blank_and_noise(tmp_path, monkeypatch):
    monkeypatch.setenv("MNIST_DIR", str(tmp_path))
    monkeypatch.setenv("MNIST_DOWNLOAD", "0")
    at = open_page(PAGE)
    assert widget(at, "button_group", "params_source").options == ["blank", "noise"]
    assert list(table(at)["layer total"]) == [12560, 272, 170, 13002]
    at.session_state["last_drawing"] = np.full((28, 28), 0.5, np.float32)
    at.run()
    source = widget(at, "button_group", "params_source")
    assert source.options == ["my drawing", "blank", "noise"]
    source.set_value("my drawing").run()
    assert "Input: your last drawing" in container_text(at, "params_vectors")


# --- ui/inputs.py, presenter view -------------------------------------------------------------------------
def test_the_test_image_number_survives_a_change_of_input(mnist_test):
    at = open_page(PAGE)
    at.number_input(key="params_index").set_value(7).run()
    widget(at, "button_group", "params_source").set_value("noise").run()
    widget(at, "button_group", "params_source").set_value("test image").run()
    assert at.number_input(key="params_index").value == 7
    assert f"test image #7 (a {int(mnist_test[1][7])})" in container_text(at, "params_vectors")


def test_presenter_view_hides_the_secondary_controls():
    at = open_page(PAGE, query={"present": "1"})
    assert not at.get("file_uploader") and widget(at, "text_input", params.WHATIF) is None
    assert widget(at, "toggle", params.HOVER) is None
    assert list(table(at)["layer total"]) == [12560, 272, 170, 13002]
    assert keyed(at, "params_gallery") is not None


# --- the computations, against NumPy -------------------------------------------------------------------------
def test_summary_statistics_agree_with_numpy(rng):
    a = (rng.standard_normal((3000, 700)) * 0.3).astype(np.float32)  # over two blocks
    s = pics.summary(a)
    a64 = a.astype(np.float64)
    assert s["mean"] == pytest.approx(a64.mean(), abs=1e-9) and s["std"] == pytest.approx(a64.std(), rel=1e-9)
    assert (s["min"], s["max"]) == (float(a.min()), float(a.max()))
    assert s["mean |·|"] == pytest.approx(np.abs(a64).mean()) and s["share |·| < 0.01"] == np.mean(np.abs(a) < 0.01)


def test_histograms_count_every_value_once(shipped):
    models = {n: (net, "#000") for n, net in shipped.items()}
    fig = pics.histograms_figure(models, 1)
    weights = [t for t in fig.data if t.xaxis == "x"]
    biases = [t for t in fig.data if t.xaxis == "x2"]
    assert [int(np.sum(t.y)) for t in weights] == [12544, 12544] and [int(np.sum(t.y)) for t in biases] == [16, 16]
    assert [len(t.y) for t in weights] == [pics.HIST_BINS] * 2 and [len(t.y) for t in biases] == [10, 10]
    w = shipped["sigmoid"].weights[0]
    lo = min(float(w.min()), float(shipped["relu"].weights[0].min()))
    hi = max(float(w.max()), float(shipped["relu"].weights[0].max()))
    expected, _ = np.histogram(w, bins=pics.HIST_BINS, range=(lo, hi))
    assert np.array_equal(np.asarray(weights[0].y), expected)


# --- in a real browser: what AppTest cannot see ---------------------------------------------------------------
@pytest.mark.browser
@pytest.mark.skipif(br.missing() is not None, reason=br.missing() or "")
def test_in_chromium_a_link_named_upload_puts_no_link_or_image_on_the_page():
    """Chromium renders GFM autolinks even from escaped Markdown: the file name must reach no Markdown at all."""
    name = "![p](https://evil.example/t.png) [click](https://evil.example/x) me@evil.example.npz"
    with br.app_server() as url, br.browser() as b:
        for content in (to_bytes(Network.initialise((784, 40, 20, 10), seed=1)), b"not a zip"):
            page = b.new_page(viewport={"width": 390, "height": 844})
            page.goto(f"{url}/parameters")
            br.wait_for_app(page, selector=".st-key-params_table")
            page.get_by_text("Inspect another weights file").click()
            page.locator("input[type=file]").set_input_files(
                files=[{"name": name, "mimeType": "application/octet-stream", "buffer": content}])
            expected = "32,430 parameters in the uploaded file" if len(content) > 100 else "could not be read"
            page.wait_for_function(f"() => document.body.innerText.includes({expected!r})", timeout=60_000)
            br.wait_for_app(page)
            assert page.locator("a[href*='evil'], img[src*='evil']").count() == 0
            page.close()


TOOLBAR_COVERS = """(toolbar) => {
    // The text glyphs and images of the page that the dataframe toolbar's box covers (its own excepted).
    const t = toolbar.getBoundingClientRect();
    const hit = r => Math.min(r.right, t.right) - Math.max(r.left, t.left) > 1 &&
                     Math.min(r.bottom, t.bottom) - Math.max(r.top, t.top) > 1;
    const main = document.querySelector('[data-testid="stMainBlockContainer"]');
    const found = [];
    const walker = document.createTreeWalker(main, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
        if (!n.textContent.trim() || toolbar.contains(n) || n.parentElement.closest('[data-testid="stDataFrame"]')) continue;
        const range = document.createRange();
        range.selectNodeContents(n);
        for (const r of range.getClientRects()) if (hit(r)) { found.push('text: ' + n.textContent.trim().slice(0, 40)); break; }
    }
    main.querySelectorAll('img').forEach(img => { if (hit(img.getBoundingClientRect())) found.push('image'); });
    return found;
}"""


@pytest.mark.browser
@pytest.mark.skipif(br.missing() is not None, reason=br.missing() or "")
def test_on_a_phone_a_tables_toolbar_covers_nothing(mnist_test):
    """390x844 with touch: tapping a table shows its toolbar above it; it lies on no text and no image (it lay
    on the input strip above the layer's vector table)."""
    with br.app_server() as url, br.browser() as b:
        context = b.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
        page = context.new_page()
        page.goto(f"{url}/parameters")
        br.wait_for_app(page, selector=".st-key-params_vectors [data-testid='stDataFrame']")
        tables = page.locator("[data-testid='stMainBlockContainer'] [data-testid='stDataFrame']")
        assert tables.count() >= 2  # the counts and the layer's vectors
        for i in range(tables.count()):
            table = tables.nth(i)
            table.scroll_into_view_if_needed()
            page.mouse.wheel(0, -300)  # the table in the middle of the screen, what is above it in view
            page.wait_for_timeout(300)
            table.tap()
            toolbar = table.locator("xpath=ancestor::*[@data-testid='stElementContainer'][1]").locator(
                "[data-testid='stElementToolbar']")
            toolbar.wait_for(state="visible")
            assert page.evaluate(TOOLBAR_COVERS, toolbar.element_handle()) == [], f"table {i}"
