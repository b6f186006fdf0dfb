import {
  type AppAuthorization,
  type AppAuthorizationRepository,
  type AppRepository,
  type AuthorizedApp,
  authorizationTouchIntervalMs,
  type ReplacedSecret,
  type StoredApp,
} from "@superoauth/application";
import type {
  AppClientType,
  AppScope,
  IdTokenSigningAlg,
  TokenEndpointAuthMethod,
  UserId,
} from "@superoauth/domain";
import { type Selectable, sql, type UpdateObject } from "kysely";
import type { AppAuthorizationsTable, AppsTable, Database } from "./database.ts";
import type { SQLContext } from "./dialects/dialect.ts";
import { precompileQuery } from "./precompiled-query.ts";

/**
 * The AppRepository port over the `apps` table (ADR 0020). Every change names the owner in its
 * WHERE clause, so someone else's app is changed by nothing and reads as absent.
 */
export function createAppRepository({ db }: SQLContext): AppRepository {
  // Read on every token request and introspection (the app presenting its credentials), compiled
  // once (precompiled-query.ts).
  const appById = precompileQuery(db, ["clientId"], (input: { clientId: string }) =>
    db.selectFrom("apps").select(appColumns).where("id", "=", input.clientId),
  );
  /** One conditional UPDATE of the owner's app as it was read: the port's updateApp contract. */
  async function writeAsRead(
    app: { clientId: string; ownerId: UserId; readAt: Date },
    values: UpdateObject<Database, "apps">,
  ): Promise<"updated" | "changed" | "not-found"> {
    if (spacePadded(app.clientId)) return "not-found";
    const result = await db
      .updateTable("apps")
      .set(values)
      .where("id", "=", app.clientId)
      .where("owner_id", "=", app.ownerId)
      .where("updated_at", "=", app.readAt)
      .executeTakeFirst();
    if (result.numUpdatedRows === 1n) return "updated";
    // Not written: the app is gone (or someone else's), or another write moved it meanwhile.
    const found = await db
      .selectFrom("apps")
      .select("id")
      .where("id", "=", app.clientId)
      .where("owner_id", "=", app.ownerId)
      .executeTakeFirst();
    return found === undefined ? "not-found" : "changed";
  }

  return {
    async createApp(app: StoredApp): Promise<void> {
      await db
        .insertInto("apps")
        .values({
          id: app.clientId,
          owner_id: app.ownerId,
          ...settingsRow(app),
          secret_hash: app.secretHash,
          created_at: app.createdAt,
          updated_at: app.updatedAt,
        })
        .execute();
    },

    async findApp(clientId: string): Promise<StoredApp | null> {
      if (spacePadded(clientId)) return null;
      const [row] = (await appById({ clientId })).rows;
      return row === undefined ? null : toApp(row);
    },

    async listAppsByOwner(ownerId: UserId): Promise<readonly StoredApp[]> {
      const rows = await db
        .selectFrom("apps")
        .select(appColumns)
        .where("owner_id", "=", ownerId)
        .orderBy("created_at")
        .orderBy("id")
        .execute();
      return rows.map(toApp);
    },

    async updateApp({ clientId, ownerId, settings, readAt, now }) {
      return writeAsRead({ clientId, ownerId, readAt }, { ...settingsRow(settings), updated_at: now });
    },

    async replaceSecretHash({ clientId, ownerId, secretHash, readAt, now }) {
      return writeAsRead(
        { clientId, ownerId, readAt },
        {
          // First: MySQL and MariaDB assign left to right, each seeing the ones before it, so this
          // reads the hash being replaced (SQLite reads every value from the row as it was).
          replaced_secret_hash: sql<string | null>`secret_hash`,
          secret_replaced_at: now,
          secret_hash: secretHash,
          updated_at: now,
        },
      );
    },

    async findReplacedSecret(clientId: string): Promise<ReplacedSecret | null> {
      if (spacePadded(clientId)) return null;
      const row = await db
        .selectFrom("apps")
        .select(["replaced_secret_hash", "secret_replaced_at"])
        .where("id", "=", clientId)
        .executeTakeFirst();
      if (row?.replaced_secret_hash == null || row.secret_replaced_at === null) return null;
      return { hash: row.replaced_secret_hash, replacedAt: row.secret_replaced_at };
    },

    async deleteApp({ clientId, ownerId }): Promise<boolean> {
      if (spacePadded(clientId)) return false;
      // Its authorizations go with it (ON DELETE CASCADE).
      const result = await db
        .deleteFrom("apps")
        .where("id", "=", clientId)
        .where("owner_id", "=", ownerId)
        .executeTakeFirst();
      return result.numDeletedRows === 1n;
    },
  };
}

