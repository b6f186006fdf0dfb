import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { Authenticated, ClientInfo, UseCases, UserDetails } from "@superoauth/application";
import {
  describeSecurityEvent,
  describeStaffAction,
  type ErrorCode,
  isStaffRead,
  type MaintenanceNotice,
  maxDisableReasonLength,
  maxMaintenanceNoticeLength,
  type Result,
  type SecurityEvent,
  type StaffAction,
  staffActionsNeedingFreshProof,
  type User,
} from "@superoauth/domain";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { type Static, type TObject, Type } from "typebox";
import { authOf, requireAuthentication } from "../authenticate.ts";
import { clientOf } from "../client-info.ts";
import { bearerErrors, bodyErrors, errorsOf, inputErrors } from "../error-responses.ts";
import { sendFailure } from "../replies.ts";
import { boundedString, pageLimit, successEnvelope } from "../schemas.ts";

/** What staff see of an account in a list: never a hash or a secret (the schema is an allow-list). */
const adminUser = Type.Object({
  id: Type.String(),
  email: Type.String(),
  emailVerified: Type.Boolean(),
  nickname: Type.String(),
  hasPassword: Type.Boolean(),
  status: Type.Union([Type.Literal("active"), Type.Literal("disabled")]),
  role: Type.Union([Type.Literal("user"), Type.Literal("support"), Type.Literal("admin")]),
  createdAt: Type.String({ format: "date-time" }),
});

const adminUserDetails = Type.Object({
  ...adminUser.properties,
  twoFactorEnabled: Type.Boolean(),
  linkedProviders: Type.Array(
    Type.Object({
      provider: Type.String(),
      email: Type.Union([Type.String(), Type.Null()]),
      displayName: Type.Union([Type.String(), Type.Null()]),
      linkedAt: Type.String({ format: "date-time" }),
    }),
  ),
  /**
   * Why staff disabled the account, in their words (never shown to the person); null while it is
   * active, and for an account disabled before reasons were kept (2026-12-06).
   */
  disabledReason: Type.Union([Type.String(), Type.Null()]),
  sessionCount: Type.Integer(),
  locked: Type.Boolean(),
  lockedUntil: Type.Union([Type.String({ format: "date-time" }), Type.Null()]),
  /** The account's latest security events (20), newest first, as its holder's log shows them. */
  recentActivity: Type.Array(
    Type.Object({
      id: Type.String(),
      type: Type.String(),
      occurredAt: Type.String({ format: "date-time" }),
      /** The holder's words ("Your password was changed"). */
      description: Type.String(),
      ip: Type.Union([Type.String(), Type.Null()]),
      userAgent: Type.Union([Type.String(), Type.Null()]),
      /** The member of staff who did it; null for the holder's own. */
      actorId: Type.Union([Type.String(), Type.Null()]),
    }),
  ),
});

const auditEntry = Type.Object({
  id: Type.String(),
  type: Type.String(),
  occurredAt: Type.String({ format: "date-time" }),
  /**
   * The member of staff who acted (a pseudonym once their account is deleted); null for an admin
   * made by `pnpm admin:create` on the server (`details.via: "admin:create"`), which no account did.
   */
  actorId: Type.Union([Type.String(), Type.Null()]),
  /** The account acted on (a pseudonym once it is deleted). */
  userId: Type.String(),
  details: Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean()])),
  description: Type.String(),
  /** `read`: staff looked at personal data (a user's details, a search); `change`: they acted. */
  kind: Type.Union([Type.Literal("read"), Type.Literal("change")]),
  /**
   * Where the member of staff's request came from (null for entries recorded before 2026-12-03,
   * by `pnpm admin:create`, and once the staff member's account is deleted). Never shown to the
   * account acted on.
   */
  ip: Type.Union([Type.String(), Type.Null()]),
  userAgent: Type.Union([Type.String(), Type.Null()]),
});

const userIdParams = Type.Object({ id: boundedString(64) });

/** The status page's maintenance notice; null when none is set. */
const maintenanceNotice = Type.Object({
  notice: Type.Union([
    Type.Object({
      message: Type.String(),
      setAt: Type.String({ format: "date-time" }),
      setBy: Type.String(),
    }),
    Type.Null(),
  ]),
});

function presentNotice(notice: MaintenanceNotice | null): Static<typeof maintenanceNotice> {
  return {
    notice:
      notice === null
        ? null
        : { message: notice.message, setAt: notice.setAt.toISOString(), setBy: notice.setBy },
  };
}

