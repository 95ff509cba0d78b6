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
  if (data.byteOffset % 4) data = new Uint8Array(data);  // a word view needs aligned bytes
  const words = new Uint32Array(data.buffer, data.byteOffset, h * w);  // one pixel a word (little-endian: ABGR)
  for (let i = 0; i < out.length; i++) {
    const px = words[i];
    if (px === 0xff000000) continue;  // opaque black, the surface's background: 0
    const r = px & 255, g = (px >>> 8) & 255, b = (px >>> 16) & 255, a = px >>> 24;
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

// =====================================================================================================
// The component: a drawing surface, the live pre-processing, the answer, the ten outputs and the network
// picture, repainted on every pointer move. Nothing goes to the server during a stroke; when a stroke ends
// (or Undo, Clear, a mode change), the drawing goes back once with setStateValue('drawing', ...).
// =====================================================================================================
const BLUE = 'rgb(88,196,221)', RED = 'rgb(252,98,85)', HIGHLIGHT = '#FF8C42', GREY = 'rgba(200,200,200,0.55)';
const SURFACE = 280;       // the surface's bitmap, whatever its size on screen: the Python page's 280x280 canvas
const HISTORY = 30;        // steps Undo can take back
const MAX_POINTS = 20000;  // points kept for the whole drawing (what goes back to the server is bounded)
const TOP_INPUTS = 6;      // pixel connections drawn into each first-layer neuron (as ui/figures.network_svg)
const ANIMATION_MS = 700;  // the propagation animation: input, layer 1, layer 2, output
const KEY = '__instantMode';

/** Write to the DOM only what changed: a write makes the browser lay the page out again. */
function setText(el, text) {
  if (el.textContent !== text) el.textContent = text;
}

function setProp(el, name, value) {
  if (el[name] !== value) el[name] = value;
}

const html = (tag, cls, text) => {
  const el = document.createElement(tag);
  if (cls) el.className = cls;
  if (text !== undefined) el.textContent = text;
  return el;
};

function canvas2d(el) {
  const ctx = el.getContext('2d', { willReadFrequently: true });
  if (!ctx) throw new Error('this browser gives no 2-D canvas');
  return ctx;
}

/** Size a canvas's bitmap to its CSS size times the device pixel ratio; returns the 2-D context, scaled to CSS px. */
function fitCanvas(el, width, height) {
  const ratio = Math.min(3, window.devicePixelRatio || 1);
  const w = Math.round(width * ratio), h = Math.round(height * ratio);
  if (el.width !== w || el.height !== h) {
    el.width = w; el.height = h;
    el.style.width = `${width}px`;
    el.style.height = `${height}px`;
  }
  const ctx = canvas2d(el);
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  return ctx;
}

function build(parent) {
  const root = html('div', 'inst');
  root.innerHTML = `
    <div class="inst-grid">
      <div class="inst-draw">
        <div class="inst-stack">
          <canvas class="inst-surface" width="${SURFACE}" height="${SURFACE}" aria-label="drawing surface"></canvas>
          <canvas class="inst-overlay" width="${SURFACE}" height="${SURFACE}"></canvas>
        </div>
        <div class="inst-tools">
          <div class="inst-modes" role="group" aria-label="drawing mode">
            <button type="button" data-mode="free" title="Draw freely; the drawing is pre-processed like MNIST">Free</button>
            <button type="button" data-mode="grid" title="Paint the 784 inputs directly with a soft brush, as in the lesson">28x28 grid</button>
          </div>
          <button type="button" class="inst-undo">Undo</button>
          <button type="button" class="inst-clear">Clear</button>
          <label class="inst-pen" title="Pen width on the free surface">Pen <input type="range" min="6" max="40" step="1"></label>
          <label class="inst-animate" title="Show the signal travelling from layer to layer after each stroke"><input type="checkbox"> Animate</label>
        </div>
      </div>
      <div class="inst-side">
        <div class="inst-answer" data-testid="instant-answer">
          <div class="inst-digit"></div>
          <div class="inst-words"><div class="inst-caption"></div><div class="inst-close"></div></div>
        </div>
        <div class="inst-barsbox"><canvas class="inst-bars" aria-label="the ten outputs"></canvas></div>
        <div class="inst-steps">
          <div class="inst-steps-title">What the network reads</div>
          <div class="inst-steps-row">
            <figure><canvas class="inst-fitted"></canvas><figcaption>scaled to fit 20x20</figcaption></figure>
            <figure><canvas class="inst-input"></canvas><figcaption>28x28: the 784 inputs</figcaption></figure>
          </div>
        </div>
      </div>
    </div>
    <div class="inst-net-title">Inside the network <span>· click a neuron to look at it</span></div>
    <canvas class="inst-net" aria-label="the network: click a neuron to look at it"></canvas>
    <div class="inst-neuron"></div>`;
  parent.appendChild(root);
  const q = (s) => root.querySelector(s);
  return {
    root, surface: q('.inst-surface'), overlay: q('.inst-overlay'), bars: q('.inst-bars'), fitted: q('.inst-fitted'),
    input: q('.inst-input'), net: q('.inst-net'), digit: q('.inst-digit'), caption: q('.inst-caption'),
    close: q('.inst-close'), neuron: q('.inst-neuron'), undo: q('.inst-undo'), clear: q('.inst-clear'),
    pen: q('.inst-pen input'), animate: q('.inst-animate input'), modes: root.querySelectorAll('[data-mode]'),
    steps: q('.inst-steps'),
  };
}

function mount(parent) {
  const fallback = parent.querySelector('.inst-fallback');
  const ui = build(parent);
  const reduced = window.matchMedia && window.matchMedia('(prefers-reduced-motion: reduce)').matches;
  const s = {
    ui, parent, fallback, net: null, version: null, mode: 'free', strokes: [], grid: new Float32Array(SIZE * SIZE),
    undo: [], pen: 20, centre: true, chosen: [1, 0], presenting: false, restored: null, drawing: null, result: null,
    animateFrom: 0, reduced, times: [], parts: [], updates: 0, sent: 0, width: 0, barsWidth: 0, layout: null, staticNet: null,
  };
  s.font = getComputedStyle(ui.root).fontFamily || 'sans-serif';  // the page's own type in the pictures too
  s.ctx = canvas2d(ui.surface);
  s.ctx.fillStyle = '#000';
  s.ctx.fillRect(0, 0, SURFACE, SURFACE);
  s.overlayCtx = canvas2d(ui.overlay);
  ui.animate.checked = !reduced && localStorage.getItem('instantAnimate') !== '0';
  ui.animate.disabled = reduced;
  if (reduced) ui.animate.parentElement.title = 'Off: this device asks for reduced motion';
  bindPointer(s);
  const guard = (fn) => (event) => { try { fn(event); } catch (err) { fail(s, err); } };
  ui.undo.addEventListener('click', guard(() => { undo(s); strokeEnded(s); }));
  ui.clear.addEventListener('click', guard(() => { remember(s); s.strokes = []; s.grid.fill(0); redraw(s); strokeEnded(s); }));
  ui.pen.addEventListener('input', guard(() => { s.pen = Number(ui.pen.value); }));
  ui.animate.addEventListener('change', guard(() => localStorage.setItem('instantAnimate', ui.animate.checked ? '1' : '0')));
  ui.modes.forEach((b) => b.addEventListener('click', guard(() => {
    if (s.mode === b.dataset.mode) return;
    s.mode = b.dataset.mode;
    redraw(s);
    strokeEnded(s);
  })));
  ui.net.addEventListener('click', guard((event) => choose(s, event)));
  const measure = () => {  // sizes are read here, never while drawing (a read after a write forces a layout)
    s.width = ui.root.clientWidth;
    s.barsWidth = ui.bars.parentElement.clientWidth;
    s.narrow = s.width > 0 && s.width < 600;
    s.layout = null;
  };
  measure();
  new ResizeObserver(guard(() => { measure(); render(s); })).observe(ui.root);
  return s;
}

// --- the drawing ------------------------------------------------------------------------------------------
function remember(s) {
  s.undo.push({ strokes: s.strokes.slice(), grid: s.grid.slice() });
  if (s.undo.length > HISTORY) s.undo.shift();
}

function undo(s) {
  const last = s.undo.pop();
  if (!last) return;
  s.strokes = last.strokes;
  s.grid = last.grid;
  redraw(s);
}

function surfacePoint(s, event, rect) {
  return [Math.round((event.clientX - rect.left) * SURFACE / rect.width),
          Math.round((event.clientY - rect.top) * SURFACE / rect.height)];
}

function pointsKept(s) {
  return s.strokes.reduce((n, stroke) => n + stroke.p.length / 2, 0);
}

function bindPointer(s) {
  const el = s.ui.surface;
  const guard = (fn) => (event) => { try { fn(event); } catch (err) { fail(s, err); } };
  el.addEventListener('pointerdown', guard((event) => {
    if (event.button !== undefined && event.button > 0) return;
    event.preventDefault();
    el.setPointerCapture(event.pointerId);
    remember(s);
    const rect = el.getBoundingClientRect();  // once per stroke: reading it after a repaint forces a layout
    const [x, y] = surfacePoint(s, event, rect);
    s.drawing = { id: event.pointerId, last: [x, y], rect };
    if (s.mode === 'free') {
      s.strokes.push({ w: s.pen, p: [x, y] });
      segment(s.ctx, s.pen, x, y, x, y);
    } else {
      brush(s.grid, x, y, x, y);
      paintGrid(s);
    }
    update(s);
  }));
  el.addEventListener('pointermove', guard((event) => {
    if (!s.drawing || event.pointerId !== s.drawing.id) return;
    const events = event.getCoalescedEvents ? event.getCoalescedEvents() : [event];
    for (const e of (events.length ? events : [event])) {
      const [x, y] = surfacePoint(s, e, s.drawing.rect);
      const [lx, ly] = s.drawing.last;
      if (x === lx && y === ly) continue;
      if (s.mode === 'free') {
        if (pointsKept(s) >= MAX_POINTS) break;
        s.strokes[s.strokes.length - 1].p.push(x, y);
        segment(s.ctx, s.strokes[s.strokes.length - 1].w, lx, ly, x, y);
      } else {
        brush(s.grid, lx, ly, x, y);
      }
      s.drawing.last = [x, y];
    }
    if (s.mode === 'grid') paintGrid(s);
    update(s);
  }));
  const end = guard((event) => {
    if (!s.drawing || event.pointerId !== s.drawing.id) return;
    s.drawing = null;
    strokeEnded(s);
  });
  el.addEventListener('pointerup', end);
  el.addEventListener('pointercancel', end);
}

function segment(ctx, width, x0, y0, x1, y1) {
  ctx.strokeStyle = '#fff';
  ctx.fillStyle = '#fff';
  ctx.lineWidth = width;
  ctx.lineCap = 'round';
  ctx.lineJoin = 'round';
  if (x0 === x1 && y0 === y1) {
    ctx.beginPath();
    ctx.arc(x0, y0, width / 2, 0, 2 * Math.PI);
    ctx.fill();
    return;
  }
  ctx.beginPath();
  ctx.moveTo(x0, y0);
  ctx.lineTo(x1, y1);
  ctx.stroke();
}

/** The lesson's soft brush on the 28x28 grid: along the segment, each cell takes the larger of its value and a
 * soft disk's (full at the centre, fading to nothing 1.6 cells away). Coordinates in surface px. */
export function brush(grid, x0, y0, x1, y1) {
  const k = SIZE / SURFACE, radius = 1.6;
  const steps = Math.max(1, Math.ceil(Math.hypot(x1 - x0, y1 - y0) * k * 4));
  for (let t = 0; t <= steps; t++) {
    const cx = (x0 + (x1 - x0) * t / steps) * k, cy = (y0 + (y1 - y0) * t / steps) * k;
    for (let gy = Math.max(0, Math.floor(cy - radius)); gy <= Math.min(SIZE - 1, Math.ceil(cy + radius)); gy++) {
      for (let gx = Math.max(0, Math.floor(cx - radius)); gx <= Math.min(SIZE - 1, Math.ceil(cx + radius)); gx++) {
        const d = Math.hypot(gx + 0.5 - cx, gy + 0.5 - cy);
        const v = Math.max(0, Math.min(1, 1.25 * (1 - d / radius)));
        const i = gy * SIZE + gx;
        if (v > grid[i]) grid[i] = v;
      }
    }
  }
}

function paintGrid(s) {
  const ctx = s.ctx, cell = SURFACE / SIZE;
  ctx.fillStyle = '#000';
  ctx.fillRect(0, 0, SURFACE, SURFACE);
  for (let i = 0; i < SIZE * SIZE; i++) {
    if (s.grid[i] <= 0) continue;
    const v = Math.round(255 * s.grid[i]);
    ctx.fillStyle = `rgb(${v},${v},${v})`;
    ctx.fillRect((i % SIZE) * cell, Math.floor(i / SIZE) * cell, cell, cell);
  }
  ctx.strokeStyle = 'rgba(255,255,255,0.08)';
  ctx.lineWidth = 1;
  ctx.beginPath();
  for (let k = 1; k < SIZE; k++) {
    ctx.moveTo(k * cell, 0); ctx.lineTo(k * cell, SURFACE);
    ctx.moveTo(0, k * cell); ctx.lineTo(SURFACE, k * cell);
  }
  ctx.stroke();
}

function redraw(s) {
  if (s.mode === 'grid') {
    paintGrid(s);
  } else {
    s.ctx.fillStyle = '#000';
    s.ctx.fillRect(0, 0, SURFACE, SURFACE);
    for (const stroke of s.strokes) {
      const p = stroke.p;
      segment(s.ctx, stroke.w, p[0], p[1], p[0], p[1]);
      for (let i = 2; i < p.length; i += 2) segment(s.ctx, stroke.w, p[i - 2], p[i - 1], p[i], p[i + 1]);
    }
  }
  update(s);
}

// --- from the drawing to the answer ---------------------------------------------------------------------------
function read(s) {
  if (s.mode === 'grid') {
    const digit = Float64Array.from(s.grid);
    return { digit, box: null, fitted: null, status: digit.some((v) => v > 0) ? 'ok' : 'blank' };
  }
  const image = s.ctx.getImageData(0, 0, SURFACE, SURFACE).data;
  return preprocess(grayFromRGBA(image, SURFACE, SURFACE), SURFACE, SURFACE, s.centre);
}

/** Everything that follows from the drawing, repainted: what every pointer move costs. */
function update(s) {
  const start = performance.now();
  const steps = read(s);
  s.steps = steps;
  const read_ = performance.now();
  s.result = s.net ? forward(s.net, steps.digit) : null;
  const forward_ = performance.now();
  render(s);
  const end = performance.now();
  s.times.push(end - start);  // what bench/bench_instant.py reports, with the parts below
  s.parts.push([read_ - start, forward_ - read_, end - forward_]);
  if (s.times.length > 2000) { s.times.splice(0, 1000); s.parts.splice(0, 1000); }
  s.updates += 1;
}

function round6(v) {
  return Math.round(v * 1e6) / 1e6;
}

/** A stroke ended (or Undo, Clear, a new mode): the drawing goes to the server, once. */
function strokeEnded(s) {
  update(s);
  if (s.ui.animate.checked && !s.reduced) animate(s);
  const grid = s.grid.some((v) => v > 0) ? Array.from(s.grid, round6) : null;
  s.sent += 1;
  s.args.setStateValue('drawing', {
    mode: s.mode, status: s.steps.status, pixels: Array.from(s.steps.digit, round6), strokes: s.strokes, grid,
    pen: s.pen, version: s.version,
  });
}

function animate(s) {
  s.animateFrom = performance.now();
  const step = () => {
    if (!s.animateFrom) return;
    render(s);
    if (performance.now() - s.animateFrom < ANIMATION_MS) requestAnimationFrame(step);
    else { s.animateFrom = 0; render(s); }
  };
  requestAnimationFrame(step);
}

// --- painting ------------------------------------------------------------------------------------------------
function render(s) {
  const { ui } = s;
  const steps = s.steps, result = s.result;
  if (!steps || !result) return;
  const output = result.activations[result.activations.length - 1];
  paintAnswer(s, steps, output);
  paintBars(s, output, steps.status === 'ok');
  paintImage(ui.input, steps.digit, SIZE, SIZE, s.presenting ? 140 : 112);
  if (steps.fitted) {
    const frame = new Float64Array(BOX * BOX);  // the fitted ink inside its 20x20 box
    const oy = (BOX - steps.fh) >> 1, ox = (BOX - steps.fw) >> 1;
    for (let y = 0; y < steps.fh; y++) for (let x = 0; x < steps.fw; x++) frame[(oy + y) * BOX + ox + x] = steps.fitted[y * steps.fw + x];
    paintImage(ui.fitted, frame, BOX, BOX, s.presenting ? 100 : 80);
  } else {
    paintImage(ui.fitted, new Float64Array(BOX * BOX), BOX, BOX, s.presenting ? 100 : 80);
  }
  if (ui.steps.dataset.mode !== s.mode) ui.steps.dataset.mode = s.mode;
  const o = s.overlayCtx;
  o.clearRect(0, 0, SURFACE, SURFACE);
  if (steps.box && s.mode === 'free') {
    const [top, bottom, left, right] = steps.box;
    o.strokeStyle = BLUE;
    o.lineWidth = 2;
    o.strokeRect(left - 1, top - 1, right - left + 2, bottom - top + 2);
  }
  paintNet(s, result);
  paintNeuron(s, result);
  ui.modes.forEach((b) => {
    const pressed = String(b.dataset.mode === s.mode);
    if (b.getAttribute('aria-pressed') !== pressed) b.setAttribute('aria-pressed', pressed);
  });
  setProp(ui.undo, 'disabled', s.undo.length === 0);
  setProp(ui.clear, 'disabled', s.strokes.length === 0 && !s.grid.some((v) => v > 0));
  setProp(ui.pen, 'value', String(s.pen));
  setProp(ui.pen.parentElement, 'hidden', s.mode !== 'free');
}

function paintAnswer(s, steps, output) {
  const { ui } = s;
  if (steps.status !== 'ok') {
    setText(ui.digit, '');
    setText(ui.caption, steps.status === 'dot'
      ? 'That is a dot, not a digit: draw a whole digit, as large as you like.'
      : 'Draw a digit with the mouse, a pen or a finger: the network answers as you draw.');
    setText(ui.close, '');
    return;
  }
  const best = argmax(output);
  setText(ui.digit, String(best));
  setText(ui.caption, `the network's answer · output activation ${output[best].toFixed(2)}`);
  const pair = closeCall(output);
  setText(ui.close, pair ? `A close call: ${pair[0]} or ${pair[1]}?` : '');
}

const scratches = new Map();

/** A small canvas holding ``values`` (h*w in [0, 1]) as gray pixels, one per size, reused (a canvas resized is
 * a canvas reallocated). */
function grayCanvas(values, h, w) {
  let small = scratches.get(`${h}x${w}`);
  if (!small) {
    small = document.createElement('canvas');
    small.width = w; small.height = h;
    small.image = new ImageData(w, h);
    small.ctx = canvas2d(small);
    scratches.set(`${h}x${w}`, small);
  }
  const data = small.image.data;
  for (let i = 0; i < h * w; i++) {
    const v = Math.round(255 * Math.min(1, Math.max(0, values[i])));
    data[4 * i] = data[4 * i + 1] = data[4 * i + 2] = v;
    data[4 * i + 3] = 255;
  }
  small.ctx.putImageData(small.image, 0, 0);
  return small;
}

function paintImage(el, values, h, w, size) {
  const ctx = fitCanvas(el, size, size * h / w);
  const small = grayCanvas(values, h, w);
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(small, 0, 0, size, size * h / w);
  ctx.strokeStyle = '#555';
  ctx.lineWidth = 1;
  ctx.strokeRect(0.5, 0.5, size - 1, size * h / w - 1);
}

function paintBars(s, output, readable) {
  const el = s.ui.bars;
  const width = Math.max(140, Math.min(420, s.barsWidth || 360));
  const font = s.presenting ? 18 : 12, height = s.presenting ? 170 : (s.narrow ? 96 : 130);
  const ctx = fitCanvas(el, width, height);
  ctx.clearRect(0, 0, width, height);
  const best = argmax(output), slot = width / output.length, base = height - font - 6;
  const top = Math.max(1, ...output);
  ctx.font = `${font}px ${s.font}`;
  ctx.textAlign = 'center';
  for (let i = 0; i < output.length; i++) {
    const h = (base - font - 6) * Math.min(1, Math.max(0, output[i] / top));
    const x = i * slot + slot * 0.15;
    ctx.fillStyle = readable && i === best ? HIGHLIGHT : GREY;
    ctx.fillRect(x, base - h, slot * 0.7, Math.max(h, 1));
    ctx.fillStyle = readable && i === best ? '#fff' : '#aaa';
    ctx.fillText(String(i), x + slot * 0.35, height - 4);
  }
  if (!s.narrow) {
    ctx.fillStyle = '#bbb';
    ctx.font = `${Math.max(10, font - 2)}px ${s.font}`;
    for (let i = 0; i < output.length; i++) {
      const h = (base - font - 6) * Math.min(1, Math.max(0, output[i] / top));
      ctx.fillText(output[i].toFixed(2), i * slot + slot * 0.5, base - h - 4);
    }
  }
  ctx.fillStyle = '#555';
  ctx.fillRect(0, base, width, 1);
}

// --- the network picture: layout, connections (drawn once per network and size), activations -----------------
function netLayout(s) {
  const el = s.ui.net;
  const width = Math.max(300, Math.min(s.presenting ? 1100 : 820, s.width || 760));
  const font = s.presenting ? 17 : 12;
  const gap = s.presenting ? 28 : 24;  // neuron spacing: every neuron is a tap target of at least 24 px
  const sizes = s.net.sizes, most = Math.max(...sizes.slice(1));
  const top = font + 16, height = top + most * gap + 8;
  const img = Math.min(196, width * 0.24, height - top - 8);
  const x0 = 4, y0 = top + (height - top - img) / 2;
  const label = s.presenting ? 96 : 70, radius = Math.min(s.presenting ? 11 : 9, gap / 2 - 2);
  const first = x0 + img + Math.max(48, width * 0.12), last = width - label - radius;
  const cols = sizes.slice(1).map((_, i) => first + (sizes.length > 2 ? i * (last - first) / (sizes.length - 2) : 0));
  const pos = sizes.slice(1).map((n, i) => Array.from({ length: n }, (_, j) => [cols[i], top + (most * gap) / 2 + (j - (n - 1) / 2) * gap]));
  return { width, height, font, gap, img, x0, y0, pos, radius, key: `${width}|${s.presenting}|${s.version}` };
}

function staticConnections(s, L) {
  if (s.staticNet && s.staticNet.key === L.key) return s.staticNet.canvas;
  const canvas = document.createElement('canvas');
  const ratio = Math.min(3, window.devicePixelRatio || 1);
  canvas.width = Math.round(L.width * ratio);
  canvas.height = Math.round(L.height * ratio);
  const ctx = canvas2d(canvas);
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  ctx.fillStyle = '#0E1117';
  ctx.fillRect(0, 0, L.width, L.height);
  ctx.fillStyle = '#aaa';
  ctx.textAlign = 'center';
  ctx.font = `${L.font}px ${s.font}`;
  ctx.fillText(`${s.net.sizes[0]} inputs`, L.x0 + L.img / 2, L.y0 - 8);
  L.pos.forEach((layer, i) => ctx.fillText(i + 1 === L.pos.length ? `output (${layer.length})`
    : `hidden ${i + 1} (${layer.length})`, layer[0][0], L.font + 4));
  for (let l = 1; l < L.pos.length; l++) {
    const W = s.net.W[l], nIn = s.net.sizes[l];
    let wmax = 0;
    for (const v of W) wmax = Math.max(wmax, Math.abs(v));
    wmax = wmax || 1;
    L.pos[l].forEach(([x2, y2], j) => L.pos[l - 1].forEach(([x1, y1], k) => {
      const w = W[j * nIn + k], op = Math.pow(Math.abs(w) / wmax, 0.3);
      if (op * 0.55 < 0.03) return;
      ctx.strokeStyle = w > 0 ? BLUE : RED;
      ctx.globalAlpha = op * 0.55;
      ctx.lineWidth = 0.4 + op;
      ctx.beginPath(); ctx.moveTo(x1, y1); ctx.lineTo(x2, y2); ctx.stroke();
    }));
  }
  s.staticNet = { key: L.key, canvas };
  return canvas;
}

function paintNet(s, result) {
  if (!s.layout || s.layout.key !== `${s.layout.width}|${s.presenting}|${s.version}`) s.layout = netLayout(s);
  const L = s.layout, a = result.activations, net = s.net;
  const ctx = fitCanvas(s.ui.net, L.width, L.height);
  ctx.globalAlpha = 1;
  ctx.drawImage(staticConnections(s, L), 0, 0, L.width, L.height);  // background, titles, connections
  // the propagation animation: a front moving from the input (0) to the output (layers)
  const layers = L.pos.length;
  const front = s.animateFrom ? Math.min(layers, layers * (performance.now() - s.animateFrom) / ANIMATION_MS) : layers;
  const lit = (l) => Math.min(1, Math.max(0, front - (l - 1)));  // how far layer l (1-based) has been reached
  if (lit(2) < 1) {  // while the signal has not reached layer 2, its connections are dimmed
    ctx.fillStyle = `rgba(14,17,23,${(0.65 * (1 - lit(2))).toFixed(3)})`;
    ctx.fillRect(L.x0 + L.img + 1, L.font + 10, L.width, L.height);
  }
  // the input image and its strongest contributions into layer 1
  const x = a[0], side = Math.round(Math.sqrt(x.length));
  if (side * side === x.length) {
    const small = grayCanvas(x, side, side);
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(small, L.x0, L.y0, L.img, L.img);
    ctx.strokeStyle = '#555';
    ctx.strokeRect(L.x0 + 0.5, L.y0 + 0.5, L.img - 1, L.img - 1);
    const W = net.W[0], nIn = x.length, cell = L.img / side;
    let peak = 0;
    const best = L.pos[0].map((_, j) => {
      const top = [];
      for (let k = 0; k < nIn; k++) {
        if (x[k] === 0) continue;
        const c = W[j * nIn + k] * x[k];
        peak = Math.max(peak, Math.abs(c));
        if (top.length < TOP_INPUTS || Math.abs(c) > Math.abs(top[top.length - 1][1])) {
          top.push([k, c]);
          top.sort((p, q) => Math.abs(q[1]) - Math.abs(p[1]));
          if (top.length > TOP_INPUTS) top.pop();
        }
      }
      return top;
    });
    ctx.lineWidth = 0.8;
    best.forEach((top, j) => top.forEach(([k, c]) => {
      const [cx, cy] = L.pos[0][j];
      ctx.strokeStyle = c > 0 ? BLUE : RED;
      ctx.globalAlpha = Math.pow(Math.abs(c) / (peak || 1), 0.3) * 0.8 * lit(1);
      ctx.beginPath();
      ctx.moveTo(L.x0 + (k % side + 0.5) * cell, L.y0 + (Math.floor(k / side) + 0.5) * cell);
      ctx.lineTo(cx, cy);
      ctx.stroke();
    }));
    ctx.globalAlpha = 1;
  }
  const output = a[a.length - 1], answer = argmax(output);
  const plain = `${L.font + 1}px ${s.font}`, bold = `bold ${plain}`;
  ctx.font = plain;
  ctx.textAlign = 'left';
  L.pos.forEach((layer, i) => {
    const l = i + 1, act = a[l];
    const top = Math.max(1, ...act);  // ReLU activations can exceed 1
    layer.forEach(([cx, cy], j) => {
      const light = Math.min(1, Math.max(0, act[j] / top)) * lit(l);
      const chosen = s.chosen[0] === l && s.chosen[1] === j;
      ctx.beginPath();
      ctx.arc(cx, cy, L.radius, 0, 2 * Math.PI);
      ctx.fillStyle = '#0E1117';
      ctx.fill();
      ctx.fillStyle = `rgba(255,255,255,${light.toFixed(3)})`;
      ctx.fill();
      ctx.strokeStyle = chosen ? HIGHLIGHT : '#888';
      ctx.lineWidth = chosen ? 3 : 1;
      ctx.stroke();
      if (l === L.pos.length) {
        ctx.fillStyle = '#ddd';
        if (j === answer) ctx.font = bold;
        ctx.fillText(`${j}  ${lit(l) >= 1 ? act[j].toFixed(2) : ''}`, cx + L.radius + 6, cy + L.font / 3);
        if (j === answer) ctx.font = plain;
      }
    });
  });
}

function paintNeuron(s, result) {
  const [l, j] = s.chosen;
  if (!s.net || l < 1 || l >= s.net.sizes.length || j < 0 || j >= s.net.sizes[l]) { setText(s.ui.neuron, ''); return; }
  const name = l === s.net.sizes.length - 1 ? 'Output layer' : `Hidden layer ${l}`;
  const b = s.net.B[l - 1][j], z = result.zs[l - 1][j], act = result.activations[l][j];
  setText(s.ui.neuron, `${name}, neuron ${j}: weighted sum z = Σ w·a + b = ${(z - b).toFixed(2)} + (${b.toFixed(2)}) `
    + `= ${z.toFixed(2)}, activation a = ${act.toFixed(3)}`);
}

/** A click or tap on the picture chooses the nearest neuron within half the spacing (a 24 px target at least). */
function choose(s, event) {
  if (!s.layout) return;
  const rect = s.ui.net.getBoundingClientRect();
  const px = (event.clientX - rect.left) * s.layout.width / rect.width;
  const py = (event.clientY - rect.top) * s.layout.height / rect.height;
  let found = null, nearest = s.layout.gap / 2;
  s.layout.pos.forEach((layer, i) => layer.forEach(([cx, cy], j) => {
    const d = Math.hypot(px - cx, py - cy);
    if (d <= nearest) { nearest = d; found = [i + 1, j]; }
  }));
  if (!found) return;
  s.chosen = found;
  render(s);
  s.args.setTriggerValue('chosen', `${found[0]},${found[1]}`);
}

// --- what Python sends ------------------------------------------------------------------------------------------
// Decoded networks by version, for the life of the tab: a page left and opened again mounts a new surface, and
// the server, which knows this tab has the version (the drawing said so), sends the version alone.
const NETWORKS = typeof window === 'undefined' ? new Map()  // (Node, in the tests: no tab)
  : (window.__instantNetworks = window.__instantNetworks || new Map());

function network(data) {
  if (data.weights) {
    NETWORKS.delete(data.version);
    NETWORKS.set(data.version, decodeNetwork(data));
    while (NETWORKS.size > 4) NETWORKS.delete(NETWORKS.keys().next().value);
  }
  return NETWORKS.get(data.version) || null;
}

function apply(s, data) {
  const net = data.network;
  if (!s.net || net.version !== s.version) {
    const decoded = network(net);
    if (!decoded) {  // the server thought this tab had it: ask for the weights
      s.asked = (s.asked || 0) + 1;
      s.args.setTriggerValue('missing', net.version);
      return;
    }
    s.net = decoded;
    s.version = net.version;
    s.staticNet = null;
    s.layout = null;
  }
  const centre = data.centre !== false, recentred = s.steps && centre !== s.centre && s.mode === 'free';
  s.centre = centre;
  if (s.presenting !== Boolean(data.presenting)) { s.presenting = Boolean(data.presenting); s.layout = null; }
  s.ui.root.classList.toggle('present', s.presenting);
  if (Array.isArray(data.chosen)) s.chosen = data.chosen.map(Number);
  const restore = data.restore;
  if (restore && restore.revision !== s.restored) {
    s.restored = restore.revision;
    s.mode = restore.mode === 'grid' ? 'grid' : 'free';
    s.strokes = Array.isArray(restore.strokes) ? restore.strokes.map((t) => ({ w: Number(t.w), p: t.p.map(Number) })) : [];
    s.grid = new Float32Array(SIZE * SIZE);
    if (Array.isArray(restore.grid) && restore.grid.length === SIZE * SIZE) s.grid.set(restore.grid.map(Number));
    if (restore.pen) s.pen = Number(restore.pen);
    s.undo = [];
    redraw(s);
  } else if (recentred && s.strokes.length) {
    strokeEnded(s);  // the same strokes read another way: the server gets the new pixels once
  } else {
    update(s);
  }
}

function fail(s, err, parent) {
  const where = parent || (s && s.parent);
  const message = `Drawing is unavailable in this browser (${(err && err.message) || err}).`;
  if (where) {
    const root = where.querySelector('.inst');
    if (root) root.hidden = true;
    let box = where.querySelector('.inst-fallback');
    if (!box) { box = html('div', 'inst-fallback'); where.appendChild(box); }
    box.hidden = false;
    box.textContent = `${message} Choose an MNIST test image, a blank image or noise above.`;
  }
  if (s) s.failed = true;
  try { (s ? s.args : fail.args).setStateValue('error', message.slice(0, 300)); } catch (_) { /* nothing more to do */ }
}

export default function instantMode(args) {
  const { parentElement, data } = args;
  let s = parentElement[KEY];
  try {
    if (s && s.failed) return;
    if (!s) {
      fail.args = args;
      s = mount(parentElement);
      parentElement[KEY] = s;
      s.ui.root.__instant = s;  // what tests and bench/bench_instant.py read: s.times, s.sent
    }
    s.args = args;
    apply(s, data);
    if (s.fallback) s.fallback.hidden = true;
  } catch (err) {
    fail(s, err, parentElement);
  }
}
