"""The browser's maths (ui/instant.js) is the library's: its forward pass equals src.network and its
pre-processing equals src.preprocess, checked by running the very file with Node on MNIST test images."""
import base64
import json
import shutil
import subprocess
import sys

import numpy as np
import pytest

from src.preprocess import preprocess
from src.train import pixels
from tests.conftest import ROOT
from ui.instant import network_data

sys.path.insert(0, str(ROOT / "bench"))
from canvas_like import canvas_like  # noqa: E402

NODE = shutil.which("node") or shutil.which("nodejs")
pytestmark = pytest.mark.skipif(NODE is None, reason="Node.js not installed (Debian package nodejs; .ci/run installs it)")
N = 1000

# Reads a job (JSON) from argv[2], runs ui/instant.js's functions, writes base64 float32 results to argv[3].
RUNNER = r"""
import { readFileSync, writeFileSync } from 'node:fs';
import * as m from './instant.mjs';
const job = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const b64 = (a) => Buffer.from(new Float32Array(a).buffer).toString('base64');
const out = {};
if (job.kind === 'forward') {
  const net = m.decodeNetwork(job.net);
  const x = m.decodeFloat32(job.images);
  const n = job.n, d = job.sizes[0];
  const layers = job.sizes.slice(1).map(() => []);
  const answers = [];
  for (let i = 0; i < n; i++) {
    const f = m.forward(net, x.subarray(i * d, (i + 1) * d));
    f.activations.slice(1).forEach((a, l) => layers[l].push(...a));
    answers.push(m.argmax(f.activations[f.activations.length - 1]));
  }
  out.layers = layers.map(b64);
  out.answers = answers;
} else {
  const bytes = readFileSync(job.file);
  const { n, h, w, channels } = job;
  const digits = [], status = [], boxes = [];
  for (let i = 0; i < n; i++) {
    let rgba = bytes.subarray(i * h * w * channels, (i + 1) * h * w * channels);
    if (channels === 1) {  // white ink on opaque black, as the surface draws it
      const full = new Uint8ClampedArray(h * w * 4);
      for (let p = 0; p < h * w; p++) { full[4 * p] = full[4 * p + 1] = full[4 * p + 2] = rgba[p]; full[4 * p + 3] = 255; }
      rgba = full;
    }
    const s = m.preprocess(m.grayFromRGBA(rgba, h, w), h, w, job.centre);
    digits.push(...s.digit);
    status.push(s.status);
    boxes.push(s.box);
  }
  out.digits = b64(digits);
  out.status = status;
  out.boxes = boxes;
}
writeFileSync(process.argv[3], JSON.stringify(out));
"""


