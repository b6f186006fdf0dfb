import {
  asSeenByHolder,
  type Email,
  noticeAllowanceLeft,
  noticeEventsRead,
  notifiesAccountHolder,
  type Role,
  type SecurityEvent,
  type SecurityEventType,
  type SecurityNoticeType,
  securityNoticeTypes,
  type UserId,
} from "@superoauth/domain";
import { composeSecurityNotice } from "../../../mails.ts";
import type { Dependencies, OutgoingMail } from "../../../ports/index.ts";
import type { ClientInfo } from "../../sessions/steps/start-session.ts";

type RecordingDependencies = Pick<Dependencies, "clock" | "random" | "securityEvents">;
type NotifyingDependencies = RecordingDependencies &
  Pick<Dependencies, "users" | "mailer" | "settings" | "accountLinkMark">;

/**
 * What recording an event of type `T` needs: a type that may mail the holder needs the user
 * store and the mailer too, so no caller can record one and silently skip its notice.
 */
type SecurityEventDependencies<T extends SecurityEventType> = [T] extends [
  Exclude<SecurityEventType, SecurityNoticeType>,
]
  ? RecordingDependencies
  : NotifyingDependencies;

/**
 * The member of staff an event names as its actor (docs/admin.md): their id, their role as
 * `details.by`, and where their request came from, which only the admins' audit shows
 * (`asSeenByHolder` hides it from the account's holder).
 */
export interface StaffActor {
  readonly id: UserId;
  readonly role: Role;
  readonly client?: ClientInfo;
}

/** What an entry of the log says: whose, what, from where and by whom. */
export interface SecurityEventInput<T extends SecurityEventType> {
  userId: UserId;
  type: T;
  client?: ClientInfo | undefined;
  details?: Record<string, string | number | boolean>;
  /** The member of staff who did it (docs/admin.md): named as the event's actor, their role in `details.by`. */
  actor?: StaffActor;
}

/** The entry `input` describes, stamped with a new id and the clock; the client is the actor's when not given. */
export function newSecurityEvent<T extends SecurityEventType>(
  deps: Pick<Dependencies, "clock" | "random">,
  input: SecurityEventInput<T>,
): SecurityEvent {
  const client = input.client ?? input.actor?.client;
  return {
    id: deps.random.generateId(),
    userId: input.userId,
    type: input.type,
    occurredAt: deps.clock.now(),
    ip: client?.ip ?? null,
    userAgent: client?.userAgent?.slice(0, 512) ?? null,
    actorId: input.actor?.id ?? null,
    details: input.actor === undefined ? (input.details ?? {}) : { ...input.details, by: input.actor.role },
  };
}

/** Where and how the notice of an event goes when it differs from the account's current address. */
export interface NoticeOptions {
  /** Where the notice goes instead of the account's current address (a changed address tells the old one). */
  noticeTo?: Email;
  /** The link the notice offers to undo what happened (a changed address's, ADR 0047). */
  undoLink?: string;
  /** Whom the notice greets and goes to when the account's row is gone (a deletion). */
  holder?: { readonly email: Email; readonly nickname: string };
}

/**
 * Appends an entry to the user's security log, stamped with the clock and the client, and mails
 * the account holder a notice when the domain says the event calls for one
 * (`notifiesAccountHolder`, docs/decisions/0016-security-notices.md), within an hourly allowance
 * while the address is unproven. The extra reads (the user's address; for an unproven one, its
 * recent notices) happen only then. The mailer only queues, so a notice never slows the request,
 * and a mail server that fails never fails it (the Mailer port's promise).
 */
export async function recordSecurityEvent<T extends SecurityEventType>(
  deps: SecurityEventDependencies<T>,
  input: SecurityEventInput<T> & NoticeOptions,
): Promise<void> {
  const event = newSecurityEvent(deps, input);
  // A deletion's own entry goes under its pseudonym, which has no account row (the holder's
  // address comes with it); every other entry is written only while its account exists.
  if (input.holder === undefined) await deps.securityEvents.recordSecurityEvent(event);
  else await deps.securityEvents.recordOfDeletedAccount(event);
  // The signature guarantees it: a type that may notify comes with the notifying dependencies, and
  // noticeOf reads none of them for a type that does not.
  const notifying = deps as NotifyingDependencies;
  const notice = await noticeOf(notifying, event, input);
  if (notice !== null) await notifying.mailer.sendMail(notice);
}

/**
 * Appends the entry alone, for a transaction (ADR 0056): its notice, which no rollback could take
 * back, is composed inside by `noticeOf` and mailed once the transaction committed.
 */
export async function storeSecurityEvent<T extends SecurityEventType>(
  deps: RecordingDependencies,
  input: SecurityEventInput<T>,
): Promise<SecurityEvent> {
  const event = newSecurityEvent(deps, input);
  await deps.securityEvents.recordSecurityEvent(event);
  return event;
}

/**
 * The notice of a stored `event` to mail the holder, or null when its type calls for none, the
 * account is gone or an unproven address spent its allowance. It only reads, so a transaction
 * composes it with its reads and mails it after its commit, where nothing can fail any more (the
 * mailer only queues).
 */
export async function noticeOf(
  deps: Pick<Dependencies, "users" | "securityEvents" | "settings" | "accountLinkMark">,
  event: SecurityEvent,
  options: NoticeOptions = {},
): Promise<OutgoingMail | null> {
  if (!notifiesAccountHolder(event)) return null;
  const user = options.holder ?? (await deps.users.findUserById(event.userId));
  if (user === null) return null;
  // An address nobody has proven gets an hourly allowance of notices (maxNoticesPerWindow): whoever
  // registered a stranger's address must not be able to flood that mailbox (a password change is
  // one request, one notice). A proven holder gets every notice: an allowance there would let an
  // intruder use up the hour with harmless changes, then make the one that matters unseen. The
  // undo link of a changed address and the mail of a deletion (`holder`) always go.
  if ("emailVerified" in user && !user.emailVerified && options.undoLink === undefined) {
    const recent = await deps.securityEvents.listSecurityEventsOfUser({
      userId: event.userId,
      limit: noticeEventsRead,
      types: securityNoticeTypes,
    });
    if (!noticeAllowanceLeft(recent, event.occurredAt)) return null;
  }
  return composeSecurityNotice({
    to: options.noticeTo ?? user.email,
    nickname: user.nickname,
    event: asSeenByHolder(event),
    appURL: deps.settings.appURL,
    brand: deps.settings.brand,
    accountMark: deps.accountLinkMark(event.userId),
    // Staff act on disabled accounts too: their notice offers no way that cannot work there.
    accountDisabled: "status" in user && user.status === "disabled",
    ...(options.undoLink === undefined ? {} : { undoLink: options.undoLink }),
  });
}
