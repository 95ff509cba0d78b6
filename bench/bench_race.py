"""What a sigmoid-vs-ReLU race adds to a server's memory: RSS before and after, in a fresh subprocess.

    MNIST_DIR=~/.cache/vanilla-net/mnist python bench/bench_race.py [--seconds 10] [--runs 3]

Each measurement runs in its own Python process that first holds what the app's server holds for a race (the
MNIST training and test sets as the app caches them: uint8 images, the test set also as float32 rows), then
reads its resident memory (VmRSS) and runs the largest race the page allows (60,000 images, up to 5 epochs),
stopped after ``--seconds`` (the page's cap is src.race.MAX_SECONDS); then reads VmRSS and the peak (VmHWM,
reset after loading MNIST) again. "two at once" runs two such races in two threads together, as two visitors can (the page allows
RACES_AT_ONCE = 2). Figures are medians over ``--runs`` processes, in MB (2^20 bytes). "no train" is the
process before it loads the training set (which a server does once, on the first race, and keeps: uint8, 47 MB).

Baseline in the same run: the same process holding the same data, with one float32 copy of the training
images per network (what src.train.batch_steps made before it converted a batch at a time).
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHILD = r"""
import json, sys, threading, time
sys.path.insert(0, {root!r})
import numpy as np
from src.infra import mnist
from src.race import race
from src.train import pixels

def status(field):
    for line in open("/proc/self/status"):
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
mode, seconds = {mode!r}, {seconds!r}
test_images, test_labels = mnist.load("test", allow_download=False)
x_test = pixels(test_images)                       # the app keeps the test set as float rows too
no_train = status("VmRSS")
images, labels = mnist.load("train", allow_download=False)  # once per server, shared by every race
with open("/proc/self/clear_refs", "w") as f:  # reset VmHWM: the peak from here on, not from loading MNIST
    f.write("5")
before = status("VmRSS")
copies = [pixels(images) for _ in range(2)] if mode == "float copies" else []  # the old way, per network
def one():
    race(images, labels, x_test[:2000], test_labels[:2000], n_images=60_000, epochs=5, max_seconds=seconds)
threads = [threading.Thread(target=one) for _ in range(2 if mode == "two at once" else 1)]
t0 = time.perf_counter()
for t in threads: t.start()
for t in threads: t.join()
print(json.dumps({{"no_train": no_train, "before": before, "after": status("VmRSS"), "peak": status("VmHWM"),
                  "seconds": time.perf_counter() - t0}}))
"""


def measure(mode: str, seconds: float) -> dict:
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1"}
    out = subprocess.run([sys.executable, "-c", CHILD.format(root=str(ROOT), mode=mode, seconds=seconds)],
                         capture_output=True, text=True, env=env, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--seconds", type=float, default=10.0, help="stop each race after this many seconds")
    p.add_argument("--runs", type=int, default=3)
    args = p.parse_args(argv)
    print(f"Memory a race adds (MB, median of {args.runs} fresh processes; races of 60,000 images stopped "
          f"after {args.seconds:g} s)")
    print(f"{'':<28} {'no train':>8} {'before':>7} {'after':>7} {'added':>7} {'peak':>7} {'peak added':>10}")
    for mode, label in (("one", "one race"), ("two at once", "two races at once"),
                        ("float copies", "baseline: float copy per net")):
        runs = [measure(mode, args.seconds) for _ in range(args.runs)]
        m = {k: statistics.median(r[k] for r in runs) for k in ("no_train", "before", "after", "peak")}
        print(f"{label:<28} {m['no_train']:8.0f} {m['before']:7.0f} {m['after']:7.0f} {m['after'] - m['before']:7.0f} "
              f"{m['peak']:7.0f} {m['peak'] - m['before']:10.0f}")


if __name__ == "__main__":
    main()
