"""src/lesson.py: each step's check against an independent computation, with passing and failing inputs, and the
signed progress token (forged, altered and foreign tokens refused)."""
import numpy as np
import pytest

from src import lesson as L
from src import templates
from src.train import pixels


def forward_np(net, x):
    """An independent forward pass: (zs, activations) with the maths written out (sigmoid or ReLU, softmax)."""
    a, zs, acts = np.asarray(x, np.float64), [], [np.asarray(x, np.float64)]
    for l, (w, b) in enumerate(zip(net.weights, net.biases)):
        z = w.astype(np.float64) @ a + b
        if l == len(net.weights) - 1:
            e = np.exp(z - z.max())
            a = e / e.sum()
        elif net.activation == "relu":
            a = np.maximum(z, 0)
        else:
            a = 1 / (1 + np.exp(-z))
        zs.append(z)
        acts.append(a)
    return zs, acts


@pytest.fixture(scope="module")
def sig(shipped):
    return shipped["sigmoid"]


def read_right(net, images, digit, n=3):
    """n MNIST test images of ``digit`` that the independent forward pass reads as ``digit``."""
    imgs, labels = images
    x = pixels(imgs)
    found = [i for i in np.flatnonzero(labels == digit) if np.argmax(forward_np(net, x[i])[1][-1]) == digit]
    return [x[i].reshape(28, 28) for i in found[:n]]


def test_three_different_drawings_read_right_pass(sig, mnist_test):
    assert L.check_drawings(sig, read_right(sig, mnist_test, 7), 7).passed


def test_drawings_fail_when_too_few_the_same_or_misread(sig, mnist_test):
    good = read_right(sig, mnist_test, 7)
    assert not L.check_drawings(sig, good[:2], 7).passed
    same = L.check_drawings(sig, [good[0]] * 3, 7)
    assert not same.passed and "nearly the same" in same.message
    assert not L.check_drawings(sig, good, 3).passed  # read as 7, not as the 3 claimed
    imgs, labels = mnist_test
    x = pixels(imgs)
    wrong = next(i for i in np.flatnonzero(labels == 7) if np.argmax(forward_np(sig, x[i])[1][-1]) != 7)
    result = L.check_drawings(sig, good[:2] + [x[wrong].reshape(28, 28)], 7)
    assert not result.passed and "drawing 3" in result.message
    assert not L.check_drawings(sig, good, None).passed


def test_output_neuron_is_the_argmax(sig, mnist_test):
    x = pixels(mnist_test[0])[:20]
    for xi in x:
        best = int(np.argmax(forward_np(sig, xi)[1][-1]))
        assert L.check_output_neuron(sig, xi, best).passed
        assert not L.check_output_neuron(sig, xi, (best + 1) % 10).passed
    assert not L.check_output_neuron(sig, x[0], 10).passed
    assert not L.check_output_neuron(sig, x[0], None).passed


def test_strongest_first_layer_neuron_by_z(shipped, mnist_test):
    x = pixels(mnist_test[0])[:10]
    for net in shipped.values():
        for xi in x:
            z = net.weights[0].astype(np.float64) @ xi + net.biases[0]
            best = int(np.argmax(z))
            assert L.check_strongest_neuron(net, xi, best).passed
            assert not L.check_strongest_neuron(net, xi, int(np.argmin(z))).passed


def test_bars_are_horizontal_and_vertical():
    h, v = L.HORIZONTAL_BAR.reshape(28, 28), L.VERTICAL_BAR.reshape(28, 28)
    rows, cols = np.nonzero(h)
    assert np.ptp(cols) > np.ptp(rows) and np.array_equal(v, h.T) and h.sum() > 0


@pytest.mark.parametrize("name", ["sigmoid", "relu"])
def test_edge_detector(shipped, name):
    trained = shipped[name]
    net = trained.copy()
    net.weights[0][5] = templates.make("horizontal edge")
    result = L.check_edge_detector(net, trained, 5)
    a = forward_np(net, L.HORIZONTAL_BAR)[1][1][5], forward_np(net, L.VERTICAL_BAR)[1][1][5]
    assert a[0] >= L.EDGE_HIGH and a[1] <= L.EDGE_LOW and result.passed
    net.weights[0][6] = templates.make("vertical edge")
    assert not L.check_edge_detector(net, trained, 6).passed
    net.weights[0][7] = templates.make("horizontal edge", strength=0.01)  # too weak to pass 0.8
    assert forward_np(net, L.HORIZONTAL_BAR)[1][1][7] < L.EDGE_HIGH
    assert not L.check_edge_detector(net, trained, 7).passed
    # an unedited neuron never passes, even one the training happened to make edge-like
    for j in range(16):
        assert not L.check_edge_detector(net if j not in (5, 6, 7) else trained, trained, j).passed
    assert not L.check_edge_detector(net, trained, 16).passed


@pytest.mark.parametrize("bias,ok", [(-10.0, True), (-10.4, True), (-9.6, True), (-11.0, False), (10.0, False),
                                     (0.0, False)])
def test_threshold(sig, bias, ok):
    net = sig.copy()
    net.biases[0][2] = bias
    assert L.check_threshold(net, 2).passed is ok
    # what "active only above 10" means for a sigmoid: below half at a sum of 9.6 - tolerance, above at 10.6
    if ok:
        assert 1 / (1 + np.exp(-(9.4 + bias))) < 0.5 < 1 / (1 + np.exp(-(10.6 + bias)))


