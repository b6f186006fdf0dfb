// The OpenID provider's in-between pages (a sign-out without a session here, a device's code from
// its link, an app's form_post answer, ending one account's session before another's sign-in): each
// is one form the browser sends on. This script sends it at once, as the library's own page did;
// without JavaScript the page's Continue button does the same.

(() => {
  const form = document.querySelector("form[data-auto-submit]");
  if (form !== null) form.submit();
})();
