"""The probe's experiments, each checked against an independent computation."""
import numpy as np
import pytest

from src import probe
from src.network import Network
from src.train import pixels


def float64_net(sizes=(784, 16, 16, 10), activation="sigmoid", output="softmax", seed=0, init=None):
    """A random network whose arrays are float64, so central differences are accurate."""
    rng = np.random.default_rng(seed + 100)
    net = Network.initialise(sizes, activation, output, seed=seed, init=init)
    net.weights = [w.astype(np.float64) for w in net.weights]
    net.biases = [b.astype(np.float64) + rng.normal(0, 0.3, b.shape) for b in net.biases]
    return net


def manual_values(net, x, off=()):
    """Every layer's (z, a) for a batch x, written out without Network.forward; neurons in ``off`` (layer,
    neuron) have their activation forced to 0."""
    a = np.asarray(x, dtype=np.float64)
    out = []
    for l, (w, b) in enumerate(zip(net.weights, net.biases), start=1):
        z = a @ np.asarray(w, np.float64).T + np.asarray(b, np.float64)
        if l < len(net.weights):
            a = 1 / (1 + np.exp(-z)) if net.activation == "sigmoid" else np.maximum(z, 0)
            a = a.copy()
            for layer, j in off:
                if layer == l:
                    a[..., j] = 0
        elif net.output == "softmax":
            e = np.exp(z - z.max(axis=-1, keepdims=True))
            a = e / e.sum(axis=-1, keepdims=True)
        else:
            a = 1 / (1 + np.exp(-z))
        out.append((z, a))
    return out


# --- the input gradient ---------------------------------------------------------------------------
@pytest.mark.parametrize("activation", ["sigmoid", "relu"])
@pytest.mark.parametrize("output", ["softmax", "sigmoid"])
@pytest.mark.parametrize("layer,neuron,of", [(1, 5, "activation"), (2, 3, "activation"), (3, 7, "activation"),
                                             (3, 2, "z"), (2, 0, "z")])
def test_input_gradient_matches_central_differences(activation, output, layer, neuron, of):
    net = float64_net(activation=activation, output=output, seed=3)
    x = np.random.default_rng(1).random(784)

    def value(v):
        z, a = manual_values(net, v)[layer - 1]
        return (z if of == "z" else a)[neuron]

    z = manual_values(net, x)[layer - 1][0]
    if activation == "relu" and layer < 3 and z[neuron] <= 0.5:
        neuron = int(np.argmax(z))  # a ReLU switched off here has slope 0: check one that is on
    grad, val = probe.input_gradient(net, x, layer, neuron, of=of, return_value=True)
    eps = 1e-6
    numeric = np.empty(784)
    for i in range(784):
        up, down = x.copy(), x.copy()
        up[i] += eps
        down[i] -= eps
        numeric[i] = (value(up) - value(down)) / (2 * eps)
    assert val == pytest.approx(value(x), rel=1e-12)
    assert np.abs(numeric).max() > 1e-6  # the check is not vacuous
    np.testing.assert_allclose(grad, numeric, rtol=1e-5, atol=1e-9 * max(1.0, np.abs(numeric).max()))


def test_input_gradient_of_a_batch_is_each_image_s_gradient():
    net = float64_net(activation="relu", seed=4)
    x = np.random.default_rng(2).random((5, 784))
    batch = probe.input_gradient(net, x, 3, 4)
    assert batch.shape == (5, 784)
    for i in range(5):
        np.testing.assert_allclose(batch[i], probe.input_gradient(net, x[i], 3, 4), rtol=1e-12, atol=1e-15)


def test_input_gradient_rejects_layers_and_neurons_that_do_not_exist():
    net = float64_net()
    for layer, neuron in [(0, 0), (4, 0), (1, 16), (3, 10), (3, -1)]:
        with pytest.raises(ValueError):
            probe.input_gradient(net, np.zeros(784), layer, neuron)


