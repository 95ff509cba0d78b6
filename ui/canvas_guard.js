// The drawing canvas (streamlit-drawable-canvas) as this app's pages want it, for every canvas inside the
// elements that data.selector names:
//  - its own toolbar hidden (its undo and redo replay earlier strokes to the app, which would take them as new);
//  - with data.tapToPaint, a finger scrolls the page across the canvas instead of drawing on it. A tap on the
//    canvas arms it ("painting": an outline shows it); the next touch draws one stroke, then it is disarmed
//    again. With data.tapToPick (a canvas that takes a click, not strokes) a tap is the click itself. A mouse
//    or a pen draws as always.
// The canvas lives in an open shadow root that the page's CSS cannot reach, so the rules go into that root, and
// an observer applies them again whenever a canvas is mounted again (a new canvas after every stroke).
const STYLE = `
.dc-toolbar { display: none !important; }
:host([data-tap-to-paint]) .upper-canvas, :host([data-tap-to-paint]) .lower-canvas,
:host([data-tap-to-paint]) canvas { touch-action: pan-x pan-y pinch-zoom !important; }
:host([data-tap-to-paint][data-armed]) .upper-canvas, :host([data-tap-to-paint][data-armed]) canvas {
  touch-action: none !important; }
:host([data-tap-to-paint][data-armed]) { outline: 3px solid rgb(255, 190, 60); outline-offset: 2px; }
`;
const TAP_PX = 12;      // a touch that moves less than this is a tap, not a scroll
const TAP_MS = 600;     // ...and lasts less than this

function clickAt(host, x, y) {
  // A tap on a canvas that takes clicks: the same click a mouse would make, where the finger was.
  const target = host.shadowRoot && host.shadowRoot.querySelector('.upper-canvas');
  if (!target) return;
  for (const type of ['mousedown', 'mouseup']) {
    target.dispatchEvent(new MouseEvent(type, { clientX: x, clientY: y, bubbles: true, composed: true, button: 0 }));
  }
}

function guardTouch(host, pick) {
  host.dataset.tapMode = pick ? 'pick' : 'paint';  // read at each tap: the data may arrive after the canvas
  if (host.__tapGuard) return;
  host.__tapGuard = true;
  host.dataset.tapToPaint = '';
  let start = null;     // where and when an unarmed touch began
  let drawing = false;  // an armed touch is drawing a stroke
  const block = (e) => { e.stopImmediatePropagation(); };
  host.addEventListener('touchstart', (e) => {
    if ('armed' in host.dataset && e.touches.length === 1) { drawing = true; return; }  // the canvas draws
    const t = e.touches[0];
    start = e.touches.length === 1 ? { x: t.clientX, y: t.clientY, at: Date.now() } : null;
    block(e);  // the canvas never sees it: the browser scrolls (touch-action allows it)
  }, { capture: true });
  host.addEventListener('touchmove', (e) => {
    if (drawing) return;
    const t = e.touches[0];
    if (start && t && Math.hypot(t.clientX - start.x, t.clientY - start.y) > TAP_PX) start = null;
    block(e);
  }, { capture: true });
  host.addEventListener('touchend', (e) => {
    if (drawing) {
      if (e.touches.length === 0) { drawing = false; delete host.dataset.armed; }
      return;
    }
    if (start && Date.now() - start.at < TAP_MS) {
      if (host.dataset.tapMode === 'pick') clickAt(host, start.x, start.y); else host.dataset.armed = '';
      if (e.cancelable) e.preventDefault();  // no mouse events follow the tap: it must not draw a dot
    }
    start = null;
    block(e);
  }, { capture: true });
  host.addEventListener('touchcancel', (e) => { start = null; if (!drawing) block(e); drawing = false; },
    { capture: true });
  // Mouse events a browser makes up after a touch (a tap) must not draw either, unless the canvas is armed.
  for (const type of ['mousedown', 'mousemove', 'mouseup', 'click']) {
    host.addEventListener(type, (e) => {
      const fromTouch = e.sourceCapabilities && e.sourceCapabilities.firesTouchEvents;
      if (fromTouch && !('armed' in host.dataset)) block(e);
    }, { capture: true });
  }
}

// The rules as one constructed sheet: adopted by a shadow root, it survives the canvas clearing that root's
// children when it renders (a <style> child does not), and every root shares it.
const SHEET = (typeof CSSStyleSheet === 'function' && 'replaceSync' in CSSStyleSheet.prototype)
  ? (() => { const sheet = new CSSStyleSheet(); sheet.replaceSync(STYLE); return sheet; })() : null;
const HOST = '[data-testid="stBidiComponentIsolated"]';  // the element whose shadow root holds a canvas
const RETRY_MS = 50;     // a host found before its shadow root exists is looked at again after this...
const RETRIES = 100;     // ...at most this many times (5 s)

function styleRoot(root, onChange) {
  if (SHEET && 'adoptedStyleSheets' in root) {
    if (!root.adoptedStyleSheets.includes(SHEET)) root.adoptedStyleSheets = [...root.adoptedStyleSheets, SHEET];
  } else if (!root.querySelector('style[data-canvas-guard]')) {
    const style = document.createElement('style');
    style.dataset.canvasGuard = '';
    style.textContent = STYLE;
    root.appendChild(style);
  }
  // The page's observer cannot see inside a shadow root: watch it too, in case its content is replaced.
  if (!root.__canvasGuardWatch) {
    root.__canvasGuardWatch = new MutationObserver(onChange);
    root.__canvasGuardWatch.observe(root, { childList: true });
  }
}

// The latest data for each selector: a page that switches a canvas from painting to picking mounts this script
// again with new data, and the one observer per selector applies whatever is current.
const CURRENT = (window.__canvasGuards = window.__canvasGuards || {});

export default function ({ data }) {
  const selector = data.selector;
  const fresh = !(selector in CURRENT);
  CURRENT[selector] = data;
  let queued = false;
  let retries = 0;
  const schedule = () => {
    if (!queued) { queued = true; requestAnimationFrame(() => { queued = false; apply(); }); }
  };
  const apply = () => {
    const now = CURRENT[selector];
    if (!now) return;
    let waiting = false;  // a canvas host whose shadow root is not there yet
    document.querySelectorAll(selector).forEach((el) => {
      const root = el.shadowRoot;
      if (!root) { if (el.matches(HOST)) waiting = true; return; }
      styleRoot(root, schedule);
      if (now.tapToPaint || now.tapToPick) guardTouch(el, Boolean(now.tapToPick));
    });
    if (waiting && retries < RETRIES) { retries += 1; setTimeout(apply, RETRY_MS); } else if (!waiting) retries = 0;
  };
  apply();
  if (!fresh) return undefined;  // the observer made on the first mount keeps applying the current data
  const observer = new MutationObserver(schedule);
  observer.observe(document.querySelector('[data-testid="stMain"]') || document.body, { childList: true, subtree: true });
  return () => { observer.disconnect(); delete CURRENT[selector]; };
}
