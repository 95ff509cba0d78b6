"""Real browser: a new learner walks the whole lesson, step 1 to 9, doing each task with the mouse and keyboard; the
app checks each task itself; a reload keeps the progress (signed in the address), a forged one is refused."""
import math
import os
import re
from pathlib import Path

import numpy as np
import pytest

from src import lesson as L
from src.infra import mnist, weights_file
from src.train import pixels
from tests import browser as br
from tests.conftest import ROOT
from ui.lesson_more import SHAPE_KEYS

pytestmark = [pytest.mark.browser, pytest.mark.skipif(br.missing() is not None, reason=br.missing() or "")]

LOAD_MS = 120_000
# LESSON_SHOTS=<folder> keeps screenshots of the projector and a learner's phone there, to look at by hand
SHOTS = Path(os.environ["LESSON_SHOTS"]) if os.environ.get("LESSON_SHOTS") else None
DESKTOP = {"viewport": {"width": 1280, "height": 1000}}


def ellipse(rx, ry, tilt=0.0, n=24):
    """One closed stroke on the 280x280 canvas: an ellipse of radii rx, ry turned by ``tilt`` radians."""
    pts = []
    for k in range(n + 1):
        t = 2 * math.pi * k / n
        x, y = rx * math.sin(t), -ry * math.cos(t)
        pts.append((140 + x * math.cos(tilt) - y * math.sin(tilt), 140 + x * math.sin(tilt) + y * math.cos(tilt)))
    return [pts]


ZEROS = [ellipse(55, 95), ellipse(85, 90), ellipse(40, 95, tilt=0.45)]  # three different ways to write a 0


def draw(page, strokes):
    """Strokes on the instant drawing surface (280x280 units, scaled to its size on screen)."""
    surface = page.locator(".st-key-lesson_step_1 .inst-surface").first
    surface.scroll_into_view_if_needed()
    box = surface.bounding_box()
    k = box["width"] / 280
    for stroke in strokes:
        page.mouse.move(box["x"] + stroke[0][0] * k, box["y"] + stroke[0][1] * k)
        page.mouse.down()
        for x, y in stroke[1:]:
            page.mouse.move(box["x"] + x * k, box["y"] + y * k, steps=6)
        page.mouse.up()


def settle(page):
    br.wait_for_app(page, timeout=LOAD_MS)


def click(page, selector):
    page.locator(selector).first.click()
    settle(page)


def choose(page, key, option):
    """Pick ``option`` (its text) in the selectbox with key ``key``."""
    page.locator(f".st-key-{key} [role='combobox']").first.click()
    page.get_by_role("option", name=option, exact=True).first.click()
    settle(page)


def type_number(page, key, value):
    box = page.locator(f".st-key-{key} input").first
    box.fill(str(value))
    box.press("Enter")
    settle(page)


def check(page, n, expect_pass=True):
    click(page, f".st-key-lesson_check_{n} button")
    result = page.locator(f".st-key-lesson_result_{n}")
    result.wait_for(timeout=LOAD_MS)
    text = result.inner_text()
    passed = page.locator(f".st-key-lesson_result_{n} [data-testid='stAlertContentSuccess']").count() > 0
    assert passed is expect_pass, text
    return text


def next_step(page, n):
    click(page, ".st-key-lesson_next button")
    page.locator(f".st-key-lesson_step_{n}").wait_for(timeout=LOAD_MS)
    settle(page)


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    env = {"VANILLA_DATA_DIR": str(tmp_path_factory.mktemp("lesson")), "MNIST_DOWNLOAD": "0"}
    with br.app_server(env) as url, br.browser() as b:
        yield url, b