/** Who may be staff here at all (admitStaff): the role, and 2FA when STAFF_REQUIRE_2FA is on. */
const staffRefusals = ["INSUFFICIENT_PERMISSIONS", "TWO_FACTOR_REQUIRED"] as const;

/** Every staff action's gate (authorizeStaffAction): the role and 2FA, a fresh proof, the account. */
const staffActionErrors = [
  ...bodyErrors,
  ...bearerErrors,
  ...staffRefusals,
  "REAUTH_REQUIRED",
  "USER_NOT_FOUND",
] as const;

/**
 * The gate's refusals for one action: REAUTH_REQUIRED only where the domain asks a fresh proof
 * (staffActionsNeedingFreshProof), so the OpenAPI document declares what the action can answer.
 */
function staffGateErrors(staffAction: StaffAction): readonly ErrorCode[] {
  return staffActionsNeedingFreshProof.includes(staffAction)
    ? staffActionErrors
    : staffActionErrors.filter((code) => code !== "REAUTH_REQUIRED");
}

function presentAdminUser(user: User): Static<typeof adminUser> {
  return {
    id: user.id,
    email: user.email,
    emailVerified: user.emailVerified,
    nickname: user.nickname,
    hasPassword: user.passwordHash !== null,
    status: user.status,
    role: user.role,
    createdAt: user.createdAt.toISOString(),
  };
}

function presentDetails(details: UserDetails): Static<typeof adminUserDetails> {
  return {
    ...presentAdminUser(details.user),
    twoFactorEnabled: details.twoFactorEnabled,
    disabledReason: details.disabledReason,
    linkedProviders: details.linkedProviders.map((link) => ({
      provider: link.provider,
      email: link.email,
      displayName: link.displayName,
      linkedAt: link.linkedAt.toISOString(),
    })),
    sessionCount: details.liveSessionCount,
    locked: details.lockedUntil !== null,
    lockedUntil: details.lockedUntil?.toISOString() ?? null,
    recentActivity: details.recentEvents.map((event) => ({
      id: event.id,
      type: event.type,
      occurredAt: event.occurredAt.toISOString(),
      description: describeSecurityEvent(event),
      ip: event.ip,
      userAgent: event.userAgent,
      actorId: event.actorId,
    })),
  };
}

function presentAuditEntry(event: SecurityEvent): Static<typeof auditEntry> {
  return {
    id: event.id,
    type: event.type,
    occurredAt: event.occurredAt.toISOString(),
    actorId: event.actorId,
    userId: event.userId,
    details: event.details,
    description: describeStaffAction(event),
    kind: isStaffRead(event.type) ? "read" : "change",
    ip: event.ip,
    userAgent: event.userAgent,
  };
}

/**
 * The admin API (docs/admin.md): staff search and read accounts and act on them. Every route needs
 * a Bearer token; what the caller's role allows is the use cases' (the domain's permission table),
 * answered with INSUFFICIENT_PERMISSIONS.
 */
