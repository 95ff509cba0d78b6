"""ui.svg's ticks against a direct enumeration of round numbers."""
import itertools

import numpy as np
import pytest

from ui.svg import nice_ticks, tick_label


def brute_ticks(lo, hi, n):
    """The smallest 1/2/5 x 10^k step with at most about n - 1 gaps across [lo, hi], found by trying them all."""
    for k, m in itertools.product(range(-6, 8), (1, 2, 5)):
        step = m * 10.0 ** k
        if step >= (hi - lo) / max(n - 1, 1) - 1e-12:
            return [t * step for t in range(int(np.ceil(lo / step - 1e-9)), int(np.floor(hi / step + 1e-9)) + 1)]


@pytest.mark.parametrize("lo,hi,n", [(0, 1, 5), (-3.2, 7.9, 5), (-1000, 1000, 4), (0.0012, 0.0049, 5),
                                     (-12.5, -0.3, 6), (5, 95, 5)])
def test_ticks_are_the_smallest_round_step_that_fits(lo, hi, n):
    got = nice_ticks(lo, hi, n)
    want = brute_ticks(lo, hi, n)
    assert got == pytest.approx(want, abs=1e-9)
    assert all(lo - 1e-9 <= t <= hi + 1e-9 for t in got)


def test_one_value_gets_a_unit_around_it_and_labels_use_a_true_minus():
    assert nice_ticks(3, 3) == pytest.approx(brute_ticks(2.5, 3.5, 5)) == [2.5, 3.0, 3.5]
    assert tick_label(-0.25, 0.05) == "−0.25" and tick_label(20.0, 10) == "20"
