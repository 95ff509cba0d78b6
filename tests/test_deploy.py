"""Several app servers behind nginx (deploy/): two replicas, sticky sessions, one shared database.

Two browser participants are served by different replicas and submit; the leaderboard on each replica shows
both; one replica is stopped and its participant reconnects through nginx to the other, still themselves, and
nothing stored is lost. The database is the throwaway PostgreSQL of .ci/run (TEST_DATABASE_URL), else one
SQLite file that both replicas on this machine open."""
import re
import sys
from pathlib import Path

import pytest

from src.infra.databases import PostgresStorage, SqliteStorage
from src.infra.challenges import make_challenge
from src.infra.workshop import Workshop, new_session_token
from tests import browser as br

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "deploy"))
import rehearse  # noqa: E402

SLOW = 180_000
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(br.missing() is not None, reason=br.missing() or ""),
    pytest.mark.skipif(rehearse.nginx_binary() is None, reason="nginx is not installed (apt-get install nginx)"),
]


@pytest.fixture(scope="module")
def rehearsal(tmp_path_factory, mnist_test):
    import os
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        env, storage = {"DATABASE_URL": url}, PostgresStorage(url)
    else:
        data = tmp_path_factory.mktemp("shared-data")
        env, storage = {"VANILLA_DATA_DIR": str(data)}, SqliteStorage(data / "workshop.sqlite3")
    with rehearse.Rehearsal(2, env=env) as r, br.browser() as b:
        yield r, b, storage


def route_to(r, replica: int) -> str:
    """A route cookie value that nginx sends to ``replica`` (found by asking it: consistent hashing)."""
    import urllib.request
    want = f"127.0.0.1:{r.replicas[replica][0]}"
    for i in range(200):
        req = urllib.request.Request(f"{r.url}/_stcore/health", headers={"Cookie": f"vanilla_route=probe{i}"})
        with urllib.request.urlopen(req, timeout=5) as resp:
            if resp.headers["X-Vanilla-Replica"] == want:
                return f"probe{i}"
    raise AssertionError(f"no route to {want}")


def participant(b, r, replica, code, nick):
    ctx = b.new_context(viewport={"width": 1200, "height": 1000})
    ctx.add_cookies([{"name": "vanilla_route", "value": route_to(r, replica), "url": r.url}])
    page = ctx.new_page()
    page.set_default_timeout(SLOW)
    served = []
    # which replica served each page load (static files may come from the browser's cache)
    page.on("response", lambda resp: served.append(resp.headers.get("x-vanilla-replica"))
            if resp.request.resource_type == "document" else None)
    page.goto(f"{r.url}/workshop?room={code}")
    br.wait_for_app(page, selector=".st-key-ws_join_nick input", timeout=SLOW)
    page.locator(".st-key-ws_join_nick input").fill(nick)
    page.get_by_role("button", name="Join").click()
    br.wait_for_app(page, selector=".st-key-ws_joined", timeout=SLOW)
    page.get_by_role("button", name=re.compile("Start the challenge")).click()
    page.wait_for_selector(".st-key-ws_start_btn", state="detached")
    br.wait_for_app(page, timeout=SLOW)
    page.get_by_role("button", name="Submit my network").click()
    page.wait_for_selector(".st-key-ws_status :text('Submitted')", timeout=SLOW)
    return ctx, page, served


def board_rows(b, base_url, code):
    page = b.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    page.goto(f"{base_url}/leaderboard?room={code}")
    br.wait_for_app(page, selector=".st-key-lb_board", timeout=SLOW)
    return page


def test_two_replicas_share_rooms_and_a_stopped_one_hands_its_participants_over(rehearsal):
    r, b, storage = rehearsal
    room = Workshop(storage, None).open_room(make_challenge("from_scratch", "relu", layer=3), new_session_token())

    ctx_a, ana, served_a = participant(b, r, 0, room.code, "Ana")
    ctx_b, bo, served_b = participant(b, r, 1, room.code, "Bo")
    # each was served by its own replica
    assert {s for s in served_a if s} == {f"127.0.0.1:{r.replicas[0][0]}"}
    assert {s for s in served_b if s} == {f"127.0.0.1:{r.replicas[1][0]}"}

    # the leaderboard on each replica (directly, no balancer) shows both, within 5 s of the last submission
    for i in range(2):
        page = board_rows(b, r.replica_url(i), room.code)
        page.wait_for_function("() => ['Ana', 'Bo'].every(n => [...document.querySelectorAll("
                               "'.st-key-lb_board tbody tr')].some(row => row.innerText.includes(n)))",
                               timeout=5_000 + 60_000 * (i == 0))  # the first page load itself may take a while
        page.context.close()

    # replica 0 stops, as a crash would: Ana's tab reconnects through nginx to replica 1, still Ana
    r.stop_replica(0)
    ana.reload()
    br.wait_for_app(ana, selector=".st-key-ws_joined", timeout=SLOW)
    assert "Ana" in ana.locator(".st-key-ws_joined").inner_text()
    assert served_a[-1] == f"127.0.0.1:{r.replicas[1][0]}"  # the page came from the other replica
    # her session's working copy lived in the stopped process; her seat and her submission did not
    ana.get_by_role("button", name=re.compile("Start the challenge")).click()
    ana.wait_for_selector(".st-key-ws_start_btn", state="detached")
    br.wait_for_app(ana, timeout=SLOW)
    ana.get_by_role("button", name="Submit my network").click()
    ana.wait_for_selector(".st-key-ws_status :text('Submitted')", timeout=SLOW)

    # nothing stored was lost: the database holds all three submissions, by the two nicknames
    assert sorted(s.nickname for s in storage.submissions(room.code)) == ["Ana", "Ana", "Bo"]
    ctx_a.close()
    ctx_b.close()