def test_counts(sig):
    sizes = [sig.weights[0].shape[1]] + [w.shape[0] for w in sig.weights]
    right = {}
    for l in range(1, len(sizes)):
        right[(l, "weights")], right[(l, "biases")] = sizes[l - 1] * sizes[l], sizes[l]
    right["total"] = sum(right.values())
    assert right["total"] == sum(w.size + b.size for w, b in zip(sig.weights, sig.biases))
    assert L.check_counts(sig, right).passed
    for key in right:
        wrong = {**right, key: right[key] + 1}
        assert not L.check_counts(sig, wrong).passed
    assert not L.check_counts(sig, {**right, "total": None}).passed
    assert not L.check_counts(sig, {**right, (1, "biases"): True}).passed  # True == 1 is not an answer


def test_shapes(sig):
    answers = {}
    for l in L.SHAPE_LAYERS:
        n_out, n_in = sig.weights[l - 1].shape
        answers.update({(l, "W"): f"{n_out} x {n_in}", (l, "a"): f"{n_in} x 1", (l, "b"): f"{n_out} x 1",
                        (l, "a'"): f"{n_out} x 1"})
    assert L.check_shapes(sig, answers).passed
    assert all(v in L.shape_choices(sig) for v in answers.values())
    n_out, n_in = sig.weights[0].shape
    assert not L.check_shapes(sig, {**answers, (1, "W"): f"{n_in} x {n_out}"}).passed  # transposed
    assert not L.check_shapes(sig, {**answers, (3, "a'"): None}).passed


def test_rebuilt(sig, mnist_test):
    x, labels = pixels(mnist_test[0])[:2000], mnist_test[1][:2000]
    zeroed = L.zeroed(sig, 2)
    assert not np.any(zeroed.weights[1]) and not np.any(zeroed.biases[1]) and np.any(sig.weights[1])
    assert not L.check_rebuilt(zeroed, sig, 2, x, labels).passed  # zeroed, nothing rebuilt
    part = zeroed.copy()
    for j in range(6):
        part.weights[1][j], part.biases[1][j] = sig.weights[1][j], sig.biases[1][j]
    acc = lambda n: float(np.mean([np.argmax(forward_np(n, xi)[1][-1]) for xi in x] == labels))  # noqa: E731
    assert acc(part) >= acc(zeroed) + L.MIN_REBUILT and L.zero_neurons(part, 2) == 10
    assert L.check_rebuilt(part, sig, 2, x, labels).passed
    most = part.copy()
    for j in range(6, 12):
        most.weights[1][j], most.biases[1][j] = sig.weights[1][j], sig.biases[1][j]
    assert not L.check_rebuilt(most, sig, 2, x, labels).passed  # only 4 of 16 still zero: not "zeroed"
    assert not L.check_rebuilt(sig, sig, 2, x, labels).passed
    assert not L.check_rebuilt(part, sig, 9, x, labels).passed


def test_faster():
    up_fast, up_slow = [0.1, 0.8, 0.9, 0.92], [0.1, 0.3, 0.6, 0.9]
    assert L.faster({"sigmoid": up_slow, "relu": up_fast}) == "relu"
    assert L.faster({"sigmoid": up_fast, "relu": up_slow}) == "sigmoid"
    assert L.faster({"sigmoid": up_fast, "relu": [v + 0.001 for v in up_fast]}) == "tie"
    assert L.faster({"sigmoid": [0.1, 0.5], "relu": [0.1, 0.6]}) is None
    assert L.check_race({"sigmoid": up_slow, "relu": up_fast}, "relu").passed
    assert not L.check_race({"sigmoid": up_slow, "relu": up_fast}, "sigmoid").passed
    assert not L.check_race({"sigmoid": up_slow, "relu": up_fast}, "tie").passed
    assert not L.check_race(None, "relu").passed
    assert not L.check_race({"sigmoid": up_slow, "relu": up_fast}, "<b>relu</b>").passed


def test_progress_token_round_trip_and_forgeries():
    key = b"server secret"
    token = L.progress_token({1, 4, 9}, key)
    assert L.read_progress_token(token, key) == {1, 4, 9}
    assert L.read_progress_token(L.progress_token(set(), key), key) == frozenset()
    assert L.read_progress_token(L.progress_token({0, 10, 3}, key), key) == {3}
    assert L.read_progress_token(token, b"another server") is None
    mask, sig = token.split(".")
    assert L.read_progress_token(f"1ff.{sig}", key) is None                      # more steps, same signature
    assert L.read_progress_token(f"{mask}.{sig[:-1]}A" if sig[-1] != "A" else f"{mask}.{sig[:-1]}B", key) is None
    forged_bits = "fff"                                                          # bits past step 9, signed
    assert L.read_progress_token(f"{forged_bits}.{L._signature(key, forged_bits)}", key) is None
    assert L.read_progress_token(f"0109.{L._signature(key, '0109')}", key) is None  # not the canonical form
    for junk in (None, "", "1ff", "x" * 100, "<script>.aaaaaaaaaaaaaaaa", 42):
        assert L.read_progress_token(junk, key) is None


@pytest.mark.parametrize("text,n", [("1", 1), ("9", 9), (" 4 ", 4), ("0", None), ("10", None), ("99", None),
                                    ("-1", None), ("4.0", None), ("abc", None), ("", None), (None, None)])
def test_parse_step(text, n):
    assert L.parse_step(text) == n
