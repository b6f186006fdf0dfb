import { describe, expect, it } from "vitest";
import { OverloadedError } from "../../overloaded-error.ts";
import type { AppRepository } from "../../ports/index.ts";
import { createInMemoryDependencies } from "../../testing/in-memory.ts";
import { authorizeAppForTest } from "../../testing/in-memory-apps.ts";
import { registerAccount, unwrap } from "../../testing/use-case-helpers.ts";
import { registerApp } from "./register-app.ts";
import { rotateAppSecret } from "./rotate-app-secret.ts";
import { updateApp } from "./update-app.ts";

// Two edits of one app at once (two tabs, two developers): each reads the app, applies its
// changes, and writes the whole settings. Before 2026-12-05 the later write put back what the
// earlier one had changed (both answered 200). Now a write is made only over the settings it
// read; an edit overtaken between its read and its write reads again and applies its changes over
// what the other wrote.

const settings = {
  name: "Sync helper",
  redirectURIs: ["https://sync.example/cb"],
  allowedScopes: ["openid", "email", "profile"],
  type: "confidential",
};

async function setUp() {
  const deps = createInMemoryDependencies();
  const { user, session } = await registerAccount(deps, { verified: true });
  const { app } = unwrap(await registerApp(deps, { owner: user, settings }));
  return { deps, user, session, clientId: app.clientId };
}

/**
 * Runs `overtake` once, just before the next write of an app's settings (`updateApp`) or of its
 * secret (`replaceSecretHash`), after that write's read; counts those writes.
 */
function overtakeNextWrite(
  apps: AppRepository,
  overtake: () => Promise<void>,
  write: "updateApp" | "replaceSecretHash" = "updateApp",
): () => number {
  const original = apps[write].bind(apps) as (input: never) => Promise<"updated" | "changed" | "not-found">;
  let writes = 0;
  let pending: (() => Promise<void>) | null = overtake;
  apps[write] = async (input: never) => {
    writes += 1;
    const run = pending;
    pending = null;
    if (run !== null) await run();
    return original(input);
  };
  return () => writes;
}