# --- dream ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("activation", ["sigmoid", "relu"])
@pytest.mark.parametrize("layer,neuron", [(1, 2), (2, 9), (3, 4)])
@pytest.mark.parametrize("start", ["blank", "noise"])
def test_dream_raises_the_activation_and_keeps_pixels_in_range(activation, layer, neuron, start):
    net = float64_net(activation=activation, seed=5)
    d = probe.dream(net, layer, neuron, start, steps=60)
    if start == "blank":
        x0 = np.zeros(784)
    else:
        x0 = np.random.default_rng(0).random(784)
    before = manual_values(net, x0)[layer - 1][1][neuron]
    after = manual_values(net, d.image)[layer - 1][1][neuron]
    assert d.trace[0] == pytest.approx(before)
    assert d.value == pytest.approx(after)
    assert after > before
    assert d.image.min() >= 0.0 and d.image.max() <= 1.0
    np.testing.assert_allclose(d.output, manual_values(net, d.image)[-1][1], rtol=1e-9)
    assert d.answer == int(np.argmax(d.output)) and d.steps == 60 and d.stopped == "steps"


def test_dream_from_a_given_image_and_smoothness_lowers_total_variation():
    net = float64_net(seed=6)
    rough = probe.dream(net, 3, 1, "noise", steps=100)
    smooth = probe.dream(net, 3, 1, "noise", steps=100, smoothness=0.5)
    assert probe.total_variation(smooth.image)[0] < 0.5 * probe.total_variation(rough.image)[0]
    small = probe.dream(net, 3, 1, "noise", steps=100, size_penalty=0.5)
    assert small.image.sum() < rough.image.sum()
    start = np.random.default_rng(9).random(784)
    d = probe.dream(net, 3, 1, start, steps=20)
    assert d.trace[0] == pytest.approx(manual_values(net, start)[-1][1][1])


def test_penalty_gradients_match_central_differences():
    x = np.random.default_rng(3).random(784)
    for fn in (probe.total_variation, lambda v: probe.size_cost(v, "l2"), lambda v: probe.size_cost(v, "l1")):
        _, grad = fn(x)
        numeric = np.array([(fn(x + e)[0] - fn(x - e)[0]) / 2e-6 for e in np.eye(784)[:80] * 1e-6])
        np.testing.assert_allclose(grad[:80], numeric, rtol=1e-5, atol=1e-6)


def test_dream_is_bounded_and_reports_progress():
    net = float64_net(seed=7)
    seen = []
    d = probe.dream(net, 3, 0, steps=10 ** 9, on_step=lambda s, img, v: seen.append((s, img.copy(), v)),
                    every=25, should_stop=lambda: len(seen) >= 3)
    assert d.stopped == "asked" and d.steps <= 2 * 25 + 1
    assert [s for s, _, _ in seen] == [0, 25, 50]
    assert seen[0][2] == pytest.approx(d.trace[0]) and seen[1][2] == pytest.approx(d.trace[25])
    d = probe.dream(net, 3, 0, steps=10 ** 9, max_seconds=0.05)
    assert d.stopped == "time" and d.steps < probe.MAX_STEPS and d.seconds < 5
    d = probe.dream(net, 3, 0, steps=10 ** 9, max_seconds=1e9)
    assert d.steps <= probe.MAX_STEPS


def test_dream_on_a_dead_relu_climbs_its_weighted_sum():
    net = float64_net(activation="relu", seed=8)
    net.biases[0][3] = -50.0  # dead at every input in [0, 1]... unless the pixels push it up
    net.weights[0][3] = np.abs(net.weights[0][3]) * 10
    d = probe.dream(net, 1, 3, "blank", steps=100)
    assert d.trace[0] == 0.0 and d.value > 0


