import type { Session } from "@superoauth/domain";
import type { Dependencies } from "../../ports/index.ts";
import { requireFreshProof } from "./steps/fresh-proof.ts";

/**
 * Whether the session may make a sensitive change now: the guard's own answer (requireFreshProof),
 * for a page that says a proof was made only when one was.
 */
export function sessionHasFreshProof(
  deps: Pick<Dependencies, "clock" | "settings">,
  input: { session: Session },
): boolean {
  return requireFreshProof(deps, input).ok;
}
