import { describe, expect, it } from "vitest";
import { libraryAutoSubmitForm } from "./continue-form.ts";

/** The page as oidc-provider 9's `response_modes/form_post.js` writes it (values through its htmlSafe). */
const libraryPage = (action: string, inputs: string) => `<!DOCTYPE html>
<html>
<head>
  <meta http-equiv="X-UA-Compatible" content="IE=edge">
  <title>Submitting Callback</title>
  <script>document.addEventListener('DOMContentLoaded', function () { document.forms[0].submit() });</script>
</head>
<body>
  <form method="post" action="${action}">
    ${inputs}
    <noscript>
      Your browser does not support JavaScript or you've disabled it.<br/>
      <button autofocus type="submit">Continue</button>
    </noscript>
  </form>
</body>
</html>`;

describe("libraryAutoSubmitForm", () => {
  it("reads the action and the fields back, undoing the library's escaping (& last)", () => {
    const page = libraryPage(
      "https://app.example/cb?a=1&amp;b=2",
      [
        '<input type="hidden" name="state" value="s&amp;lt;t&quot;&#39;&gt;"/>',
        '<input type="hidden" name="code" value="abc"/>',
      ].join("\n"),
    );
    expect(libraryAutoSubmitForm(page)).toEqual({
      action: "https://app.example/cb?a=1&b=2",
      fields: [
        ["state", "s&lt;t\"'>"],
        ["code", "abc"],
      ],
    });
  });

  it("leaves every other answer alone: a JSON body, another page, the page written in another shape", () => {
    expect(libraryAutoSubmitForm({ access_token: "x" })).toBeNull();
    expect(libraryAutoSubmitForm("<!doctype html><title>Sign out</title><form></form>")).toBeNull();
    // A later release that writes the form otherwise: the library's own page is served.
    expect(
      libraryAutoSubmitForm(
        '<title>Submitting Callback</title><form action="/x" method="post"><input name="a"></form>',
      ),
    ).toBeNull();
  });
});