describe("two edits of one app at once", () => {
  it("each of another setting: both land, and each is on record", async () => {
    const { deps, session, clientId } = await setUp();
    const writes = overtakeNextWrite(deps.apps, async () => {
      unwrap(
        await updateApp(deps, { session, clientId, changes: { redirectURIs: ["https://sync.example/new"] } }),
      );
    });
    const renamed = unwrap(await updateApp(deps, { session, clientId, changes: { name: "Sync" } }));
    expect(renamed).toMatchObject({ name: "Sync", redirectURIs: ["https://sync.example/new"] });
    expect(await deps.apps.findApp(clientId)).toMatchObject({
      name: "Sync",
      redirectURIs: ["https://sync.example/new"],
    });
    // The rename's first write was refused, then made over the other's: three writes in all.
    expect(writes()).toBe(3);
    expect(
      deps.securityEvents
        .all()
        .filter((event) => event.type === "app_updated")
        .map((event) => event.details.fields),
    ).toEqual(["redirectURIs", "name"]);
  });

  it("a scope taken away by one, overtaken by another's rename: the scope stays away and every grant ends", async () => {
    const { deps, session, clientId } = await setUp();
    const other = await registerAccount(deps, {
      email: "grace@example.com",
      nickname: "grace",
      verified: true,
    });
    await authorizeAppForTest(deps, {
      userId: other.user.id,
      clientId,
      grantId: "grant-1",
      scopes: ["openid", "email"],
      now: deps.clock.now(),
    });
    expect(await deps.appAuthorizations.listAuthorizedApps(other.user.id)).toHaveLength(1);
    overtakeNextWrite(deps.apps, async () => {
      unwrap(await updateApp(deps, { session, clientId, changes: { name: "Sync" } }));
    });
    unwrap(await updateApp(deps, { session, clientId, changes: { allowedScopes: ["openid", "profile"] } }));
    expect(await deps.apps.findApp(clientId)).toMatchObject({
      name: "Sync",
      allowedScopes: ["openid", "profile"],
    });
    expect(await deps.appAuthorizations.listAuthorizedApps(other.user.id)).toEqual([]);
  });

  it("overtaken by another edit and a secret rotation in the same millisecond: the rotation does not move the app back to what the first edit read", async () => {
    // The clock stands still: the other edit writes 1 ms past what it read; a rotation writing
    // its clock alone set `updatedAt` back to the first edit's read, whose check then passed over
    // the other edit's write (a review found it).
    const { deps, session, clientId } = await setUp();
    overtakeNextWrite(deps.apps, async () => {
      unwrap(
        await updateApp(deps, { session, clientId, changes: { redirectURIs: ["https://sync.example/new"] } }),
      );
      unwrap(await rotateAppSecret(deps, { session, clientId }));
    });
    unwrap(await updateApp(deps, { session, clientId, changes: { name: "Sync" } }));
    expect(await deps.apps.findApp(clientId)).toMatchObject({
      name: "Sync",
      redirectURIs: ["https://sync.example/new"],
    });
  });

  it("overtaken five times in a row: SERVICE_UNAVAILABLE's error (503, try again), nothing written, nothing on record", async () => {
    const { deps, session, clientId } = await setUp();
    const before = await deps.apps.findApp(clientId);
    let writes = 0;
    deps.apps.updateApp = async () => {
      writes += 1;
      return "changed";
    };
    const failure = await updateApp(deps, { session, clientId, changes: { name: "Sync" } }).catch(
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(OverloadedError);
    expect(failure).toMatchObject({ retryAfterSeconds: 1 });
    expect(writes).toBe(5);
    expect(await deps.apps.findApp(clientId)).toEqual(before);
    expect(deps.securityEvents.all().filter((event) => event.type === "app_updated")).toEqual([]);
  });
});

describe("a secret rotation overtaken (ADR 0060)", () => {
  it("by another rotation (a double submit): the other's secret stands and works; this one answers SERVICE_UNAVAILABLE's error (503, try again), writes nothing and is not on record", async () => {
    const { deps, session, clientId } = await setUp();
    let shown = "";
    const writes = overtakeNextWrite(
      deps.apps,
      async () => {
        shown = unwrap(await rotateAppSecret(deps, { session, clientId })).clientSecret;
      },
      "replaceSecretHash",
    );
    const failure = await rotateAppSecret(deps, { session, clientId }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(OverloadedError);
    expect(failure).toMatchObject({
      retryAfterSeconds: 1,
      publicMessage: expect.stringMatching(/^Another request changed this app's secret at the same moment/),
    });
    // Its own write was refused; read again, it found the secret changed and wrote nothing more.
    expect(writes()).toBe(2);
    const stored = await deps.apps.findApp(clientId);
    expect(stored?.secretHash).toBe(deps.secretHasher.hashSecret(shown));
    expect(deps.securityEvents.all().filter((event) => event.type === "app_secret_rotated")).toHaveLength(1);
  });

  it("by an edit: made again over it; both stand, each on record once", async () => {
    const { deps, session, clientId } = await setUp();
    const writes = overtakeNextWrite(
      deps.apps,
      async () => {
        unwrap(await updateApp(deps, { session, clientId, changes: { name: "Sync" } }));
      },
      "replaceSecretHash",
    );
    const { clientSecret } = unwrap(await rotateAppSecret(deps, { session, clientId }));
    expect(writes()).toBe(2);
    expect(await deps.apps.findApp(clientId)).toMatchObject({
      name: "Sync",
      secretHash: deps.secretHasher.hashSecret(clientSecret),
    });
    const types = deps.securityEvents.all().map((event) => event.type);
    expect(types.filter((type) => type === "app_updated")).toHaveLength(1);
    expect(types.filter((type) => type === "app_secret_rotated")).toHaveLength(1);
  });

  it("an edit overtaken by a rotation: made again over it, and the rotated secret stays", async () => {
    const { deps, session, clientId } = await setUp();
    let shown = "";
    overtakeNextWrite(deps.apps, async () => {
      shown = unwrap(await rotateAppSecret(deps, { session, clientId })).clientSecret;
    });
    unwrap(await updateApp(deps, { session, clientId, changes: { name: "Sync" } }));
    expect(await deps.apps.findApp(clientId)).toMatchObject({
      name: "Sync",
      secretHash: deps.secretHasher.hashSecret(shown),
    });
  });

  it("by edits five times in a row: SERVICE_UNAVAILABLE's error, the old secret stays, nothing on record", async () => {
    const { deps, session, clientId } = await setUp();
    const before = await deps.apps.findApp(clientId);
    let writes = 0;
    deps.apps.replaceSecretHash = async () => {
      writes += 1;
      return "changed";
    };
    const failure = await rotateAppSecret(deps, { session, clientId }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(OverloadedError);
    expect(failure).toMatchObject({ retryAfterSeconds: 1 });
    expect(writes).toBe(5);
    expect(await deps.apps.findApp(clientId)).toEqual(before);
    expect(deps.securityEvents.all().filter((event) => event.type === "app_secret_rotated")).toEqual([]);
  });

  it("of an app deleted meanwhile: APP_NOT_FOUND", async () => {
    const { deps, session, clientId } = await setUp();
    overtakeNextWrite(
      deps.apps,
      async () => {
        await deps.apps.deleteApp({ clientId, ownerId: session.userId });
      },
      "replaceSecretHash",
    );
    expect(await rotateAppSecret(deps, { session, clientId })).toMatchObject({
      ok: false,
      error: "APP_NOT_FOUND",
    });
  });
});
