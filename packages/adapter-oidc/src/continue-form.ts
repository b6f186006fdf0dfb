/**
 * The library's auto-submitting form page (oidc-provider's `response_modes/form_post.js`): a
 * sign-out without a session here, a device's code from its link, an app's `form_post` answer,
 * ending one account's session before another's sign-in. Its page has no language, no look of ours
 * and, without JavaScript, an unstyled "Continue"; the library offers no setting to render it, so
 * its form is read back from the page it wrote (a page of that shape only: anything else is left
 * as it is) and the hosted pages render it (ProviderPages.continueForm).
 */
export interface LibraryForm {
  readonly action: string;
  readonly fields: readonly (readonly [name: string, value: string])[];
}

const marker = "<title>Submitting Callback</title>";
const formPattern = /<form method="post" action="([^"]*)">/;
const fieldPattern = /<input type="hidden" name="([^"]*)" value="([^"]*)"\/>/g;

/** The form of the library's auto-submitting page, or null for any other answer. */
export function libraryAutoSubmitForm(body: unknown): LibraryForm | null {
  if (typeof body !== "string" || !body.includes(marker)) return null;
  const action = formPattern.exec(body)?.[1];
  if (action === undefined) return null;
  const fields = [...body.matchAll(fieldPattern)].map(
    ([, name = "", value = ""]) => [unescapeHTML(name), unescapeHTML(value)] as const,
  );
  return { action: unescapeHTML(action), fields };
}

/** The library's `htmlSafe`, undone: it escapes these five, and `&amp;` last to undo. */
function unescapeHTML(text: string): string {
  return text
    .replaceAll("&lt;", "<")
    .replaceAll("&gt;", ">")
    .replaceAll("&quot;", '"')
    .replaceAll("&#39;", "'")
    .replaceAll("&amp;", "&");
}
