"""Real browser, every page: it renders without an exception and shows its title, on a desktop and on a phone;
and visitor text from the address (query parameters, a forged share link) never becomes a live link or image,
and never makes the browser contact another host."""
import base64
import hashlib
import zlib
from urllib.parse import quote, urlsplit

import pytest

from tests import browser as br
from ui.registry import HOME, PAGES

pytestmark = [pytest.mark.browser, pytest.mark.skipif(br.missing() is not None, reason=br.missing() or "")]

DESKTOP, PHONE = (1400, 1000), (390, 844)
EVIL = "evil.example"
MARKDOWN = [f"[x](https://{EVIL})", f"![](https://{EVIL}/p.png)", f"<img src=https://{EVIL}/i.png>",
            f"<a href='https://{EVIL}'>x</a>", f"https://{EVIL}/bare"]
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}


app = pytest.fixture(scope="module", name="app")(br.served_app)


def open_page(b, url, viewport):
    """A fresh context (touch on a phone); every request the page makes is recorded in page.requests."""
    w, h = viewport
    phone = w < 600
    context = b.new_context(viewport={"width": w, "height": h}, is_mobile=phone, has_touch=phone)
    page = context.new_page()
    page.requests = []
    page.on("request", lambda r: page.requests.append(r.url))
    page.goto(url)
    br.wait_for_app(page, selector="[data-testid='stMainBlockContainer'] h1, [data-testid='stException']")
    return page


def foreign_hosts(requests):
    return sorted({urlsplit(u).hostname for u in requests
                   if urlsplit(u).scheme in ("http", "https", "ws", "wss") and urlsplit(u).hostname not in LOOPBACK})


def assert_inert(page):
    """No link to or image from the evil host in the DOM, no exception, no request off this machine."""
    assert page.locator(f"a[href*='{EVIL}']").count() == 0
    assert page.locator(f"img[src*='{EVIL}']").count() == 0
    assert page.locator("[data-testid='stException']").count() == 0
    assert foreign_hosts(page.requests) == []


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
@pytest.mark.parametrize("p", PAGES, ids=[p.url_path or "home" for p in PAGES])
def test_page_renders_with_its_title(app, p, viewport):
    url, b = app
    page = open_page(b, f"{url}/{p.url_path}", viewport)
    try:
        assert page.locator("[data-testid='stException']").count() == 0, \
            page.locator("[data-testid='stException']").first.inner_text()
        title = page.locator("[data-testid='stMainBlockContainer'] h1").first
        assert title.is_visible()
        if p is not HOME:  # the sidebar label and the page's title name the same page
            assert p.label.lower() in title.inner_text().lower(), (title.inner_text(), p.label)
        else:
            assert title.inner_text().strip()
        assert foreign_hosts(page.requests) == []
    finally:
        page.context.close()


def forged_link(model_name: str) -> str:
    """A share-link code made as src/edits.py's docstring describes (checksum right), naming a model that is
    Markdown: it passes the checksum and must be refused, quoting the name harmlessly."""
    text = f"1;{model_name};0000;W1:=1.5".encode()
    body = zlib.compress(text, 9)
    return base64.urlsafe_b64encode(hashlib.sha256(body).digest()[:4] + body).decode().rstrip("=")


@pytest.mark.parametrize("edits", [forged_link(MARKDOWN[0] + MARKDOWN[1]), quote(MARKDOWN[0] + MARKDOWN[1])],
                         ids=["forged-code", "raw-markdown"])
def test_forged_share_link_is_inert(app, edits):
    url, b = app
    page = open_page(b, f"{url}/hand_tune?model=Sigmoid&edits={edits}", DESKTOP)
    try:
        assert_inert(page)
    finally:
        page.context.close()


@pytest.mark.parametrize("p", PAGES, ids=[p.url_path or "home" for p in PAGES])
def test_markdown_in_query_params_is_inert(app, p):
    """Every page, with the parameters pages read (model, layer, neuron, edits, present, ...) holding Markdown."""
    url, b = app
    params = ["model", "layer", "neuron", "edits", "present", "name", "q"]
    query = "&".join(f"{k}={quote(MARKDOWN[i % len(MARKDOWN)])}" for i, k in enumerate(params))
    page = open_page(b, f"{url}/{p.url_path}?{query}", DESKTOP)
    try:
        assert_inert(page)
    finally:
        page.context.close()
