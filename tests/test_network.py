"""The network's maths, checked against independent computations."""
import warnings

import numpy as np
import pytest

from src.activations import sigmoid, sigmoid_prime, softmax
from src.network import MAX_PARAMETER, Network, one_hot


def test_sigmoid_extremes_are_exact_and_silent():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            z = np.array([-1000.0, -88.8, 0.0, 10.0, 88.8, 1000.0], dtype=np.float32)
            s = sigmoid(z)
    assert s[0] == 0.0 and s[-1] == 1.0 and s[2] == 0.5
    assert s[3] == pytest.approx(1 / (1 + np.exp(-10.0)), rel=1e-6)
    assert np.all(np.isfinite(s)) and s.dtype == np.float32


def test_sigmoid_matches_textbook_formula_where_that_is_safe():
    z = np.linspace(-30, 30, 1001)
    np.testing.assert_allclose(sigmoid(z), 1 / (1 + np.exp(-z)), rtol=1e-9, atol=2e-16)
    np.testing.assert_allclose(sigmoid_prime(z), np.exp(-z) / (1 + np.exp(-z)) ** 2, rtol=1e-9, atol=1e-15)


def test_softmax_is_stable_for_huge_inputs():
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        p = softmax(np.array([[1e30, 0.0, -1e30], [1.0, 2.0, 3.0]], dtype=np.float32))
    np.testing.assert_allclose(p[0], [1, 0, 0])
    e = np.exp([1.0, 2.0, 3.0])
    np.testing.assert_allclose(p[1], e / e.sum(), rtol=1e-6)


def test_forward_matches_a_plain_loop_over_neurons():
    net = Network.initialise(activation="sigmoid", seed=3)
    x = np.random.default_rng(0).random(784).astype(np.float32)
    fw = net.forward(x)
    a = x.astype(np.float64)
    for l, (w, b) in enumerate(zip(net.weights, net.biases)):
        z = np.array([sum(float(w[j, k]) * a[k] for k in range(len(a))) + float(b[j]) for j in range(w.shape[0])])
        np.testing.assert_allclose(fw.zs[l], z, rtol=1e-4, atol=1e-5)
        a = 1 / (1 + np.exp(-z)) if l < 2 else np.exp(z - z.max()) / np.exp(z - z.max()).sum()
        np.testing.assert_allclose(fw.activations[l + 1], a, rtol=1e-4, atol=1e-6)
    assert [a.shape for a in fw.activations] == [(784,), (16,), (16,), (10,)]


def test_batch_and_single_image_agree():
    net = Network.initialise(activation="relu", seed=1)
    x = np.random.default_rng(1).random((5, 784)).astype(np.float32)
    batch = net.forward(x)
    for i in range(5):
        one = net.forward(x[i])
        for a, b in zip(one.activations, batch.activations):
            np.testing.assert_allclose(a, b[i], rtol=1e-5, atol=1e-6)
    assert net.predict(x).shape == (5,) and np.ndim(net.predict(x[0])) == 0


@pytest.mark.parametrize("activation", ["sigmoid", "relu"])
@pytest.mark.parametrize("output", ["sigmoid", "softmax"])
def test_backprop_matches_finite_differences(activation, output):
    rng = np.random.default_rng(7)
    net = Network.initialise((6, 5, 4, 3), activation, output, seed=2)
    # float64 copies so central differences are accurate
    net.weights = [w.astype(np.float64) for w in net.weights]
    net.biases = [b.astype(np.float64) + rng.normal(0, 0.1, b.shape) for b in net.biases]
    x = rng.random((4, 6))
    y = one_hot(rng.integers(0, 3, 4), 3).astype(np.float64)

    def cost():
        a = x
        for l, (w, b) in enumerate(zip(net.weights, net.biases)):
            z = a @ w.T + b
            if l < len(net.weights) - 1:
                a = 1 / (1 + np.exp(-z)) if activation == "sigmoid" else np.maximum(z, 0)
            elif output == "softmax":
                a = np.exp(z - z.max(1, keepdims=True)); a /= a.sum(1, keepdims=True)
            else:
                a = 1 / (1 + np.exp(-z))
        if output == "softmax":
            return -np.mean(np.sum(y * np.log(a), axis=1))
        return 0.5 * np.mean(np.sum((a - y) ** 2, axis=1))

    nabla_w, nabla_b, c = net.backprop(x, y)
    assert c == pytest.approx(cost(), rel=1e-9)
    eps = 1e-6
    for params, grads in ((net.weights, nabla_w), (net.biases, nabla_b)):
        for p, g in zip(params, grads):
            numeric = np.zeros_like(p)
            for idx in np.ndindex(p.shape):
                old = p[idx]
                p[idx] = old + eps; up = cost()
                p[idx] = old - eps; down = cost()
                p[idx] = old
                numeric[idx] = (up - down) / (2 * eps)
            np.testing.assert_allclose(g, numeric, rtol=1e-4, atol=1e-8)


def test_parameter_counts_come_from_the_arrays():
    net = Network.initialise()
    rows = net.parameter_counts()
    assert [r["total"] for r in rows] == [784 * 16 + 16, 16 * 16 + 16, 16 * 10 + 10] == [12560, 272, 170]
    assert net.num_parameters == 13002
    other = Network.initialise((784, 30, 10))
    assert other.num_parameters == 784 * 30 + 30 + 30 * 10 + 10
    assert "13,002" in net.summary()


@pytest.mark.parametrize("activation", ["sigmoid", "relu"])
def test_absurd_but_allowed_weights_stay_finite(activation):
    rng = np.random.default_rng(0)
    net = Network.initialise(activation=activation)
    net.weights = [np.full_like(w, MAX_PARAMETER) * rng.choice([-1, 1], w.shape) for w in net.weights]
    net.biases = [np.full_like(b, MAX_PARAMETER) for b in net.biases]
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        fw = net.forward(np.ones((3, 784), dtype=np.float32))
    assert all(np.all(np.isfinite(a)) for a in fw.activations + fw.zs)
    np.testing.assert_allclose(fw.output.sum(axis=1), 1.0, rtol=1e-5)


def test_inconsistent_shapes_are_refused():
    with pytest.raises(ValueError, match="chain|inputs"):
        Network([np.zeros((16, 784)), np.zeros((10, 15))], [np.zeros(16), np.zeros(10)])
    with pytest.raises(ValueError, match="activation"):
        Network([np.zeros((2, 3))], [np.zeros(2)], activation="tanh")


def test_copy_is_independent():
    net = Network.initialise()
    c = net.copy()
    c.weights[0][0, 0] += 1
    assert net.weights[0][0, 0] != c.weights[0][0, 0]


def test_layers_are_numbered_as_in_the_lesson():
    net = Network.initialise((784, 16, 16, 10), seed=3)
    x = np.random.default_rng(0).random(784).astype(np.float32)
    fw = net.forward(x)
    assert net.weight(1) is net.weights[0] and net.bias(3) is net.biases[2]
    assert net.array(2, "W") is net.weights[1] and net.array(2, "b") is net.biases[1]
    assert fw.a(0) is fw.activations[0] and fw.a(3) is fw.output
    np.testing.assert_allclose(fw.z(1), net.weight(1) @ x + net.bias(1), rtol=1e-5, atol=1e-5)
    for bad in (0, 4, -1):
        with pytest.raises(IndexError):
            net.weight(bad)
    with pytest.raises(IndexError):
        fw.z(0)
