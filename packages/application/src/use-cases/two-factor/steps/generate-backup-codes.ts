import {
  type BackupCode,
  backupCodeCount,
  backupCodeFromRandom,
  parseBackupCode,
  type UserId,
} from "@superoauth/domain";
import type { Dependencies } from "../../../ports/index.ts";

/**
 * A new set of backup codes: the codes to show once, and what to store (the
 * lookup id in clear, an argon2id hash of the code).
 */
export async function generateBackupCodes(
  deps: Pick<Dependencies, "passwordHasher" | "random">,
  input: { userId: UserId },
): Promise<{ codes: string[]; stored: BackupCode[] }> {
  // Distinct lookup ids, so a typed code has one candidate (10 of 1,024: a few draws again at most).
  const byLookupId = new Map<string, string>();
  for (let draws = 0; byLookupId.size < backupCodeCount; draws++) {
    if (draws === 1000) throw new Error("generateBackupCodes: the random source keeps repeating itself");
    const code = backupCodeFromRandom(deps.random.generateSecret());
    const parsed = parseBackupCode(code);
    if (parsed?.lookupId == null) throw new Error("backupCodeFromRandom made a code without a lookup id");
    if (!byLookupId.has(parsed.lookupId)) byLookupId.set(parsed.lookupId, code);
  }
  const stored = await Promise.all(
    [...byLookupId].map(
      async ([lookupId, code]): Promise<BackupCode> => ({
        id: deps.random.generateId(),
        userId: input.userId,
        lookupId,
        codeHash: await deps.passwordHasher.hashPassword(code),
        usedAt: null,
      }),
    ),
  );
  return { codes: [...byLookupId.values()], stored };
}
