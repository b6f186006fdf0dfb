import { parseEmail } from "@superoauth/domain";

/**
 * Whether what a person typed to confirm an irreversible step (deleting an account) is the
 * account's email address, read as every address is read (`parseEmail`): surrounding spaces, letter
 * case, Unicode normalisation (NFC or NFD) and the spelling of an internationalised domain
 * (`bücher.de` or `xn--bcher-kva.de`) do not matter, anything else does.
 */
export function typedEmailMatches(typed: string, email: string): boolean {
  const parsed = parseEmail(typed);
  return parsed.ok && parsed.value === email;
}
