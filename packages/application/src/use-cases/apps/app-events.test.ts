import { describeSecurityEvent } from "@superoauth/domain";
import { describe, expect, it } from "vitest";
import { createInMemoryDependencies } from "../../testing/in-memory.ts";
import { authorizeAppForTest } from "../../testing/in-memory-apps.ts";
import { registerAccount, unwrap } from "../../testing/use-case-helpers.ts";
import { openDataExportArchive } from "../data-export/open-data-export-archive.ts";
import { requestDataExport } from "../data-export/request-data-export.ts";
import { runNextDataExport } from "../data-export/run-next-data-export.ts";
import { revokeAppAuthorization } from "./authorized-apps.ts";
import { deleteApp } from "./delete-app.ts";
import { recordAppConsent, recordAppTokenReuse } from "./provider-clients.ts";
import { registerApp } from "./register-app.ts";
import { rotateAppSecret } from "./rotate-app-secret.ts";
import { updateApp } from "./update-app.ts";

// What a thief who holds a session can do with apps and exports, each on record: who, when, from
// where (docs/account-security.md, "Security events"; an incident review after a takeover).

const settings = {
  name: "Sync helper",
  redirectURIs: ["https://sync.example/cb"],
  allowedScopes: ["openid", "email"],
  type: "confidential",
};
const thief = { ip: "203.0.113.66", userAgent: "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/126.0" };

async function setUp() {
  const deps = createInMemoryDependencies();
  const account = await registerAccount(deps, { verified: true });
  const events = () =>
    deps.securityEvents.all().filter((e) => e.type.startsWith("app_") || e.type.startsWith("data_"));
  return { deps, ...account, events };
}

describe("a developer's app, on record in the owner's security log", () => {
  it("registered, its settings changed, its secret replaced and deleted: each with the app, the address and the browser", async () => {
    const { deps, user, session, events } = await setUp();
    const { app } = unwrap(await registerApp(deps, { owner: user, settings, client: thief }));
    unwrap(
      await updateApp(deps, {
        session,
        clientId: app.clientId,
        changes: { redirectURIs: ["https://evil.example/cb"], name: "Sync" },
        client: thief,
      }),
    );
    unwrap(await rotateAppSecret(deps, { session, clientId: app.clientId, client: thief }));
    unwrap(await deleteApp(deps, { session, clientId: app.clientId, client: thief }));

    const where = { ip: thief.ip, userAgent: thief.userAgent };
    expect(events()).toEqual([
      expect.objectContaining({
        type: "app_registered",
        ...where,
        details: { clientId: app.clientId, app: "Sync helper", type: "confidential" },
      }),
      // Which settings changed, by name, never their values; the app named as it is now.
      expect.objectContaining({
        type: "app_updated",
        ...where,
        details: { clientId: app.clientId, app: "Sync", fields: "name, redirectURIs" },
      }),
      expect.objectContaining({
        type: "app_secret_rotated",
        ...where,
        details: { clientId: app.clientId, app: "Sync" },
      }),
      expect.objectContaining({
        type: "app_deleted",
        ...where,
        details: { clientId: app.clientId, app: "Sync" },
      }),
    ]);
    // None of them is mailed: the log is the record.
    expect(deps.mailer.sent.filter((mail) => mail.kind === "security_notice")).toEqual([]);
  });

  it("records no change for an edit that changed nothing, nor for refused ones", async () => {
    const { deps, user, session, events } = await setUp();
    const { app } = unwrap(await registerApp(deps, { owner: user, settings }));
    unwrap(await updateApp(deps, { session, clientId: app.clientId, changes: { name: "Sync helper" } }));
    expect(
      await updateApp(deps, {
        session,
        clientId: app.clientId,
        changes: { redirectURIs: ["http://evil.example/cb"] },
      }),
    ).toMatchObject({ ok: false, error: "VALIDATION_ERROR" });
    deps.clock.advance(deps.settings.reauthMaxAgeMs + 1);
    expect(
      await updateApp(deps, {
        session,
        clientId: app.clientId,
        changes: { redirectURIs: ["https://attacker.example/cb"] },
      }),
    ).toMatchObject({ error: "REAUTH_REQUIRED" });
    expect(await rotateAppSecret(deps, { session, clientId: app.clientId })).toMatchObject({
      error: "REAUTH_REQUIRED",
    });
    expect(await deleteApp(deps, { session, clientId: app.clientId })).toMatchObject({
      error: "REAUTH_REQUIRED",
    });
    expect(events().map((e) => e.type)).toEqual(["app_registered"]);
  });
});

