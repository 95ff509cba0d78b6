"""Real browser: a race whose page has gone away stops. A race trains in a thread of the server; the server's
output says how each race ended (ui.race logs it), and a second visitor's page shows how many are running."""
import queue
import re
import threading
import time

import pytest

from tests import browser as br

pytestmark = [pytest.mark.browser, pytest.mark.skipif(br.missing() is not None, reason=br.missing() or "")]

STOP_WAIT = 15  # seconds to wait for the race's end line (it ends within a second of the close; the race runs ~6 s+)


@pytest.fixture
def server(mnist_train, mnist_test):
    """The app on a free port, its output read line by line into a queue."""
    port = br.free_port()
    proc = br.start_app(port)
    lines = queue.Queue()
    threading.Thread(target=lambda: [lines.put(l.decode(errors="replace")) for l in proc.stdout], daemon=True).start()
    url = f"http://127.0.0.1:{port}"
    try:
        br.wait_healthy(proc, url)
        yield url, lines
    finally:
        br.stop_app(proc)


def wait_for_line(lines, pattern, seconds):
    """The first server line matching ``pattern`` within ``seconds``, else None."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=0.2)
        except queue.Empty:
            continue
        if re.search(pattern, line):
            return line
    return None


def open_race(b, url):
    page = b.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(f"{url}/sigmoid_vs_relu")
    br.wait_for_app(page, selector="h1")
    page.locator(".st-key-cmp_more").get_by_role("radio", name="A race").click()
    br.wait_for_app(page, selector=".st-key-race_start button")
    return page


def running_now(page) -> int:
    return int(re.search(r"running now: (\d+)", page.inner_text("body")).group(1))


def test_a_race_whose_tab_closes_stops(server):
    url, lines = server
    with br.browser() as b:
        racer = open_race(b, url)
        for key in ("race_images", "race_epochs"):  # the largest race: 60,000 images x 5 epochs
            racer.locator(f".st-key-{key} input[type=range]").focus()
            racer.keyboard.press("End")
            br.wait_for_app(racer)
        racer.locator(".st-key-race_start button").click()
        racer.wait_for_selector(".st-key-race_progress")
        assert running_now(racer) == 1
        # Close at once: on a quiet machine the largest race ends in about 6 s, so nothing slow (such as opening
        # a second page) may come between its start and the close.
        racer.close()
        ended = wait_for_line(lines, r"race ended: ", STOP_WAIT)
        assert ended is not None, "the race went on training for a closed page"
        assert "page closed at" in ended and "of 9,375 steps" in ended, ended
        steps = int(re.search(r"\(([\d,]+) of", ended).group(1).replace(",", ""))
        assert steps < 9375  # stopped early, not run to its end
        watcher = open_race(b, url)  # a second visitor sees the slot free again
        assert running_now(watcher) == 0


OVERLAPS = """(root) => {
    // The Plotly charts under root: every axis title (xtitle, y2title, ...), tick label and legend entry, and
    // every plot area (the drag rectangle of each subplot). An axis title lies on no plot area, and no two of
    // these texts lie on each other.
    const box = (el, what) => { const r = el.getBoundingClientRect();
                                return {what, l: r.left, r: r.right, t: r.top, b: r.bottom, w: r.width, h: r.height}; };
    const titles = [], texts = [], areas = [];
    root.querySelectorAll('.js-plotly-plot').forEach(plot => {
        plot.querySelectorAll('text[class*="title"]').forEach(t => { const b = box(t, t.textContent);
                                                                     if (b.w && b.h) { titles.push(b); texts.push(b); } });
        plot.querySelectorAll('g[class*="tick"] text, .legendtext').forEach(t => { const b = box(t, t.textContent);
                                                                                  if (b.w && b.h) texts.push(b); });
        plot.querySelectorAll('rect.nsewdrag').forEach(r => areas.push(box(r, 'plot area')));
    });
    const meet = (a, c) => Math.min(a.r, c.r) - Math.max(a.l, c.l) > 1 && Math.min(a.b, c.b) - Math.max(a.t, c.t) > 1;
    const found = [];
    titles.forEach(a => areas.forEach(c => { if (meet(a, c)) found.push(`axis title ${a.what} on a plot area`); }));
    texts.forEach((a, i) => texts.slice(i + 1).forEach(c => { if (meet(a, c)) found.push(`${a.what} on ${c.what}`); }));
    return {titles: titles.length, areas: areas.length, found};
}"""


def test_on_a_phone_the_race_charts_text_does_not_overlap(server):
    """390x844 with touch: no axis title, tick label or legend entry of the race's charts lies on another."""
    url, _ = server
    with br.browser() as b:
        context = b.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
        page = context.new_page()
        page.goto(f"{url}/sigmoid_vs_relu")
        br.wait_for_app(page, selector="h1")
        page.locator(".st-key-cmp_more").get_by_role("radio", name="A race").click()
        br.wait_for_app(page, selector=".st-key-race_start button")
        page.locator(".st-key-race_start button").click()
        page.wait_for_selector(".st-key-race_finished", timeout=120_000)
        br.wait_for_app(page)
        page.wait_for_selector(".js-plotly-plot .xtitle")
        result = page.evaluate(OVERLAPS, page.locator("[data-testid='stMainBlockContainer']").element_handle())
        assert result["titles"] >= 3 and result["areas"] >= 2  # loss and accuracy charts, measured
        assert result["found"] == []
