/// <reference path="./oidc-provider-internals.d.ts" />
import Provider, { type Adapter, type AdapterPayload } from "oidc-provider";
import { AlreadyUsedError } from "oidc-provider/lib/helpers/re_render_errors.js";

/** The requests that claimed a device code's answer (one code per request). */
const answeredBy = new WeakSet<object>();

/** Between the store's row reference and the user code in a device code's handed-out `jti`. */
const separator = "#";

/** The library's routes that look a device code up by what its own interaction stored. */
const routesResumingADeviceCode = new Set(["device_resume", "code_verification"]);

/**
 * The DeviceCode model over the stored-row references of ADR 0017. The library finds a device
 * code by its user code, then keeps the `jti` it got in the interaction and finds the code by it
 * when the browser comes back (lib/actions/authorization/device.js). Our store gives such a find
 * only a reference to the row (`stored:<hash>`), which its `find` deliberately never resolves, so
 * the reference handed out here also names the user code, and a find by it reads the row by user
 * code and checks it is the same row. That second way in is open only on the device pages' own
 * routes: at the token, introspection and revocation endpoints a client presents the device code
 * itself, and a reference (or a user code it contains) is worth nothing there.
 */
export function deviceCodeAdapterOf(stored: Adapter, claimAnswer: AnswerClaim): Adapter {
  return {
    async findByUserCode(userCode) {
      const payload = await stored.findByUserCode(userCode);
      if (payload?.jti === undefined) return payload;
      return { ...payload, jti: `${payload.jti}${separator}${userCode}` };
    },
    async find(id) {
      const reference = referenceOf(id);
      if (reference === null) return stored.find(id);
      if (!routesResumingADeviceCode.has(Provider.ctx?.oidc?.route ?? "")) return undefined;
      const payload = await stored.findByUserCode(reference.userCode);
      if (payload === undefined || payload.jti !== reference.row) return undefined;
      return { ...payload, jti: id } satisfies AdapterPayload;
    },
    async upsert(id, payload, expiresIn) {
      const ctx = Provider.ctx;
      if (ctx?.oidc?.route === "code_verification" && isAnswer(payload) && !answeredBy.has(ctx)) {
        const answered = await claimAnswer({ row: rowOf(id), expiresInSeconds: expiresIn });
        if (!answered)
          throw new AnsweredElsewhereError(
            typeof payload.userCode === "string" ? payload.userCode : undefined,
          );
        // Its later saves of the same answer (the approval when no sign-in or consent is needed,
        // or the library's error after a failure) are this request's own.
        answeredBy.add(ctx);
      }
      await stored.upsert(rowOf(id), payload, expiresIn);
    },
    consume: (id) => stored.consume(rowOf(id)),
    destroy: (id) => stored.destroy(rowOf(id)),
    findByUid: (uid) => stored.findByUid(uid),
    revokeByGrantId: (grantId) => stored.revokeByGrantId(grantId),
  };
}

function referenceOf(id: string): { row: string; userCode: string } | null {
  const at = id.indexOf(separator);
  return at === -1 ? null : { row: id.slice(0, at), userCode: id.slice(at + 1) };
}

/** The store's own reference for a handed-out one; any other id as it is. */
function rowOf(id: string): string {
  return referenceOf(id)?.row ?? id;
}

/**
 * Claims the right to answer a device code (the store's `claim`, under a model of its own): true
 * for the one caller that gets it, false for every other, until the code expires.
 */
export type AnswerClaim = (input: { row: string; expiresInSeconds: number | undefined }) => Promise<boolean>;

/**
 * The person's answer on the device page: Allow (`inFlight`, the sign-in and consent to follow)
 * or Deny (`error`). The library checks the code is unanswered, then saves the answer: two
 * answers at once (two tabs, a double submit, Allow racing Deny) both passed the check, both went
 * on, and the last save decided what the device got, while both pages could say "approved". So
 * the save of an answer first claims it, and the answer that loses the claim is refused.
 */
function isAnswer(payload: AdapterPayload): boolean {
  return payload.inFlight === true || typeof payload.error === "string";
}

/** The device page's answer to the tab that lost: the code was answered a moment ago, elsewhere. */
export class AnsweredElsewhereError extends AlreadyUsedError {}
