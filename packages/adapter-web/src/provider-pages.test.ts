import { describe, expect, it } from "vitest";
import { createProviderPages } from "./provider-pages.ts";
import { contentSecurityPolicy, interactionFormTargets } from "./security-headers.ts";

const pages = createProviderPages({
  theme: { name: "Acme <b>", logoURL: "https://cdn.example/l.svg", color: "#0a0" },
});
const formHTML =
  '<form id="op.logoutForm" method="post" action="/oidc/session/end/confirm"><input type="hidden" name="xsrf" value="abc"/></form>';

describe("the provider's pages", () => {
  it("carry the interaction pages' CSP: forms may lead to an app's redirect, nothing else is loosened", () => {
    const policy = createProviderPages().contentSecurityPolicy;
    expect(policy).toBe(contentSecurityPolicy(interactionFormTargets));
    expect(policy).toContain("form-action 'self' https: http:;");
    expect(policy).toContain("default-src 'none'");
    expect(policy).toContain("frame-ancestors 'none'");
  });

  it("embeds the library's form raw and escapes everything else", () => {
    const html = pages.logoutConfirm({ formHTML, formId: "op.logoutForm", clientName: "<script>x</script>" });
    expect(html).toContain(formHTML);
    expect(html).toContain("&lt;script&gt;x&lt;/script&gt;");
    expect(html).not.toContain("<script>");
    expect(html).toContain('form="op.logoutForm" name="logout" value="yes"');
    expect(html).toContain("Acme &lt;b&gt;");
    expect(html).toContain('<img class="logo" src="https://cdn.example/l.svg"');
  });

  it("renders the library's auto-submitting form in our look: sent on by our script, a Continue button without it, every field escaped", () => {
    const html = pages.continueForm({
      action: "https://app.example/cb?a=1&b=2",
      fields: [
        ["code", 'x"><script>alert(1)</script>'],
        ["state", "s&t"],
      ],
      during: "sign-in",
    });
    expect(html).toContain('<html lang="en">');
    expect(html).toContain("<title>Continue signing in · Acme &lt;b&gt;</title>");
    expect(html).toMatch(/<script src="\/assets\/auto-submit-[0-9a-f]{16}\.js" defer><\/script>/);
    expect(html).toContain(
      '<form method="post" action="https://app.example/cb?a=1&amp;b=2" class="stack" data-auto-submit>',
    );
    expect(html).toContain(
      '<input type="hidden" name="code" value="x&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;">',
    );
    expect(html).toContain('<input type="hidden" name="state" value="s&amp;t">');
    expect(html).not.toContain("<script>");
    expect(html).toContain('<button type="submit" class="primary" autofocus>Continue</button>');
    expect(html).toContain("Press Continue to go on with signing in.");
    // Each flow in its own words.
    expect(pages.continueForm({ action: "/x", fields: [], during: "sign-out" })).toContain(
      "Press Continue to finish signing out.",
    );
    expect(pages.continueForm({ action: "/x", fields: [], during: "device" })).toContain(
      "<title>Connect a device · Acme &lt;b&gt;</title>",
    );
  });

  it("attaches the device controls to the library's form", () => {
    const input = pages.deviceCodeInput({
      formHTML: '<form id="op.deviceInputForm"></form>',
      formId: "op.deviceInputForm",
      error: "Wrong <code>",
      code: 'BCDF-"GHJ',
    });
    expect(input).toContain('name="user_code" form="op.deviceInputForm"');
    expect(input).toContain("Wrong &lt;code&gt;");
    // What the person typed is given back, escaped.
    expect(input).toContain('value="BCDF-&quot;GHJ"');
    expect(input).toContain('aria-describedby="code-error"');
    const confirm = pages.deviceConfirm({
      formHTML: '<form id="op.deviceConfirmForm"></form>',
      formId: "op.deviceConfirmForm",
      clientName: "TV <app>",
      userCode: "ABCD-EFGH",
      scopes: ["openid", "email"],
    });
    expect(confirm).toContain('form="op.deviceConfirmForm" name="confirm" value="yes"');
    expect(confirm).toContain('form="op.deviceConfirmForm" name="abort" value="yes"');
    expect(confirm).toContain("TV &lt;app&gt;");
    expect(confirm).toContain("See your email address");
    // Nothing has the focus: Enter pressed at once must not connect a device the person has not
    // compared the code of (RFC 8628 5.4, remote phishing).
    expect(confirm).not.toContain("autofocus");
  });

  it("says a sign-in's address opened again once it finished is finished, not that the app erred", () => {
    for (const description of ["authorization request has expired", "interaction session not found"]) {
      const page = pages.error({ error: "invalid_request", description, during: "sign-in" });
      expect(page).toContain("This sign-in is already finished, or it has expired.");
      expect(page).toContain("Go back to the app you came from and try again.");
      expect(page).not.toContain("The app sent a request that is not valid");
      expect(page).not.toContain(description);
    }
    const otherTab = pages.error({
      error: "invalid_request",
      description: "interaction session and authentication session mismatch",
      during: "sign-in",
    });
    expect(otherTab).toContain("You signed in or out in another tab or window of this browser meanwhile.");
  });

  it("renders errors, logout and device results without the library's internals", () => {
    const signIn = pages.error({
      error: "invalid_redirect_uri",
      description: "<img src=x>",
      during: "sign-in",
    });
    expect(signIn).toContain("This sign-in cannot continue");
    expect(signIn).toContain(
      "The app asked to return to an address it has not registered. (&lt;img src=x&gt;) Go back to the app you came from",
    );
    // A refused sign-out is said as one, in a person's words, with the way to check and sign out.
    const reused = pages.error({
      error: "invalid_request",
      description: "could not find logout details",
      during: "sign-out",
    });
    expect(reused).toContain("This sign-out cannot continue");
    expect(reused).toContain(
      "This sign-out page was already used, or has expired. You may still be signed in",
    );
    expect(reused).toContain('<a href="/account">Your account</a>');
    expect(reused).not.toContain("sign-in");
    expect(reused).not.toContain("logout details");
    expect(
      pages.error({
        error: "invalid_request",
        description: "post_logout_redirect_uri not registered",
        during: "sign-out",
      }),
    ).toContain("The app asked to return to an address it has not registered.");
    // One the page has no words for says the library's reason, as a sign-in's does, so the app's
    // developer learns what to fix.
    expect(
      pages.error({
        error: "invalid_request",
        description: "client_id does not match the provided id_token_hint",
        during: "sign-out",
      }),
    ).toContain(
      "The app sent a request that is not valid. (client_id does not match the provided id_token_hint) You may still be signed in",
    );
    const device = pages.error({ error: "server_error", description: null, during: "device" });
    expect(device).toContain("This device cannot be connected");
    expect(device).toContain("Start again on your device.");
    expect(device).not.toContain("reference");
    // A failure of ours gives the request's id to quote, escaped as every value the page shows.
    const failed = pages.error({
      error: "server_error",
      description: null,
      during: "sign-in",
      reference: "req-<7>",
    });
    expect(failed).toContain("give the service&#39;s operator this reference: req-&lt;7&gt;.");
    expect(pages.logoutDone({ clientName: null })).toContain("You signed out.");
    // Named only after "sign out of the app only": the person is still signed in here.
    const appOnly = pages.logoutDone({ clientName: "Notes <app>" });
    expect(appOnly).toContain("You signed out of Notes &lt;app&gt;");
    expect(appOnly).toContain("You are still signed in to Acme &lt;b&gt; in this browser");
    expect(appOnly).not.toContain("You are signed out");
  });

  it("asks to sign out of the app and the service, or of the app only; without an app, staying is a link that submits nothing", () => {
    const form = '<form id="op.logoutForm" method="post" action="/oidc/session/end/confirm"></form>';
    const withApp = pages.logoutConfirm({ formHTML: form, formId: "op.logoutForm", clientName: "Notes" });
    expect(withApp).toContain(
      'name="logout" value="yes" class="primary" autofocus>Yes, sign out of both</button>',
    );
    expect(withApp).toContain('<button type="submit" form="op.logoutForm">Sign out of Notes only</button>');
    const alone = pages.logoutConfirm({ formHTML: form, formId: "op.logoutForm", clientName: null });
    expect(alone).toContain(">Yes, sign out</button>");
    expect(alone).toContain('<a href="/account">No, stay signed in</a>');
    expect(alone).not.toContain('<button type="submit" form="op.logoutForm">');
    expect(pages.deviceDone({ clientName: "TV", approved: true })).toContain("TV is now connected");
    expect(pages.deviceDone({ clientName: null, approved: false })).toContain("Request declined");
  });
});
