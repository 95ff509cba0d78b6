// Keeps this browser's workshop token in a cookie (never in the address): the server reads it back with
// st.context.cookies when the page is opened again, so a reload keeps the participant, and a copied address
// (without the cookie) is nobody. SameSite=Lax: sent when the page is opened from a link, not from other sites'
// requests; Secure where the app is served over https.
export default function ({ data, parentElement }) {
  if (!data || !data.name || !data.value) return;
  const cookie = `${data.name}=${encodeURIComponent(data.value)}`;
  if (parentElement.dataset.cookie === cookie) return;  // called again for a theme change: already set
  const secure = window.location.protocol === "https:" ? "; Secure" : "";
  document.cookie = `${cookie}; Path=/; Max-Age=${data.maxAge}; SameSite=Lax${secure}`;
  parentElement.dataset.cookie = cookie;
}
