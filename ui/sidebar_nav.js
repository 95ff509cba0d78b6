// On a phone the sidebar covers the page: close it once a page has been chosen in it, so the page chosen is
// what the visitor sees (Streamlit leaves it open). One listener per tab, whatever page mounted it.
const NARROW = '(max-width: 768px)';  // where Streamlit draws the sidebar over the page instead of beside it

export default function () {
  if (window.__sidebarNavCloses) return;
  window.__sidebarNavCloses = true;
  document.addEventListener('click', (e) => {
    const link = e.target.closest && e.target.closest('[data-testid="stSidebar"] a[data-testid="stPageLink-NavLink"]');
    if (!link || !window.matchMedia(NARROW).matches) return;
    setTimeout(() => {  // after Streamlit has taken the click (it changes page)
      const close = document.querySelector('[data-testid="stSidebarCollapseButton"] button');
      if (close) close.click();
    }, 0);
  }, { capture: true });
}
