"""Real browser: the Hand-tune weight grid under every tool, with a mouse and with a finger.

Clicking or dragging the grid while the Exact, Template or Whole tool was open broke the whole page (the stroke
handler read the brush strength, a widget value that is gone while the Brush controls are not shown), and on a
phone a finger scrolling the page across the grid painted an edit. AppTest cannot draw on a canvas: only a
browser shows either.
"""
import re

import pytest

from tests import browser as br

pytestmark = [pytest.mark.browser, pytest.mark.skipif(br.missing() is not None, reason=br.missing() or "")]

GRID = ".st-key-tune_grid"
CANVAS = f"{GRID} canvas.upper-canvas"


app = pytest.fixture(scope="module", name="app")(br.served_app)


def open_tune(b, url, context, query="neuron=3"):
    ctx = b.new_context(**context)
    page = ctx.new_page()
    page.goto(f"{url}/hand_tune?{query}")
    br.wait_for_app(page, selector=CANVAS)
    return ctx, page


def edits(page) -> str:
    for text in page.locator("[data-testid='stMetric']").all_inner_texts():
        lines = text.split("\n")
        if lines[0] == "Edits" and len(lines) >= 3:
            return lines[2]
    raise AssertionError("no Edits metric on the page")


def broken(page) -> str | None:
    """The error the page shows instead of itself, if any."""
    if page.get_by_text("This app has encountered an error").count():
        return "This app has encountered an error"
    if page.locator("[data-testid='stException']").count():
        return page.locator("[data-testid='stException']").first.inner_text()[:300]
    return None


def choose_tool(page, name):
    page.locator(".st-key-tune_tool [role=radiogroup] button").filter(has_text=re.compile(f"^{name}$")).click()
    br.wait_for_app(page)


def drag(page, box, x0=40, x1=240, y=140):
    page.mouse.move(box["x"] + x0, box["y"] + y)
    page.mouse.down()
    page.mouse.move(box["x"] + x1, box["y"] + y, steps=12)
    page.mouse.up()


def settle(page, ms=2500):
    """Give a stroke time to reach the server and the rerun it causes time to finish."""
    page.wait_for_timeout(ms)
    br.wait_for_app(page)


@pytest.mark.parametrize("tool", ["Exact", "Template", "Whole"])
def test_dragging_the_grid_under_another_tool_keeps_the_page(app, tool):
    url, b = app
    ctx, page = open_tune(b, url, br.DESKTOP)
    choose_tool(page, tool)
    box = page.locator(GRID).first.bounding_box()
    page.mouse.click(box["x"] + 100, box["y"] + 100)
    drag(page, box)
    settle(page)
    assert broken(page) is None
    assert edits(page) == "0"  # only the brush paints
    choose_tool(page, "Brush")  # and the brush still paints afterwards
    drag(page, page.locator(CANVAS).first.bounding_box())
    page.wait_for_function("() => [...document.querySelectorAll('[data-testid=stMetric]')]"
                           ".some(m => m.innerText.startsWith('Edits') && m.innerText.split('\\n')[2] == '1')",
                           timeout=30_000)
    assert broken(page) is None
    ctx.close()


def test_exact_tool_a_click_on_the_grid_chooses_the_pixel(app):
    url, b = app
    ctx, page = open_tune(b, url, br.DESKTOP)
    choose_tool(page, "Exact")
    box = page.locator(CANVAS).first.bounding_box()
    cell = box["width"] / 28
    page.mouse.click(box["x"] + 20.5 * cell, box["y"] + 6.5 * cell)  # row 6, column 20
    page.wait_for_function("() => document.querySelector('.st-key-tune_col input')?.value === '20'", timeout=30_000)
    br.wait_for_app(page)
    assert page.locator(".st-key-tune_row input").input_value() == "6"
    assert edits(page) == "0" and broken(page) is None
    ctx.close()


def grid_box(page):
    """The canvas's box once it is in view; the canvas is replaced after a stroke or a change of tool, so it
    is looked up again if it went away meanwhile."""
    for _ in range(5):
        try:
            canvas = page.locator(CANVAS).first
            canvas.scroll_into_view_if_needed(timeout=5_000)
            page.wait_for_timeout(300)
            return canvas.bounding_box()
        except Exception:  # noqa: BLE001 - detached by a rerun: look again
            br.wait_for_app(page, selector=CANVAS)
    raise AssertionError("the grid's canvas did not stay on the page")


def touch(cdp, kind, points):
    cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": [{"x": x, "y": y} for x, y in points]})


def swipe(page, cdp, x, y0, y1, steps=12):
    """A finger moving from (x, y0) to (x, y1), as a phone sends it."""
    touch(cdp, "touchStart", [(x, y0)])
    for i in range(1, steps + 1):
        touch(cdp, "touchMove", [(x, y0 + (y1 - y0) * i / steps)])
        page.wait_for_timeout(16)
    touch(cdp, "touchEnd", [])


def scroll_top(page) -> float:
    return page.evaluate("() => document.querySelector('[data-testid=stMain]').scrollTop + window.scrollY")


def test_on_a_phone_a_finger_scrolls_past_the_grid_and_paints_after_a_tap(app):
    url, b = app
    ctx, page = open_tune(b, url, br.PHONE)
    cdp = ctx.new_cdp_session(page)
    for tool in ("Brush", "Exact"):
        if tool != "Brush":
            choose_tool(page, tool)
        box = grid_box(page)
        before = scroll_top(page)
        # a finger scrolling the page up, starting on the grid
        swipe(page, cdp, box["x"] + 140, box["y"] + 250, box["y"] + 20)
        settle(page)
        assert broken(page) is None
        assert edits(page) == "0", f"a scroll across the grid painted ({tool})"
        assert scroll_top(page) > before, "the finger did not scroll the page"
    # under the Exact tool a tap chooses the pixel at once
    box = grid_box(page)
    cell = box["width"] / 28
    page.touchscreen.tap(box["x"] + 20.5 * cell, box["y"] + 6.5 * cell)  # row 6, column 20
    page.wait_for_function("() => document.querySelector('.st-key-tune_col input')?.value === '20'", timeout=30_000)
    br.wait_for_app(page)
    assert page.locator(".st-key-tune_row input").input_value() == "6" and edits(page) == "0"
    # painting with a finger: tap the grid first, then paint
    choose_tool(page, "Brush")
    box = grid_box(page)
    page.touchscreen.tap(box["x"] + 140, box["y"] + 140)
    settle(page, 1000)
    assert edits(page) == "0", "the tap that starts painting painted"
    box = page.locator(CANVAS).first.bounding_box()  # not scrolled: the tap armed this canvas
    y = box["y"] + 150
    touch(cdp, "touchStart", [(box["x"] + 30, y)])
    for i in range(1, 13):
        touch(cdp, "touchMove", [(box["x"] + 30 + 220 * i / 12, y)])
        page.wait_for_timeout(16)
    touch(cdp, "touchEnd", [])
    page.wait_for_function("() => [...document.querySelectorAll('[data-testid=stMetric]')]"
                           ".some(m => m.innerText.startsWith('Edits') && m.innerText.split('\\n')[2] == '1')",
                           timeout=30_000)
    assert broken(page) is None
    ctx.close()
