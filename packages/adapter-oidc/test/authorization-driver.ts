import * as oidc from "openid-client";
import { BrowserAgent, hiddenInput, locationOf } from "./browser-agent.ts";
import {
  confidentialApp,
  mobileApp,
  narrowApp,
  noPKCEApp,
  otherApp,
  postApp,
  publicApp,
} from "./oidc-test-server.ts";

export type Prompt = "login" | "consent";

/**
 * Drives a browser through an authorization: each interaction is answered as the hosted pages
 * would (sign in as `account`, consent with `remember`), until the provider redirects off-site.
 */
export async function authorizeInBrowser(input: {
  agent: BrowserAgent;
  issuer: string;
  url: URL | string;
  account?: string;
  remember?: boolean;
  deny?: boolean;
  /** Runs once, with the consent page open, just before it is answered (another device's doings). */
  beforeConsent?: () => Promise<void>;
  /** The first consent page is answered "Not you? Use another account" instead. */
  switchAtConsent?: boolean;
}): Promise<{ callback: URL; prompts: Prompt[]; pages: string[] }> {
  const { agent, issuer } = input;
  const prompts: Prompt[] = [];
  /** Each interaction's address as the provider sent the browser there (its path and query). */
  const pages: string[] = [];
  let switchesLeft = input.switchAtConsent === true ? 1 : 0;
  let response = await agent.request(input.url.toString());
  for (let hop = 0; hop < 12; hop += 1) {
    const location = locationOf(response);
    if (location === null && response.status === 200) {
      // The library's auto-submitting form (form_post) in our pages' look (continueForm), e.g.
      // ending one account's session before another's.
      const html = await response.text();
      const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1];
      if (action === undefined || !html.includes('<p id="continue-during">'))
        throw new Error(`expected a redirect or a form of continueForm, got ${html}`);
      const form = Object.fromEntries(
        [...html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((m) => [m[1], m[2]]),
      );
      response = await agent.request(action, { form });
      continue;
    }
    if (location === null)
      throw new Error(`expected a redirect, got ${response.status}: ${await response.text()}`);
    const url = new URL(location, issuer);
    if (url.origin !== new URL(issuer).origin) return { callback: url, prompts, pages };
    if (!url.pathname.startsWith("/interaction/")) {
      response = await agent.request(url.href);
      continue;
    }
    const details = (await (await agent.request(url.pathname, { accept: "application/json" })).json()) as {
      prompt: Prompt;
    };
    prompts.push(details.prompt);
    pages.push(`${url.pathname}${url.search}`);
    if (input.deny === true) {
      response = await agent.request(`${url.pathname}/deny`, { method: "POST" });
    } else if (details.prompt === "consent" && switchesLeft > 0) {
      switchesLeft -= 1;
      response = await agent.request(`${url.pathname}/select-account`, { method: "POST" });
    } else if (details.prompt === "login") {
      response = await agent.request(`${url.pathname}/login?account=${input.account ?? "user-1"}`, {
        method: "POST",
      });
    } else {
      await input.beforeConsent?.();
      const remember = input.remember === false ? "no" : "yes";
      response = await agent.request(`${url.pathname}/consent?remember=${remember}`, { method: "POST" });
    }
  }
  throw new Error("too many redirects");
}

export interface TestApp {
  clientId: string;
  redirectURI: string;
  secret?: string;
}

/** openid-client's view of the provider for one of the test apps (discovery over plain http). */
export async function discover(issuer: string, app: TestApp): Promise<oidc.Configuration> {
  const auth =
    app.secret === undefined
      ? oidc.None()
      : app.clientId === postApp.clientId
        ? oidc.ClientSecretPost(app.secret)
        : oidc.ClientSecretBasic(app.secret);
  return oidc.discovery(new URL(issuer), app.clientId, undefined, auth, {
    execute: [oidc.allowInsecureRequests],
  });
}

export { confidentialApp, mobileApp, narrowApp, noPKCEApp, otherApp, postApp, publicApp };

/** A code flow with PKCE through openid-client, up to the tokens. */
export async function signInWithCode(input: {
  issuer: string;
  config: oidc.Configuration;
  app: TestApp;
  scope: string;
  agent?: BrowserAgent;
  account?: string;
  remember?: boolean;
  prompt?: string;
  usePAR?: boolean;
  beforeConsent?: () => Promise<void>;
  switchAtConsent?: boolean;
  /** Run between the callback and the code's redemption (a clock moved on, say). */
  beforeRedeem?: () => void;
}): Promise<{
  tokens: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers;
  prompts: Prompt[];
  pages: string[];
}> {
  const agent = input.agent ?? new BrowserAgent(input.issuer);
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const parameters: Record<string, string> = {
    redirect_uri: input.app.redirectURI,
    scope: input.scope,
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: "S256",
    state,
    ...(input.prompt === undefined ? {} : { prompt: input.prompt }),
  };
  const url =
    input.usePAR === true
      ? await oidc.buildAuthorizationUrlWithPAR(input.config, parameters)
      : oidc.buildAuthorizationUrl(input.config, parameters);
  const { callback, prompts, pages } = await authorizeInBrowser({
    agent,
    issuer: input.issuer,
    url,
    ...(input.account === undefined ? {} : { account: input.account }),
    ...(input.remember === undefined ? {} : { remember: input.remember }),
    ...(input.beforeConsent === undefined ? {} : { beforeConsent: input.beforeConsent }),
    ...(input.switchAtConsent === undefined ? {} : { switchAtConsent: input.switchAtConsent }),
  });
  input.beforeRedeem?.();
  const tokens = await oidc.authorizationCodeGrant(input.config, callback, {
    pkceCodeVerifier: verifier,
    expectedState: state,
  });
  return { tokens, prompts, pages };
}