describe("an app's access to the account, on record", () => {
  it("a remembered consent: app_authorized with the app, the scopes and where, and a notice that never names the app", async () => {
    const { deps, user, events } = await setUp();
    const { app } = unwrap(
      await registerApp(deps, { owner: user, settings: { ...settings, name: "Visit evil.example" } }),
    );
    await recordAppConsent(deps, {
      accountId: user.id,
      clientId: app.clientId,
      scopes: ["openid", "email", "made-up"],
      remembered: true,
      client: thief,
    });
    expect(events().at(-1)).toMatchObject({
      type: "app_authorized",
      ip: thief.ip,
      userAgent: thief.userAgent,
      details: {
        clientId: app.clientId,
        app: "Visit evil.example",
        scopes: "openid email",
        remembered: true,
      },
    });
    const notices = deps.mailer.sentTo("ada@example.com").filter((mail) => mail.kind === "security_notice");
    expect(notices.map((mail) => mail.subject)).toEqual(["An app can now access your account"]);
    expect(notices[0]?.text).toContain("IP address: 203.0.113.66");
    expect(notices[0]?.text).not.toContain("evil.example");
  });

  // A remembered consent given again with nothing new (`renewed`): an app asking with
  // prompt=consent at every sign-in mailed the person at every sign-in.
  it.each([
    ["for this authorization only", { remembered: false }],
    ["given again, remembered, with nothing new", { remembered: true, renewed: true }],
  ] as const)("a consent %s is on record too, and mails nothing", async (_, consent) => {
    const { deps, user, events } = await setUp();
    const { app } = unwrap(await registerApp(deps, { owner: user, settings }));
    await recordAppConsent(deps, {
      accountId: user.id,
      clientId: app.clientId,
      scopes: ["openid"],
      ...consent,
    });
    expect(events().at(-1)).toMatchObject({ type: "app_authorized", details: consent });
    expect(deps.mailer.sent.filter((mail) => mail.kind === "security_notice")).toEqual([]);
  });

  it("withdrawn: app_revoked when there was an authorization, nothing when there was none", async () => {
    const { deps, user, events } = await setUp();
    const { app } = unwrap(await registerApp(deps, { owner: user, settings }));
    await authorizeAppForTest(deps, {
      userId: user.id,
      clientId: app.clientId,
      grantId: "grant-1",
      scopes: ["openid"],
      now: deps.clock.now(),
    });
    unwrap(await revokeAppAuthorization(deps, { userId: user.id, clientId: app.clientId, client: thief }));
    expect(await revokeAppAuthorization(deps, { userId: user.id, clientId: app.clientId })).toMatchObject({
      error: "APP_NOT_FOUND",
    });
    expect(events().filter((e) => e.type === "app_revoked")).toEqual([
      expect.objectContaining({ ip: thief.ip, details: { clientId: app.clientId, app: "Sync helper" } }),
    ]);
  });

  it("ended by a reused refresh token: app_token_reuse_detected with the app and the presenter, described, and no mail", async () => {
    const { deps, user, events } = await setUp();
    const { app } = unwrap(await registerApp(deps, { owner: user, settings }));
    await recordAppTokenReuse(deps, { accountId: user.id, clientId: app.clientId, client: thief });
    // An app deleted meanwhile is still recorded, unnamed.
    await recordAppTokenReuse(deps, { accountId: user.id, clientId: "gone-app" });
    expect(events().filter((e) => e.type === "app_token_reuse_detected")).toEqual([
      expect.objectContaining({
        ip: thief.ip,
        userAgent: thief.userAgent,
        details: { clientId: app.clientId, app: "Sync helper" },
      }),
      expect.objectContaining({ ip: null, details: { clientId: "gone-app", app: "" } }),
    ]);
    expect(describeSecurityEvent(events().at(-2) ?? { type: "app_revoked", details: {} })).toBe(
      'The app "Sync helper" lost its access to your account: a token it was given was used twice, as a copied one would be',
    );
    expect(describeSecurityEvent(events().at(-1) ?? { type: "app_revoked", details: {} })).toMatch(
      /^An app lost/,
    );
    expect(deps.mailer.sent.filter((mail) => mail.kind === "security_notice")).toEqual([]);
  });
});

describe("a copy of the account's data, on record", () => {
  it("requested once (asking again for the running one records nothing more) and each download, with where", async () => {
    const { deps, session, user, events } = await setUp();
    const first = unwrap(await requestDataExport(deps, { session, client: thief }));
    const again = unwrap(await requestDataExport(deps, { session, client: thief }));
    expect(again.created).toBe(false);
    await runNextDataExport(deps);
    const { exportId } = first.export;
    unwrap(await openDataExportArchive(deps, { userId: user.id, exportId, client: thief }));
    unwrap(await openDataExportArchive(deps, { userId: user.id, exportId, client: { ip: "198.51.100.7" } }));
    expect(events().map((e) => [e.type, e.ip, e.details])).toEqual([
      ["data_export_requested", thief.ip, { exportId }],
      ["data_export_downloaded", thief.ip, { exportId }],
      ["data_export_downloaded", "198.51.100.7", { exportId }],
    ]);
  });
});

describe("deleting an app whose grants cannot be ended at that moment (a database outage)", () => {
  it("keeps the app, so the owner's retry ends every grant and deletes it", async () => {
    const { deps, user, session, events } = await setUp();
    const { app } = unwrap(await registerApp(deps, { owner: user, settings }));
    const { revokeByClient } = deps.oidcModels;
    const revoked: string[] = [];
    let failing = true;
    deps.oidcModels.revokeByClient = async (clientId) => {
      if (failing) throw new Error("the database is unreachable");
      revoked.push(clientId);
      return revokeByClient.call(deps.oidcModels, clientId);
    };
    await expect(deleteApp(deps, { session, clientId: app.clientId })).rejects.toThrow(/unreachable/);
    expect(await deps.apps.findApp(app.clientId)).not.toBeNull();
    expect(events().map((e) => e.type)).toEqual(["app_registered"]);

    failing = false;
    unwrap(await deleteApp(deps, { session, clientId: app.clientId }));
    expect(await deps.apps.findApp(app.clientId)).toBeNull();
    // Before the app's deletion and again after it, for what was issued in between.
    expect(revoked).toEqual([app.clientId, app.clientId]);
    expect(events().map((e) => e.type)).toEqual(["app_registered", "app_deleted"]);
  });
});