@pytest.mark.skipif(not mnist.available("test") or not mnist.available("train"), reason="needs MNIST (MNIST_DIR)")
def test_a_new_learner_walks_the_whole_path(app):
    url, b = app
    net = weights_file.load(ROOT / "weights" / "sigmoid.npz")
    x0 = pixels(mnist.load("test", allow_download=False)[0][:1])[0]
    context = b.new_context(**DESKTOP)
    page = context.new_page()
    page.goto(f"{url}/lesson")
    page.locator(".st-key-lesson_step_1").wait_for(timeout=LOAD_MS)
    settle(page)

    # 1. three different zeros, each read right
    page.locator(".st-key-lesson_digit button", has_text=re.compile(r"^0$")).first.click()
    settle(page)
    for n, strokes in enumerate(ZEROS, start=1):
        page.locator(".st-key-lesson_step_1 .inst-surface").first.wait_for(timeout=LOAD_MS)
        draw(page, strokes)
        page.wait_for_function("() => (document.querySelector('.st-key-lesson_reading') || {}).innerText"
                               "?.includes('The network reads')", timeout=LOAD_MS)
        settle(page)
        assert "reads 0" in page.locator(".st-key-lesson_reading").inner_text()
        click(page, ".st-key-lesson_keep button")
        page.wait_for_function(f"() => document.querySelector('.st-key-lesson_reading').innerText"
                               f".includes('#{n} read as')", timeout=LOAD_MS)
    check(page, 1)

    # 2. click the output neuron that lights up most (the drawing was read as 0: output neuron 0)
    next_step(page, 2)
    page.locator(".st-key-lesson_picture circle").first.wait_for(timeout=LOAD_MS)
    last = len(net.weights)
    page.locator(".st-key-lesson_picture circle", has=page.locator("title", has_text=f"layer {last}, neuron 0")
                 ).first.click()
    settle(page)
    page.wait_for_function("() => document.body.innerText.includes('Output neuron 0 holds')", timeout=LOAD_MS)
    check(page, 2)

    # 3. the first-layer neuron with the largest z on test image #0 (computed here, independently)
    next_step(page, 3)
    z = net.weights[0].astype(np.float64) @ x0 + net.biases[0]
    worst, best = int(np.argmin(z)), int(np.argmax(z))
    choose(page, "lesson_strongest", str(worst))
    check(page, 3, expect_pass=False)
    choose(page, "lesson_strongest", str(best))
    check(page, 3)

    # 4. paint a horizontal edge into neuron 0
    next_step(page, 4)
    check(page, 4, expect_pass=False)  # not painted yet
    click(page, ".st-key-lesson_paint button")
    check(page, 4)

    # 5. bias -10 (the default in the box): active only above 10
    next_step(page, 5)
    click(page, ".st-key-lesson_set_bias button")
    check(page, 5)

    # 6. the counts, from the layer sizes
    next_step(page, 6)
    sizes = net.sizes
    for l in range(1, len(sizes)):
        type_number(page, f"lesson_count_{l}_weights", sizes[l - 1] * sizes[l])
        type_number(page, f"lesson_count_{l}_biases", sizes[l])
    type_number(page, "lesson_count_total", sum(sizes[l - 1] * sizes[l] + sizes[l] for l in range(1, len(sizes))))
    check(page, 6)

    # 7. the shapes
    next_step(page, 7)
    for l in L.SHAPE_LAYERS:
        n_out, n_in = sizes[l], sizes[l - 1]
        for name, (r, c) in (("W", (n_out, n_in)), ("a", (n_in, 1)), ("b", (n_out, 1)), ("a'", (n_out, 1))):
            choose(page, f"lesson_shape_{l}_{SHAPE_KEYS[name]}", f"{r} x {c}")
    check(page, 7)

    # 8. zero layer 1, rebuild six of its neurons
    next_step(page, 8)
    click(page, ".st-key-lesson_zero button")
    check(page, 8, expect_pass=False)
    for j in range(6):
        page.locator(".st-key-lesson_rebuild [role='combobox']").first.click()
        page.get_by_role("option", name=str(j), exact=True).first.click()
        settle(page)
    page.keyboard.press("Escape")
    click(page, ".st-key-lesson_rebuild_btn button")
    check(page, 8)

    # 9. race, then say which learned faster: first a guess, then what the race's numbers say
    next_step(page, 9)
    click(page, ".st-key-race_start button")
    page.wait_for_function("() => document.body.innerText.includes('Race finished')", timeout=LOAD_MS)
    settle(page)
    page.locator(".st-key-lesson_said label", has_text="ReLU").first.click()
    settle(page)
    click(page, ".st-key-lesson_check_9 button")
    page.locator(".st-key-lesson_result_9").wait_for(timeout=LOAD_MS)
    text = page.locator(".st-key-lesson_result_9").inner_text()
    s, r = (float(v) / 100 for v in re.search(r"sigmoid ([\d.]+)%, ReLU ([\d.]+)%", text).groups())
    truth = "tie" if abs(s - r) < L.TIE else ("sigmoid" if s > r else "relu")
    passed = page.locator(".st-key-lesson_result_9 [data-testid='stAlertContentSuccess']").count() > 0
    assert passed is (truth == "relu") and ("Right" in text) is passed, text
    if truth != "relu":
        page.locator(".st-key-lesson_said label", has_text={"sigmoid": "Sigmoid", "tie": "About the same"}[truth]
                     ).first.click()
        settle(page)
        check(page, 9)

    assert "9 of 9 steps done" in page.locator("[data-testid='stProgress']").first.inner_text()
    address = page.url
    assert "progress=" in address

    # a reload keeps every step; an address whose progress was altered is refused
    page.reload()
    page.locator(".st-key-lesson_step_9").wait_for(timeout=LOAD_MS)
    settle(page)
    assert "9 of 9 steps done" in page.locator("[data-testid='stProgress']").first.inner_text()
    context.close()

    forged = re.sub(r"progress=[^&]*", "progress=1ff.AAAAAAAAAAAAAAAA", address)
    context = b.new_context(**DESKTOP)
    page = context.new_page()
    page.goto(forged)
    page.locator(".st-key-lesson_step_9").wait_for(timeout=LOAD_MS)
    settle(page)
    assert "0 of 9 steps done" in page.locator("[data-testid='stProgress']").first.inner_text()
    assert "not made by this server" in page.locator("[data-testid='stAlert']").first.inner_text()
    context.close()


