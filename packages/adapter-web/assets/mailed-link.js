// The pages of the mailed links (verify-email, confirm-email, reset-password). A link carries its
// token in the URL fragment (#token=...), which a browser never sends to a server, so it stays out
// of access logs, proxies and Referer headers. This script moves the token into the page's form
// and out of the address bar and the history, so the person only presses the button. Without
// JavaScript the form asks for the link to be pasted instead: the pages work either way.

(() => {
  const form = document.querySelector("form[data-mailed-link]");
  if (form === null || location.hash === "") return;
  const token = new URLSearchParams(location.hash.slice(1)).get("token");
  history.replaceState(null, "", location.pathname + location.search);
  const field = document.getElementById("link");
  const paste = document.getElementById("link-field");
  if (!token || field === null || paste === null) return;
  field.value = token;
  paste.hidden = true;
  // The lead said to paste the link first; with the field gone it says to press the button.
  const lead = document.getElementById("mailed-link-lead");
  if (lead?.dataset.withLink) lead.textContent = lead.dataset.withLink;
})();
