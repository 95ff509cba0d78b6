// Instant mode: the draw page's drawing surface, its MNIST-style pre-processing and the 784-16-16-10 forward
// pass, all in the browser, so that the network answers while the pen is still moving (issue 18).
//
// The maths (the exported functions below) mirrors the Python library exactly and is tested against it with
// Node (tests/test_instant_js.py): `preprocess` is src.preprocess.preprocess, `forward` is
// src.network.Network.forward. The default export is the Streamlit Components v2 component (ui/instant.py).

// --- the numbers of src/preprocess.py ---------------------------------------------------------------------
export const SIZE = 28;             // MNIST images are 28x28 ...
export const BOX = 20;              // ... with the digit scaled to fit 20x20 inside
export const CENTRE = 14.0;         // ... and its centre of mass at pixel (14, 14)
export const INK_THRESHOLD = 0.05;  // a pixel brighter than this counts as ink for the bounding box
const MIN_INK_SIDE = 0.04;          // ink smaller than this share of the canvas's side is a dot
const DOT_MAX_SIDE = 0.2;           // ... and so is a small, round, solid blob
const DOT_MIN_FILL = 0.6;

const f32 = Math.fround;

/** Python's round(): halves go to the even neighbour (banker's rounding). */
export function roundHalfEven(x) {
  const r = Math.round(x);
  return (Math.abs(x % 1) === 0.5 && r % 2 !== 0) ? r - 1 : r;
}

