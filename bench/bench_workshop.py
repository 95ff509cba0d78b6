"""A class challenge under load: thirty participants submitting while the leaderboard refreshes every 2 s.

    MNIST_DIR=../shared/data/mnist python bench/bench_workshop.py [--seconds 60] [--postgres URL]

What is timed is the server's work per action, called from many threads at once in one process, as Streamlit
runs each session's script in its own thread of one process:

- **submit**: ``Workshop.submit``: the room looked up, the rules checked, the share code decoded against the
  shipped model, the network rebuilt and scored on all 10,000 test images, the rules checked again and the
  submission stored in one transaction (SQLite: fsync'd before it returns).
- **leaderboard**: ``Workshop.leaderboard``: the room and its submissions read, best per nickname ranked.

Scenarios, for each database:

1. *one participant* (the baseline): one session submits 20 times in a row and reads the board 20 times,
   nothing else running;
2. *thirty in a minute*: thirty participants each submit twice at random moments within ``--seconds``
   (default 60 s), while each of them and the projector read the leaderboard every 2 s (31 readers:
   15.5 reads/s);
3. *thirty at once*: all thirty press Submit at the same instant (a barrier), the readers still reading.

The challenge is 'from scratch' on the ReLU model (output layer zeroed); each participant's network is the
zeroed layer plus 5-60 random edits, encoded once beforehand (encoding happens in the browser's session, not
in the timed path). The rate limit (one per 5 s) is kept; a participant's two submissions are >= 5 s apart.
PostgreSQL runs when ``--postgres`` or ``BENCH_DATABASE_URL`` names one (its tables go in a throwaway schema).
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from src.infra import weights_file  # noqa: E402
from src.edits import EditLog, encode_link  # noqa: E402
from src.infra.databases import PostgresStorage, SqliteStorage  # noqa: E402
from src.train import pixels  # noqa: E402
from src.infra.challenges import make_challenge  # noqa: E402
from src.infra.judge import Judge  # noqa: E402
from src.infra.workshop import Limits, Workshop, new_session_token  # noqa: E402

from common import latency, load_mnist  # noqa: E402

PARTICIPANTS = 30
REFRESH = 2.0


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q / 100 * (len(values) - 1))))]


def networks(trained, n, seed=0):
    """n share codes: the ReLU model with its output layer zeroed and then partly rebuilt."""
    rng = np.random.default_rng(seed)
    codes = []
    for _ in range(n):
        log = EditLog(trained, "relu")
        log.zero_layer(3)
        for _ in range(int(rng.integers(5, 60))):
            log.set_weight(3, int(rng.integers(10)), int(rng.integers(16)), float(rng.normal(0, 1)))
        codes.append(encode_link(log))
    return codes


def single(ws, code, repeats=20):
    """The baseline: one participant alone (the rate limit lifted so that it can submit back to back)."""
    limits, ws.limits = ws.limits, Limits(min_interval=0, attempt_interval=0, per_session=1000, max_submissions=10_000)
    room = ws.open_room(make_challenge("from_scratch", "relu", layer=3), new_session_token())
    session = new_session_token()
    submit = latency(lambda: ws.submit(room.code, "solo", session, code), repeats, warmup=2)
    board = latency(lambda: ws.leaderboard(room.code), repeats, warmup=2)
    ws.limits = limits
    return submit, board


def crowd(ws, codes, seconds, at_once):
    """Thirty participants submitting (twice each, randomly within ``seconds``, or all at one instant),
    while 31 readers refresh the leaderboard every 2 s. Returns (submit times, board times, refused)."""
    room = ws.open_room(make_challenge("from_scratch", "relu", layer=3), new_session_token())
    submit_times, board_times, refused = [], [], []
    stop = threading.Event()
    lock = threading.Lock()
    rng = random.Random(1)
    start = time.monotonic() + 0.5
    barrier = threading.Barrier(len(codes))

    def reader(offset):
        t = start + offset
        while not stop.is_set():
            delay = t - time.monotonic()
            if delay > 0 and stop.wait(delay):
                return
            t0 = time.perf_counter()
            ws.leaderboard(room.code)
            with lock:
                board_times.append(time.perf_counter() - t0)
            t += REFRESH

    def participant(i, moments):
        session = new_session_token()
        done = -1e9
        for k, moment in enumerate(moments):
            if at_once and k == 0:
                barrier.wait()
            else:  # at its moment, and not before the rate limit allows (5 s after the last one was stored)
                delay = max(start + moment, done + 5.2) - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
            t0 = time.perf_counter()
            try:
                ws.submit(room.code, f"participant {i}", session, codes[i])
            except Exception as e:  # noqa: BLE001 - counted and shown
                refused.append(str(e))
                continue
            done = time.monotonic()
            with lock:
                submit_times.append(time.perf_counter() - t0)

    readers = [threading.Thread(target=reader, args=(rng.uniform(0, REFRESH),)) for _ in range(PARTICIPANTS + 1)]
    workers = []
    for i in range(len(codes)):
        if at_once:
            moments = [0.0, 5.5 + rng.uniform(0, 5)]
        else:
            first = rng.uniform(0, seconds - 6)
            moments = [first, rng.uniform(first + 5.5, seconds)]
        workers.append(threading.Thread(target=participant, args=(i, moments)))
    for t in readers + workers:
        t.start()
    for t in workers:
        t.join()
    time.sleep(REFRESH)
    stop.set()
    for t in readers:
        t.join()
    stored = len(ws.storage.submissions(room.code, codes=False))
    return submit_times, board_times, refused, stored


def row(label, times, base=None):
    ms = [t * 1e3 for t in times]
    p50, p95 = statistics.median(ms), pct(ms, 95)
    ratio = f"{p50 / (statistics.median(base) * 1e3):5.1f}x" if base else "     "
    return f"  {label:<40} n={len(ms):>4}  p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  max {max(ms):7.1f} ms  {ratio}"


def run(name, storage, judge, codes, seconds):
    ws = Workshop(storage, judge)
    print(f"\n{name}: {storage.where}")
    s_submit, s_board = single(ws, codes[0])
    print(row("one participant: submit", s_submit))
    print(row("one participant: leaderboard", s_board))
    for label, at_once in (("thirty within a minute", False), ("thirty at once", True)):
        submit, board, refused, stored = crowd(ws, codes, seconds, at_once)
        print(row(f"{label}: submit", submit, s_submit))
        print(row(f"{label}: leaderboard (31 readers / 2 s)", board, s_board))
        ok = stored == len(submit) and not refused
        print(f"  {'':<40} stored {stored} of {len(submit) + len(refused)} submitted"
              + ("" if ok else f"; refused: {sorted(set(refused))[:3]}"))
        worst = max(pct(submit, 95), pct(board, 95))
        print(f"  {'':<40} p95 < 1 s: {'yes' if worst < 1 else 'NO'} (worst p95 {worst * 1e3:.0f} ms)")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=60.0, help="the minute in 'thirty within a minute'")
    ap.add_argument("--postgres", default=os.environ.get("BENCH_DATABASE_URL", ""),
                    help="a PostgreSQL URL to measure too (default: $BENCH_DATABASE_URL)")
    args = ap.parse_args(argv)
    images, labels = load_mnist("test")
    root = Path(__file__).resolve().parents[1]
    trained = {n: weights_file.load(root / "weights" / f"{n}.npz") for n in ("sigmoid", "relu")}
    for net in trained.values():
        for arr in net.weights + net.biases:
            arr.flags.writeable = False  # shared by every session, as in the app
    judge = Judge(trained, pixels(images), labels)
    codes = networks(trained["relu"], PARTICIPANTS)
    print(f"numpy {np.__version__}, {os.cpu_count()} CPUs, OPENBLAS_NUM_THREADS="
          f"{os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}; share codes of {min(map(len, codes))}-"
          f"{max(map(len, codes))} characters; {PARTICIPANTS} participants, {PARTICIPANTS + 1} leaderboard readers "
          f"every {REFRESH:g} s")
    with tempfile.TemporaryDirectory() as tmp:
        run("SQLite", SqliteStorage(Path(tmp) / "workshop.sqlite3"), judge, codes, args.seconds)
    if args.postgres:
        import psycopg
        schema = "bench_" + uuid.uuid4().hex[:10]
        with psycopg.connect(args.postgres, autocommit=True) as con:
            con.execute(f"CREATE SCHEMA {schema}")
        try:
            sep = "&" if "?" in args.postgres else "?"
            pg = PostgresStorage(f"{args.postgres}{sep}options=-csearch_path%3D{schema}")
            run("PostgreSQL", pg, judge, codes, args.seconds)
            pg.close()
        finally:
            with psycopg.connect(args.postgres, autocommit=True) as con:
                con.execute(f"DROP SCHEMA {schema} CASCADE")
    else:
        print("\nPostgreSQL: not measured (pass --postgres URL or set BENCH_DATABASE_URL)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