# --- morph ----------------------------------------------------------------------------------------
def _two_images_answered_differently(net, rng):
    # from nearly blank to nearly full: a random network's answer depends mostly on the amount of ink
    density = np.linspace(0.02, 1.0, 200)[:, None]
    x = rng.random((200, 784)) * (rng.random((200, 784)) < density)
    answers = net.predict(x)
    j = int(np.flatnonzero(answers != answers[0])[0])
    return x[0], x[j]


@pytest.mark.parametrize("activation", ["sigmoid", "relu"])
def test_morph_flip_point_matches_direct_predictions(activation):
    net = float64_net(activation=activation, seed=9, init="normal")  # large weights: answers vary
    x0, x1 = _two_images_answered_differently(net, np.random.default_rng(4))
    m = probe.morph(net, x0, x1, n=51)
    direct = np.array([net.predict((1 - t) * x0 + t * x1) for t in np.linspace(0, 1, 51)])
    np.testing.assert_array_equal(m.answers, direct)
    flip = int(np.flatnonzero(direct != direct[0])[0])
    assert m.flip_index == flip and m.flip_t == pytest.approx(flip / 50)
    assert np.all(direct[:flip] == direct[0])
    np.testing.assert_allclose(m.outputs, manual_values(net, m.images)[-1][1], rtol=1e-9)


def test_morph_ranks_every_hidden_neuron_by_its_change():
    net = float64_net(sizes=(784, 12, 9, 10), seed=10)
    x0, x1 = _two_images_answered_differently(net, np.random.default_rng(5))
    m = probe.morph(net, x0, x1, n=21)
    assert len(m.ranking) == 21
    values = manual_values(net, np.stack([x0, x1]))
    for r in m.ranking:
        a = values[r["layer"] - 1][1][:, r["neuron"]]
        assert r["change"] == pytest.approx(abs(a[1] - a[0]))
        assert r["path"] >= r["change"] - 1e-12
    changes = [r["change"] for r in m.ranking]
    assert changes == sorted(changes, reverse=True)
    paths = [r["path"] for r in probe.morph(net, x0, x1, n=21, rank_by="path").ranking]
    assert paths == sorted(paths, reverse=True)


def test_morph_without_a_flip_says_so():
    net = float64_net(seed=11)
    x = np.random.default_rng(6).random(784)
    m = probe.morph(net, x, x, n=5)
    assert m.flip_index is None and m.flip_t is None and m.images.shape == (5, 784)


def test_morph_of_a_real_3_and_8(shipped, mnist_test):
    images, labels = mnist_test
    x = pixels(images)
    for net in shipped.values():
        answers = net.predict(x)
        i3 = int(np.flatnonzero((labels == 3) & (answers == 3))[0])
        i8 = int(np.flatnonzero((labels == 8) & (answers == 8))[0])
        m = probe.morph(net, x[i3], x[i8], n=41)
        assert m.answers[0] == 3 and m.answers[-1] == 8 and m.flip_index is not None
        direct = net.predict((1 - m.ts[:, None]) * x[i3] + m.ts[:, None] * x[i8])
        assert m.flip_index == int(np.flatnonzero(direct != 3)[0])


# --- fool it --------------------------------------------------------------------------------------
def _check_fooled(net, x, f, target=None):
    assert f.flipped
    assert int(net.predict(f.image)) == f.after != f.before == int(net.predict(x))
    if target is not None:
        assert f.after == target
    changed = np.flatnonzero(f.image != x)
    np.testing.assert_array_equal(changed, f.pixels)
    assert f.count == changed.size > 0
    assert set(np.unique(f.image[changed])) <= {0.0, 1.0}
    assert f.total_change == pytest.approx(np.abs(f.image - x).sum(), rel=1e-6)
    np.testing.assert_array_equal(f.image[f.image == x], x[f.image == x])


