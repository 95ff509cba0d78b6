"""Real browser: paint with the brush, Enter applies a value, a reload keeps the edits and their history (or the tab warns),
two visitors' edits stay their own, and the grid with its brush controls fits a phone's screen."""
import re
from urllib.parse import parse_qs, urlparse

import pytest

from src.infra import weights_file
from tests import browser as br

pytestmark = [pytest.mark.browser, pytest.mark.skipif(br.missing() is not None, reason=br.missing() or "")]

METRIC = "[data-testid='stMetric']"
CANVAS = ".st-key-tune_grid canvas.upper-canvas"


app = pytest.fixture(scope="module", name="app")(br.served_app)


def metrics(page):
    texts = page.locator(METRIC).all_inner_texts()
    return {t.split("\n")[0]: t.split("\n")[2] for t in texts if t.count("\n") >= 2}


def open_tune(b, url, query="neuron=3", **context):
    ctx = b.new_context(**{"viewport": {"width": 1400, "height": 1400}, **context})
    page = ctx.new_page()
    page.goto(f"{url}/hand_tune?{query}")
    br.wait_for_app(page, selector=CANVAS)
    return ctx, page


def paint(page, y=140):
    box = page.locator(CANVAS).first.bounding_box()
    page.mouse.move(box["x"] + 40, box["y"] + y)
    page.mouse.down()
    page.mouse.move(box["x"] + 240, box["y"] + y, steps=15)
    page.mouse.up()


def wait_edits(page, n, timeout=30_000):
    page.wait_for_function(
        "n => [...document.querySelectorAll('[data-testid=stMetric]')].some("
        "m => m.innerText.startsWith('Edits') && m.innerText.split('\\n')[2] == String(n))", arg=n, timeout=timeout)
    br.wait_for_app(page)


def choose_tool(page, name):
    page.locator(".st-key-tune_tool [role=radiogroup] button").filter(has_text=re.compile(f"^{name}$")).click()
    br.wait_for_app(page)


def test_brush_enter_and_reload(app):
    url, b = app
    ctx, page = open_tune(b, url)
    trained = metrics(page)["Trained model"]
    # the canvas's own toolbar (whose undo replayed strokes) is not shown
    page.locator(".st-key-tune_grid").hover()
    assert not page.locator(".st-key-tune_grid .dc-toolbar").first.is_visible()
    paint(page)
    wait_edits(page, 1)
    assert "painted" in page.locator(".st-key-tune_status").inner_text()
    painted = metrics(page)["Test accuracy now"]
    assert painted != trained
    # Enter in "New bias" applies it (it is a form)
    choose_tool(page, "Exact")
    box = page.get_by_label("New bias")
    box.fill("-3")
    box.press("Enter")
    wait_edits(page, 2)
    assert "bias = -3" in page.locator(".st-key-tune_status").inner_text()
    edited = metrics(page)["Test accuracy now"]
    # the address holds the edits: a reload opens them again
    page.wait_for_function("() => location.search.includes('edits=')")
    assert parse_qs(urlparse(page.url).query)["neuron"] == ["3"]
    page.reload()
    br.wait_for_app(page, selector=CANVAS)
    assert metrics(page)["Test accuracy now"] == edited
    assert "Opened a Sigmoid network" in page.locator(".st-key-tune_status").inner_text()
    # the reload kept the history: Undo takes back the last step (the bias), then the stroke
    assert metrics(page)["Edits"] == "2"
    page.locator(".st-key-tune_undo button").click()
    wait_edits(page, 1)
    assert metrics(page)["Test accuracy now"] == painted
    page.locator(".st-key-tune_undo button").click()
    wait_edits(page, 0)
    assert metrics(page)["Test accuracy now"] == trained
    page.wait_for_function("() => !location.search.includes('edits=')")
    ctx.close()


def choose_neuron(page, n):
    page.locator(".st-key-neuron input").click()
    page.get_by_role("option", name=str(n), exact=True).click()
    br.wait_for_app(page)