/**
 * How many (user, app) pairs the touch remembers writing (about 100 bytes each): past it the oldest
 * write is forgotten, and that pair's next token request asks the database once more.
 */
const touchMemoLimit = 10_000;

/**
 * The AppAuthorizationRepository port over `app_authorizations`. A record is a compare-and-set:
 * the primary key (user_id, client_id) lets one first insert of a pair through, and a replacement
 * is one UPDATE conditional on the grant and scopes its consent read; the
 * touch is one conditional UPDATE that writes a row at most once a minute.
 */
export function createAppAuthorizationRepository({ db, dialect }: SQLContext): AppAuthorizationRepository {
  // Run on every token request under a grant ("last used"), compiled once (precompiled-query.ts).
  const touchIfStale = precompileQuery(
    db,
    ["now", "userId", "clientId", "staleBefore"],
    (input: { now: Date; userId: UserId; clientId: string; staleBefore: Date }) =>
      db
        .updateTable("app_authorizations")
        .set({ last_used_at: input.now })
        .where("user_id", "=", input.userId)
        .where("client_id", "=", input.clientId)
        .where("last_used_at", "<=", input.staleBefore),
  );
  // When this process last wrote each pair's lastUsedAt (a consent's record, a touch): within the
  // interval after that write a touch's statement would change nothing (the row is at least that
  // fresh), so it is not sent. Only our own writes count; a pair another instance wrote is still
  // asked, as before. The newest entries are kept, up to touchMemoLimit.
  const wroteAt = new Map<string, number>();
  const pairOf = (userId: UserId, clientId: string) => `${userId} ${clientId}`;
  const rememberWrite = (userId: UserId, clientId: string, now: Date) => {
    const pair = pairOf(userId, clientId);
    wroteAt.delete(pair);
    wroteAt.set(pair, now.getTime());
    if (wroteAt.size > touchMemoLimit) wroteAt.delete(wroteAt.keys().next().value as string);
  };
  return {
    async recordAuthorization({ userId, clientId, grantId, scopes, now, replacing }): Promise<boolean> {
      const set = { grant_id: grantId, scopes: scopes.join(" "), last_used_at: now };
      if (replacing === null) {
        // None was found: the first insert of the pair wins, by its primary key.
        try {
          await db
            .insertInto("app_authorizations")
            .values({ user_id: userId, client_id: clientId, ...set, granted_at: now })
            .execute();
          rememberWrite(userId, clientId, now);
          return true;
        } catch (error) {
          if (dialect.isUniqueViolation(error)) return false;
          throw error;
        }
      }
      // One conditional UPDATE: only while the row names what the consent read.
      const result = await db
        .updateTable("app_authorizations")
        .set(set)
        .where("user_id", "=", userId)
        .where("client_id", "=", clientId)
        .where("grant_id", "=", replacing.grantId)
        .where("scopes", "=", replacing.scopes.join(" "))
        .executeTakeFirst();
      if (result.numUpdatedRows !== 1n) return false;
      rememberWrite(userId, clientId, now);
      return true;
    },

    async findAuthorization({ userId, clientId }): Promise<AppAuthorization | null> {
      if (spacePadded(clientId)) return null;
      const row = await db
        .selectFrom("app_authorizations")
        .selectAll()
        .where("user_id", "=", userId)
        .where("client_id", "=", clientId)
        .executeTakeFirst();
      return row === undefined ? null : toAuthorization(row);
    },

    async touchAuthorization({ userId, clientId, now }): Promise<void> {
      if (spacePadded(clientId)) return;
      const wrote = wroteAt.get(pairOf(userId, clientId));
      const at = now.getTime();
      // A clock set back since (at < wrote) asks the database again.
      if (wrote !== undefined && at >= wrote && at - wrote < authorizationTouchIntervalMs) return;
      const touched = await touchIfStale({
        now,
        userId,
        clientId,
        staleBefore: new Date(at - authorizationTouchIntervalMs),
      });
      if (touched.numAffectedRows === 1n) rememberWrite(userId, clientId, now);
    },

    async listAuthorizedApps(userId: UserId): Promise<readonly AuthorizedApp[]> {
      const rows = await db
        .selectFrom("app_authorizations")
        .innerJoin("apps", "apps.id", "app_authorizations.client_id")
        .selectAll("app_authorizations")
        .select(["apps.name", "apps.logo_url", "apps.homepage_url"])
        .where("app_authorizations.user_id", "=", userId)
        .orderBy("app_authorizations.last_used_at", "desc")
        .orderBy("app_authorizations.client_id")
        .execute();
      return rows.map((row) => ({
        ...toAuthorization(row),
        name: row.name,
        logoURL: row.logo_url,
        homepageURL: row.homepage_url,
      }));
    },

    async deleteAuthorization({ userId, clientId, grantId }): Promise<boolean> {
      if (spacePadded(clientId)) return false;
      let query = db
        .deleteFrom("app_authorizations")
        .where("user_id", "=", userId)
        .where("client_id", "=", clientId);
      if (grantId !== undefined) query = query.where("grant_id", "=", grantId);
      const result = await query.executeTakeFirst();
      return result.numDeletedRows === 1n;
    },

    async deleteAuthorizationsOfClient(clientId: string): Promise<void> {
      if (spacePadded(clientId)) return;
      await db.deleteFrom("app_authorizations").where("client_id", "=", clientId).execute();
    },

    async deleteAuthorizationsOfUser(userId: UserId): Promise<void> {
      await db.deleteFrom("app_authorizations").where("user_id", "=", userId).execute();
    },
  };
}

