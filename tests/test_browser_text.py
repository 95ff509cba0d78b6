"""In a real browser: visitor text passed through ui.text.safe never becomes a link, an image or HTML.

Streamlit's Markdown autolinks https://…, www.… and name@host even when every punctuation mark is
backslash-escaped; only a real renderer shows whether ``safe`` defeats that."""
import subprocess
import sys

import pytest

from tests import browser as br

pytestmark = pytest.mark.browser

EVIL = [
    "[click me](https://evil.example/login)",
    "![](https://evil.example/pixel.png)",
    "<img src=https://evil.example/p.png>",
    "https://evil.example/x and www.evil.example",
    "mail me: someone@evil.example",
    ":red[alarm] :material/warning: $x^2$ **bold**",
]

SCRIPT = """
import streamlit as st
from ui.text import safe
EVIL = {evil!r}
for i, text in enumerate(EVIL):
    with st.container(key=f"case_{{i}}"):
        st.markdown(f"name: “{{safe(text)}}”")
        st.caption(safe(text))
        st.error(f"“{{safe(text)}}” was not loaded")
"""


@pytest.fixture(scope="module")
def page_url(tmp_path_factory):
    why = br.missing()
    if why:
        pytest.skip(why)
    script = tmp_path_factory.mktemp("safe") / "safe_text.py"
    script.write_text(SCRIPT.format(evil=EVIL))
    port = br.free_port()
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(script), "--server.headless", "true",
                             "--server.port", str(port), "--server.address", "127.0.0.1",
                             "--browser.gatherUsageStats", "false"],
                            cwd=br.ROOT, env={**__import__("os").environ, "PYTHONPATH": str(br.ROOT)},
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        br.wait_healthy(proc, url)
        yield url
    finally:
        br.stop_app(proc)


def test_escaped_visitor_text_is_plain_text_in_chromium(page_url):
    with br.browser() as b:
        page = b.new_page()
        hosts = []
        page.on("request", lambda r: hosts.append(r.url.split("/")[2]))
        page.goto(page_url)
        br.wait_for_app(page, selector=f".st-key-case_{len(EVIL) - 1}")
        for i, text in enumerate(EVIL):
            box = page.locator(f".st-key-case_{i}")
            assert box.locator("a").count() == 0, (text, box.inner_html())
            assert box.locator("img").count() == 0, (text, box.inner_html())
            shown = box.inner_text().replace("\u2060", "")
            assert text.split()[0] in shown, (text, shown)  # the visitor's words are there, as text
        assert all(h.startswith("127.0.0.1") for h in hosts), hosts
