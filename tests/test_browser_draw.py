"""Real browser: draw digits on the server canvas (mouse, and a finger on a phone) and read the answer the page shows.

The server canvas is the draw page's second way to draw (instant mode, the default, is tested in
tests/test_browser_instant.py): each stroke goes to the server, which answers."""
import re

import pytest

from tests import browser as br

pytestmark = [pytest.mark.browser, pytest.mark.skipif(br.missing() is not None, reason=br.missing() or "")]


app = pytest.fixture(scope="module", name="app")(br.served_app)


def open_server_canvas(page, url):
    page.goto(f"{url}/draw")
    br.wait_for_app(page, timeout=br.LOAD_MS)
    page.get_by_text("Server canvas", exact=True).click()
    br.wait_for_app(page, timeout=br.LOAD_MS, selector="canvas.upper-canvas")


@pytest.fixture
def page(app):
    url, b = app
    context = b.new_context(**br.DESKTOP)
    p = context.new_page()
    open_server_canvas(p, url)
    yield p
    context.close()


def draw(page, strokes):
    box = page.locator("canvas.upper-canvas").first.bounding_box()
    for stroke in strokes:
        page.mouse.move(box["x"] + stroke[0][0], box["y"] + stroke[0][1])
        page.mouse.down()
        for x, y in stroke[1:]:
            page.mouse.move(box["x"] + x, box["y"] + y, steps=8)
        page.mouse.up()


def draw_with_finger(page, strokes):
    """Touch events, as a phone sends them (Chromium's DevTools protocol: touchStart, touchMove..., touchEnd)."""
    cdp = page.context.new_cdp_session(page)
    box = page.locator("canvas.upper-canvas").first.bounding_box()
    for stroke in strokes:
        points = [(box["x"] + x, box["y"] + y) for x, y in stroke]
        cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": points[0][0], "y": points[0][1]}]})
        for (x0, y0), (x1, y1) in zip(points, points[1:]):
            for k in range(1, 9):
                x, y = x0 + (x1 - x0) * k / 8, y0 + (y1 - y0) * k / 8
                cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [{"x": x, "y": y}]})
        cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})


def answer_text(page):
    return page.locator(".st-key-prediction").inner_text()


def wait_answer(page, expected=None, timeout=60_000):
    """The digit the page shows once it has answered (``expected``: a digit, or "none" for "Draw a digit")."""
    if expected == "none":
        page.wait_for_function("() => document.querySelector('.st-key-prediction').innerText.includes('Draw a digit')",
                               timeout=timeout)
        br.wait_for_app(page)
        return None
    want = "\\d" if expected is None else str(expected)
    page.wait_for_function(
        "(want) => { const el = document.querySelector('.st-key-prediction');"
        " return el && new RegExp('^\\\\s*' + want).test(el.innerText) }", arg=want, timeout=timeout)
    br.wait_for_app(page)
    return int(re.search(r"\d", answer_text(page)).group())  # the digit is the container's first number


def ink_on_canvas(page) -> int:
    """How many of the canvas's pixels are lit (read from the canvas the visitor sees)."""
    return page.locator("canvas.dc-canvas").first.evaluate(
        "c => { const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; let n = 0;"
        " for (let i = 0; i < d.length; i += 4) if (d[i] > 128) n++; return n }")


@pytest.mark.parametrize("digit", sorted(br.DIGITS))
def test_drawn_digit_is_recognised(page, digit):
    assert "Draw a digit" in answer_text(page)
    draw(page, br.DIGITS[digit])
    assert wait_answer(page) == digit


def test_canvas_toolbar_is_hidden_and_drawing_keeps_working(page):
    """The canvas's own toolbar had an edit toggle that stopped drawing: it is gone, the page's buttons remain."""
    page.locator("canvas.upper-canvas").first.hover()
    page.wait_for_timeout(500)
    assert page.locator("canvas.upper-canvas").count() == 1
    assert not page.locator(".dc-toolbar").first.is_visible()
    assert not page.get_by_role("button", name="Edit", exact=True).is_visible()
    draw(page, br.DIGITS[1])
    assert wait_answer(page, 1) == 1
    page.locator("canvas.upper-canvas").first.hover()
    assert not page.locator(".dc-toolbar").first.is_visible()


def test_undo_and_clear(page):
    draw(page, br.DIGITS[1])
    assert wait_answer(page, 1) == 1
    ink_one = ink_on_canvas(page)
    draw(page, [[(60, 60), (140, 60), (220, 60)]])  # a bar across the top: the 1 becomes a 7
    assert wait_answer(page, 7) == 7
    page.get_by_role("button", name="Undo").click()
    assert wait_answer(page, 1) == 1
    page.wait_for_timeout(1000)
    assert ink_on_canvas(page) == pytest.approx(ink_one, rel=0.05)  # the canvas shows the 1 alone again
    page.get_by_role("button", name="Clear").click()
    wait_answer(page, "none")
    page.wait_for_timeout(500)
    assert ink_on_canvas(page) == 0
    draw(page, br.DIGITS[7])  # and drawing goes on as before
    assert wait_answer(page, 7) == 7


def test_drawing_is_still_there_after_visiting_another_page(page):
    draw(page, br.DIGITS[7])
    assert wait_answer(page, 7) == 7
    ink = ink_on_canvas(page)
    page.get_by_role("link", name="Home").first.click()
    br.wait_for_app(page)
    page.wait_for_selector("canvas.upper-canvas", state="detached")
    page.get_by_role("link", name="Draw & classify").first.click()
    br.wait_for_app(page, timeout=br.LOAD_MS, selector="canvas.upper-canvas")
    assert wait_answer(page, 7) == 7
    page.wait_for_timeout(500)
    assert ink_on_canvas(page) == pytest.approx(ink, rel=0.05)


def test_clicking_a_neuron_inspects_it(page):
    circle = page.locator(".draw-net circle:has(title)").filter(has_text="layer 2, neuron 5:")
    circle.scroll_into_view_if_needed()
    circle.click()
    page.wait_for_function("() => [...document.querySelectorAll('[data-testid=stMarkdown]')]"
                           ".some(e => e.innerText.startsWith('Hidden layer 2, neuron 5'))", timeout=60_000)


def test_phone_answer_is_visible_without_scrolling_after_drawing(app, tmp_path):
    """390x844 touch screen: draw with a finger; the answer is on screen, nothing scrolled."""
    url, b = app
    context = b.new_context(**br.PHONE)
    page = context.new_page()
    open_server_canvas(page, url)
    draw_with_finger(page, br.DIGITS[7])
    assert wait_answer(page, 7) == 7
    page.screenshot(path=str(tmp_path / "phone.png"))
    scrolled = page.evaluate("() => window.scrollY + (document.querySelector('[data-testid=stMain]') || {}).scrollTop")
    assert not scrolled
    box = page.locator(".st-key-prediction").bounding_box()
    assert box["y"] >= 0 and box["y"] + box["height"] <= br.PHONE["viewport"]["height"], box
    context.close()
