import { err } from "@superoauth/domain";

/**
 * The one answer to every problem with an OAuth state (missing, expired, used, foreign, or a
 * trip that cannot end as asked), so a probe cannot tell one from another (RFC 6749 section 10.12).
 */
export const invalidState = err(
  "INVALID_STATE",
  "OAuth state is missing, expired, already used or does not match",
);