/**
 * A person signed in to `app` through a browser of their own: the app's configuration, the browser
 * (its session at the provider), and the tokens the code brought.
 */
export async function signedInInBrowser(input: {
  issuer: string;
  app: TestApp;
  scope: string;
  prompt?: string;
}): Promise<{
  config: oidc.Configuration;
  agent: BrowserAgent;
  tokens: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers;
}> {
  const config = await discover(input.issuer, input.app);
  const agent = new BrowserAgent(input.issuer);
  const { tokens } = await signInWithCode({ ...input, config, agent });
  return { config, agent, tokens };
}

/**
 * A silent renewal (`prompt=none`) of `app` for `openid`, as an app's hidden tab sends it: the
 * authorization URL, and the PKCE verifier its code must be traded with.
 */
export async function silentRenewal(
  config: oidc.Configuration,
  app: TestApp,
  extra: Record<string, string> = {},
): Promise<{ url: URL; verifier: string }> {
  const verifier = oidc.randomPKCECodeVerifier();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: app.redirectURI,
    scope: "openid",
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: "S256",
    prompt: "none",
    ...extra,
  });
  return { url, verifier };
}

/**
 * The app signing the person out (RP-initiated logout) to https://app.example/signed-out, and the
 * person confirming on the page: `{ logout: "yes" }` signs out of both, `{}` of the app only. The
 * confirmation's response.
 */
export async function signOutOfApp(input: {
  agent: BrowserAgent;
  config: oidc.Configuration;
  idToken: string | undefined;
  choice: { logout?: "yes" };
}): Promise<Response> {
  const page = await input.agent.request(
    oidc.buildEndSessionUrl(input.config, {
      id_token_hint: input.idToken ?? "",
      post_logout_redirect_uri: "https://app.example/signed-out",
    }).href,
  );
  return input.agent.request("/oidc/session/end/confirm", {
    form: { xsrf: hiddenInput(await page.text(), "xsrf"), ...input.choice },
  });
}

/**
 * A person approving a device's code in the browser, as the device pages would be answered: the
 * code page, the confirmation (Allow), then a sign-in as `account` if asked. The pages' HTML, for
 * a test to read.
 */
export async function approveDeviceCode(input: {
  agent: BrowserAgent;
  issuer: string;
  started: { verification_uri: string; user_code: string };
  account?: string;
}): Promise<{ inputHTML: string; confirmHTML: string; doneHTML: string }> {
  const { inputHTML, confirmHTML } = await openDeviceCode(input);
  const answered = await answerDeviceCode({ ...input, confirmHTML, answer: "allow" });
  return {
    inputHTML,
    confirmHTML,
    doneHTML: await (await signInAfterDeviceAnswer({ ...input, answered })).text(),
  };
}

/** The code page, then the code entered: the confirmation page (Allow or Deny). */
export async function openDeviceCode(input: {
  agent: BrowserAgent;
  started: { verification_uri: string; user_code: string };
}): Promise<{ inputHTML: string; confirmHTML: string }> {
  const { agent, started } = input;
  const inputHTML = await (await agent.request(started.verification_uri)).text();
  const confirmHTML = await (
    await agent.request("/oidc/device", {
      form: { xsrf: hiddenInput(inputHTML, "xsrf"), user_code: started.user_code },
    })
  ).text();
  return { inputHTML, confirmHTML };
}

/** The confirmation page answered: Allow (the sign-in and consent follow) or Deny. */
export function answerDeviceCode(input: {
  agent: BrowserAgent;
  started: { user_code: string };
  confirmHTML: string;
  answer: "allow" | "deny";
}): Promise<Response> {
  return input.agent.request("/oidc/device", {
    form: {
      xsrf: hiddenInput(input.confirmHTML, "xsrf"),
      user_code: input.started.user_code,
      ...(input.answer === "allow" ? { confirm: "yes" } : { abort: "yes" }),
    },
  });
}

/** After Allow: the redirects followed, each interaction answered as `account`; the last answer. */
export async function signInAfterDeviceAnswer(input: {
  agent: BrowserAgent;
  issuer: string;
  answered: Response;
  account?: string;
}): Promise<Response> {
  const { agent, issuer } = input;
  let response = input.answered;
  for (let hop = 0; hop < 8 && locationOf(response) !== null; hop += 1) {
    const url = new URL(locationOf(response) ?? "", issuer);
    if (url.pathname.startsWith("/interaction/")) {
      const details = (await (await agent.request(url.pathname, { accept: "application/json" })).json()) as {
        prompt: string;
      };
      response = await agent.request(
        `${url.pathname}/${details.prompt}?account=${input.account ?? "user-1"}`,
        {
          method: "POST",
        },
      );
    } else {
      response = await agent.request(url.href);
    }
  }
  return response;
}

/**
 * A device's poll of the token endpoint with its device code (RFC 8628 §3.4): a public app names
 * itself, a confidential one (with `secret`) authenticates with HTTP Basic.
 */
export function pollDeviceToken(input: {
  issuer: string;
  deviceCode: string;
  clientId: string;
  secret?: string;
}): Promise<Response> {
  const basic = `${encodeURIComponent(input.clientId)}:${encodeURIComponent(input.secret ?? "")}`;
  return fetch(`${input.issuer}/oidc/token`, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      ...(input.secret === undefined
        ? {}
        : { authorization: `Basic ${Buffer.from(basic).toString("base64")}` }),
    },
    body: new URLSearchParams({
      grant_type: "urn:ietf:params:oauth:grant-type:device_code",
      device_code: input.deviceCode,
      ...(input.secret === undefined ? { client_id: input.clientId } : {}),
    }),
  });
}
