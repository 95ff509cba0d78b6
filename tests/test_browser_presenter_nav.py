"""Real browser: the presenter view has a visible way out on every page (and keeps the control that opens the
sidebar), a phone's sidebar closes once a page is chosen in it, and Hand-tune's presenter view is big enough
for a projector (a grid of at least 420 px, labels of at least 16 px) while its threshold chart stays readable on a
phone. Only a browser shows what CSS hides, where a click lands, or how large a text is drawn."""
import re

import pytest

from tests import browser as br
from ui.registry import PAGES

pytestmark = [pytest.mark.browser, pytest.mark.skipif(br.missing() is not None, reason=br.missing() or "")]

EXIT = ".st-key-presenter_exit button"
EXPAND = "[data-testid=stExpandSidebarButton]"
PROJECTOR = {"viewport": {"width": 1920, "height": 1080}}


app = pytest.fixture(scope="module", name="app")(br.served_app)


@pytest.mark.parametrize("path", [p.url_path for p in PAGES])
def test_every_page_in_the_presenter_view_has_a_visible_exit(app, path):
    url, b = app
    # a fresh session each: /workshop?present=1 shows only its join form then
    page = br.open_page(b, url, f"{path}?present=1", br.DESKTOP, selector=EXIT)
    exit_button = page.locator(".st-key-presenter_exit").get_by_role("button", name="Exit presenter view")
    assert exit_button.is_visible()
    box = exit_button.bounding_box()
    assert box["y"] >= 0 and box["x"] + box["width"] <= 1400 and box["y"] + box["height"] <= 200  # in view, at the top
    if path != "workshop":  # a fresh session's Workshop stops at its join form before drawing the sidebar
        assert page.locator(EXPAND).is_visible()  # pages and the model are one click away
    page.context.close()


def test_the_exit_leaves_the_presenter_view(app):
    url, b = app
    page = br.open_page(b, url, "hand_tune?present=1", br.DESKTOP, selector=EXIT)
    assert page.locator("[data-testid=stHeader]").evaluate("e => getComputedStyle(e).pointerEvents") == "none"
    page.locator(".st-key-presenter_exit").get_by_role("button", name="Exit presenter view").click()
    page.wait_for_function("() => location.search.includes('present=0')")
    br.wait_for_app(page)
    assert page.locator(EXIT).count() == 0
    assert page.get_by_text("Keep and share").count() == 1  # the full page is back
    page.context.close()


def test_on_a_phone_the_sidebar_closes_after_choosing_a_page(app):
    url, b = app
    page = br.open_page(b, url, "", br.PHONE, selector=EXPAND)
    page.locator(EXPAND).click()
    sidebar = page.locator("[data-testid=stSidebar]")
    page.wait_for_function("() => document.querySelector('[data-testid=stSidebar]').dataset.collapsed === 'false'")
    sidebar.locator("a[data-testid=stPageLink-NavLink]").filter(has_text="Hand-tune").click()
    page.wait_for_url("**/hand_tune**")
    page.wait_for_function("() => document.querySelector('[data-testid=stSidebar]').dataset.collapsed === 'true'",
                           timeout=10_000)
    br.wait_for_app(page, selector=".st-key-tune_grid")
    box = sidebar.bounding_box()
    assert box is None or box["x"] + box["width"] <= 1  # off the screen: the page is what the visitor sees
    page.context.close()


def test_on_a_wide_screen_the_sidebar_stays_open_after_choosing_a_page(app):
    url, b = app
    page = br.open_page(b, url, "", br.DESKTOP, selector="[data-testid=stSidebar] a[data-testid=stPageLink-NavLink]")
    page.locator("[data-testid=stSidebar] a[data-testid=stPageLink-NavLink]").filter(has_text="Hand-tune").click()
    page.wait_for_url("**/hand_tune**")
    br.wait_for_app(page, selector=".st-key-tune_grid")
    page.wait_for_timeout(500)
    assert page.locator("[data-testid=stSidebar]").get_attribute("data-collapsed") == "false"
    page.context.close()


def svg_text_px(page, img) -> float:
    """How many screen pixels high an SVG image's text is drawn: its font size over its viewBox width, times
    the width the image is drawn at."""
    img.scroll_into_view_if_needed()
    svg = page.evaluate("async src => (await fetch(src)).text()", img.get_attribute("src"))
    width = float(re.search(r'viewBox="0 0 ([0-9.]+) ', svg).group(1))
    font = float(re.search(r'font-size="([0-9.]+)"', svg).group(1))
    return font * img.bounding_box()["width"] / width


def font_px(locator) -> float:
    return float(locator.evaluate("e => parseFloat(getComputedStyle(e).fontSize)"))


def test_hand_tune_presenter_view_is_big_enough_for_a_projector(app):
    url, b = app
    page = br.open_page(b, url, "hand_tune?present=1&neuron=3", PROJECTOR,
                        selector=".st-key-tune_grid canvas.upper-canvas")
    canvas = page.locator(".st-key-tune_grid canvas.upper-canvas").first.bounding_box()
    assert canvas["width"] >= 420 and canvas["height"] >= 420
    for label in page.locator(".tune-legend span").all():
        assert font_px(label) >= 16
    for caption in page.locator(".st-key-tune_grid ~ * [data-testid=stCaptionContainer]").all():
        assert font_px(caption) >= 16
    assert svg_text_px(page, page.locator(".st-key-tune_threshold_wide img").first) >= 16
    page.context.close()


def test_hand_tune_threshold_chart_is_readable_on_a_phone(app):
    url, b = app
    page = br.open_page(b, url, "hand_tune?neuron=3", br.PHONE, selector=".st-key-tune_threshold_narrow img")
    page.locator(".st-key-tune_threshold_wide").wait_for(state="hidden", timeout=10_000)
    chart = page.locator(".st-key-tune_threshold_narrow img").first
    assert svg_text_px(page, chart) >= 12
    assert chart.bounding_box()["width"] <= 390
    page.context.close()


def test_hand_tune_presenter_view_weight_bars_have_large_labels(app):
    url, b = app
    page = br.open_page(b, url, "hand_tune?present=1&layer=2&neuron=4", PROJECTOR,
                        selector=".st-key-tune_bars .main-svg text")
    sizes = page.locator(".st-key-tune_bars .main-svg text").evaluate_all(
        "els => els.filter(e => e.textContent.trim()).map(e => parseFloat(getComputedStyle(e).fontSize))")
    assert sizes and min(sizes) >= 16, sizes
    page.context.close()
