// Ask before the tab is closed or reloaded while this session has edits the address cannot hold
// (data.warn): one beforeunload handler per tab, reading a flag that each run of the page sets.
export default function (component) {
  window.__tuneUnsaved = Boolean(component.data && component.data.warn);
  if (window.__tuneGuard) return;
  window.__tuneGuard = true;
  window.addEventListener('beforeunload', (e) => {
    if (window.__tuneUnsaved) { e.preventDefault(); e.returnValue = ''; }
  });
}