def run_node(tmp_path, job: dict) -> dict:
    shutil.copy(ROOT / "ui" / "instant.js", tmp_path / "instant.mjs")
    (tmp_path / "runner.mjs").write_text(RUNNER)
    (tmp_path / "job.json").write_text(json.dumps(job))
    done = subprocess.run([NODE, str(tmp_path / "runner.mjs"), str(tmp_path / "job.json"), str(tmp_path / "out.json")],
                          cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    return json.loads((tmp_path / "out.json").read_text())


def floats(text, shape):
    return np.frombuffer(base64.b64decode(text), "<f4").reshape(shape)


def edited(net):
    """A hand-edited copy: a first-layer neuron retuned, a bias pushed, one output's weights flipped and a large one."""
    net = net.copy()
    rng = np.random.default_rng(1)
    net.weights[0][3] = rng.normal(0, 0.5, net.weights[0].shape[1])
    net.biases[1][5] += 4.0
    net.weights[2][7] *= -1
    net.weights[1][2, 9] = 40.0
    return net


@pytest.mark.parametrize("which", ["sigmoid", "relu", "sigmoid edited", "relu edited"])
def test_forward_pass_equals_the_library(tmp_path, mnist_test, shipped, which):
    net = shipped[which.split()[0]]
    net = edited(net) if "edited" in which else net
    images, _ = mnist_test
    x = pixels(images[:N])
    out = run_node(tmp_path, {"kind": "forward", "net": network_data(net), "sizes": net.sizes, "n": N,
                              "images": base64.b64encode(x.astype("<f4").tobytes()).decode()})
    fw = net.forward(x)  # float32, as every page computes
    # every layer against the same numbers in float64 (JavaScript's own precision): equal up to rounding
    wide = net.copy()
    wide.weights = [w.astype(np.float64) for w in net.weights]
    wide.biases = [b.astype(np.float64) for b in net.biases]
    exact = wide.forward(x.astype(np.float64))
    for l, a in enumerate(exact.activations[1:]):
        js = floats(out["layers"][l], a.shape).astype(np.float64)
        assert np.all(np.abs(js - a) <= 1e-6 * np.maximum(1.0, np.abs(a))), f"layer {l + 1} differs"
    assert np.max(np.abs(floats(out["layers"][-1], fw.output.shape) - fw.output)) <= 1e-5
    assert out["answers"] == np.argmax(fw.output, axis=1).tolist()


def canvases(images, n, seed=0):
    rng = np.random.default_rng(seed)
    return np.stack([canvas_like(images[i], rng) for i in range(n)])


@pytest.mark.parametrize("centre", [True, False])
def test_preprocessing_equals_the_library_on_canvas_like_drawings(tmp_path, mnist_test, shipped, centre):
    images, _ = mnist_test
    n = N if centre else N // 4
    drawn = canvases(images, n)
    gray = drawn[..., 0]  # white on opaque black: one channel says it all, Node rebuilds the RGBA
    (tmp_path / "ink.bin").write_bytes(np.ascontiguousarray(gray).tobytes())
    out = run_node(tmp_path, {"kind": "preprocess", "file": str(tmp_path / "ink.bin"), "n": n, "h": 280, "w": 280,
                              "channels": 1, "centre": centre})
    js = floats(out["digits"], (n, 784))
    steps = [preprocess(c, centre=centre) for c in drawn]
    py = np.stack([s.digit.reshape(784) for s in steps])
    assert np.mean(np.abs(js - py)) <= 0.02
    assert [s.status for s in steps] == out["status"]
    assert [list(s.box) if s.box else None for s in steps] == out["boxes"]
    for net in shipped.values():
        assert np.mean(net.predict(js) == net.predict(py)) >= 0.995


def test_preprocessing_of_coloured_translucent_and_odd_drawings(tmp_path, mnist_test):
    """Every RGBA path: coloured ink, translucent ink on a transparent background, a dot, a blank, a wide
    stroke and a non-square canvas, against src.preprocess."""
    images, _ = mnist_test
    rng = np.random.default_rng(2)
    cases = []
    for c in canvases(images, 12, seed=3):
        colour = rng.integers(0, 256, 3)
        rgba = c.astype(np.float32)
        rgba[..., :3] = rgba[..., :1] / 255 * colour
        rgba[..., 3] = np.where(c[..., 0] > 0, rng.integers(60, 256), 0)
        cases.append(np.round(rgba).astype(np.uint8))
    dot = np.zeros((280, 280, 4), np.uint8)
    dot[100:110, 100:110] = 255
    line = np.zeros((280, 280, 4), np.uint8)
    line[140:143, 20:260] = 255
    cases += [dot, np.zeros((280, 280, 4), np.uint8), line]
    stack = np.stack(cases)
    (tmp_path / "ink.bin").write_bytes(stack.tobytes())
    out = run_node(tmp_path, {"kind": "preprocess", "file": str(tmp_path / "ink.bin"), "n": len(cases), "h": 280,
                              "w": 280, "channels": 4, "centre": True})
    js = floats(out["digits"], (len(cases), 784))
    steps = [preprocess(c) for c in cases]
    assert out["status"] == [s.status for s in steps]
    assert out["status"][-3:] == ["dot", "blank", "ok"]
    assert np.max(np.abs(js - np.stack([s.digit.reshape(784) for s in steps]))) <= 1e-5
    wide = np.zeros((120, 300, 4), np.uint8)
    wide[30:90, 40:260] = rng.integers(0, 256, (60, 220, 4))
    (tmp_path / "ink.bin").write_bytes(wide.tobytes())
    out = run_node(tmp_path, {"kind": "preprocess", "file": str(tmp_path / "ink.bin"), "n": 1, "h": 120, "w": 300,
                              "channels": 4, "centre": True})
    assert np.max(np.abs(floats(out["digits"], (784,)) - preprocess(wide).digit.reshape(784))) <= 1e-5