/**
 * MySQL and MariaDB compare VARCHARs under PAD SPACE collations (`utf8mb4_bin` included): "id "
 * equals "id". Our client ids never end in a space, so such an id names nothing, exactly.
 */
function spacePadded(clientId: string): boolean {
  return clientId.endsWith(" ");
}

function settingsRow(
  settings: Omit<StoredApp, "clientId" | "ownerId" | "secretHash" | "createdAt" | "updatedAt">,
) {
  return {
    name: settings.name,
    logo_url: settings.logoURL,
    homepage_url: settings.homepageURL,
    redirect_uris: JSON.stringify(settings.redirectURIs),
    post_logout_redirect_uris: JSON.stringify(settings.postLogoutRedirectURIs),
    allowed_scopes: settings.allowedScopes.join(" "),
    client_type: settings.type,
    token_endpoint_auth_method: settings.tokenEndpointAuthMethod,
    id_token_signed_response_alg: settings.idTokenSigningAlg,
    require_pkce: settings.requirePKCE,
    backchannel_logout_uri: settings.backchannelLogoutURI,
  };
}

// Rows were written by this adapter from validated settings: the casts restate what was stored.
/**
 * The columns a StoredApp is made of: not the replaced secret's two, which only a refused secret
 * reads (findReplacedSecret), so the token endpoint's read of the app on every request leaves them.
 */
const appColumns = [
  "id",
  "owner_id",
  "name",
  "logo_url",
  "homepage_url",
  "redirect_uris",
  "post_logout_redirect_uris",
  "allowed_scopes",
  "client_type",
  "token_endpoint_auth_method",
  "id_token_signed_response_alg",
  "require_pkce",
  "backchannel_logout_uri",
  "secret_hash",
  "created_at",
  "updated_at",
] as const satisfies readonly (keyof AppsTable)[];

function toApp(row: Pick<Selectable<AppsTable>, (typeof appColumns)[number]>): StoredApp {
  return {
    clientId: row.id,
    ownerId: row.owner_id as UserId,
    name: row.name,
    logoURL: row.logo_url,
    homepageURL: row.homepage_url,
    redirectURIs: JSON.parse(row.redirect_uris) as string[],
    postLogoutRedirectURIs: JSON.parse(row.post_logout_redirect_uris) as string[],
    allowedScopes: scopesOf(row.allowed_scopes),
    type: row.client_type as AppClientType,
    tokenEndpointAuthMethod: row.token_endpoint_auth_method as TokenEndpointAuthMethod,
    idTokenSigningAlg: row.id_token_signed_response_alg as IdTokenSigningAlg,
    requirePKCE: row.require_pkce === 1,
    backchannelLogoutURI: row.backchannel_logout_uri,
    secretHash: row.secret_hash,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function toAuthorization(row: Selectable<AppAuthorizationsTable>): AppAuthorization {
  return {
    userId: row.user_id as UserId,
    clientId: row.client_id,
    grantId: row.grant_id,
    scopes: scopesOf(row.scopes),
    grantedAt: row.granted_at,
    lastUsedAt: row.last_used_at,
  };
}

function scopesOf(stored: string): AppScope[] {
  return stored === "" ? [] : (stored.split(" ") as AppScope[]);
}
