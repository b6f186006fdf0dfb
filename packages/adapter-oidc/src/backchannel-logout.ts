import { createHash } from "node:crypto";
import type { Clock, OIDCModelStore } from "@superoauth/application";
import type { FastifyBaseLogger } from "fastify";
import type Provider from "oidc-provider";
import { logFailure } from "./outages.ts";

/**
 * OpenID Connect Back-Channel Logout 1.0 (ADR 0073). The library sends logout tokens only from its
 * own end_session endpoint, and waits for every app to answer before it answers the browser (up
 * to its 2.5 s timeout). A session of ours also ends in the account center, by a password change,
 * by staff and by a deletion, none of which the library sees; and a sign-out must not wait on an
 * app. So every delivery is ours, made after the session has ended and never awaited by whoever
 * ended it: the library's `Client#backchannelLogout` builds, signs and POSTs the token (its `typ`
 * `logout+jwt`, `iss`, `aud`, `iat`, `exp`, `jti`, `events`, `sub`, `sid`; no redirect followed;
 * its timeout and its refusal of special-use addresses), called by us alone.
 */

/**
 * The store's model of one app signed in to within one session of ours: `{ uid: <session id>, sub,
 * client: <client id>, sid }`, one record per (session, app), its id both of them, the app one that
 * registered a back-channel logout URI and `sid` the one its ID tokens carry. A session's apps are
 * its records found by `uid`, so two sign-ins of one session at the same instant write two records
 * and neither reads the other's (one record per session, read then written, lost one app's entry:
 * ADR 0073). Consumed by the session's end (each app told once) and deleted, or removed by the prune
 * once expired (a session that merely expires is not told: ADR 0073). The account is its `sub` and
 * the app its `client`, not an `accountId` and a `clientId`: the revoke of an account's grants,
 * which a password reset runs in the same transaction as the end of its sessions, must leave it for
 * the notice that follows the commit (the session's end deletes it then).
 */
export const signedInAppsModel = "BackchannelLogoutSession";

/** How one delivery ended, for the metrics (`superoauth_oidc_backchannel_logouts_total`). */
export type BackchannelLogoutResult = "delivered" | "failed";

export interface BackchannelLogoutOptions {
  readonly provider: Provider;
  readonly store: OIDCModelStore;
  readonly clock: Clock;
  /** How long a session's record is kept unless its end consumes it first: the longest a session lives. */
  readonly recordSeconds: number;
  readonly log?: FastifyBaseLogger | undefined;
  readonly onResult?: ((result: BackchannelLogoutResult) => void) | undefined;
}

export interface BackchannelLogout {
  /**
   * An authorization within our session `sessionId` issued `clientId` a code whose ID token will
   * carry `sid`: remembered, so the session's end tells the app.
   */
  signedIn(input: { sessionId: string; accountId: string; clientId: string; sid: string }): Promise<void>;
  /**
   * The person signed out of one app only (RP-initiated logout, "of your app only"); the session
   * goes on. The app is told now and not again when the session ends.
   */
  signedOutOf(input: { sessionId: string; clientId: string }): Promise<void>;
  /**
   * Our sessions ended: every app signed in to within them is told. Resolves once their records
   * are read and consumed and the apps found; the tokens go out after, in the background. Never
   * rejects: a failure is logged, and the session stays ended.
   */
  sessionsEnded(sessionIds: readonly string[]): Promise<void>;
}

interface SignedInApp {
  readonly uid: string;
  readonly sub: string;
  readonly client: string;
  readonly sid: string;
}

/**
 * The record's id: the session's and the app's (a SHA-256 of the client id, which may hold any
 * character, where the store's ids are ASCII).
 */
function recordIdOf(sessionId: string, clientId: string): string {
  return `${sessionId}.${createHash("sha256").update(clientId).digest("base64url")}`;
}

/** A logout token to send: to whom, about whom, for which session of theirs. */
interface Notice {
  readonly client: InstanceType<Provider["Client"]>;
  readonly accountId: string;
  readonly sid: string;
}

type Deliver = (this: unknown, sub: string, sid: string) => Promise<void>;

