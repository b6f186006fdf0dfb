import type { AppScope, AppSettings, UserId } from "@superoauth/domain";
import {
  type AppAuthorization,
  type AppAuthorizationRepository,
  type AppRepository,
  type AuthorizationVersion,
  type AuthorizedApp,
  authorizationTouchIntervalMs,
  type OIDCModelStore,
  type ReplacedSecret,
  type StoredApp,
  type ThirdPartyAccessToken,
  type ThirdPartyAccessTokens,
} from "../ports/index.ts";

/** The AppRepository in memory. */
export class InMemoryAppRepository implements AppRepository {
  readonly #apps = new Map<string, StoredApp>();
  readonly #replacedSecrets = new Map<string, ReplacedSecret>();

  async createApp(app: StoredApp): Promise<void> {
    if (this.#apps.has(app.clientId)) throw new Error("Duplicate client id");
    this.#apps.set(app.clientId, { ...app });
  }

  async findApp(clientId: string): Promise<StoredApp | null> {
    const app = this.#apps.get(clientId);
    return app === undefined ? null : { ...app };
  }

  async listAppsByOwner(ownerId: UserId): Promise<readonly StoredApp[]> {
    return [...this.#apps.values()]
      .filter((app) => app.ownerId === ownerId)
      .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a.clientId.localeCompare(b.clientId))
      .map((app) => ({ ...app }));
  }

  async updateApp(input: {
    clientId: string;
    ownerId: UserId;
    settings: AppSettings;
    readAt: Date;
    now: Date;
  }): Promise<"updated" | "changed" | "not-found"> {
    return this.#writeAsRead(input, input.settings);
  }

  async replaceSecretHash(input: {
    clientId: string;
    ownerId: UserId;
    secretHash: string;
    readAt: Date;
    now: Date;
  }): Promise<"updated" | "changed" | "not-found"> {
    const replaced = this.#owned(input)?.secretHash ?? null;
    const outcome = this.#writeAsRead(input, { secretHash: input.secretHash });
    if (outcome === "updated" && replaced !== null)
      this.#replacedSecrets.set(input.clientId, { hash: replaced, replacedAt: input.now });
    return outcome;
  }

  async findReplacedSecret(clientId: string): Promise<ReplacedSecret | null> {
    return this.#apps.has(clientId) ? (this.#replacedSecrets.get(clientId) ?? null) : null;
  }

  #writeAsRead(
    input: { clientId: string; ownerId: UserId; readAt: Date; now: Date },
    change: Partial<StoredApp>,
  ): "updated" | "changed" | "not-found" {
    const app = this.#owned(input);
    if (app === null) return "not-found";
    if (app.updatedAt.getTime() !== input.readAt.getTime()) return "changed";
    this.#apps.set(app.clientId, { ...app, ...change, updatedAt: input.now });
    return "updated";
  }

  async deleteApp(input: { clientId: string; ownerId: UserId }): Promise<boolean> {
    if (this.#owned(input) === null) return false;
    this.#replacedSecrets.delete(input.clientId);
    return this.#apps.delete(input.clientId);
  }

  #owned(input: { clientId: string; ownerId: UserId }): StoredApp | null {
    const app = this.#apps.get(input.clientId);
    return app !== undefined && app.ownerId === input.ownerId ? app : null;
  }
}

/** The AppAuthorizationRepository in memory; it lists only the authorizations of apps `apps` still has. */
export class InMemoryAppAuthorizationRepository implements AppAuthorizationRepository {
  readonly #authorizations = new Map<string, AppAuthorization>();
  readonly #apps: AppRepository;

  constructor(apps: AppRepository) {
    this.#apps = apps;
  }

