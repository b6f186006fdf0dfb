import { generateUUIDv7 } from "@superoauth/adapter-crypto";
import { useTestDatabase } from "@superoauth/adapter-sql/testing";
import {
  createUser,
  parseEmail,
  parseNickname,
  type Role,
  type UserId,
  type UserStatus,
} from "@superoauth/domain";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, expect } from "vitest";
import type { Service } from "../src/compose.ts";
import { axeViolations, keptSessions, launchChromium } from "./browser.ts";
import { listenComposedService } from "./test-config.ts";

/** Every account of the admin console's browser files signs in with this password. */
export const password = "Str0ng-Passw0rd!x";

/**
 * The set-up and helpers of the admin console's browser files (admin-console, admin-reads): the
 * composed service on MySQL and Debian's Chromium, started once for the file; accounts named
 * `name@example.com`; sign-in through the pages; people kept signed in; axe-core with a screenshot
 * in `shots`. Call it at the top of the file: it registers the file's beforeAll and afterAll.
 */
export function useAdminConsole(shots: string) {
  const database = useTestDatabase();
  let service: Service | undefined;
  let baseURL: string | undefined;
  let browser: Browser | undefined;
  /** The id of each account by name. */
  const ids: Record<string, string> = {};
  /** The argon2id hash of `password` as the service stored it for the first account registered. */
  let passwordHash: string | undefined;

  beforeAll(async () => {
    ({ service, url: baseURL } = await listenComposedService(database.url()));
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await service?.close();
  });

  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error("the admin console's service is not started (beforeAll)");
    return value;
  };
  const urlOf = (path: string) => `${started(baseURL)}${path}`;
  const storage = () => started(service).storage;

  /** Changes the account's role or status in the store, as `pnpm admin:create` sets a role. */
  async function changeAccount(name: string, change: { role?: Role; status?: UserStatus }): Promise<void> {
    const changed = await storage().accountAdministration.updateAccount({
      userId: ids[name] as UserId,
      change,
      now: new Date(),
      guard: () => ({ ok: true, value: undefined }),
    });
    expect(changed.ok).toBe(true);
  }

  /** Gives the account a staff role in the store; "user" leaves it. */
  const promote = async (name: string, role: Role) =>
    role === "user" ? undefined : changeAccount(name, { role });

  async function api(method: string, path: string, input: { token?: string; body?: unknown } = {}) {
    const response = await fetch(urlOf(`/api/v1${path}`), {
      method,
      headers: {
        ...(input.body === undefined ? {} : { "content-type": "application/json" }),
        ...(input.token === undefined ? {} : { authorization: `Bearer ${input.token}` }),
      },
      ...(input.body === undefined ? {} : { body: JSON.stringify(input.body) }),
    });
    return { status: response.status, json: (await response.json()) as { data: Record<string, unknown> } };
  }

  /** Signs in at /account/sign-in with `next`, landing there. */
  async function signIn(page: Page, name: string, next: string, landing = next): Promise<void> {
    await page.goto(urlOf(next));
    expect(page.url()).toBe(urlOf(`/account/sign-in?next=${encodeURIComponent(next)}`));
    await page.fill("#email", `${name}@example.com`);
    await page.fill("#password", password);
    await page.click("button[type=submit].primary");
    await page.waitForURL(urlOf(landing));
  }

  return {
    ids,
    get service(): Service {
      return started(service);
    },
    get baseURL(): string {
      return started(baseURL);
    },
    get browser(): Browser {
      return started(browser);
    },
    api,
    signIn,
    changeAccount,

    /**
     * Registers `name@example.com` through the API (its access token back), for a test that needs
     * the account's API session; staff roles are set in the store, as `pnpm admin:create` does.
     */
    async register(name: string, role: Role = "user"): Promise<string> {
      const registered = await api("POST", "/auth/register", {
        body: { email: `${name}@example.com`, password, nickname: nicknameOf(name) },
      });
      expect(registered.status).toBe(201);
      const data = registered.json.data as { user: { id: string }; accessToken: string };
      ids[name] = data.user.id;
      if (passwordHash === undefined) {
        const stored = await storage().users.findUserById(data.user.id as UserId);
        passwordHash = stored?.passwordHash ?? undefined;
      }
      await promote(name, role);
      return data.accessToken;
    },

    /**
     * Creates `name@example.com` straight in the store, with the hash of `password` the service
     * made for an account registered before (`register`): an account for the test to act on, or to
     * sign in as, without another argon2id hashing and its sign-up.
     */
    async createAccount(name: string, role: Role = "user"): Promise<void> {
      if (passwordHash === undefined) throw new Error("register an account through the API first");
      const email = parseEmail(`${name}@example.com`);
      const nickname = parseNickname(nicknameOf(name));
      if (!email.ok || !nickname.ok) throw new Error(`no account can be named ${name}`);
      const user = createUser({
        id: generateUUIDv7(Date.now()) as UserId,
        email: email.value,
        nickname: nickname.value,
        passwordHash,
        now: new Date(),
      });
      expect((await storage().users.insertUser(user)).ok).toBe(true);
      ids[name] = user.id;
      await promote(name, role);
    },

    /** People signed in once for the file, for the tests that are not about signing in. */
    people: keptSessions({
      browser: () => started(browser),
      baseURL: () => started(baseURL),
      signIn: (page, name) => signIn(page, name, "/account"),
    }),

    /** Clicks a form button of the user page and waits for the post-redirect-get back to it. */
    async clickAction(page: Page, label: string, back: string): Promise<string> {
      await page.click(`main button:has-text("${label}")`);
      await page.waitForURL(urlOf(back));
      return (await page.textContent(".notice")) ?? "";
    },

    /** Runs axe-core on the page, then keeps a screenshot of it. */
    async expectAccessible(page: Page, name: string): Promise<void> {
      expect(await axeViolations(page), name).toEqual([]);
      await page.screenshot({ path: `${shots}/${name}.png`, fullPage: true });
    },
  };
}

const nicknameOf = (name: string) => name.replace(/[^A-Za-z0-9_-]/g, "").slice(0, 30);
