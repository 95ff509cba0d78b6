"""Pre-processing: a drawing becomes the 28x28 the network reads, the way MNIST digits were made."""
import numpy as np
import pytest

from src.preprocess import centre_of_mass, ink_box, preprocess, resize, to_grayscale, to_mnist


def canvas_with(shape_fn, size=280):
    """An RGBA canvas, white ink on opaque black, ink where shape_fn(rows, cols) is true."""
    rows, cols = np.indices((size, size))
    ink = shape_fn(rows, cols)
    img = np.zeros((size, size, 4), np.uint8)
    img[..., 3] = 255
    img[ink, :3] = 255
    return img


def ring(cy, cx, r, width):
    return lambda rows, cols: np.abs(np.hypot(rows - cy, cols - cx) - r) < width / 2


def test_output_is_28x28_in_unit_range_with_ink_high():
    x = to_mnist(canvas_with(ring(140, 140, 80, 20)))
    assert x.shape == (28, 28) and x.dtype == np.float32
    assert x.min() >= 0 and x.max() <= 1 and x.max() > 0.9
    assert x[0, 0] == 0  # background is 0


def test_digit_is_scaled_to_fit_20x20_and_centred_by_mass():
    steps = preprocess(canvas_with(ring(100, 90, 40, 10)))
    top, bottom, left, right = ink_box(steps.digit, 0.05)
    assert max(bottom - top, right - left) in (20, 21)  # the box's long side is 20 (+1 for a partial edge)
    cy, cx = centre_of_mass(steps.digit)
    # whole-pixel shifts, as MNIST used: the centre lands within half a pixel of (14, 14)
    assert abs(cy - 14) <= 0.5 + 1e-6 and abs(cx - 14) <= 0.5 + 1e-6


def test_same_digit_at_another_place_or_size_gives_nearly_the_same_input():
    a = to_mnist(canvas_with(ring(60, 70, 30, 8)))      # small, top left
    b = to_mnist(canvas_with(ring(170, 150, 100, 27)))  # large, elsewhere; same stroke/size ratio
    # Centring moves by whole pixels (as MNIST did), so the two may sit one pixel apart; the network was
    # trained with ±1 px shifts. Aligned by the best such shift, they are nearly identical.
    best = min(np.abs(a - np.roll(b, (dy, dx), axis=(0, 1))).mean() for dy in (-1, 0, 1) for dx in (-1, 0, 1))
    assert best < 0.03
    far = np.abs(a - np.roll(b, (3, 3), axis=(0, 1))).mean()
    assert far > 3 * best  # the comparison can tell a different placement apart


def test_without_preprocessing_a_small_corner_digit_stays_small():
    canvas = canvas_with(ring(40, 40, 25, 8))
    raw = to_mnist(canvas, centre=False)
    assert ink_box(raw)[1] <= 8 and ink_box(raw)[3] <= 8  # crammed into the top-left corner
    centred = to_mnist(canvas)
    assert ink_box(centred)[1] - ink_box(centred)[0] >= 19


def test_blank_canvas_gives_zeros_and_blank_status():
    for image in (np.zeros((280, 280, 4), np.uint8), np.zeros((280, 280)), canvas_with(lambda r, c: r < 0)):
        steps = preprocess(image)
        assert steps.status == "blank" and not steps.readable
        assert np.all(steps.digit == 0)


@pytest.mark.parametrize("pen", [6, 11, 20, 40])
def test_single_tap_is_a_dot_not_a_digit_whatever_the_pen(pen):
    # one tap leaves a disk as wide as the pen (measured: a 20 px tap used to be read as a confident "4")
    steps = preprocess(canvas_with(lambda r, c: (r - 100) ** 2 + (c - 100) ** 2 < (pen / 2) ** 2))
    assert steps.status == "dot" and not steps.readable
    assert steps.digit.shape == (28, 28) and np.all(np.isfinite(steps.digit))


@pytest.mark.parametrize("shape", [
    ring(140, 140, 30, 20),                                    # a small 0 drawn with a thick pen
    lambda r, c: (np.abs(c - 140) < 10) & (np.abs(r - 140) < 40),  # a short 1
])
def test_small_digits_are_not_mistaken_for_dots(shape):
    assert preprocess(canvas_with(shape)).status == "ok"


def test_faint_ink_below_threshold_counts_as_blank():
    img = np.full((100, 100), 0.04, np.float32)
    assert preprocess(img).status == "blank"


def test_grayscale_inputs_uint8_and_float_agree():
    rows, cols = np.indices((200, 200))
    gray = (np.abs(np.hypot(rows - 100, cols - 100) - 60) < 8).astype(np.float32)
    np.testing.assert_allclose(to_mnist(gray), to_mnist((gray * 255).astype(np.uint8)), atol=1e-6)


def test_transparent_background_rgba_is_read_as_ink_times_alpha():
    img = canvas_with(ring(140, 140, 80, 20))
    img[..., 3] = np.where(img[..., 0] > 0, 255, 0)  # transparent where there is no ink
    np.testing.assert_allclose(to_mnist(img), to_mnist(canvas_with(ring(140, 140, 80, 20))), atol=1e-6)


def test_rejects_images_of_the_wrong_shape():
    with pytest.raises(ValueError, match="expected"):
        to_grayscale(np.zeros((5, 5, 2)))
    with pytest.raises(ValueError, match="empty"):
        to_grayscale(np.zeros((0, 0)))


def test_resize_preserves_mean_brightness():
    img = np.random.default_rng(0).random((280, 280)).astype(np.float32)
    small = resize(img, 28, 28)
    assert small.shape == (28, 28)
    assert small.mean() == pytest.approx(img.mean(), rel=1e-4)
    # 10x10 block means, checked directly
    np.testing.assert_allclose(small, img.reshape(28, 10, 28, 10).mean(axis=(1, 3)), rtol=1e-4)


def test_mnist_digits_redrawn_large_come_back_as_themselves(mnist_test):
    images = mnist_test[0][:200].astype(np.float32) / 255
    for a in images:
        np.testing.assert_allclose(to_mnist(resize(a, 280, 280)), a, atol=0.05)