export function createBackchannelLogout(options: BackchannelLogoutOptions): BackchannelLogout {
  const { provider, store, clock } = options;
  const prototype = provider.Client.prototype as unknown as { backchannelLogout: Deliver };
  const deliver = prototype.backchannelLogout;
  // The library's end_session would deliver too, and wait for it: ours tells those apps instead
  // (the "both" sign-out ends our session; "your app only" calls signedOutOf).
  prototype.backchannelLogout = async () => {};

  const expiresAt = () => new Date(clock.now().getTime() + options.recordSeconds * 1000);
  /**
   * Tells `record`'s app, if this call is the one that consumes it (of two ends of one session told
   * at once, one tells: at most one logout token per app and session), and deletes it.
   */
  const consumeToTell = async (id: string, record: SignedInApp): Promise<Notice | null> => {
    if ((await store.consume({ model: signedInAppsModel, id, now: clock.now() })) !== "consumed") return null;
    // Told now: nothing of it is kept (an account's deletion leaves none of its records).
    await store.destroy({ model: signedInAppsModel, id });
    return noticeFor(record.client, record.sub, record.sid);
  };

  /** The app to tell, if it is still registered with a back-channel logout URI. */
  const noticeFor = async (clientId: string, accountId: string, sid: string): Promise<Notice | null> => {
    const client = await provider.Client.find(clientId);
    return client?.backchannelLogoutUri === undefined ? null : { client, accountId, sid };
  };

  /** One logout token to one app, in the background: its outcome logged (never the token) and counted. */
  const send = (notice: Notice): void => {
    const clientId = notice.client.clientId;
    deliver.call(notice.client, notice.accountId, notice.sid).then(
      () => {
        options.onResult?.("delivered");
        options.log?.info({ clientId }, "back-channel logout: logout token delivered");
      },
      (error: unknown) => {
        options.onResult?.("failed");
        options.log?.warn(
          { clientId, reason: reasonOf(error) },
          "back-channel logout: the app's logout URI did not take the logout token",
        );
      },
    );
  };

  /** Runs `collect` (store reads and writes), then sends what it found; a failure is logged only. */
  const collectThenSend = async (collect: () => Promise<readonly (Notice | null)[]>): Promise<void> => {
    let notices: readonly (Notice | null)[];
    try {
      notices = await collect();
    } catch (error) {
      logFailure(options.log, error);
      return;
    }
    for (const notice of notices) if (notice !== null) send(notice);
  };

  return {
    async signedIn(input) {
      const id = recordIdOf(input.sessionId, input.clientId);
      const current = await store.find({ model: signedInAppsModel, id, now: clock.now() });
      // Its end has told this app already: the authorization's code is withdrawn (provider.ts).
      if (current?.consumedAt != null) return;
      if ((current?.payload as SignedInApp | undefined)?.sid === input.sid) return;
      const payload: SignedInApp = {
        uid: input.sessionId,
        sub: input.accountId,
        client: input.clientId,
        sid: input.sid,
      };
      await store.upsert({ model: signedInAppsModel, id, payload: { ...payload }, expiresAt: expiresAt() });
    },
    signedOutOf: (input) =>
      collectThenSend(async () => {
        const id = recordIdOf(input.sessionId, input.clientId);
        const record = await store.find({ model: signedInAppsModel, id, now: clock.now() });
        if (record === null || record.consumedAt !== null) return [];
        return [await consumeToTell(id, record.payload as unknown as SignedInApp)];
      }),
    sessionsEnded: (sessionIds) =>
      collectThenSend(async () => {
        const notices: (Notice | null)[] = [];
        for (const sessionId of sessionIds) {
          const records = await store.findAllByUid({
            model: signedInAppsModel,
            uid: sessionId,
            now: clock.now(),
          });
          for (const record of records) {
            if (record.consumedAt !== null) continue;
            const signedIn = record.payload as unknown as SignedInApp;
            notices.push(await consumeToTell(recordIdOf(sessionId, signedIn.client), signedIn));
          }
        }
        return notices;
      }),
  };
}

/**
 * Why a delivery failed, in words for the log: the library's "expected 200 OK from <uri>, got: 500
 * ...", a timeout, or fetch's own failure with its cause (a refused connection, an address refused
 * as special-use). Never a token: the library's errors carry none.
 */
function reasonOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : "";
  return `${error.message}${cause}`;
}
