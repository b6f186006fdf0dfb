import type { PasswordAssessment, PasswordStrengthChecker } from "../ports/index.ts";

/** Undoes the commonest l33t substitutions, as an estimator would. */
const unl33t: Record<string, string> = {
  "@": "a",
  "4": "a",
  "0": "o",
  "3": "e",
  "1": "i",
  $: "s",
  "5": "s",
  "7": "t",
};

/**
 * A stand-in for zxcvbn, for use-case and HTTP tests: a password is guessable when, lower-cased
 * with l33t undone and trailing digits and symbols dropped, it is one of a few common passwords,
 * or when it contains one of the account's words. Reasons are worded as the real one's.
 */
export class InMemoryPasswordStrengthChecker implements PasswordStrengthChecker {
  static readonly commonPasswords: readonly string[] = [
    "password",
    "qwerty",
    "letmein",
    "welcome",
    "iloveyou",
  ];

  async assessPassword(input: {
    password: string;
    accountWords: readonly string[];
  }): Promise<PasswordAssessment> {
    const lowered = input.password.toLowerCase();
    const stem = [...lowered.replace(/[\d\W_]+$/, "")].map((c) => unl33t[c] ?? c).join("");
    if (InMemoryPasswordStrengthChecker.commonPasswords.includes(stem)) {
      return { guessable: true, reason: "This is similar to a commonly used password." };
    }
    if (input.accountWords.some((word) => lowered.includes(word))) {
      return { guessable: true, reason: "It is built from your email address or nickname." };
    }
    return { guessable: false };
  }
}