  async recordAuthorization(input: {
    userId: UserId;
    clientId: string;
    grantId: string;
    scopes: readonly AppScope[];
    now: Date;
    replacing: AuthorizationVersion | null;
  }): Promise<boolean> {
    const current = this.#authorizations.get(key(input));
    const { replacing } = input;
    const asRead =
      replacing === null
        ? current === undefined
        : current !== undefined &&
          current.grantId === replacing.grantId &&
          current.scopes.join(" ") === replacing.scopes.join(" ");
    if (!asRead) return false;
    this.#authorizations.set(key(input), {
      userId: input.userId,
      clientId: input.clientId,
      grantId: input.grantId,
      scopes: [...input.scopes],
      grantedAt: current?.grantedAt ?? input.now,
      lastUsedAt: input.now,
    });
    return true;
  }

  async findAuthorization(input: { userId: UserId; clientId: string }): Promise<AppAuthorization | null> {
    const found = this.#authorizations.get(key(input));
    return found === undefined ? null : { ...found };
  }

  async touchAuthorization(input: { userId: UserId; clientId: string; now: Date }): Promise<void> {
    const found = this.#authorizations.get(key(input));
    if (found === undefined) return;
    if (input.now.getTime() - found.lastUsedAt.getTime() < authorizationTouchIntervalMs) return;
    this.#authorizations.set(key(input), { ...found, lastUsedAt: input.now });
  }

  async listAuthorizedApps(userId: UserId): Promise<readonly AuthorizedApp[]> {
    const listed: AuthorizedApp[] = [];
    for (const authorization of this.#authorizations.values()) {
      if (authorization.userId !== userId) continue;
      const app = await this.#apps.findApp(authorization.clientId);
      if (app === null) continue;
      listed.push({ ...authorization, name: app.name, logoURL: app.logoURL, homepageURL: app.homepageURL });
    }
    return listed.sort(
      (a, b) => b.lastUsedAt.getTime() - a.lastUsedAt.getTime() || a.clientId.localeCompare(b.clientId),
    );
  }

  async deleteAuthorization(input: { userId: UserId; clientId: string; grantId?: string }): Promise<boolean> {
    const found = this.#authorizations.get(key(input));
    if (found === undefined || (input.grantId !== undefined && found.grantId !== input.grantId)) return false;
    return this.#authorizations.delete(key(input));
  }

  async deleteAuthorizationsOfClient(clientId: string): Promise<void> {
    for (const [k, a] of this.#authorizations) if (a.clientId === clientId) this.#authorizations.delete(k);
  }

  async deleteAuthorizationsOfUser(userId: UserId): Promise<void> {
    for (const [k, a] of this.#authorizations) if (a.userId === userId) this.#authorizations.delete(k);
  }
}

function key(input: { userId: UserId; clientId: string }): string {
  return JSON.stringify([input.userId, input.clientId]);
}

/** Third-party access tokens a test hands out by hand: `issue` one, `verify` answers it while not revoked. */
export class ScriptedThirdPartyAccessTokens implements ThirdPartyAccessTokens {
  readonly #tokens = new Map<string, ThirdPartyAccessToken>();

  issue(token: string, claims: ThirdPartyAccessToken): void {
    this.#tokens.set(token, claims);
  }

  async verify(input: { token: string; now: Date }): Promise<ThirdPartyAccessToken | null> {
    return this.#tokens.get(input.token) ?? null;
  }
}

/**
 * Records that the user authorized an app as the provider's consent does: the authorization and
 * the provider's Grant it names (listAuthorizedApps lists only authorizations whose Grant lives).
 */
export async function authorizeAppForTest(
  stores: { appAuthorizations: AppAuthorizationRepository; oidcModels: OIDCModelStore },
  input: { userId: UserId; clientId: string; grantId: string; scopes: readonly AppScope[]; now: Date },
): Promise<void> {
  // Over whatever the pair has recorded, as a consent that read it would.
  const current = await stores.appAuthorizations.findAuthorization(input);
  const replacing = current === null ? null : { grantId: current.grantId, scopes: current.scopes };
  await stores.appAuthorizations.recordAuthorization({ ...input, replacing });
  await stores.oidcModels.upsert({
    model: "Grant",
    id: input.grantId,
    payload: { accountId: input.userId, clientId: input.clientId, kind: "Grant" },
    expiresAt: null,
  });
}
