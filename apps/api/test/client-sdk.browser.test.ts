import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { useTestDatabase } from "@superoauth/adapter-sql/testing";
import type * as SDK_MODULE from "@superoauth/client";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Service } from "../src/compose.ts";
import { launchChromium } from "./browser.ts";
import { listenComposedService } from "./test-config.ts";

// @superoauth/client as a browser runs it (issue 11: "works in browsers"): the built JavaScript
// loaded as ES modules (oauth4webapi through an import map) by a page of another origin, whose
// requests to /api/v1 Playwright hands to the composed service (a same-origin deployment, so no
// CORS is involved). The README's localStorage storage keeps the tokens; Web Crypto makes the PKCE
// challenge.

type SDK = typeof SDK_MODULE;

const database = useTestDatabase();
const repositoryRoot = join(import.meta.dirname, "..", "..", "..");
const clientPackage = join(repositoryRoot, "packages", "client");
const origin = "https://app.example.test";
const built = mkdtempSync(join(tmpdir(), "superoauth-client-browser-"));
let service: Service;
let serviceURL: string;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  execFileSync(join(repositoryRoot, "node_modules", ".bin", "tsc"), [
    "-p",
    join(clientPackage, "tsconfig.build.json"),
    "--outDir",
    built,
  ]);
  ({ service, url: serviceURL } = await listenComposedService(database.url()));
  browser = await launchChromium();
  page = await browser.newPage();
  const oauth4webapi = join(
    realpathSync(join(clientPackage, "node_modules", "oauth4webapi")),
    "build",
    "index.js",
  );
  await page.route(`${origin}/**`, async (route) => {
    const path = new URL(route.request().url()).pathname;
    if (path.startsWith("/api/")) {
      const answer = await route.fetch({
        url: `${serviceURL}${path}${new URL(route.request().url()).search}`,
      });
      return route.fulfill({ response: answer });
    }
    if (path === "/") {
      return route.fulfill({
        contentType: "text/html",
        body: [
          `<!doctype html><html lang="en"><head><title>SDK</title>`,
          `<script type="importmap">{"imports":{"oauth4webapi":"/oauth4webapi.js"}}</script>`,
          `<script type="module">import * as sdk from "/client/index.js"; globalThis.superoauth = sdk;</script>`,
          `</head><body></body></html>`,
        ].join(""),
      });
    }
    if (path === "/oauth4webapi.js") {
      return route.fulfill({ contentType: "text/javascript", body: readFileSync(oauth4webapi, "utf8") });
    }
    const file = /^\/client\/([a-z-]+\.js)$/.exec(path)?.[1];
    if (file !== undefined) {
      return route.fulfill({ contentType: "text/javascript", body: readFileSync(join(built, file), "utf8") });
    }
    return route.fulfill({ status: 404, body: "not found" });
  });
  await page.goto(`${origin}/`);
  await page.waitForFunction(() => "superoauth" in globalThis);
});

afterAll(async () => {
  await browser?.close();
  await service?.close();
  rmSync(built, { recursive: true, force: true });
});

describe("the client in Chromium", () => {
  it("registers, reads /auth/me, keeps tokens in localStorage, reports errors by code, and logs out", async () => {
    const result = await page.evaluate(async (baseURL) => {
      // The module the page loaded (an import() here would be rewritten by Vitest's transform).
      const { SuperOAuthClient, SuperOAuthError } = (globalThis as unknown as { superoauth: SDK }).superoauth;
      const key = "superoauth.tokens";
      const storage = {
        get: () => {
          const value = localStorage.getItem(key);
          return value === null ? null : JSON.parse(value);
        },
        set: (tokens: SDK_MODULE.StoredTokens) => localStorage.setItem(key, JSON.stringify(tokens)),
        clear: () => localStorage.removeItem(key),
      };
      const client = new SuperOAuthClient({ baseURL, storage });
      const password = "Br0wser-SDK-passw0rd!";
      const signedIn = await client.auth.register({
        email: "browser-sdk@example.com",
        password,
        nickname: "web",
      });
      const stored = JSON.parse(localStorage.getItem(key) ?? "null");
      // A second client on the same storage (another script of the page) is signed in too.
      const { user } = await new SuperOAuthClient({ baseURL, storage }).auth.me();
      const duplicate = await client.auth
        .register({ email: "browser-sdk@example.com", password, nickname: "again" })
        .catch((error: unknown) => error);
      const { url, codeVerifier } = await client.oauth.createSignInURL({ provider: "github" });
      await client.auth.logOut();
      return {
        storedRefreshToken: stored?.refreshToken === signedIn.refreshToken,
        meEmail: user.email,
        duplicate: {
          isSuperOAuthError: duplicate instanceof SuperOAuthError,
          code: (duplicate as { code?: string }).code,
          status: (duplicate as { status?: number }).status,
        },
        challengeLength: new URL(url).searchParams.get("code_challenge")?.length,
        verifierLength: codeVerifier.length,
        afterLogOut: localStorage.getItem(key),
      };
    }, origin);
    expect(result).toEqual({
      storedRefreshToken: true,
      meEmail: "browser-sdk@example.com",
      duplicate: { isSuperOAuthError: true, code: "USER_EXISTS", status: 409 },
      challengeLength: 43,
      verifierLength: 43,
      afterLogOut: null,
    });
  });
});