export async function adminRoutes(app: FastifyInstance, options: { useCases: UseCases }): Promise<void> {
  const { useCases } = options;
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const authenticated = requireAuthentication(useCases);

  api.get(
    "/admin/users",
    {
      preValidation: authenticated,
      schema: {
        // Query strings are text and types are never coerced: the use case reads the limit and checks its range.
        querystring: Type.Object({
          q: Type.Optional(boundedString(254)),
          cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
          limit: Type.Optional(pageLimit()),
        }),
        response: {
          200: successEnvelope(
            Type.Object({
              users: Type.Array(adminUser),
              nextCursor: Type.Union([Type.String(), Type.Null()]),
            }),
          ),
          ...errorsOf(...inputErrors, ...bearerErrors, ...staffRefusals),
        },
      },
    },
    async (request, reply) => {
      const { q, cursor, limit } = request.query;
      const result = await useCases.searchUsers({
        actor: authOf(request),
        client: clientOf(request),
        query: q,
        cursor,
        limit: limit === undefined ? undefined : Number(limit),
      });
      if (!result.ok) return sendFailure(reply, result);
      return reply.send({
        success: true,
        data: { users: result.value.users.map(presentAdminUser), nextCursor: result.value.nextCursor },
      });
    },
  );

  api.get(
    "/admin/users/:id",
    {
      preValidation: authenticated,
      schema: {
        params: userIdParams,
        response: {
          200: successEnvelope(Type.Object({ user: adminUserDetails })),
          ...errorsOf(...inputErrors, ...bearerErrors, ...staffRefusals, "USER_NOT_FOUND"),
        },
      },
    },
    async (request, reply) => {
      const result = await useCases.getUserDetails({
        actor: authOf(request),
        client: clientOf(request),
        userId: request.params.id,
      });
      if (!result.ok) return sendFailure(reply, result);
      return reply.send({ success: true, data: { user: presentDetails(result.value) } });
    },
  );

  /** A POST action on one account: calls the use case, answers `data` on success. */
  function action<Body extends TObject = TObject<Record<never, never>>, Value = unknown>(input: {
    path: string;
    data: TObject;
    /** The permission it needs, which also says whether it needs a fresh proof. */
    staffAction: StaffAction;
    /** The JSON body it reads, if any. */
    body?: Body;
    run: (
      actor: Authenticated,
      userId: string,
      client: ClientInfo,
      body: Static<Body>,
    ) => Promise<Result<Value>>;
    /** The `data` of a success: the same every time, or made of what the use case answered. */
    answer:
      | Readonly<Record<string, string | boolean>>
      | ((value: Value) => Readonly<Record<string, unknown>>);
    /** The use case's own refusals beyond the staff gate's. */
    errors: readonly ErrorCode[];
  }): void {
    api.post(
      `/admin/users/:id/${input.path}`,
      {
        preValidation: authenticated,
        schema: {
          params: userIdParams,
          ...(input.body === undefined ? {} : { body: input.body }),
          response: {
            200: successEnvelope(input.data),
            ...errorsOf(...staffGateErrors(input.staffAction), ...input.errors),
          },
        },
      },
      async (request, reply) => {
        const result = await input.run(
          authOf(request),
          request.params.id,
          clientOf(request),
          request.body as Static<Body>,
        );
        if (!result.ok) return sendFailure(reply, result);
        const { answer } = input;
        return reply.send({
          success: true,
          data: typeof answer === "function" ? answer(result.value) : answer,
        });
      },
    );
  }

  action({
    path: "disable",
    staffAction: "disable",
    // The use case trims and counts it (1 to maxDisableReasonLength characters, one line); the
    // schema only bounds what is read.
    body: Type.Object({
      reason: Type.String({
        maxLength: maxDisableReasonLength * 4,
        description: `Why the account is disabled: one line, 1 to ${maxDisableReasonLength} characters after trimming. Kept on the account and in the audit; shown to staff only, never to the person.`,
      }),
    }),
    data: Type.Object({
      status: Type.Literal("disabled"),
      disabledReason: Type.Union([Type.String(), Type.Null()], {
        description:
          "The reason that stands on the account now: this request's when it disabled the account; else the one the account was disabled with before (null for an account disabled before reasons were kept), the one sent being dropped.",
      }),
      alreadyDisabled: Type.Boolean({
        description:
          "True when the account was disabled already: nothing was changed or recorded, and the reason sent was not kept (to change it, enable the account, then disable it with the new reason). False when this request disabled it.",
      }),
    }),
    run: (actor, userId, client, body) =>
      useCases.changeUserStatus({ actor, client, userId, status: "disabled", reason: body.reason }),
    answer: (outcome) => ({
      status: "disabled",
      disabledReason: outcome.disabledReason,
      alreadyDisabled: !outcome.changed,
    }),
    errors: ["LAST_ADMIN"],
  });
  action({
    path: "enable",
    staffAction: "enable",
    data: Type.Object({
      status: Type.Literal("active"),
      alreadyActive: Type.Boolean({
        description:
          "True when the account was active already: nothing was changed, recorded or mailed. False when this request enabled it.",
      }),
    }),
    run: (actor, userId, client) => useCases.changeUserStatus({ actor, client, userId, status: "active" }),
    answer: (outcome) => ({ status: "active", alreadyActive: !outcome.changed }),
    // Never LAST_ADMIN: enabling an account takes no active admin away (checkAnAdminRemains).
    errors: [],
  });
  action({
    path: "unlock",
    staffAction: "unlock",
    data: Type.Object({
      unlocked: Type.Literal(true),
      alreadyUnlocked: Type.Boolean({
        description:
          "True when no sign-in lock was in force (another member of staff lifted it, an earlier click, or it was not locked): nothing was cleared or recorded. False when this request lifted it.",
      }),
    }),
    run: (actor, userId, client) => useCases.unlockUser({ actor, client, userId }),
    answer: (outcome) => ({ unlocked: true, alreadyUnlocked: !outcome.lifted }),
    errors: [],
  });
  action({
    path: "reset-2fa",
    staffAction: "reset_two_factor",
    data: Type.Object({ twoFactorEnabled: Type.Literal(false) }),
    run: (actor, userId, client) => useCases.resetUserTwoFactor({ actor, client, userId }),
    answer: { twoFactorEnabled: false },
    errors: ["TWO_FACTOR_NOT_ENABLED"],
  });
  action({
    path: "unlink-provider",
    staffAction: "unlink_provider",
    // The use case checks it is a provider id (UNSUPPORTED_PROVIDER otherwise, as the person's own
    // unlink answers; after the role and before the fresh proof); the schema only bounds what is read.
    body: Type.Object({
      provider: Type.String({
        maxLength: 32,
        description:
          "The provider to unlink, by its id as the rest of the API names it: discord, twitch, google or github.",
      }),
    }),
    data: Type.Object({
      provider: Type.String(),
      unlinked: Type.Boolean({
        description:
          "True when this request unlinked it (recorded, and the person is mailed); false when it was not linked (unlinked already: nothing was recorded or mailed).",
      }),
      remainingSignIn: Type.Object(
        {
          password: Type.Boolean({ description: "Whether the account has a password." }),
          providers: Type.Array(Type.String(), { description: "The providers still linked, oldest first." }),
        },
        {
          description:
            "How the account can sign in now, to tell the person. With no password and no provider left, they set a password with a reset link mailed to the account's address (POST /admin/users/:id/send-password-reset, or /forgot-password), once the account is active.",
        },
      ),
      accountStatus: Type.Union([Type.Literal("active"), Type.Literal("disabled")], {
        description:
          "The account's status. A disabled account signs in with nothing, and no password-reset link is mailed to it, until an admin enables it.",
      }),
    }),
    run: (actor, userId, client, body) =>
      useCases.unlinkUserProvider({ actor, client, userId, provider: body.provider }),
    answer: (outcome) => ({ ...outcome }),
    // UNSUPPORTED_PROVIDER: not a provider id (VALIDATION_ERROR, a body the schema refuses, is
    // declared on every route with a body).
    errors: ["UNSUPPORTED_PROVIDER"],
  });
  action({
    path: "verify-email",
    staffAction: "verify_email",
    data: Type.Object({ emailVerified: Type.Literal(true) }),
    run: (actor, userId, client) => useCases.verifyUserEmail({ actor, client, userId }),
    answer: { emailVerified: true },
    errors: [],
  });
  action({
    path: "resend-verification",
    staffAction: "resend_verification",
    data: Type.Object({ verificationSent: Type.Literal(true) }),
    run: (actor, userId, client) => useCases.resendUserVerification({ actor, client, userId }),
    answer: { verificationSent: true },
    // VALIDATION_ERROR: the address is verified already, or the account disabled; RATE_LIMIT_EXCEEDED:
    // the account's hourly allowance of such links is spent (both declared on every such route too).
    errors: ["VALIDATION_ERROR", "RATE_LIMIT_EXCEEDED"],
  });
  action({
    path: "send-password-reset",
    staffAction: "send_password_reset",
    data: Type.Object({ passwordResetSent: Type.Literal(true) }),
    run: (actor, userId, client) => useCases.sendUserPasswordReset({ actor, client, userId }),
    answer: { passwordResetSent: true },
    // VALIDATION_ERROR: the account is disabled; RATE_LIMIT_EXCEEDED: the account's hourly allowance
    // of reset links, shared with the person's own requests, is spent.
    errors: ["VALIDATION_ERROR", "RATE_LIMIT_EXCEEDED"],
  });
  action({
    path: "require-new-password",
    staffAction: "require_new_password",
    data: Type.Object({
      newPasswordRequired: Type.Literal(true),
      linkMailed: Type.Boolean({
        description:
          "True when this request mailed the link to choose a new password. False when an unused reset link under a minute old was on its way (an earlier click, or the person's own request), which works the same: nothing more was mailed.",
      }),
    }),
    run: (actor, userId, client) => useCases.requireNewPassword({ actor, client, userId }),
    answer: (outcome) => ({ newPasswordRequired: true, linkMailed: outcome.linkMailed }),
    // VALIDATION_ERROR: the account is disabled (its reset links are refused).
    errors: ["VALIDATION_ERROR"],
  });
  action({
    path: "revoke-sessions",
    staffAction: "revoke_sessions",
    data: Type.Object({
      sessionsRevoked: Type.Literal(true),
      alreadySignedOut: Type.Boolean({
        description:
          "True when the account had no live session left to end (another member of staff ended them, an earlier click, they expired, or it had none): nothing was recorded or mailed. False when this request ended at least one live session.",
      }),
    }),
    run: (actor, userId, client) => useCases.revokeUserSessions({ actor, client, userId }),
    answer: (outcome) => ({ sessionsRevoked: true, alreadySignedOut: outcome.sessionsEnded === 0 }),
    errors: [],
  });

  api.patch(
    "/admin/users/:id",
    {
      preValidation: authenticated,
      schema: {
        params: userIdParams,
        body: Type.Object({ role: boundedString(32) }),
        response: {
          200: successEnvelope(Type.Object({ role: adminUser.properties.role })),
          ...errorsOf(...staffActionErrors, "LAST_ADMIN", "EMAIL_NOT_VERIFIED"),
        },
      },
    },
    async (request, reply) => {
      const result = await useCases.changeUserRole({
        actor: authOf(request),
        client: clientOf(request),
        userId: request.params.id,
        role: request.body.role,
      });
      if (!result.ok) return sendFailure(reply, result);
      return reply.send({ success: true, data: { role: result.value.role } });
    },
  );

  api.delete(
    "/admin/users/:id",
    {
      preValidation: authenticated,
      schema: {
        params: userIdParams,
        response: {
          200: successEnvelope(Type.Object({ deleted: Type.Literal(true) })),
          ...errorsOf(...staffActionErrors, "LAST_ADMIN"),
        },
      },
    },
    async (request, reply) => {
      const result = await useCases.deleteUser({
        actor: authOf(request),
        client: clientOf(request),
        userId: request.params.id,
      });
      if (!result.ok) return sendFailure(reply, result);
      return reply.send({ success: true, data: { deleted: true } });
    },
  );

  // The maintenance notice of the public status page (GET /status), shared by every instance:
  // PUT sets it (`message`), DELETE clears it; both answer the notice in force.
  const noticeResponse = {
    200: successEnvelope(maintenanceNotice),
    ...errorsOf(...bodyErrors, ...bearerErrors, ...staffRefusals),
  };
  const answerNotice = async (
    request: FastifyRequest,
    reply: FastifyReply,
    message: string | null,
  ): Promise<FastifyReply> => {
    const result = await useCases.setMaintenanceNotice({
      actor: authOf(request),
      message,
      client: clientOf(request),
    });
    if (!result.ok) return sendFailure(reply, result);
    return reply.send({ success: true, data: presentNotice(result.value.notice) });
  };
  api.put(
    "/admin/maintenance-notice",
    {
      preValidation: authenticated,
      schema: {
        body: Type.Object({ message: boundedString(maxMaintenanceNoticeLength * 4) }),
        response: noticeResponse,
      },
    },
    async (request, reply) => {
      await answerNotice(request, reply, request.body.message);
    },
  );
  api.delete(
    "/admin/maintenance-notice",
    { preValidation: authenticated, schema: { response: noticeResponse } },
    async (request, reply) => {
      await answerNotice(request, reply, null);
    },
  );

  api.get(
    "/admin/audit",
    {
      preValidation: authenticated,
      schema: {
        querystring: Type.Object({ cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })) }),
        response: {
          200: successEnvelope(
            Type.Object({
              actions: Type.Array(auditEntry),
              nextCursor: Type.Union([Type.String(), Type.Null()]),
            }),
          ),
          ...errorsOf(...inputErrors, ...bearerErrors, ...staffRefusals),
        },
      },
    },
    async (request, reply) => {
      const result = await useCases.listAdminAudit({ actor: authOf(request), cursor: request.query.cursor });
      if (!result.ok) return sendFailure(reply, result);
      return reply.send({
        success: true,
        data: { actions: result.value.actions.map(presentAuditEntry), nextCursor: result.value.nextCursor },
      });
    },
  );
}