# --- a lesson room: a teacher, three participants, the projector -------------------------------------------------

def new_page(b, options=DESKTOP):
    context = b.new_context(**options)
    return context, context.new_page()


def do_counts(page, sizes=(784, 16, 16, 10)):
    for l in range(1, len(sizes)):
        type_number(page, f"lesson_count_{l}_weights", sizes[l - 1] * sizes[l])
        type_number(page, f"lesson_count_{l}_biases", sizes[l])
    type_number(page, "lesson_count_total", sum(sizes[l - 1] * sizes[l] + sizes[l] for l in range(1, len(sizes))))
    check(page, 6)


def progress_rows(page) -> dict:
    """{step: (finished, of)} as the projector shows them."""
    text = page.locator(".st-key-lesson_progress").inner_text()
    rows = {}
    for line in text.splitlines():
        m = re.match(r"\s*(\d)\s.*?(\d+) of (\d+)\s*$", line)
        if m:
            rows[int(m.group(1))] = (int(m.group(2)), int(m.group(3)))
    return rows


@pytest.mark.skipif(not mnist.available("test"), reason="needs MNIST (MNIST_DIR)")
def test_three_participants_and_the_projector(app):
    url, b = app
    teacher_ctx, teacher = new_page(b)
    teacher.goto(f"{url}/workshop")
    settle(teacher)
    teacher.locator(".st-key-ws_role button", has_text="Run a room").first.click()
    settle(teacher)
    teacher.locator(".st-key-ws_kind label", has_text="The lesson, step by step").first.click()
    settle(teacher)
    click(teacher, ".st-key-ws_open button")
    teacher.locator(".st-key-ws_code").wait_for(timeout=LOAD_MS)
    code = teacher.locator(".st-key-ws_code").inner_text().strip()
    assert re.fullmatch(r"[A-Z2-9]{5}", code), code

    nicknames = ["Ana", "Ben", "<i>Zoë</i>"]
    learners = []
    for nick in nicknames:
        ctx, page = new_page(b)
        page.goto(f"{url}/workshop?room={code}")
        page.locator(".st-key-ws_join_nick input").wait_for(timeout=LOAD_MS)
        page.locator(".st-key-ws_join_nick input").fill(nick)
        click(page, ".st-key-ws_join button")
        page.locator(".st-key-ws_lesson").wait_for(timeout=LOAD_MS)
        page.goto(f"{url}/lesson?step=6")
        page.locator(".st-key-lesson_room").wait_for(timeout=LOAD_MS)
        settle(page)
        assert code in page.locator(".st-key-lesson_room").inner_text()
        learners.append((ctx, page))
    ana, ben, zoe = (p for _, p in learners)
    if SHOTS:
        phone_ctx, phone = new_page(b, {"viewport": {"width": 390, "height": 844}})
        phone.context.add_cookies(ana.context.cookies())  # Ana's browser, on a phone-sized screen
        phone.goto(f"{url}/lesson?step=6")
        phone.locator(".st-key-lesson_room").wait_for(timeout=LOAD_MS)
        settle(phone)
        phone.screenshot(path=str(SHOTS / "learner_phone.png"))
        phone_ctx.close()
    assert nicknames[2] in zoe.locator(".st-key-lesson_room").inner_text()  # shown as typed, as text

    do_counts(ana)
    do_counts(ben)
    next_step(ana, 7)
    for l in L.SHAPE_LAYERS:
        sizes = (784, 16, 16, 10)
        n_out, n_in = sizes[l], sizes[l - 1]
        for name, (r, c) in (("W", (n_out, n_in)), ("a", (n_in, 1)), ("b", (n_out, 1)), ("a'", (n_out, 1))):
            choose(ana, f"lesson_shape_{l}_{SHAPE_KEYS[name]}", f"{r} x {c}")
    check(ana, 7)

    # the projector (the teacher's browser): how many finished each step, who waits longest, as text
    teacher.goto(f"{url}/leaderboard?room={code}&present=1")
    teacher.locator(".st-key-lesson_progress").wait_for(timeout=LOAD_MS)
    teacher.wait_for_function("() => /7\\D[\\s\\S]*1 of 3/.test(document.querySelector('.st-key-lesson_progress')"
                              ".innerText)", timeout=LOAD_MS)
    rows = progress_rows(teacher)
    assert rows[6] == (2, 3) and rows[7] == (1, 3) and rows[1] == (0, 3), rows
    board = teacher.locator(".st-key-lesson_progress")
    assert nicknames[2] in board.inner_text() and board.locator("i").count() == 0  # markup shown, not rendered
    if SHOTS:
        teacher.screenshot(path=str(SHOTS / "projector.png"))

    # the teacher puts the class on step 8: a learner's path follows by itself
    teacher.locator(".st-key-class_progress_pace button", has_text=re.compile(r"^8$")).first.click()
    settle(teacher)
    zoe.locator(".st-key-lesson_step_8").wait_for(timeout=LOAD_MS)
    teacher.wait_for_function("() => document.querySelector('.st-key-lesson_progress').innerText"
                              ".includes('the class is here')", timeout=LOAD_MS)
    for ctx, _ in learners:
        ctx.close()
    teacher_ctx.close()


