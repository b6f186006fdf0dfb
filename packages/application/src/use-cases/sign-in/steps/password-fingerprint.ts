import type { User } from "@superoauth/domain";
import type { Dependencies } from "../../../ports/index.ts";

/**
 * A digest of the account's stored password hash (or of its having none), carried by the MFA token
 * from the first sign-in step to the second: if it differs then, the password was changed or reset
 * in between and the sign-in ends. The stored hash is argon2id's salted PHC string, so its digest
 * tells whoever reads the token nothing about the password.
 */
export function passwordFingerprint(deps: Pick<Dependencies, "secretHasher">, user: User): string {
  return deps.secretHasher.hashSecret(`password:${user.passwordHash ?? ""}`);
}
