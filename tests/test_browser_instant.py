"""Real browser: instant mode on the draw page. The answer is read while the mouse button is still down, nothing
goes to the server during a stroke, a broken canvas gives the fallback, phone and projector sizes hold."""
import pytest

from tests import browser as br

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = [pytest.mark.browser, pytest.mark.skipif(br.missing() is not None, reason=br.missing() or "")]

SURFACE = ".inst-surface"


app = pytest.fixture(scope="module", name="app")(br.served_app)


def open_draw(app, options=br.DESKTOP, query="", init_script=None, surface=True):
    url, b = app
    context = b.new_context(**options)
    page = context.new_page()
    if init_script:
        page.add_init_script(init_script)
    sent = []  # the size of every websocket frame the page sends to the server
    page.on("websocket", lambda ws: ws.on("framesent", lambda payload: sent.append(len(payload))))
    page.goto(f"{url}/draw{query}")
    br.wait_for_app(page, timeout=br.LOAD_MS, selector=SURFACE if surface else None)
    return context, page, sent


@pytest.fixture
def desktop(app):
    context, page, sent = open_draw(app)
    yield page, sent
    context.close()


def answer(page) -> str:
    return page.locator(".inst-digit").inner_text().strip()


def surface_box(page):
    page.locator(SURFACE).scroll_into_view_if_needed()
    return page.locator(SURFACE).bounding_box()


def stroke(page, points, release=True):
    """Draw one stroke with the mouse; with ``release=False`` the button stays down (call page.mouse.up())."""
    box = surface_box(page)
    k = box["width"] / 280
    page.mouse.move(box["x"] + points[0][0] * k, box["y"] + points[0][1] * k)
    page.mouse.down()
    for x, y in points[1:]:
        page.mouse.move(box["x"] + x * k, box["y"] + y * k, steps=8)
    if release:
        page.mouse.up()


def instant_state(page, expression):
    """Evaluate ``expression`` on the surface's state object ``s`` (kept by ui/instant.js on its root)."""
    return page.locator(".inst").evaluate(f"el => {{ const s = el.__instant; return {expression}; }}")


@pytest.mark.parametrize("digit", sorted(br.DIGITS))
def test_the_answer_is_there_before_the_button_is_released(desktop, digit):
    page, sent = desktop
    assert answer(page) == ""
    stroke(page, br.DIGITS[digit][0], release=False)
    assert answer(page) == str(digit)  # read with the button still down: nothing has gone to the server
    page.mouse.up()


def test_nothing_goes_to_the_server_during_a_stroke_and_one_message_after(desktop):
    page, sent = desktop
    page.wait_for_timeout(1500)  # let the page's own start-up messages pass
    before = len(sent)
    stroke(page, br.DIGITS[0][0], release=False)
    page.wait_for_timeout(500)
    assert len(sent) == before, "frames were sent while drawing"
    updates = instant_state(page, "s.updates")
    assert updates >= 20  # and yet the picture was repainted on every move
    page.mouse.up()
    page.wait_for_timeout(1500)
    assert len(sent) - before >= 1  # the stroke's end went to the server ...
    br.wait_for_app(page)
    # ... and the server took it: the page's other parts now show this drawing
    assert instant_state(page, "s.sent") == 1


def test_undo_and_clear_and_the_grid_brush(desktop):
    page, _ = desktop
    stroke(page, br.DIGITS[1][0])
    assert answer(page) == "1"
    stroke(page, [(60, 60), (140, 60), (220, 60)])  # a bar across the top: a 7
    assert answer(page) == "7"
    page.locator(".inst-undo").click()
    assert answer(page) == "1"
    page.locator(".inst-clear").click()
    assert answer(page) == ""
    page.locator("[data-mode=grid]").click()  # the lesson's soft brush on the 28x28 grid
    stroke(page, [(140, 50), (140, 140), (140, 230)], release=False)
    assert answer(page) == "1"
    page.mouse.up()
    lit = instant_state(page, "Array.from(s.grid).filter(v => v > 0).length")
    assert 20 <= lit <= 120  # a soft line some cells wide, not a blob


def test_drawing_is_still_there_after_visiting_another_page(desktop):
    page, _ = desktop
    stroke(page, br.DIGITS[7][0])
    assert answer(page) == "7"
    br.wait_for_app(page)
    page.get_by_role("link", name="Home").first.click()
    br.wait_for_app(page)
    page.get_by_role("link", name="Draw & classify").first.click()
    br.wait_for_app(page, timeout=br.LOAD_MS, selector=SURFACE)
    expect(page.locator(".inst-digit")).to_have_text("7", timeout=30_000)


