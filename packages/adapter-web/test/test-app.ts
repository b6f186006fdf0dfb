import { buildHttpApp, createHostedProviderTrips } from "@superoauth/adapter-http";
import {
  createUseCases,
  type Dependencies,
  type InteractionDetails,
  type SignedIn,
  type UseCases,
} from "@superoauth/application";
import {
  createInMemoryDependencies,
  type ScriptedOAuthProviderGateway,
} from "@superoauth/application/testing";
import { ok, type Role, type UserId, type UserStatus } from "@superoauth/domain";
import type { FastifyBaseLogger, FastifyInstance, LightMyRequestResponse } from "fastify";
import {
  type CookieSettings,
  createAccountPages,
  createBrowserSessions,
  createHostedPages,
  createMailedLinkPages,
  createPageAssets,
  formAccountOf,
  type HostedBrowserSessions,
  type Interactions,
  type Theme,
} from "../src/index.ts";
import { FakeInteractions } from "../src/testing.ts";

export type TestDependencies = ReturnType<typeof createInMemoryDependencies>;

export interface HostedTestApp {
  readonly app: FastifyInstance;
  readonly deps: TestDependencies;
  readonly useCases: UseCases;
  readonly interactions: FakeInteractions;
}

/** The HTTP app with the hosted pages plugged in, over in-memory ports and a fake provider. */
export async function buildHostedTestApp(
  options: {
    settings?: Partial<Dependencies["settings"]>;
    loginMax?: number;
    /** The sign-up budget (RATE_LIMIT_REGISTER_MAX); 1000 when absent. */
    registerMax?: number;
    /** The general budget (RATE_LIMIT_GENERAL_MAX); 1000 when absent. */
    generalMax?: number;
    /** The mail-sending budget (RATE_LIMIT_EMAIL_MAX); 1000 when absent. */
    emailMax?: number;
    /** The page views' budget (RATE_LIMIT_PAGES_MAX); the adapter's default when absent. */
    pagesMax?: number;
    theme?: Theme;
    logger?: FastifyBaseLogger;
    replaceInteractions?: (fake: FakeInteractions) => Interactions;
    /** A scripted GitHub for social sign-in. */
    github?: ScriptedOAuthProviderGateway;
    /** More page areas to mount next to the hosted and account pages (kit tests). */
    plugins?: (input: {
      useCases: UseCases;
      browserSessions: HostedBrowserSessions;
      cookies: CookieSettings;
      secret: string;
    }) => ((app: FastifyInstance) => Promise<void>)[];
  } = {},
): Promise<HostedTestApp> {
  // The mails' account-center links carry the pages' own mark, as the API wires it.
  const deps = { ...createInMemoryDependencies(options.settings), accountLinkMark: formAccountOf };
  if (options.github !== undefined) {
    (deps.oauthProviders as { github?: ScriptedOAuthProviderGateway }).github = options.github;
  }
  const useCases = createUseCases(deps satisfies Dependencies);
  const interactions = new FakeInteractions();
  const cookies = { secureCookies: false, hostPrefixedCookies: false };
  const browserSessions = createBrowserSessions({ useCases, cookies, maxAgeSeconds: 7 * 24 * 3600 });
  const secret = "hosted-pages-secret-for-tests-0123456789";
  const app = await buildHttpApp({
    useCases,
    trustProxy: false,
    checkReadiness: async () => true,
    cookieSecret: "cookie-secret-for-tests-0123456789abcdef",
    ...(options.logger === undefined ? {} : { logger: options.logger }),
    rateLimit: {
      enabled: true,
      windowMs: 15 * 60_000,
      loginMax: options.loginMax ?? 1000,
      registerMax: options.registerMax ?? 1000,
      generalMax: options.generalMax ?? 1000,
      emailMax: options.emailMax ?? 1000,
      ...(options.pagesMax === undefined ? {} : { pagesMax: options.pagesMax }),
    },
    plugins: [
      createPageAssets({ theme: options.theme }),
      createHostedPages({
        useCases,
        interactions: options.replaceInteractions?.(interactions) ?? interactions,
        browserSessions,
        ...(options.theme === undefined ? {} : { theme: options.theme }),
        cookies,
        secret,
        requireEmailVerification: deps.settings.requireEmailVerification,
        clock: deps.clock,
      }),
      createAccountPages({
        useCases,
        browserSessions,
        theme: options.theme,
        cookies,
        secret,
        requireEmailVerification: deps.settings.requireEmailVerification,
        providerTrips: createHostedProviderTrips({ ...cookies, cookiesCanBeSigned: true }),
        clock: deps.clock,
        oidcIssuer: testIssuer,
      }),
      createMailedLinkPages({ useCases, theme: options.theme, cookies, secret, browserSessions }),
      ...(options.plugins?.({ useCases, browserSessions, cookies, secret }) ?? []),
    ],
  });
  return { app, deps, useCases, interactions };
}

