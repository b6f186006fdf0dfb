// The storage oidc-provider needs (docs/decisions/0017). Declared here, among the ports, because two
// adapters meet at it: adapter-sql implements it and adapter-oidc, which alone imports
// oidc-provider, turns it into the library's adapter class; adapters never import one another.

/** One of oidc-provider's stored models, as the library names them ("AccessToken", "Session", ...). */
export type OIDCModelName = string;

/** A model instance as oidc-provider hands it over: a JSON object. */
export type OIDCPayload = Readonly<Record<string, unknown>>;

/**
 * The model of a sign-in under way, which a grant's revocation keeps (`revokeByGrantId`): it
 * carries the grant it loaded (a consent asked again of a remembered app), and the library revokes
 * that grant when another account signs in over the browser's session (its switch of accounts,
 * "Not you?" and `prompt=select_account`) while that same sign-in goes on, now the other account's.
 */
export const signInUnderWayOIDCModel: OIDCModelName = "Interaction";

/**
 * The models whose id is itself a bearer credential (the token or code a client presents). The
 * store keeps only the SHA-256 of such an id, and no copy of it in the payload (its `jti`), so a
 * read of the database yields nothing a client could present (OWASP ASVS 5.0 V9.2, tokens at rest).
 */
export const tokenBearingOIDCModels: ReadonlySet<OIDCModelName> = new Set([
  "AccessToken",
  "AuthorizationCode",
  "RefreshToken",
  "ClientCredentials",
  "DeviceCode",
  "BackchannelAuthenticationRequest",
  "RegistrationAccessToken",
]);

/**
 * What `jti` a token-bearing record found by a secondary key (a device code found by its user
 * code) carries: its raw id is unknown, so it names the stored row instead. `upsert` and `destroy`
 * accept such a reference, so the library can update the record it found; `find` and `consume`
 * never do, so knowing a stored hash is not knowing the token.
 */
export const storedOIDCIdPrefix = "stored:";

/**
 * The account a record belongs to, for `revokeByAccount`: its `accountId`, or for an Interaction
 * (which has none of its own) the account its session, its result or its last submission names,
 * so deleting an account leaves no sign-in in progress that names it. Null for a client's own.
 */
export function accountOfOIDCPayload(payload: OIDCPayload): string | null {
  const candidates = [
    payload.accountId,
    field(payload.session, "accountId"),
    field(field(payload.result, "login"), "accountId"),
    field(field(payload.lastSubmission, "login"), "accountId"),
  ];
  const found = candidates.find((candidate) => typeof candidate === "string");
  return typeof found === "string" ? found : null;
}

/**
 * The client a record belongs to, for `revokeByClient` and `revokeByAccountAndClient`: its
 * `clientId`, or for an Interaction (which has none of its own) the `client_id` of the
 * authorization request it serves, so withdrawing an app (or deleting it) also ends a consent to
 * it in progress, which checks its interaction after saving its grant. Null for none.
 */
export function clientOfOIDCPayload(payload: OIDCPayload): string | null {
  const found = [payload.clientId, field(payload.params, "client_id")].find(
    (candidate) => typeof candidate === "string",
  );
  return typeof found === "string" ? found : null;
}

function field(value: unknown, name: string): unknown {
  return typeof value === "object" && value !== null ? (value as Record<string, unknown>)[name] : undefined;
}

/** A stored model instance. */
export interface OIDCModelRecord {
  /** As upserted, with `jti` set to the id it was found by (or a stored-row reference, see above). */
  readonly payload: OIDCPayload;
  /** When it was consumed (single-use models), null while unused. */
  readonly consumedAt: Date | null;
  readonly expiresAt: Date | null;
}

/**
 * oidc-provider's models, one record per (model, id). Secondary keys (`grantId`, `uid`,
 * `userCode`, `accountId`, `clientId`) are read from the payload on upsert. Nothing expired is
 * ever returned; the scheduled prune deletes expired records.
 */
export interface OIDCModelStore {
  /** Creates or replaces the record (a consumed one stays consumed); `expiresAt` null for one that never expires. */
  upsert(input: {
    model: OIDCModelName;
    id: string;
    payload: OIDCPayload;
    expiresAt: Date | null;
  }): Promise<void>;
  find(input: { model: OIDCModelName; id: string; now: Date }): Promise<OIDCModelRecord | null>;
  /** The record whose payload's `uid` is `uid` (sessions). */
  findByUid(input: { model: OIDCModelName; uid: string; now: Date }): Promise<OIDCModelRecord | null>;
  /**
   * Every live record of the model whose payload's `uid` is `uid`, each `jti` its id: the apps
   * signed in to within one session, one record each (back-channel logout, ADR 0073), which
   * concurrent sign-ins write without reading one another's. Not for token-bearing models.
   */
  findAllByUid(input: { model: OIDCModelName; uid: string; now: Date }): Promise<readonly OIDCModelRecord[]>;
  /** The record whose payload's `userCode` is `userCode` (device codes). */
  findByUserCode(input: {
    model: OIDCModelName;
    userCode: string;
    now: Date;
  }): Promise<OIDCModelRecord | null>;
  /**
   * Marks the record consumed at `now` if it exists, has not expired and was not consumed yet, in
   * one conditional write: of concurrent calls for one record exactly one answers "consumed", the
   * others "not-consumable" (the library reads, then consumes; this is what makes a code or
   * refresh token single-use under concurrency).
   */
  consume(input: { model: OIDCModelName; id: string; now: Date }): Promise<"consumed" | "not-consumable">;
  /**
   * Stores `payload` under the id unless an unexpired record holds it, in one atomic step: of
   * concurrent calls for one id exactly one answers "claimed", the others "taken" (an expired
   * record is replaced). For the library's replay detection, which reads, then saves: a proof's
   * `jti` is claimed by the read itself (ADR 0017); and for a device code's answer, claimed
   * before it is saved (ADR 0057). Not for token-bearing models.
   */
  claim(input: {
    model: OIDCModelName;
    id: string;
    payload: OIDCPayload;
    expiresAt: Date;
    now: Date;
  }): Promise<"claimed" | "taken">;
  destroy(input: { model: OIDCModelName; id: string }): Promise<void>;
  /** Deletes every record of the grant (its tokens, codes and itself), but not a sign-in under way. */
  revokeByGrantId(grantId: string): Promise<void>;
  /** Deletes every record of the client (`clientOfOIDCPayload`), whatever its model (a deleted app). */
  revokeByClient(clientId: string): Promise<void>;
  /**
   * Deletes every record of the account (`accountOfOIDCPayload`) at the client
   * (`clientOfOIDCPayload`), whatever its model (a revoked authorization), in one step: the
   * interactions of a consent in progress go with the grants.
   */
  revokeByAccountAndClient(input: { accountId: string; clientId: string }): Promise<void>;
  /**
   * Deletes the tokens and codes the client holds for the account (the token-bearing models) and
   * keeps its Grant, the remembered consent: the person signed out of the app, not revoked it.
   */
  revokeTokensByAccountAndClient(input: { accountId: string; clientId: string }): Promise<void>;
  /** Deletes every record of the account (`accountOfOIDCPayload`), whatever its model (a deleted account). */
  revokeByAccount(accountId: string): Promise<void>;
}
