/**
 * Whether what a person typed to confirm an irreversible step (deleting an account) is the
 * account's email address: surrounding spaces and letter case do not matter, anything else does.
 */
export function typedEmailMatches(typed: string, email: string): boolean {
  return typed.trim().toLowerCase() === email.toLowerCase();
}