/** The OpenID provider's issuer the account pages name (OIDC_ISSUER). */
export const testIssuer = "https://auth.example.com";

export const client = {
  clientId: "app-1",
  name: "Example App",
  logoURL: null,
  homepageURL: "https://app.example",
  native: false,
  privateUseSchemes: [],
};

/** A login interaction of `client` as the provider opens one: no hint, no fresh sign-in asked, no max_age. */
export function loginInteraction(
  uid: string,
  asked: Partial<Extract<InteractionDetails, { prompt: "login" }>> = {},
): InteractionDetails {
  return {
    uid,
    prompt: "login",
    client,
    loginHint: null,
    loginPrompted: false,
    hintedAccountId: null,
    maxAgeSeconds: null,
    ...asked,
  };
}

/** A tiny cookie jar over inject(): keeps what the server sets, sends it back. */
export class Browser {
  readonly #cookies = new Map<string, string>();
  readonly app: FastifyInstance;
  constructor(app: FastifyInstance) {
    this.app = app;
  }

  cookie(name: string): string | undefined {
    return this.#cookies.get(name);
  }

  /** Puts a cookie in the jar, as another tab or an earlier visit would have left it. */
  setCookie(name: string, value: string): void {
    this.#cookies.set(name, value);
  }

  /** Takes a cookie out of the jar, as an answer that never arrived would have left it. */
  dropCookie(name: string): void {
    this.#cookies.delete(name);
  }

  #keep(response: LightMyRequestResponse): LightMyRequestResponse {
    for (const cookie of response.cookies) {
      if (cookie.maxAge === 0 || cookie.value === "") this.#cookies.delete(cookie.name);
      else this.#cookies.set(cookie.name, cookie.value);
    }
    return response;
  }

  #header(): string {
    return [...this.#cookies].map(([name, value]) => `${name}=${value}`).join("; ");
  }

  async get(url: string): Promise<LightMyRequestResponse> {
    return this.#keep(await this.app.inject({ method: "GET", url, headers: { cookie: this.#header() } }));
  }

  /** Posts a form; with `csrf` true the token of the last page this browser loaded from `page` is added. */
  async post(url: string, form: Record<string, string>): Promise<LightMyRequestResponse> {
    return this.#keep(
      await this.app.inject({
        method: "POST",
        url,
        headers: { cookie: this.#header(), "content-type": "application/x-www-form-urlencoded" },
        payload: new URLSearchParams(form).toString(),
      }),
    );
  }

  /**
   * Loads `page`, then posts `form` with that page's CSRF token and, as a browser sends them, the
   * hidden fields of the page's form that posts to `url` (its `account` too: a form rendered
   * without one is refused, as in a browser). A page without such a form (a test posting to an
   * action of another page of the same account) lends the account its other forms were shown for.
   */
  async submit(page: string, url: string, form: Record<string, string>): Promise<LightMyRequestResponse> {
    const loaded = await this.get(page);
    const hidden = hiddenFieldsOfForm(loaded.body, url);
    return this.post(url, {
      ...(hidden === null ? formAccountIn(loaded.body) : hidden),
      ...form,
      csrf_token: csrfTokenIn(loaded.body),
    });
  }

  /**
   * Signs in as ada with a wrong password at `page` until the lock answers (423), at most ten times:
   * the first answer, and the last.
   */
  async signInUntilLocked(
    page: string,
    url: string,
  ): Promise<{ first: LightMyRequestResponse; last: LightMyRequestResponse }> {
    const wrong = { email: "ada@example.com", password: "Wrong-password-1" };
    const first = await this.submit(page, url, wrong);
    let last = first;
    for (let i = 0; i < 10 && last.statusCode !== 423; i++) last = await this.submit(page, url, wrong);
    return { first, last };
  }
}

