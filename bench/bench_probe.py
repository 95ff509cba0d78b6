"""How long the Probe page's experiments take, on the shipped models.

- one 200-step dream (gradient ascent on the 784 pixels), blank and noise starts, with and without penalty;
- the ablation ranking of all hidden neurons over the 10,000 test images, against the obvious baseline
  (a full forward pass of the 10,000 images with each neuron switched off), measured in the same run;
- a 41-point morph, fooling one test image, and the answers for 10,000 random images.

    MNIST_DIR=../shared/data/mnist python bench/bench_probe.py
"""
from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from common import load_mnist, machine  # noqa: E402
from src import probe  # noqa: E402
from src.infra import weights_file  # noqa: E402
from src.network import Network  # noqa: E402
from src.train import pixels  # noqa: E402

REPEATS = 7


def naive_ranking(net: Network, x, labels):
    """The baseline: for every hidden neuron, the whole network again over all images with it off."""
    rows = []
    for l, j in probe.hidden_neurons(net):
        a = x
        for k, (w, b) in enumerate(zip(net.weights, net.biases), start=1):
            z = a @ w.T + b
            a = net.activate(k - 1, z)
            if k == l:
                a = a.copy()
                a[:, j] = 0
        rows.append((l, j, float(np.mean(np.argmax(a, axis=1) == labels))))
    return rows


def latency(fn, n, warmup=1):
    """(wall seconds, CPU seconds of this process) of n calls of fn after ``warmup`` untimed calls. On a shared
    machine the wall time includes waiting for a core; the CPU time is the work itself."""
    for _ in range(warmup):
        fn()
    wall, cpu = [], []
    for _ in range(n):
        w, c = time.perf_counter(), time.process_time()
        fn()
        cpu.append(time.process_time() - c)
        wall.append(time.perf_counter() - w)
    return wall, cpu


def median(times):
    return statistics.median(times[0])


def ms(times, per=1):
    wall, cpu = times
    return f"{statistics.median(wall) * 1e3 / per:7.1f} ms (CPU {statistics.median(cpu) * 1e3 / per:6.1f})"


def main():
    images, labels = load_mnist("test")
    x = pixels(images)
    root = Path(__file__).resolve().parents[1]
    print(machine())
    print(f"medians of {REPEATS} runs; {len(labels):,} test images\n")
    for name in ("sigmoid", "relu"):
        net = weights_file.load(root / "weights" / f"{name}.npz")
        n_hidden = len(probe.hidden_neurons(net))
        print(f"== {name} ({'-'.join(map(str, net.sizes))})")
        for start in ("blank", "noise"):
            for smooth in (0.0, 0.3):
                result = []
                t = latency(lambda: result.append(probe.dream(net, 3, 8, start, steps=200, smoothness=smooth)),
                            REPEATS)
                d = result[-1]
                print(f"  dream digit 8, 200 steps, {start:<5} start, smoothness {smooth:.1f}: {ms(t)}"
                      f"   (p(8) {d.trace[0]:.3f} -> {d.value:.3f}, answer {d.answer})")
        t = latency(lambda: probe.dream(net, 1, 0, "blank", steps=200), REPEATS)
        print(f"  dream first-layer neuron 0, 200 steps:                 {ms(t)}")

        fast = latency(lambda: probe.ablation_ranking(net, x, labels), REPEATS)
        naive = latency(lambda: naive_ranking(net, x, labels), REPEATS)
        check = {(r["layer"], r["neuron"]): r["accuracy"] for r in probe.ablation_ranking(net, x, labels)}
        worst = max(abs(check[(l, j)] - acc) for l, j, acc in naive_ranking(net, x, labels))
        print(f"  ablation ranking, {n_hidden} neurons x {len(labels):,} images: {ms(fast)}"
              f"   naive full pass per neuron {ms(naive)}   speed-up {median(naive) / median(fast):.1f}x"
              f" (CPU {statistics.median(naive[1]) / statistics.median(fast[1]):.1f}x)"
              f"   (max accuracy difference {worst:.4f})")

        answers = net.predict(x)
        i3 = int(np.flatnonzero((labels == 3) & (answers == 3))[0])
        i8 = int(np.flatnonzero((labels == 8) & (answers == 8))[0])
        t = latency(lambda: probe.morph(net, x[i3], x[i8], n=41), REPEATS)
        m = probe.morph(net, x[i3], x[i8], n=41)
        print(f"  morph 3 -> 8, 41 points:                               {ms(t)}   (flips at t = {m.flip_t:.3f})")
        fooled = []
        t = latency(lambda: fooled.append([probe.fool(net, x[i]) for i in range(10)]), REPEATS)
        counts = [f.count for f in fooled[-1]]
        print(f"  fool, per test image (first 10):                       {ms(t, 10)}"
              f"   (pixels changed: median {statistics.median(counts):.0f}, max {max(counts)};"
              f" all flipped: {all(f.flipped for f in fooled[-1])})")
        census = []
        t = latency(lambda: census.append(probe.noise_census(net, n=10_000)), REPEATS)
        c = census[-1]
        top = int(np.argmax(c.counts))
        print(f"  noise census, 10,000 uniform images:                   {ms(t)}"
              f"   ({c.counts[top] / c.n:.0%} answered {top}, median confidence {c.median_confidence:.2f})\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
