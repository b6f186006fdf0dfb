import type { User } from "@superoauth/domain";
import type { Dependencies } from "../../../ports/index.ts";
import { mailTokenIfAllowed } from "./mail-token.ts";

/** Mails a new account its verification link (called at registration). */
export async function sendVerificationMail(
  deps: Dependencies,
  input: { user: User; now: Date },
): Promise<void> {
  await mailTokenIfAllowed(deps, { user: input.user, purpose: "verify_email", now: input.now });
}
