/**
 * Whether what a person typed to confirm an irreversible step (deleting an account) is the
 * account's email address: surrounding spaces, letter case and Unicode normalisation (NFC or NFD) do
 * not matter, anything else does.
 */
export function typedEmailMatches(typed: string, email: string): boolean {
  // The same letters typed precomposed (NFC `é`) or decomposed (NFD `e` + accent) are the same text.
  return typed.trim().normalize("NFC").toLowerCase() === email.normalize("NFC").toLowerCase();
}
