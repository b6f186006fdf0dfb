import type { ErrorCode, Result } from "@superoauth/domain";
import type { Dependencies, ObservedSignInMethod } from "../../../ports/index.ts";

/**
 * Reports how a sign-in attempt ended to the observer (metrics) and hands the result on
 * unchanged: a session, the second-factor step, or the error code.
 */
export function observeSignIn<R extends Result<object, ErrorCode>>(
  deps: Pick<Dependencies, "observer">,
  method: ObservedSignInMethod,
  result: R,
): R {
  deps.observer?.observe({
    type: "sign_in",
    method,
    result: !result.ok
      ? result.error
      : "mfaRequired" in result.value
        ? "second_factor_required"
        : "succeeded",
  });
  return result;
}