// --- weights: float32 little-endian, base64 -------------------------------------------------------------
/** base64 of little-endian float32 -> Float32Array (in a browser and in Node). */
export function decodeFloat32(b64) {
  const bin = atob(b64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return new Float32Array(bytes.buffer, 0, bytes.length >> 2);
}

/** The network as ui/instant.py's network_data() sends it -> {sizes, activation, output, W, B, version}.
 * W[l] is layer l+1's matrix, row-major (n_out, n_in), as in src/network.py. */
export function decodeNetwork(data) {
  const sizes = data.sizes.map(Number);
  const W = data.weights.map(decodeFloat32);
  const B = data.biases.map(decodeFloat32);
  for (let l = 0; l < W.length; l++) {
    if (W[l].length !== sizes[l] * sizes[l + 1] || B[l].length !== sizes[l + 1]) {
      throw new Error(`layer ${l + 1}: the weights do not match the sizes ${sizes}`);
    }
  }
  return { sizes, activation: data.activation, output: data.output, W, B, version: data.version };
}

// --- the forward pass (src/network.py, src/activations.py) --------------------------------------------------
const sigmoid = (z) => 0.5 * Math.tanh(0.5 * z) + 0.5;

/** Every layer's weighted sums and activations for one image x (784 numbers in [0, 1]):
 * {zs: [Float64Array per layer], activations: [x, a1, a2, ...]}, as Network.forward. */
export function forward(net, x) {
  const zs = [], activations = [x];
  let a = x;
  const last = net.W.length - 1;
  for (let l = 0; l <= last; l++) {
    const nIn = net.sizes[l], nOut = net.sizes[l + 1], W = net.W[l];
    const z = new Float64Array(nOut);
    for (let j = 0; j < nOut; j++) z[j] = net.B[l][j];
    for (let k = 0; k < nIn; k++) {  // column by column: most pixels are 0, and skipping them is exact
      const v = a[k];
      if (v === 0) continue;
      for (let j = 0, o = k; j < nOut; j++, o += nIn) z[j] += W[o] * v;
    }
    const out = new Float64Array(nOut);
    if (l === last && net.output === 'softmax') {
      let m = -Infinity, s = 0;
      for (let j = 0; j < nOut; j++) m = Math.max(m, z[j]);
      for (let j = 0; j < nOut; j++) { out[j] = Math.exp(z[j] - m); s += out[j]; }
      for (let j = 0; j < nOut; j++) out[j] /= s;
    } else if (l === last || net.activation === 'sigmoid') {
      for (let j = 0; j < nOut; j++) out[j] = sigmoid(z[j]);
    } else {
      for (let j = 0; j < nOut; j++) out[j] = z[j] > 0 ? z[j] : 0;
    }
    zs.push(z);
    activations.push(out);
    a = out;
  }
  return { zs, activations };
}

/** Index of the largest value (the first of equals, as np.argmax). */
export function argmax(values) {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}

/** The two most active outputs when within `margin` of each other ("4 or 9?"), else null: src.network.close_call. */
export function closeCall(output, margin = 0.25) {
  const order = Array.from(output.keys()).sort((i, j) => output[i] - output[j] || i - j);
  const best = order[order.length - 1], second = order[order.length - 2];
  return output[best] - output[second] < margin * Math.max(output[best], 1e-12) ? [best, second] : null;
}

// --- pre-processing (src/preprocess.py) ---------------------------------------------------------------------
const GRAY_R = f32(0.299), GRAY_G = f32(0.587), GRAY_B = f32(0.114);

/** One RGBA pixel's ink, computed in float32 step by step as preprocess.to_grayscale does with NumPy. */
function grayOf(r, g, b, a) {
  let v = f32(f32(f32(GRAY_R * r) + f32(GRAY_G * g)) + f32(GRAY_B * b));
  v = f32(v * f32(a / 255));
  v = f32(v / 255);
  return v < 0 ? 0 : (v > 1 ? 1 : v);
}

const OPAQUE_GRAY = new Float32Array(256).map((_, v) => grayOf(v, v, v, 255));

/** The canvas's RGBA bytes (h*w*4, as ImageData.data) -> ink as Float32Array (h*w) in [0, 1]. */
export function grayFromRGBA(data, h, w) {
  const out = new Float32Array(h * w);
  for (let i = 0, p = 0; i < out.length; i++, p += 4) {
    const r = data[p], g = data[p + 1], b = data[p + 2], a = data[p + 3];
    out[i] = (a === 255 && r === g && g === b) ? OPAQUE_GRAY[r] : grayOf(r, g, b, a);
  }
  return out;
}

/** preprocess._area_matrix as a sparse list: for each of n_out cells, [first input cell, float32 weights]. */
export function areaMatrix(nIn, nOut) {
  const rows = [];
  for (let i = 0; i < nOut; i++) {
    // np.linspace(0, n_in, n_out + 1): start + step * i, the last edge exactly n_in
    const lo = (nIn / nOut) * i, hi = i + 1 === nOut ? nIn : (nIn / nOut) * (i + 1);
    const first = Math.floor(lo), weights = [];
    let total = 0;
    for (let k = first; k < nIn && k < hi; k++) {
      const overlap = Math.max(0, Math.min(hi, k + 1) - Math.max(lo, k));
      weights.push(overlap);
      total += overlap;
    }
    rows.push([first, weights.map((v) => f32(v / total))]);
  }
  return rows;
}

/** Area-averaged resize of the block [top, top+bh) x [left, left+bw) of a (.., w) image to (oh, ow),
 * as preprocess.resize (A @ block @ B.T), clipped to [0, 1]. */
export function resizeBlock(gray, w, top, left, bh, bw, oh, ow) {
  const A = areaMatrix(bh, oh), B = areaMatrix(bw, ow);
  const tmp = new Float64Array(bh * ow);  // block @ B.T
  for (let y = 0; y < bh; y++) {
    const row = (top + y) * w + left;
    for (let j = 0; j < ow; j++) {
      const [first, wts] = B[j];
      let s = 0;
      for (let t = 0; t < wts.length; t++) s += wts[t] * gray[row + first + t];
      tmp[y * ow + j] = s;
    }
  }
  const out = new Float64Array(oh * ow);
  for (let i = 0; i < oh; i++) {
    const [first, wts] = A[i];
    for (let t = 0; t < wts.length; t++) {
      const wt = wts[t], base = (first + t) * ow;
      for (let j = 0; j < ow; j++) out[i * ow + j] += wt * tmp[base + j];
    }
  }
  for (let i = 0; i < out.length; i++) out[i] = Math.min(1, Math.max(0, f32(out[i])));
  return out;
}

/** (top, bottom, left, right) of the pixels brighter than the threshold, bottom/right exclusive, or null. */
export function inkBox(gray, h, w, threshold = INK_THRESHOLD) {
  let top = h, bottom = -1, left = w, right = -1;
  for (let y = 0; y < h; y++) {
    const row = y * w;
    for (let x = 0; x < w; x++) {
      if (gray[row + x] > threshold) {
        if (y < top) top = y;
        bottom = y;
        if (x < left) left = x;
        if (x > right) right = x;
      }
    }
  }
  return bottom < 0 ? null : [top, bottom + 1, left, right + 1];
}

function isDot(gray, w, box, canvasSide) {
  const [top, bottom, left, right] = box;
  const bh = bottom - top, bw = right - left, long = Math.max(bh, bw);
  if (long < MIN_INK_SIDE * canvasSide) return true;
  let full = 0;
  for (let y = top; y < bottom; y++) for (let x = left; x < right; x++) if (gray[y * w + x] > 0.5) full++;
  const round = long <= 1.5 * Math.min(bh, bw);
  const solid = full / (bh * bw) >= DOT_MIN_FILL;
  return long < DOT_MAX_SIDE * canvasSide && round && solid;
}

/** All steps from the ink (Float32Array h*w) to the network's input, as src.preprocess.preprocess:
 * {digit: Float64Array(784), box, fitted, fh, fw, offset: [oy, ox], status: 'ok' | 'blank' | 'dot'}. */
export function preprocess(gray, h, w, centre = true) {
  const digit = new Float64Array(SIZE * SIZE);
  const box = inkBox(gray, h, w);
  if (box === null) return { digit, box: null, fitted: null, fh: 0, fw: 0, offset: null, status: 'blank' };
  const [top, bottom, left, right] = box;
  const bh = bottom - top, bw = right - left;
  const status = isDot(gray, w, box, Math.max(h, w)) ? 'dot' : 'ok';
  if (!centre) {
    return { digit: resizeBlock(gray, w, 0, 0, h, w, SIZE, SIZE), box, fitted: null, fh: 0, fw: 0, offset: null, status };
  }
  const scale = BOX / Math.max(bh, bw);
  const fh = Math.max(1, roundHalfEven(bh * scale)), fw = Math.max(1, roundHalfEven(bw * scale));
  const fitted = resizeBlock(gray, w, top, left, bh, bw, fh, fw);
  let total = 0, ry = 0, rx = 0;
  for (let y = 0; y < fh; y++) {
    for (let x = 0; x < fw; x++) {
      const v = fitted[y * fw + x];
      total += v; ry += y * v; rx += x * v;
    }
  }
  if (!(total > 0)) return { digit, box, fitted, fh, fw, offset: null, status: 'blank' };
  // the fitted ink's centre of mass lands on pixel (14, 14) of the 28x28 field
  const oy = Math.min(Math.max(roundHalfEven(CENTRE - ry / total), 0), SIZE - fh);
  const ox = Math.min(Math.max(roundHalfEven(CENTRE - rx / total), 0), SIZE - fw);
  for (let y = 0; y < fh; y++) for (let x = 0; x < fw; x++) digit[(oy + y) * SIZE + ox + x] = fitted[y * fw + x];
  return { digit, box, fitted, fh, fw, offset: [oy, ox], status };
}
