"""AppTest of the home page and of what every page shares: the page registry, the sidebar, the presenter view,
visitor text made safe, and the one notice when MNIST is missing."""
import re

import pytest
from streamlit.testing.v1 import AppTest

from src.edits import EditLog
from src.scoring import Scorer
from src.train import pixels
from tests.conftest import ROOT
from ui import registry
from ui.text import clean, safe


def home(query=None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    if query:
        at.query_params.update(query)
    at.run()
    assert not at.exception, at.exception
    return at


def test_home_shows_both_models_accuracy(mnist_test, shipped):
    at = home()
    metrics = {m.label: m.value for m in at.metric}
    x, labels = pixels(mnist_test[0]), mnist_test[1]
    for name, label in (("sigmoid", "Sigmoid accuracy"), ("relu", "ReLU accuracy")):
        expected = f"{shipped[name].accuracy(x, labels):.2%}"
        assert metrics.get(label) == expected, (metrics, expected)


def test_the_server_uses_one_blas_thread():
    from ui import blas
    if blas.threads() is None:
        pytest.skip("NumPy's OpenBLAS cannot be asked for its thread count here")
    home()
    assert blas.threads() == 1


def test_every_registry_page_exists_and_has_a_card():
    at = home()
    for page in registry.PAGES:
        assert (ROOT / page.path).is_file(), page.path
    # Streamlit serves pages/3_sigmoid_vs_relu.py at /sigmoid_vs_relu: the registry must agree
    assert registry.by_path("pages/3_sigmoid_vs_relu.py").url_path == "sigmoid_vs_relu"
    assert registry.registry_page_files() == sorted(p.path for p in registry.PAGES if p.path != "app.py")
    cards = [p for p in registry.PAGES if p is not registry.HOME]
    from tests.pages_helpers import keyed
    for page in cards:
        keyed(at, f"home_card_{page.url_path}")  # a card for every page


def test_sidebar_shows_the_edited_copys_accuracy_when_it_is_in_use(mnist_test, shipped):
    at = home()
    log = EditLog(shipped["sigmoid"].copy(), "sigmoid")
    x, labels = pixels(mnist_test[0]), mnist_test[1]
    scorer = Scorer(log.net, x, labels)
    log.listeners.append(scorer.on_edit)
    log.zero_layer(2)  # breaks the network: its accuracy falls far below the trained model's
    from ui.state import Tuning
    at.session_state["tuning_sigmoid"] = Tuning(log, scorer)
    at.run()
    caption = " ".join(c.value for c in at.sidebar.caption)
    expected = f"{log.net.accuracy(x, labels):.2%}"
    assert "your edited copy" in caption and expected in caption, caption
    at.toggle(key="use_edits").set_value(False).run()
    caption = " ".join(c.value for c in at.sidebar.caption)
    assert "trained" in caption and f"{shipped['sigmoid'].accuracy(x, labels):.2%}" in caption, caption


def test_presenter_view_is_kept_across_pages_and_can_be_turned_off():
    at = home({"present": "1"})
    assert at.session_state["presenting"] is True
    assert at.toggle(key="sidebar_present").value is True
    at.switch_page("pages/4_parameters.py").run()
    assert at.session_state["presenting"] is True
    at.toggle(key="sidebar_present").set_value(False).run()
    assert at.session_state["presenting"] is False


@pytest.mark.parametrize("text", [
    "[click me](https://evil.example/login)",
    "![](https://evil.example/pixel.png)",
    "<img src=https://evil.example/p.png>",
    "www.evil.example and http://evil.example",
    ":red[alarm] :material/warning: $x^2$ **bold** `code`",
])
def test_visitor_text_loses_every_markdown_meaning(text):
    out = safe(text).replace("\u2060", "")  # the invisible joiners that break autolinks
    # every ASCII punctuation character is escaped, so no link, image, tag, directive or maths survives
    for m in re.finditer(r"[!-/:-@\[-`{-~]", out):
        if m.group() == "\\" and out[m.start() + 1:m.start() + 2] and re.match(r"[!-/:-@\[-`{-~]", out[m.start() + 1]):
            continue
        assert m.start() > 0 and out[m.start() - 1] == "\\", (out, m.start())
    # and taking the escapes away gives the visitor's text back
    assert re.sub(r"\\(.)", r"\1", out) == clean(text)


def test_safe_leaves_numbers_and_plain_words_readable():
    # invisible joiners only where a link could start: a copied score has none
    assert safe("Submitted: 9.80% (rank 1.5)").endswith("9\\.80\\% \\(rank 1\\.5\\)")
    assert "\u2060" not in safe("Ana scored 97.5")


def test_clean_bounds_length_and_drops_controls():
    assert clean("a\u202eb\nc\x00d") == "ab cd"
    assert len(clean("x" * 1000, limit=40)) == 40
    assert clean("Zoë 🧠") == "Zoë 🧠"
    assert clean("👩\u200d👩\u200d👧") == "👩\u200d👩\u200d👧"  # one family emoji, not three people


def test_no_mnist_gives_one_notice_and_every_page_renders(tmp_path, monkeypatch):
    monkeypatch.setenv("MNIST_DIR", str(tmp_path / "empty"))
    monkeypatch.setenv("MNIST_DOWNLOAD", "0")
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    notices = [w.value for w in at.warning if "MNIST" in w.value]
    assert len(notices) == 1 and "MNIST_DIR" in notices[0] and "python -m src.infra.mnist download" in notices[0], notices
    assert notices[0].rstrip().endswith(".")
    assert "test accuracy when trained" in " ".join(c.value for c in at.sidebar.caption)
    for page in registry.PAGES[1:]:
        at.switch_page(page.path).run()
        assert not at.exception, (page.path, at.exception)
        assert len([w for w in at.warning if "MNIST test images are not available" in w.value]) == 1, page.path


def test_home_parameter_table_is_the_parameters_pages_counted_from_the_arrays(shipped):
    """Home shows the Parameters page's table (one function builds both), its numbers counted from the arrays."""
    at = home()
    table = at.dataframe[0]
    net = shipped["sigmoid"]
    sizes = [w.size for w in net.weights]
    biases = [b.size for b in net.biases]
    assert list(table.value["weights"]) == sizes + [sum(sizes)]
    assert list(table.value["biases"]) == biases + [sum(biases)]
    assert list(table.value["layer total"]) == [w + b for w, b in zip(sizes, biases)] + [13002]
    assert list(table.value["from → to"])[:3] == ["784 → 16", "16 → 16", "16 → 10"]
    assert list(table.proto.column_order) == ["from → to", "weights", "biases", "layer total"]