/**
 * The `type="hidden"` fields of the first form in `html` that posts to `action` (none without one),
 * unescaped, as a browser sends them.
 */
export function hiddenFieldsIn(html: string, action: string): Record<string, string> {
  return hiddenFieldsOfForm(html, action) ?? {};
}

/** The hidden fields of the first form in `html` that posts to `action`; null when no form does. */
function hiddenFieldsOfForm(html: string, action: string): Record<string, string> | null {
  const forms = html.matchAll(/<form\b[^>]*\baction="([^"]*)"[^>]*>([\s\S]*?)<\/form>/g);
  const form = [...forms].find((match) => match[1]?.replaceAll("&amp;", "&") === action)?.[2];
  if (form === undefined) return null;
  const fields: Record<string, string> = {};
  for (const [input] of form.matchAll(/<input\b[^>]*>/g)) {
    const name = /\bname="([^"]*)"/.exec(input)?.[1];
    const value = /\bvalue="([^"]*)"/.exec(input)?.[1];
    if (/\btype="hidden"/.test(input) && name !== undefined && value !== undefined)
      fields[name] = unescaped(value);
  }
  return fields;
}

const entities: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', "#39": "'" };

/** An attribute's value as the page escaped it, back to its text. */
function unescaped(value: string): string {
  return value.replace(/&(amp|lt|gt|quot|#39);/g, (_, name: string) => entities[name] ?? "");
}

/** The account a signed-in page's forms were shown for (their `account` field), as a form sends it; none elsewhere. */
export function formAccountIn(html: string): { account?: string } {
  const account = /name="account" value="([^"]+)"/.exec(html)?.[1];
  return account === undefined ? {} : { account };
}

/** The CSRF token a rendered form carries. */
export function csrfTokenIn(html: string): string {
  const match = /name="csrf_token" value="([^"]+)"/.exec(html);
  if (match?.[1] === undefined) throw new Error(`no CSRF token in the page:\n${html}`);
  return match[1];
}

/** The password of the account `signUpAda` makes. */
export const strongPassword = "Correct-horse-battery-1!";

/** Signs up ada@example.com (nickname ada) with `strongPassword`: the tests' one account. */
export async function signUpAda(useCases: UseCases): Promise<SignedIn> {
  const signedUp = await useCases.registerWithPassword({
    email: "ada@example.com",
    password: strongPassword,
    nickname: "ada",
    client: {},
  });
  if (!signedUp.ok) throw new Error("sign-up failed");
  return signedUp.value;
}

/** Signs up bob@example.com (nickname bob) with `strongPassword`: a second account, for another tab. */
export async function signUpBob(useCases: UseCases): Promise<SignedIn> {
  const signedUp = await useCases.registerWithPassword({
    email: "bob@example.com",
    password: strongPassword,
    nickname: "bob",
    client: {},
  });
  if (!signedUp.ok || !("accessToken" in signedUp.value)) throw new Error("sign-up failed");
  return signedUp.value;
}

/** Changes an account's status or role as staff would, past the rules staff's use cases apply. */
export async function changeAccount(
  deps: TestDependencies,
  userId: UserId,
  change: { readonly status?: UserStatus; readonly role?: Role },
): Promise<void> {
  const changed = await deps.accountAdministration.updateAccount({
    userId,
    change,
    now: deps.clock.now(),
    guard: () => ok(undefined),
  });
  if (!changed.ok) throw new Error(`account change failed: ${changed.error}`);
}
