import { createUser, err, ok, parseEmail, parseNickname, type Result, type UserId } from "@superoauth/domain";
import type { Dependencies } from "../../ports/index.ts";
import { checkNewPassword } from "../account/steps/check-new-password.ts";
import { sendVerificationMail } from "../email-verification/steps/send-verification-mail.ts";
import { type ClientInfo, type SignedIn, startSession } from "../sessions/steps/start-session.ts";
import { recordSuccessfulSignIn } from "./steps/sign-in-lockout.ts";

/** Creates an account with an email and password and signs it in. */
export async function registerWithPassword(
  deps: Dependencies,
  input: { email: string; password: string; nickname: string; client: ClientInfo },
): Promise<Result<SignedIn, "VALIDATION_ERROR" | "USER_EXISTS">> {
  const email = parseEmail(input.email);
  if (!email.ok) return email;
  const nickname = parseNickname(input.nickname);
  if (!nickname.ok) return nickname;
  const screened = await checkNewPassword(deps, {
    password: input.password,
    account: { email: email.value, nickname: nickname.value },
  });
  if (!screened.ok) return screened;

  const now = deps.clock.now();
  const user = createUser({
    id: deps.random.generateId() as UserId,
    email: email.value,
    nickname: nickname.value,
    passwordHash: await deps.passwordHasher.hashPassword(input.password),
    now,
  });
  // The unique index decides; no read before the write (two racing requests cannot both pass a read).
  const inserted = await deps.users.insertUser(user);
  if (!inserted.ok) return err("USER_EXISTS", "An account with this email already exists");
  await sendVerificationMail(deps, { user, now });
  const signedIn = await startSession(deps, {
    user,
    client: input.client,
    now,
    authenticationMethods: ["pwd"],
  });
  // Signing up is the account's first sign-in: its device and network become known, so signing in
  // again from them is not reported as new (ADR 0016).
  await recordSuccessfulSignIn(deps, { userId: user.id, account: user.email, client: input.client });
  return ok(signedIn);
}
