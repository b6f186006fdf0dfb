import { BrowserAgent, hiddenInput, locationOf } from "@superoauth/adapter-oidc/testing";

/**
 * A browser through the hosted pages of the service at `baseURL`: opens an app's authorization
 * `url`, signs in with the password form, allows the consent (remembered), and answers the redirect
 * to the app's callback.
 */
export async function signInAndConsent(input: {
  url: string;
  email: string;
  password: string;
  baseURL: string;
  /** The browser: one of the test's own, to use its session afterwards; a new one by default. */
  agent?: BrowserAgent;
}): Promise<URL> {
  const base = input.baseURL;
  const agent = input.agent ?? new BrowserAgent(base);
  let response = await agent.request(input.url);
  for (let hop = 0; hop < 12; hop += 1) {
    const location = locationOf(response);
    if (location !== null) {
      const next = new URL(location, base);
      if (next.origin !== new URL(base).origin) return next;
      response = await agent.request(next.href);
      continue;
    }
    const html = await response.text();
    const action = /<form method="post" action="(\/interaction\/[^"]+\/(login|consent))"/.exec(html);
    if (response.status !== 200 || action?.[1] === undefined)
      throw new Error(`expected a sign-in or consent page, got ${response.status}: ${html.slice(0, 300)}`);
    const csrf = hiddenInput(html, "csrf_token");
    const form: Record<string, string> =
      action[2] === "login"
        ? { csrf_token: csrf, email: input.email, password: input.password }
        : { csrf_token: csrf, decision: "allow", remember: "yes" };
    response = await agent.request(action[1], { form });
  }
  throw new Error("too many redirects");
}