def test_fool_flips_real_test_images(shipped, mnist_test):
    images, labels = mnist_test
    x = pixels(images[:12])
    for net in shipped.values():
        for i in range(12):
            f = probe.fool(net, x[i])
            _check_fooled(net, x[i], f)
            assert f.count <= 20  # a handful of pixels, not a new digit
        f = probe.fool(net, x[0], target=3)
        _check_fooled(net, x[0], f, target=3)


@pytest.mark.parametrize("activation", ["sigmoid", "relu"])
@pytest.mark.parametrize("output", ["softmax", "sigmoid"])
def test_fool_on_random_networks(activation, output):
    net = float64_net(activation=activation, output=output, seed=12)
    rng = np.random.default_rng(7)
    for _ in range(3):
        x = rng.random(784) * (rng.random(784) < 0.2)
        f = probe.fool(net, x, max_pixels=probe.MAX_FOOL_PIXELS)
        _check_fooled(net, x, f)
        target = (f.before + 1) % 10
        g = probe.fool(net, x, target=target, max_pixels=probe.MAX_FOOL_PIXELS)
        if g.flipped:
            _check_fooled(net, x, g, target)
        else:
            assert g.count == probe.MAX_FOOL_PIXELS or g.count == np.flatnonzero(g.image != x).size


def test_fool_that_gives_up_reports_no_flip():
    net = float64_net(seed=13)
    x = np.random.default_rng(8).random(784)
    f = probe.fool(net, x, max_pixels=0)
    assert not f.flipped and f.count == 0 and f.after == f.before and np.array_equal(f.image, x)


# --- break it -------------------------------------------------------------------------------------
def _manual_accuracy(net, x, labels, off):
    out = manual_values(net, x, off)[-1][1]
    return float(np.mean(np.argmax(out, axis=1) == labels)), np.argmax(out, axis=1)