# --- every step on a phone and on a projector ---------------------------------------------------------------------

PHONE = {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True, "device_scale_factor": 2}
PROJECTOR = {"viewport": {"width": 1280, "height": 800}}


def layout(page, n) -> dict:
    """What the eye checks: nothing wider than the screen, the nine step buttons in one row, the step's heading,
    task and Check button inside the screen's width."""
    return page.evaluate("""(n) => {
        const box = (sel) => { const el = document.querySelector(sel); return el && el.getBoundingClientRect(); };
        const steps = [...document.querySelectorAll('.st-key-lesson_path button')].map(b => b.getBoundingClientRect());
        const main = document.querySelector('[data-testid="stMain"]');
        return {width: window.innerWidth, scroll: Math.max(document.documentElement.scrollWidth, main.scrollWidth),
                buttons: steps.length, rows: new Set(steps.map(r => Math.round(r.top))).size,
                right: Math.max(...steps.map(r => r.right)),
                heading: (document.querySelector('.st-key-lesson_step_' + n + ' h2') || {}).innerText || '',
                task: box('.st-key-lesson_task_' + n), check: box('.st-key-lesson_check_' + n + ' button')};
    }""", n)


@pytest.mark.parametrize("view", ["phone", "projector"])
def test_every_step_fits_a_phone_and_a_projector(app, view):
    url, b = app
    context = b.new_context(**(PHONE if view == "phone" else PROJECTOR))
    page = context.new_page()
    for n in range(1, L.N_STEPS + 1):
        page.goto(f"{url}/lesson?step={n}" + ("&present=1" if view == "projector" else ""))
        page.locator(f".st-key-lesson_task_{n}").wait_for(timeout=LOAD_MS)
        settle(page)
        got = layout(page, n)
        assert got["scroll"] <= got["width"], (n, got)  # no sideways scrolling
        assert got["buttons"] == L.N_STEPS and got["rows"] == 1 and got["right"] <= got["width"], (n, got)
        assert got["heading"].startswith(f"{n}. {L.STEPS[n - 1].title}"), (n, got)
        assert (view == "projector") == ("step %d of %d" % (n, L.N_STEPS) in got["heading"]), (n, got)
        assert got["task"]["right"] <= got["width"] and got["check"]["right"] <= got["width"], (n, got)
        if SHOTS:
            page.screenshot(path=str(SHOTS / f"{view}_{n}.png"))
    context.close()
