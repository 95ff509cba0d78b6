"""Statistics of what each activation does inside, against independent computations; and the statistics stored
beside the weights (weights/<name>.stats.json), checked by the weights file's SHA-256."""
import hashlib
import json
import shutil

import numpy as np
import pytest

from src import stats
from src.infra import weights_file
from src.network import Network
from src.stats import dead_units, gradient_sizes, hidden_summary, inactive_share, saturated_share
from src.train import pixels
from tests.conftest import ROOT

WEIGHTS = {name: ROOT / "weights" / f"{name}.npz" for name in ("sigmoid", "relu")}


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


def rms_gradients64(net, x, labels):
    """RMS of ∂C/∂W per layer by backpropagation written out here in float64 (softmax + mean cross-entropy),
    independent of Network.backprop."""
    ws = [w.astype(np.float64) for w in net.weights]
    bs = [b.astype(np.float64) for b in net.biases]
    a, acts, zs = x.astype(np.float64), [x.astype(np.float64)], []
    for l, (w, b) in enumerate(zip(ws, bs)):
        z = a @ w.T + b
        zs.append(z)
        if l == len(ws) - 1:
            e = np.exp(z - z.max(axis=1, keepdims=True))
            a = e / e.sum(axis=1, keepdims=True)
        else:
            a = 1 / (1 + np.exp(-z)) if net.activation == "sigmoid" else np.maximum(z, 0)
        acts.append(a)
    y = np.eye(10)[labels]
    delta = (acts[-1] - y) / len(x)
    grads = [None] * len(ws)
    for l in range(len(ws) - 1, -1, -1):
        grads[l] = delta.T @ acts[l]
        if l:
            s = acts[l] * (1 - acts[l]) if net.activation == "sigmoid" else (zs[l - 1] > 0).astype(float)
            delta = (delta @ ws[l]) * s
    return [float(np.sqrt(np.mean(g ** 2))) for g in grads]


def test_gradient_sizes_against_an_independent_backprop(rng):
    x = rng.random((50, 784)).astype(np.float32)
    labels = rng.integers(0, 10, 50)
    for activation in ("sigmoid", "relu"):
        net = Network.initialise(activation=activation, seed=1)
        sizes = gradient_sizes(net, x, labels)
        assert sizes == pytest.approx(rms_gradients64(net, x, labels), rel=1e-4)
    # the vanishing gradient, as the page says: at a Xavier start the sigmoid's first layer gets far less
    sig = gradient_sizes(Network.initialise(activation="sigmoid", seed=1), x, labels)
    assert sig[0] < sig[-1] / 5


@pytest.mark.parametrize("name, init_std", [("sigmoid", np.sqrt(2 / (784 + 16))), ("relu", np.sqrt(2 / 784))])
def test_initial_network_is_the_recipe_in_the_file(shipped, name, init_std):
    """The 'at initialisation' numbers use the start the file's recipe names: Xavier for sigmoid, He for ReLU."""
    start = stats.initial_network(shipped[name])
    assert shipped[name].meta["training"]["init"] == ("xavier" if name == "sigmoid" else "he")
    assert start.activation == name and start.sizes == shipped[name].sizes
    assert float(np.std(start.weights[0])) == pytest.approx(init_std, rel=0.02)
    assert not np.array_equal(start.weights[0], shipped[name].weights[0])


@pytest.mark.parametrize("name", ["sigmoid", "relu"])
def test_stored_stats_are_for_the_shipped_weights(name):
    """The committed statistics name the SHA-256 of the weights beside them: else the first visitor waits."""
    record = json.loads(stats.stats_path(WEIGHTS[name]).read_text())
    assert record["weights_sha256"] == hashlib.sha256(WEIGHTS[name].read_bytes()).hexdigest()
    assert stats.load_stored(WEIGHTS[name]) == record["stats"]


@pytest.mark.parametrize("name", ["sigmoid", "relu"])
def test_stored_stats_match_a_direct_computation(mnist_test, shipped, name):
    images, labels = mnist_test
    x = pixels(images).astype(np.float64)
    stored = stats.load_stored(WEIGHTS[name])
    net = shipped[name]
    a1 = x @ net.weights[0].T.astype(np.float64) + net.biases[0]
    if name == "sigmoid":
        a1 = 1 / (1 + np.exp(-a1))
        assert stored["trained"][0]["saturated"] == pytest.approx(np.mean((a1 < 0.05) | (a1 > 0.95)), abs=1e-4)
        assert stored["trained"][0]["dead"] == np.flatnonzero(np.all(a1 < 0.05, axis=0)).tolist()
    else:
        a1 = np.maximum(a1, 0)
        assert stored["trained"][0]["off"] == pytest.approx(np.mean(a1 <= 0), abs=1e-4)
        assert stored["trained"][0]["dead"] == np.flatnonzero(np.all(a1 <= 0, axis=0)).tolist()
    assert stored["images"] == 10_000 and stored["gradient_images"] == stats.GRADIENT_IMAGES
    assert stored["grad_trained"] == pytest.approx(rms_gradients64(net, x[:2000], labels[:2000]), rel=1e-3)
    start = stats.initial_network(net)
    assert stored["grad_init"] == pytest.approx(rms_gradients64(start, x[:2000], labels[:2000]), rel=1e-3)


def test_changed_weights_are_recomputed_and_stored_again(tmp_path, rng):
    path = tmp_path / "relu.npz"
    shutil.copy(WEIGHTS["relu"], path)
    shutil.copy(stats.stats_path(WEIGHTS["relu"]), stats.stats_path(path))
    assert stats.load_stored(path) is not None
    net = weights_file.load(path)
    net.biases[0][:] = -1000.0  # every first-layer unit dead
    weights_file.save(net, path)
    assert stats.load_stored(path) is None  # hash differs: the stored numbers are not used
    found, how = stats.stored_or_computed(path, net, None)
    assert (found, how) == (None, "missing")  # nothing to compute them from
    x = rng.random((300, 784)).astype(np.float32)
    labels = rng.integers(0, 10, 300)
    found, how = stats.stored_or_computed(path, net, (x, labels))
    assert how == "computed" and found["trained"][0]["dead"] == list(range(16)) and found["images"] == 300
    assert stats.load_stored(path) == json.loads(json.dumps(found))  # written beside it with the new hash
    assert stats.stored_or_computed(path, net, None) == (stats.load_stored(path), "stored")


def test_a_damaged_stats_file_is_ignored(tmp_path):
    path = tmp_path / "sigmoid.npz"
    shutil.copy(WEIGHTS["sigmoid"], path)
    good = json.loads(stats.stats_path(WEIGHTS["sigmoid"]).read_text())
    stats.stats_path(path).write_text(json.dumps(good))
    assert stats.load_stored(path) == good["stats"]  # the checks below refuse only what is wrong
    # Each damaged record differs from the good one in one thing, so each check is needed on its own.
    for text in ("not json", "[]", '{"version": 1}', json.dumps({**good, "version": good["version"] + 1}),
                 json.dumps({**good, "weights_sha256": "0" * 64}), json.dumps({k: v for k, v in good.items()
                                                                              if k != "stats"})):
        stats.stats_path(path).write_text(text)
        assert stats.load_stored(path) is None
