"""Real browser: draw digits with the mouse on the canvas and read the answer the page shows."""
import math
import re

import pytest

from tests import browser as br

pytestmark = [pytest.mark.browser, pytest.mark.skipif(br.missing() is not None, reason=br.missing() or "")]

# Strokes as lists of (x, y) points on the 280x280 canvas.
DIGITS = {
    7: [[(70, 60), (210, 60), (185, 120), (155, 180), (130, 240)]],
    1: [[(140, 45), (140, 100), (140, 160), (140, 235)]],
    0: [[(140 + 55 * math.sin(t / 20 * 2 * math.pi), 140 - 90 * math.cos(t / 20 * 2 * math.pi)) for t in range(21)]],
}


@pytest.fixture(scope="module")
def app():
    with br.app_server() as url, br.browser() as b:
        yield url, b


def draw(page, strokes):
    box = page.locator("canvas.upper-canvas").first.bounding_box()
    for stroke in strokes:
        page.mouse.move(box["x"] + stroke[0][0], box["y"] + stroke[0][1])
        page.mouse.down()
        for x, y in stroke[1:]:
            page.mouse.move(box["x"] + x, box["y"] + y, steps=8)
        page.mouse.up()


def shown_digit(page, timeout=20_000):
    page.wait_for_function(
        "() => { const el = document.querySelector('.st-key-prediction');"
        " return el && /\\d/.test(el.innerText) }", timeout=timeout)
    br.wait_for_app(page)
    text = page.locator(".st-key-prediction").inner_text()
    return int(re.search(r"\d", text).group())  # the digit is the container's first number


@pytest.mark.parametrize("digit", sorted(DIGITS))
def test_drawn_digit_is_recognised(app, digit, tmp_path):
    url, b = app
    page = b.new_page(viewport={"width": 1400, "height": 1200})
    page.goto(f"{url}/draw")
    br.wait_for_app(page)
    assert "Draw a digit" in page.locator(".st-key-prediction").inner_text()
    draw(page, DIGITS[digit])
    shown = shown_digit(page)
    page.screenshot(path=str(tmp_path / f"drawn_{digit}.png"))
    assert shown == digit
    
    page.close()


def test_clear_returns_to_draw_a_digit(app):
    url, b = app
    page = b.new_page(viewport={"width": 1400, "height": 1200})
    page.goto(f"{url}/draw")
    br.wait_for_app(page)
    draw(page, DIGITS[1])
    assert shown_digit(page) == 1
    # The canvas toolbar's last button clears the drawing (trash icon).
    page.locator("canvas.upper-canvas").first.hover()
    buttons = page.locator(".st-key-draw_canvas button, [class*='canvas'] button")
    buttons.last.click()
    page.wait_for_function("() => document.querySelector('.st-key-prediction').innerText.includes('Draw a digit')",
                           timeout=20_000)
    page.close()