def test_a_tab_that_lost_the_weights_asks_for_them(desktop):
    """The server sends only the network's version to a tab that said it holds it; a tab that no longer does
    asks, and gets the weights again."""
    page, _ = desktop
    stroke(page, br.DIGITS[7][0])
    br.wait_for_app(page)
    page.get_by_role("link", name="Home").first.click()
    br.wait_for_app(page)
    page.evaluate("() => window.__instantNetworks.clear()")
    page.get_by_role("link", name="Draw & classify").first.click()
    br.wait_for_app(page, timeout=br.LOAD_MS, selector=SURFACE)
    expect(page.locator(".inst-digit")).to_have_text("7", timeout=30_000)
    assert page.evaluate("() => window.__instantNetworks.size") == 1
    assert instant_state(page, "s.asked") == 1  # it was sent the version alone, and asked once


def test_clicking_a_neuron_inspects_it(desktop):
    page, _ = desktop
    stroke(page, br.DIGITS[7][0])
    br.wait_for_app(page)
    x, y = instant_state(page, "s.layout.pos[1][5]")  # layer 2, neuron 5, in the picture's own px
    net = page.locator(".inst-net")
    net.scroll_into_view_if_needed()
    box = net.bounding_box()
    width = instant_state(page, "s.layout.width")
    page.mouse.click(box["x"] + x * box["width"] / width + 6, box["y"] + y * box["width"] / width + 6)  # off-centre
    expect(page.locator(".inst-neuron")).to_contain_text("Hidden layer 2, neuron 5:")
    br.wait_for_app(page)
    # the server took the choice: the page's own neuron controls now show it
    expect(page.get_by_role("combobox", name="Look at a neuron in")).to_have_value("hidden layer 2", timeout=30_000)
    expect(page.get_by_role("combobox", name="Neuron", exact=True)).to_have_value("5", timeout=30_000)


def test_a_script_error_shows_the_fallback(app):
    """A browser whose canvas gives no 2-D context: the surface says drawing is unavailable, the page offers
    the MNIST images, and nothing else on the page breaks."""
    context, page, _ = open_draw(app, init_script="HTMLCanvasElement.prototype.getContext = () => null;",
                                 surface=False)
    page.wait_for_function("() => [...document.querySelectorAll('[data-testid=stAlert]')]"
                           ".some(e => e.innerText.includes('Drawing is unavailable'))", timeout=br.LOAD_MS)
    assert "unavailable" in page.locator(".inst-fallback").inner_text()
    page.get_by_role("button", name="Use the MNIST test images").click()
    br.wait_for_app(page)
    page.wait_for_function("() => document.querySelector('.st-key-prediction') !== null", timeout=br.LOAD_MS)
    context.close()


def test_phone_shows_the_answer_and_outputs_while_a_finger_draws(app):
    context, page, sent = open_draw(app, br.PHONE)
    box = surface_box(page)
    k = box["width"] / 280
    cdp = context.new_cdp_session(page)
    points = [(box["x"] + x * k, box["y"] + y * k) for x, y in br.DIGITS[7][0]]
    cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": points[0][0], "y": points[0][1]}]})
    for (x0, y0), (x1, y1) in zip(points, points[1:]):
        for j in range(1, 9):
            cdp.send("Input.dispatchTouchEvent", {"type": "touchMove",
                                                  "touchPoints": [{"x": x0 + (x1 - x0) * j / 8, "y": y0 + (y1 - y0) * j / 8}]})
    assert answer(page) == "7"  # finger still down
    height = br.PHONE["viewport"]["height"]
    for selector in (".inst-answer", ".inst-bars"):
        b = page.locator(selector).bounding_box()
        assert b["y"] >= 0 and b["y"] + b["height"] <= height, (selector, b)
    scrolled = page.evaluate("() => window.scrollY + (document.querySelector('[data-testid=stMain]') || {}).scrollTop")
    assert not scrolled  # the finger drew; it did not scroll the page
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    # every neuron of the picture is a tap target of at least 24 px on the phone's screen
    page.locator(".inst-net").scroll_into_view_if_needed()
    gap = instant_state(page, "s.layout.gap * s.ui.net.getBoundingClientRect().width / s.layout.width")
    assert gap >= 24
    context.close()


def test_presenter_view_has_a_large_surface_and_labels(app):
    context, page, _ = open_draw(app, query="?present=1")
    stroke(page, br.DIGITS[7][0])
    assert surface_box(page)["width"] >= 420
    sizes = page.locator(".inst").evaluate(
        "el => [...el.querySelectorAll('.inst-caption, figcaption, button, label, .inst-neuron')]"
        ".map(e => parseFloat(getComputedStyle(e).fontSize))")
    assert sizes and min(sizes) >= 16, sizes
    assert instant_state(page, "s.layout.font") >= 16  # the picture's labels
    assert instant_state(page, "s.presenting") is True
    context.close()
