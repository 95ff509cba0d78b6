"""Real browser: paint with the brush, and two visitors whose edits stay their own."""
import re

import pytest

from src import weights_file
from tests import browser as br

pytestmark = [pytest.mark.browser, pytest.mark.skipif(br.missing() is not None, reason=br.missing() or "")]


METRIC = "[data-testid='stMetric']"


@pytest.fixture(scope="module")
def app():
    with br.app_server() as url, br.browser() as b:
        yield url, b


def metrics(page):
    texts = page.locator("[data-testid='stMetric']").all_inner_texts()
    return {t.split("\n")[0]: t.split("\n")[2] for t in texts if t.count("\n") >= 2}


def paint(page, y=140):
    box = page.locator(".st-key-tune_brush canvas.upper-canvas, canvas.upper-canvas").first.bounding_box()
    page.mouse.move(box["x"] + 40, box["y"] + y)
    page.mouse.down()
    page.mouse.move(box["x"] + 240, box["y"] + y, steps=15)
    page.mouse.up()


def wait_edits(page, n, timeout=20_000):
    page.wait_for_function(
        "n => [...document.querySelectorAll('[data-testid=stMetric]')].some("
        "m => m.innerText.startsWith('Edits') && m.innerText.split('\\n')[2] == String(n))", arg=n, timeout=timeout)
    br.wait_for_app(page)


def test_brush_stroke_is_one_undoable_edit(app):
    url, b = app
    page = b.new_page(viewport={"width": 1400, "height": 1400})
    page.goto(f"{url}/hand_tune?neuron=3")
    br.wait_for_app(page, selector=METRIC)
    trained = metrics(page)["Trained model"]
    paint(page)
    wait_edits(page, 1)
    assert "painted" in page.locator(".st-key-tune_status").inner_text()
    assert metrics(page)["Test accuracy now"] != trained
    page.locator(".st-key-tune_undo button").click()
    wait_edits(page, 0)
    assert metrics(page)["Test accuracy now"] == trained
    page.close()


def test_two_visitors_edits_are_their_own(app, tmp_path):
    url, b = app
    size = {"width": 1400, "height": 1400}
    alice_ctx, bob_ctx = b.new_context(accept_downloads=True, viewport=size), b.new_context(viewport=size)
    alice, bob = alice_ctx.new_page(), bob_ctx.new_page()
    for page in (alice, bob):
        page.goto(f"{url}/hand_tune?neuron=3")
        br.wait_for_app(page, selector=METRIC)
    trained = metrics(alice)["Trained model"]
    paint(alice, 120)
    wait_edits(alice, 1)
    paint(alice, 180)
    wait_edits(alice, 2)
    alice_acc = metrics(alice)["Test accuracy now"]
    assert alice_acc != trained
    # Bob, on the same server, still has the trained model, also after a fresh run of his page
    bob.reload()
    br.wait_for_app(bob, selector=METRIC)
    assert metrics(bob)["Test accuracy now"] == trained and metrics(bob)["Edits"] == "0"
    # and a new visitor too: the shared trained weights were never modified
    carol = b.new_page(viewport={"width": 1400, "height": 1400})
    carol.goto(f"{url}/hand_tune?neuron=3")
    br.wait_for_app(carol, selector=METRIC)
    assert metrics(carol)["Test accuracy now"] == trained
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
    carol.close()