def _data(net, n=600, seed=0):
    rng = np.random.default_rng(seed)
    x = (rng.random((n, 784)) * (rng.random((n, 784)) < 0.25)).astype(np.float32)
    labels = net.predict(x)  # the intact network is right about all of them: every drop shows
    labels[: n // 10] = rng.integers(0, 10, n // 10)
    return x, labels


@pytest.mark.parametrize("activation", ["sigmoid", "relu"])
@pytest.mark.parametrize("off", [[], [(1, 3)], [(2, 5)], [(1, 0), (1, 15), (2, 7)]])
def test_ablation_equals_a_full_recomputation(activation, off):
    net = Network.initialise(activation=activation, seed=14)
    x, labels = _data(net)
    result = probe.ablate(net, x, labels, off)
    expected, predictions = _manual_accuracy(net, x, labels, off)
    assert result.accuracy == pytest.approx(expected, abs=1e-12)
    np.testing.assert_array_equal(result.predictions, predictions)
    for d in range(10):
        mask = labels == d
        if mask.any():
            assert result.per_digit[d] == pytest.approx(np.mean(predictions[mask] == d))


def test_ablation_ranking_agrees_with_individual_ablations():
    net = Network.initialise(activation="relu", seed=15)
    x, labels = _data(net, seed=1)
    rows = probe.ablation_ranking(net, x, labels)
    assert sorted((r["layer"], r["neuron"]) for r in rows) == probe.hidden_neurons(net)
    assert len(rows) == 32
    intact = probe.ablate(net, x, labels, []).accuracy
    for r in rows:
        single = probe.ablate(net, x, labels, [(r["layer"], r["neuron"])])
        assert r["accuracy"] == pytest.approx(single.accuracy, abs=1e-12)
        assert r["drop"] == pytest.approx(intact - single.accuracy, abs=1e-12)
        np.testing.assert_allclose(r["per_digit"], single.per_digit)
        assert r["accuracy"] == pytest.approx(_manual_accuracy(net, x, labels, [(r["layer"], r["neuron"])])[0])
    drops = [r["drop"] for r in rows]
    assert drops == sorted(drops, reverse=True) and max(drops) > 0


def test_ablation_for_other_sizes_outputs_and_an_edited_copy():
    net = Network.initialise((784, 20, 12, 8, 10), "sigmoid", "sigmoid", seed=16)
    edited = net.copy()
    edited.weights[1][4] *= -3  # an edit: the ablator must read this network, not the original
    for n in (net, edited):
        x, labels = _data(n, seed=2)
        rows = probe.ablation_ranking(n, x, labels)
        assert len(rows) == 40
        for r in rows[:6] + rows[-3:]:
            assert r["accuracy"] == pytest.approx(_manual_accuracy(n, x, labels, [(r["layer"], r["neuron"])])[0])
        off = [(1, 19), (2, 0), (3, 7)]
        assert probe.ablate(n, x, labels, off).accuracy == pytest.approx(_manual_accuracy(n, x, labels, off)[0])
    with pytest.raises(ValueError):
        probe.ablate(net, x, labels, [(4, 0)])  # the output layer is not hidden


def test_ablator_reuses_given_first_layer_sums(shipped, mnist_test):
    images, labels = mnist_test
    x = pixels(images)
    from src.scoring import Scorer
    net = shipped["sigmoid"]
    scorer = Scorer(net, x, labels)
    ablator = probe.Ablator(net, x, labels, z1=scorer.z1)
    assert ablator.intact.accuracy == pytest.approx(scorer.accuracy)
    rows = ablator.ranking()
    assert rows[0]["drop"] > 0.01  # some neuron matters on real digits
    r = rows[0]
    assert r["accuracy"] == pytest.approx(_manual_accuracy(net, x, labels, [(r["layer"], r["neuron"])])[0], abs=2e-4)


# --- noise ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", probe.NOISE_KINDS)
def test_noise_census_counts_and_confidence(kind):
    net = Network.initialise(activation="sigmoid", seed=17)
    c = probe.noise_census(net, n=3000, seed=4, kind=kind)
    assert c.counts.sum() == 3000 and c.counts.shape == (10,)
    x = probe.noise_images(3000, kind, np.random.default_rng(4))
    assert x.min() >= 0 and x.max() <= 1
    out = manual_values(net, x)[-1][1]
    np.testing.assert_array_equal(c.counts, np.bincount(np.argmax(out, axis=1), minlength=10))
    assert c.mean_confidence == pytest.approx(out.max(axis=1).mean(), rel=1e-5)
    assert c.median_confidence == pytest.approx(np.median(out.max(axis=1)), rel=1e-5)
    for d in range(10):
        if c.counts[d]:
            assert c.mean_by_digit[d] == pytest.approx(out.max(axis=1)[np.argmax(out, axis=1) == d].mean(), rel=1e-5)
        else:
            assert np.isnan(c.mean_by_digit[d])


def test_noise_census_in_chunks_and_bounded(monkeypatch):
    net = Network.initialise(activation="relu", seed=18)
    monkeypatch.setattr(probe, "NOISE_CHUNK", 700)
    c = probe.noise_census(net, n=700 * 2 + 7, seed=1)
    assert c.counts.sum() == c.n == c.confidence.size == 1407
    monkeypatch.setattr(probe, "MAX_NOISE_IMAGES", 900)
    assert probe.noise_census(net, n=10 ** 9).counts.sum() == 900
    with pytest.raises(ValueError):
        probe.noise_images(3, "plaid")


def test_an_ablator_keeps_answering_for_the_network_it_was_built_from():
    net = Network.initialise(activation="sigmoid", seed=19)
    x, labels = _data(net, seed=3)
    ablator = probe.Ablator(net, x, labels)
    before = ablator.ablate([(1, 2)]).accuracy
    net.weights[1] *= -1  # an edit after the ablator was made (it may sit in a cache shared by visitors)
    net.weights[2][:] = 0
    assert ablator.ablate([(1, 2)]).accuracy == before
    assert probe.Ablator(net, x, labels).ablate([(1, 2)]).accuracy != before
