"""Timing helpers the benchmarks share."""
from __future__ import annotations

import time


def latency(fn, n, warmup=0):
    """The individual times of n calls of fn, in seconds, after ``warmup`` untimed calls."""
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(n):
        start = time.perf_counter_ns()
        fn()
        out.append((time.perf_counter_ns() - start) * 1e-9)
    return out
