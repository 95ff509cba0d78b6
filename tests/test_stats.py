"""Statistics of what each activation does inside, against direct computation; and the race."""
import numpy as np
import pytest

from src.network import Network, one_hot
from src.race import MAX_EPOCHS, race
from src.stats import dead_units, gradient_sizes, hidden_summary, inactive_share, saturated_share


def test_saturated_share_counts_near_0_and_near_1():
    a = np.array([[0.01, 0.5, 0.99], [0.2, 0.96, 0.04]])
    assert saturated_share(a) == pytest.approx(4 / 6)
    assert saturated_share(a, eps=0.015) == pytest.approx(2 / 6)


def test_dead_and_inactive_relu_units():
    a = np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 2.0], [0.0, 3.0, 0.0]])
    assert dead_units(a).tolist() == [0]
    assert inactive_share(a) == pytest.approx(6 / 9)


def test_hidden_summary_matches_a_direct_count(rng):
    x = rng.random((200, 784)).astype(np.float32)
    for activation in ("sigmoid", "relu"):
        net = Network.initialise(activation=activation, seed=2)
        net.biases[0][:3] = -1000  # three units that can never turn on
        rows = hidden_summary(net, x)
        a1 = np.asarray(x, np.float64) @ net.weights[0].T.astype(np.float64) + net.biases[0]
        a1 = 1 / (1 + np.exp(-np.clip(a1, -500, 500))) if activation == "sigmoid" else np.maximum(a1, 0)
        assert rows[0]["dead"][:3] == [0, 1, 2]
        if activation == "sigmoid":
            assert rows[0]["saturated"] == pytest.approx(np.mean((a1 < 0.05) | (a1 > 0.95)), abs=1e-6)
        else:
            assert rows[0]["off"] == pytest.approx(np.mean(a1 <= 0), abs=1e-6)
        assert [r["layer"] for r in rows] == [1, 2]


def test_gradient_sizes_are_the_rms_of_backprop(rng):
    net = Network.initialise(activation="sigmoid", seed=0)
    x = rng.random((50, 784)).astype(np.float32)
    labels = rng.integers(0, 10, 50)
    sizes = gradient_sizes(net, x, labels)
    nabla_w, _, _ = net.backprop(x, one_hot(labels))
    assert sizes == pytest.approx([np.sqrt(np.mean(g.astype(np.float64) ** 2)) for g in nabla_w], rel=1e-5)
    assert len(sizes) == 3 and all(s > 0 for s in sizes)


def test_race_trains_both_from_the_same_start(mnist_train, mnist_test):
    seen = []
    result = race(*mnist_train, mnist_test[0][:1000], mnist_test[1][:1000], n_images=2000, epochs=1,
                  optimizer="adam", checkpoints=5, on_checkpoint=lambda r, f: seen.append(f))
    assert seen[0] == 0 and seen[-1] == 1.0 and len(result.steps) == 6
    for name in ("sigmoid", "relu"):
        acc = result.accuracy[name]
        assert len(acc) == 6 and acc[-1] > acc[0] and acc[-1] > 0.5
    start = [Network.initialise(activation=n, init="xavier", seed=0) for n in ("sigmoid", "relu")]
    np.testing.assert_array_equal(start[0].weights[0], start[1].weights[0])  # the same initial weights


def test_race_is_bounded_and_stoppable(mnist_train, mnist_test):
    result = race(*mnist_train, mnist_test[0][:200], mnist_test[1][:200], n_images=10**9, epochs=99,
                  checkpoints=4, should_stop=lambda: True)
    assert result.stopped == "stopped" and result.steps == [0]
    result = race(*mnist_train, mnist_test[0][:200], mnist_test[1][:200], n_images=500, epochs=99,
                  checkpoints=4, max_seconds=0.0)
    assert result.stopped.startswith("time limit")
    assert MAX_EPOCHS <= 5
