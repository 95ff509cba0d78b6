"""Weight templates and the brush, checked against what each pattern must look like, pixel by pixel."""
import numpy as np
import pytest

from src import templates
from src.network import MAX_PARAMETER


@pytest.mark.parametrize("name", list(templates.TEMPLATES))
def test_every_template_is_784_weights_in_range(name):
    w = templates.make(name)
    assert w.shape == (784,) and np.all(np.isfinite(w))
    assert np.abs(w).max() == pytest.approx(1.0)
    assert np.all(np.abs(templates.make(name, strength=2.5)) <= 2.5 + 1e-12)
    np.testing.assert_allclose(templates.make(name, strength=-3.0), -3.0 * w)


def test_horizontal_edge_is_blue_on_its_row_red_just_above_and_below():
    w = templates.make("horizontal edge", row=14, col=14).reshape(28, 28)
    # width 3: rows 13..15 positive along the stroke (length 14: columns 7..21), surround 3 rows each side
    assert np.all(w[13:16, 8:21] == 1.0)
    assert np.all(w[10:13, 8:21] == -1.0) and np.all(w[16:19, 8:21] == -1.0)
    assert np.all(w[:9] == 0) and np.all(w[20:] == 0)          # beyond the surround: no opinion
    assert np.all(w[:, :6] == 0) and np.all(w[:, 23:] == 0)    # beyond the stroke's length


def test_vertical_edge_is_the_horizontal_one_turned():
    h = templates.make("horizontal edge").reshape(28, 28)
    v = templates.make("vertical edge").reshape(28, 28)
    np.testing.assert_array_equal(v, h.T)


def test_diagonal_edges_are_mirror_images():
    a = templates.make("diagonal edge /").reshape(28, 28)
    b = templates.make("diagonal edge \\").reshape(28, 28)
    np.testing.assert_allclose(a[:, 1:], b[:, 27:0:-1], atol=1e-12)  # mirrored about column 14: c -> 28 - c
    # "/" rises to the right: positive at the upper right and lower left of the centre, not at the other corners
    assert a[10, 18] == 1.0 and a[18, 10] == 1.0 and a[10, 10] <= 0 and a[18, 18] <= 0
    assert b[10, 10] == 1.0 and b[18, 18] == 1.0 and b[10, 18] <= 0 and b[18, 10] <= 0


def test_loop_has_an_empty_hole_a_ring_and_a_surround():
    w = templates.make("loop", row=14, col=14).reshape(28, 28)
    r, c = np.indices((28, 28))
    d = np.hypot(r - 14, c - 14)
    assert np.all(w[d < 4] == -1.0)                   # the hole must be empty
    assert np.all(w[(d > 5) & (d < 7)] == 1.0)        # the ring (radius 6, width 3)
    assert np.all(w[(d > 7.6) & (d < 9.4)] == -1.0)   # the surround just outside it
    assert np.all(w[d > 9.6] == 0)


def test_blob_peaks_at_its_centre_and_falls_off():
    w = templates.make("blob", row=10, col=17).reshape(28, 28)
    assert np.unravel_index(np.argmax(w), w.shape) == (10, 17) and w[10, 17] == 1.0
    assert np.all(w > 0)
    assert w[10, 17 + 4] == pytest.approx(np.exp(-0.5))  # one radius away: e^(-1/2)
    assert w[10, 0] < w[10, 10] < w[10, 15]


def test_templates_follow_their_centre():
    a = templates.make("loop", row=10, col=10).reshape(28, 28)
    b = templates.make("loop", row=12, col=15).reshape(28, 28)
    np.testing.assert_array_equal(a[2:20, 2:20], b[4:22, 7:25])


def test_unknown_template_is_refused():
    with pytest.raises(ValueError, match="unknown template"):
        templates.make("spiral")


def test_template_strength_is_clipped_to_the_parameter_limit():
    w = templates.make("horizontal edge", strength=1e9)
    assert w.max() == MAX_PARAMETER and w.min() == -MAX_PARAMETER


# --- the brush ------------------------------------------------------------------------------------------

def coverage_at(cells, value=1.0):
    c = np.zeros((28, 28))
    for r, col in cells:
        c[r, col] = value
    return c


def test_brush_add_moves_covered_weights_by_strength_times_coverage():
    w = np.linspace(-1, 1, 784)
    cov = coverage_at([(3, 4)]) + coverage_at([(20, 5)], 0.25)
    out = templates.brush(cov, w, 2.0, "add")
    expected = w.copy()
    expected[3 * 28 + 4] += 2.0
    expected[20 * 28 + 5] += 0.5
    np.testing.assert_allclose(out, expected)
    np.testing.assert_allclose(templates.brush(cov, w, -1.5, "add")[3 * 28 + 4], w[3 * 28 + 4] - 1.5)


def test_brush_set_replaces_cells_at_least_half_covered():
    w = np.full(784, 0.3)
    cov = coverage_at([(1, 1)]) + coverage_at([(2, 2)], 0.5) + coverage_at([(3, 3)], 0.49)
    out = templates.brush(cov, w, -2.0, "set").reshape(28, 28)
    assert out[1, 1] == -2.0 and out[2, 2] == -2.0 and out[3, 3] == 0.3
    assert np.count_nonzero(out != 0.3) == 2


def test_brush_coverage_is_clipped_to_0_1():
    w = np.zeros(784)
    cov = coverage_at([(5, 5)], 7.0) + coverage_at([(6, 6)], -3.0)
    out = templates.brush(cov, w, 1.0, "add").reshape(28, 28)
    assert out[5, 5] == 1.0 and out[6, 6] == 0.0


def test_brush_result_is_clipped_to_the_parameter_limit():
    w = np.full(784, MAX_PARAMETER - 0.5)
    w[0] = -MAX_PARAMETER
    out = templates.brush(np.ones((28, 28)), w, 3.0, "add")
    assert out.max() == MAX_PARAMETER and out[0] == -MAX_PARAMETER + 3.0
    assert templates.brush(np.ones((28, 28)), w, -1e9, "set").min() == -MAX_PARAMETER


def test_brush_leaves_its_input_alone_and_refuses_unknown_modes():
    w = np.zeros(784)
    templates.brush(np.ones((28, 28)), w, 1.0)
    assert not w.any()
    with pytest.raises(ValueError, match="unknown brush mode"):
        templates.brush(np.ones((28, 28)), w, 1.0, "smudge")
