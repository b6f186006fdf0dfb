import { err, ok, parseNickname, type Result, type Session, type User } from "@superoauth/domain";
import type { Dependencies } from "../../ports/index.ts";
import { recordSecurityEvent } from "../security-log/steps/record-security-event.ts";
import type { ClientInfo } from "../sessions/steps/start-session.ts";

/**
 * Changes what the holder is called (`PATCH /user`). The nickname follows the registration rule
 * (parseNickname). No fresh proof: a name changes nothing about how the account signs in. A real
 * change is logged (`profile_updated`); giving the current name again changes and logs nothing.
 */
export async function updateProfile(
  deps: Pick<Dependencies, "users" | "clock" | "random" | "securityEvents">,
  input: { session: Session; nickname: string; client?: ClientInfo },
): Promise<Result<User, "VALIDATION_ERROR" | "USER_NOT_FOUND">> {
  const nickname = parseNickname(input.nickname);
  if (!nickname.ok) return nickname;
  const user = await deps.users.findUserById(input.session.userId);
  if (user === null) return err("USER_NOT_FOUND", "The account no longer exists");
  if (user.nickname === nickname.value) return ok(user);
  await deps.users.updateNickname({ userId: user.id, nickname: nickname.value, now: deps.clock.now() });
  await recordSecurityEvent(deps, {
    userId: user.id,
    type: "profile_updated",
    client: input.client,
    details: { field: "nickname" },
  });
  const updated = await deps.users.findUserById(user.id);
  if (updated === null) return err("USER_NOT_FOUND", "The account no longer exists");
  return ok(updated);
}