def test_edits_too_long_for_the_address_warn_before_unload(app):
    url, b = app
    ctx, page = open_tune(b, url, "neuron=0")
    choose_tool(page, "Whole")
    for n in (0, 1):  # 784 new values each: one fits in a link, two do not
        choose_neuron(page, n)
        page.locator(".st-key-tune_scale_btn button").click()
        wait_edits(page, n + 1)
    page.get_by_text("too long for an address").wait_for(timeout=30_000)
    assert "edits=" not in page.url
    assert page.evaluate("() => window.__tuneUnsaved") is True
    seen = []
    page.on("dialog", lambda d: (seen.append(d.type), d.dismiss()))
    page.close(run_before_unload=True)
    other = ctx.new_page()
    for _ in range(50):
        if seen:
            break
        other.wait_for_timeout(100)
    assert seen == ["beforeunload"]
    ctx.close()


def test_two_visitors_edits_are_their_own(app, tmp_path):
    url, b = app
    alice_ctx, alice = open_tune(b, url, accept_downloads=True)
    bob_ctx, bob = open_tune(b, url)
    trained = metrics(alice)["Trained model"]
    paint(alice, 120)
    wait_edits(alice, 1)
    paint(alice, 180)
    wait_edits(alice, 2)
    assert metrics(alice)["Test accuracy now"] != trained
    # Bob, on the same server, still has the trained model, also after a fresh run of his page
    bob.reload()
    br.wait_for_app(bob, selector=METRIC)
    assert metrics(bob)["Test accuracy now"] == trained and metrics(bob)["Edits"] == "0"
    # Alice's work is hers to download: the file holds her two strokes
    with alice.expect_download() as d:
        alice.get_by_role("button", name=re.compile("Download this model")).click()
    path = tmp_path / "alice.npz"
    d.value.save_as(path)
    net = weights_file.load(path)
    shipped = weights_file.load(br.ROOT / "weights" / "sigmoid.npz")
    changed = (net.weights[0] != shipped.weights[0]).any(axis=1)
    assert list(changed.nonzero()[0]) == [3]
    for ctx in (alice_ctx, bob_ctx):
        ctx.close()


def test_grid_and_brush_controls_fit_a_phone_screen(app):
    url, b = app
    ctx, page = open_tune(b, url, viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True)
    page.evaluate("() => document.querySelector('.st-key-tune_grid').scrollIntoView({block: 'start'})")
    page.wait_for_timeout(300)
    header = page.locator("[data-testid='stHeader']").bounding_box()
    grid = page.locator(".st-key-tune_grid").bounding_box()
    controls = page.locator(".st-key-tune_brush_controls").bounding_box()
    usable = 844 - (header["height"] if header else 0)
    assert controls["y"] + controls["height"] - grid["y"] <= usable
    for box in (grid, controls):
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    assert page.evaluate("() => document.querySelector('[data-testid=stMain]').scrollWidth") <= 390
    # and painting with a finger works there
    canvas = page.locator(CANVAS).first
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    page.mouse.move(box["x"] + 30, box["y"] + 150)
    page.mouse.down()
    page.mouse.move(box["x"] + 250, box["y"] + 150, steps=12)
    page.mouse.up()
    wait_edits(page, 1)
    ctx.close()


@pytest.mark.parametrize("edited, said", [("sigmoid", "ReLU"), ("relu", "Sigmoid")])
def test_a_link_whose_model_disagrees_with_its_edits_opens_the_edited_model(app, edited, said):
    """model= says one network, the edits were made on the other: the edits' fingerprint decides."""
    from src.edits import EditLog, encode_link
    url, b = app
    label = {"sigmoid": "Sigmoid", "relu": "ReLU"}[edited]
    log = EditLog(weights_file.load(br.ROOT / "weights" / f"{edited}.npz"), edited)
    log.set_bias(3, 2, 4.0)
    ctx = b.new_context(viewport={"width": 1400, "height": 1000})
    page = ctx.new_page()
    page.goto(f"{url}/hand_tune?model={said}&layer=3&neuron=2&edits={encode_link(log)}")
    br.wait_for_app(page, selector=METRIC)
    status = page.locator(".st-key-tune_status").inner_text()
    assert f"Opened a {label} network" in status and said in status  # what was opened, and why not model=
    checked = page.locator("[data-testid=stSidebar] [role=radiogroup] input:checked").first
    assert checked.evaluate("e => e.closest('label').innerText").strip() == label
    assert metrics(page)["Edits"] == "1"
    assert page.get_by_text("b = 4.000").count() >= 1  # the edited neuron is what is shown
    ctx.close()
