// The shapes adapter-oidc speaks with the rest of the service. Those it shares with the hosted pages
// (the interactions, the provider's pages, the browser session) are application ports
// (`ports/oidc-interactions.ts`, ADR 0063), bound here to Node's request and response; the rest are
// what the composition root hands the provider.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { ConsentClient, OIDCBrowserSessions, OIDCInteractions } from "@superoauth/application";

/** What the hosted pages call to read and finish an interaction (implemented here, used by adapter-web). */
export type Interactions = OIDCInteractions<IncomingMessage, ServerResponse>;

/** The hosted pages' browser session, which the provider asks for single sign-on (implemented by adapter-web). */
export type BrowserSessions = OIDCBrowserSessions<IncomingMessage, ServerResponse>;

/** A registered app as the apps use cases hold it: the application's own record, not a second copy. */
export type { OIDCClientRecord } from "@superoauth/application";

/** An account as the provider releases claims about it. */
export interface OIDCAccount {
  readonly accountId: string;
  readonly email: string;
  readonly emailVerified: boolean;
  readonly nickname: string;
  readonly updatedAt: Date;
}

/** Remembered consent, one per (account, client), kept by the apps use cases. */
/** The grant remembered for an (account, client): its id and the scopes recorded with it. */
export interface RecordedGrant {
  readonly grantId: string;
  readonly scopes: readonly string[];
}

export interface OIDCGrantRecords {
  /** The grant remembered for (account, client), or null. */
  find(input: { accountId: string; clientId: string }): Promise<RecordedGrant | null>;
  /**
   * A grant was saved after consent (`scopes`: everything it grants now): recorded over `replacing`,
   * what `find` answered before the consent chose its grant, only while the record is still that.
   * False, writing nothing, when another consent of the pair recorded (or a revoke forgot) meanwhile.
   */
  record(input: {
    accountId: string;
    clientId: string;
    grantId: string;
    scopes: readonly string[];
    replacing: RecordedGrant | null;
  }): Promise<boolean>;
  /**
   * Takes back what `record` wrote for `grantId`, if the (account, client) record still names it:
   * the consent found, after saving, that a revoke of the account's grants came during it.
   */
  forget(input: { accountId: string; clientId: string; grantId: string }): Promise<void>;
  /** Tokens were issued under the (account, client) grant ("last used"). */
  touch(input: { accountId: string; clientId: string }): Promise<void>;
  /**
   * The person consented (`remembered` or for this authorization only), once the grant is saved:
   * the security log's record of who gave which app access, when and from where. `renewed`: a
   * remembered consent that gave nothing new (the grant recorded before, no scope beyond it).
   */
  consented?(input: {
    accountId: string;
    clientId: string;
    scopes: readonly string[];
    remembered: boolean;
    renewed: boolean;
    client?: ConsentClient | undefined;
  }): Promise<void>;
  /**
   * One of the grant's refresh tokens was presented again after it was rotated, past the grace:
   * a stolen copy, or the app's store replayed. The library has revoked the grant; the person's
   * security log is told, with where the token came from. Called after the answer is decided: a
   * failure here is logged, never the client's.
   */
  reused?(input: { accountId: string; clientId: string; client?: ConsentClient | undefined }): Promise<void>;
}

/** Private signing keys (JWK, each with `kid`, `alg`, `use: "sig"`), newest first. */
export interface OIDCSigningKeys {
  readonly keys: readonly Record<string, unknown>[];
}
