import { asSeenByHolder, lastActivityOf, type SecurityEvent, type UserId } from "@superoauth/domain";
import type { Dependencies } from "../../../ports/index.ts";
import { authorizedAppsOf } from "../../apps/authorized-apps.ts";
import { liveSessionWindow } from "../../sessions/steps/live-since.ts";

/** A value a section may write: JSON. */
export type ExportValue =
  | string
  | number
  | boolean
  | null
  | readonly ExportValue[]
  | { readonly [key: string]: ExportValue };

/** One record of a section: a JSON object. */
export type ExportRecord = { readonly [key: string]: ExportValue };

/**
 * One file of the export: its name, and its records read through the ports. An "object" section
 * yields one record and the file is that object; a "list" section's file is a JSON array of its
 * records, read a page at a time so memory does not grow with the account.
 *
 * Each section builds its records field by field from what the person may see about themselves
 * (an allow-list, never a spread of a stored record), so nothing stored as a secret (the password
 * hash, the TOTP secret, backup codes, token and secret hashes) can reach a file.
 */
export interface ExportSection {
  readonly file: string;
  readonly shape: "object" | "list";
  /** What the file holds, in words for the person reading it: a paragraph of README.txt. */
  readonly explanation: string;
  records(deps: Dependencies, input: { userId: UserId }): AsyncIterable<ExportRecord>;
}

/** Security events read per query: a page is a few hundred small rows. */
export const securityEventPageSize = 500;

const profile: ExportSection = {
  file: "profile.json",
  shape: "object",
  explanation:
    "Your account: id (the number the service knows your account by), email address, whether it is verified, a change of address you asked for and did not confirm yet (pendingEmailChange, with when its link expires), nickname, role (user or admin), status (active or disabled), when the account was made and last changed, whether it has a password (not the password), and whether two-step verification is on with how many backup codes are left (not the codes).",
  async *records(deps, { userId }) {
    const user = await deps.users.findUserById(userId);
    if (user === null) throw new Error("the export's user is gone");
    const twoFactor = await deps.twoFactor.findTwoFactorStatus(userId);
    const pending = await deps.emailTokens.findPendingEmailChange({ userId, now: deps.clock.now() });
    yield {
      id: user.id,
      email: user.email,
      emailVerified: user.emailVerified,
      // The address a change was asked for and not yet confirmed (its link is in that mailbox).
      pendingEmailChange:
        pending === null ? null : { newEmail: pending.newEmail, expiresAt: pending.expiresAt.toISOString() },
      nickname: user.nickname,
      role: user.role,
      status: user.status,
      createdAt: user.createdAt.toISOString(),
      updatedAt: user.updatedAt.toISOString(),
      hasPassword: user.passwordHash !== null,
      twoFactor: { enabled: twoFactor.enabled, backupCodesRemaining: twoFactor.backupCodesRemaining },
    };
  },
};

const linkedProviders: ExportSection = {
  file: "linked-providers.json",
  shape: "list",
  explanation:
    "The accounts at other services you sign in with (Google, GitHub, ...): the service, your id there (subject), the address and name it gave us, and when you linked it.",
  async *records(deps, { userId }) {
    for (const link of await deps.linkedProviders.listLinkedProvidersOfUser(userId)) {
      yield {
        provider: link.provider,
        subject: link.subject,
        email: link.email,
        displayName: link.displayName,
        linkedAt: link.linkedAt.toISOString(),
      };
    }
  },
};

const sessions: ExportSection = {
  file: "sessions.json",
  shape: "list",
  explanation:
    "Where you are signed in now (sessions that ended are not listed; the sign-ins are in security-events.json): when each session started and was last used, its browser or app (userAgent) and network address (ip), and authenticatedAt and authenticationMethods: when and how you last proved it was you in that session, at the sign-in or when you confirmed a sensitive change since (pwd: password, fed: another service, otp and mfa: a code of two-step verification). The id is the session's, as in the sessionId of a sign-in in security-events.json.",
  async *records(deps, { userId }) {
    // A user has at most MAX_SESSIONS_PER_USER live sessions: one read.
    for (const session of await deps.sessions.listLiveSessionsOfUser({
      userId,
      ...liveSessionWindow(deps),
    })) {
      yield {
        id: session.id,
        createdAt: session.createdAt.toISOString(),
        // As the sessions list shows it: the last refresh, sign-in or hosted page.
        lastUsedAt: lastActivityOf(session).toISOString(),
        authenticatedAt: session.authenticatedAt.toISOString(),
        authenticationMethods: session.authenticationMethods,
        userAgent: session.userAgent,
        ip: session.ip,
      };
    }
  },
};

/**
 * Every event a paged read of the log answers, newest first, `securityEventPageSize` at a time
 * (by the same cursor as the API's listing): a log can hold any number of events.
 */
async function* everyEvent(
  readPage: (cursor: { limit: number; beforeId?: string }) => Promise<SecurityEvent[]>,
): AsyncIterable<SecurityEvent> {
  let beforeId: string | undefined;
  for (;;) {
    const page = await readPage({
      limit: securityEventPageSize,
      ...(beforeId === undefined ? {} : { beforeId }),
    });
    yield* page;
    const last = page.at(-1);
    if (page.length < securityEventPageSize || last === undefined) return;
    beforeId = last.id;
  }
}

/** What an event says of what happened, when and from where: no one's id, no details. */
function whatHappened(event: SecurityEvent): ExportRecord {
  return {
    id: event.id,
    type: event.type,
    occurredAt: event.occurredAt.toISOString(),
    ip: event.ip,
    userAgent: event.userAgent,
  };
}

const securityEvents: ExportSection = {
  file: "security-events.json",
  shape: "list",
  explanation:
    "Your security log, newest first, as the account center's Activity page shows it: what happened (type, such as login_succeeded, login_failed, password_changed, email_changed), when (occurredAt), from which network address and browser, and details (addresses in it are masked, such as a***@example.com). An entry's id is the entry's own; an exportId, sessionId or clientId in details names your data export, your session or an app. A staff action on your account shows no network address or browser: those are the staff member's.",
  async *records(deps, { userId }) {
    for await (const stored of everyEvent((cursor) =>
      deps.securityEvents.listSecurityEventsOfUser({ userId, ...cursor }),
    )) {
      const event = asSeenByHolder(stored);
      yield { ...whatHappened(event), details: event.details };
    }
  },
};

/**
 * What the person did as staff to other accounts. Those entries are on the other accounts' logs,
 * whose exports leave out the staff member's IP and user agent (`asSeenByHolder`): they are this
 * person's, and here. Nothing about the other person: not which account (nor a pseudonym of a
 * deleted one), nor the details (a disable's reason, what was searched). Always written, empty for
 * a person who never acted as staff (or was never staff), so every archive has the same files.
 * Their own account's entries are in security-events.json.
 */
const staffActions: ExportSection = {
  file: "staff-actions.json",
  shape: "list",
  explanation:
    "Only for staff: what you did to other people's accounts (type, when, your network address and browser), without who they are. Empty ([]) if you never acted as staff.",
  async *records(deps, { userId }) {
    for await (const event of everyEvent((cursor) =>
      deps.accountAdministration.listActionsBy({ actorId: userId, ...cursor }),
    )) {
      yield whatHappened(event);
    }
  },
};

const authorizedApps: ExportSection = {
  file: "authorized-apps.json",
  shape: "list",
  explanation:
    "The apps you let use your account: the app's id (clientId) and name, what it may see or do (scopes), when you allowed it and when it last used its access.",
  async *records(deps, { userId }) {
    // The apps this person lets act for them, as GET /api/v1/user/apps lists them: not one whose
    // grant has ended, which the hourly prune deletes. Few: one read, and one per app.
    for (const app of await authorizedAppsOf(deps, userId)) {
      yield {
        clientId: app.clientId,
        name: app.name,
        scopes: [...app.scopes],
        grantedAt: app.grantedAt.toISOString(),
        lastUsedAt: app.lastUsedAt.toISOString(),
      };
    }
  },
};

const ownedApps: ExportSection = {
  file: "owned-apps.json",
  shape: "list",
  explanation: "The apps you registered as a developer, with their settings (not their secret).",
  async *records(deps, { userId }) {
    // The apps this person registered, without their secret hash.
    for (const app of await deps.apps.listAppsByOwner(userId)) {
      yield {
        clientId: app.clientId,
        name: app.name,
        type: app.type,
        tokenEndpointAuthMethod: app.tokenEndpointAuthMethod,
        idTokenSigningAlg: app.idTokenSigningAlg,
        requirePKCE: app.requirePKCE,
        redirectURIs: [...app.redirectURIs],
        postLogoutRedirectURIs: [...app.postLogoutRedirectURIs],
        backchannelLogoutURI: app.backchannelLogoutURI,
        allowedScopes: [...app.allowedScopes],
        logoURL: app.logoURL,
        homepageURL: app.homepageURL,
        createdAt: app.createdAt.toISOString(),
        updatedAt: app.updatedAt.toISOString(),
      };
    }
  },
};

/**
 * Where the person signed in from, as the service remembers it to relax the lockout and to tell a
 * new device (ADR 0008): `ip:<address>`, and `device:<digest>` of a device cookie (the digest only:
 * the cookie's value is never stored).
 */
const signInSources: ExportSection = {
  file: "sign-in-sources.json",
  shape: "list",
  explanation:
    "The devices and networks you signed in from, as the service remembers them to tell you of a new device and to spare you a lockout: ip:<address> is a network, device:<code> a browser or app (the code is a fingerprint of a random value the service stored in it; an app that keeps no cookie counts as a new device at each sign-in), with when it was last seen. Each is forgotten 90 days after it was last seen.",
  async *records(deps, { userId }) {
    for (const known of await deps.lockout.listKnownSignInSources(userId)) {
      yield { source: known.source, lastSeenAt: known.lastSeenAt.toISOString() };
    }
  },
};

/**
 * The files of an export, in archive order. A new kind of account data is one more section here,
 * reading through its own port.
 */
export const exportSections: readonly ExportSection[] = [
  profile,
  linkedProviders,
  sessions,
  securityEvents,
  staffActions,
  authorizedApps,
  ownedApps,
  signInSources,
];
