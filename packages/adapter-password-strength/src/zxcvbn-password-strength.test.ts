import { accountWordsOf, checkPasswordPolicy } from "@superoauth/domain";
import { describe, expect, it } from "vitest";
import { analysedPasswordLength, createZxcvbnPasswordScreen } from "./zxcvbn-password-strength.js";

// Where the line is (docs/decisions/0014-password-screening.md): the predictable is refused,
// the merely short is not. Every password here meets the contract's composition rules, so the
// screen is the only thing that can refuse it.

const screen = createZxcvbnPasswordScreen();
const ada = accountWordsOf({ email: "ada@example.com", nickname: "ada_lovelace" });
const assess = (password: string, accountWords: readonly string[] = ada) =>
  screen({ password, accountWords });

describe("zxcvbn password screening", () => {
  it.each(["q7#Rv2!k", "Xk9$mP2q", "b4!Tz8@w", "Sup3r-secret!", "Correct-horse-battery-1!"])(
    "accepts %s: random or unpredictable, even at the contract's 8 characters",
    (password) => {
      expect(checkPasswordPolicy(password).ok).toBe(true);
      expect(assess(password)).toEqual({ guessable: false });
    },
  );

  it.each([
    "P@ssw0rd",
    "P@ssw0rd1!",
    "Passw0rd!",
    "Password1!",
    "Qwerty123!",
    "Welcome1!",
    "Iloveyou1!",
    "L3tm31n!",
    "Footb@ll1!",
    "Sh@d0w12!",
    "Ch@ng3m3!",
    "P@$$w0rd123",
  ])("refuses %s, a common password or a variant of one, saying so", (password) => {
    expect(checkPasswordPolicy(password).ok).toBe(true);
    expect(assess(password)).toEqual({
      guessable: true,
      reason: expect.stringMatching(/^This is similar to a commonly used password\./),
    });
  });

  it.each(["Ada_lovelace1!", "Ada@example1!", "Lovelace1!", "ada_Lovelace#9", "Example.com1!"])(
    "refuses %s, built from the account's address or nickname",
    (password) => {
      expect(checkPasswordPolicy(password).ok).toBe(true);
      expect(assess(password)).toMatchObject({ guessable: true, reason: expect.stringMatching(/\S/) });
    },
  );

  it("the account's words are what refuses them: another account may use the same password", () => {
    const zorblax = accountWordsOf({ email: "zorblax@quintvex.io", nickname: "zorblax_88" });
    const grace = accountWordsOf({ email: "grace@navy.mil", nickname: "grace_hopper" });
    expect(assess("Quintvex.io1!", zorblax)).toEqual({
      guessable: true,
      reason: expect.stringMatching(/^It is built from your email address or nickname\. \S/),
    });
    expect(assess("Quintvex.io1!", grace)).toEqual({ guessable: false });
  });

  it("says why in words the user can act on, for a refusal zxcvbn gives no warning for", () => {
    expect(assess("Monkey123!")).toEqual({
      guessable: true,
      reason: expect.stringMatching(/^It follows a pattern that is guessed quickly\. \S/),
    });
  });

  // Speed is the benchmark's to measure (docs/performance.md): this checks that the l33t cap
  // leaves the verdicts of such passwords as they were.
  it.each(["Kx7#mQ2v-Lr9!pT", "4@8(6#1!|0$5+7%2"])(
    "accepts %s, full of characters with a l33t reading, under the l33t cap",
    (password) => {
      expect(assess(password)).toEqual({ guessable: false });
    },
  );

  it("judges the first 24 characters only: a predictable start is refused whatever follows", () => {
    const predictableStart = "Abcdefghijklmnopqrstuvwx";
    expect(predictableStart).toHaveLength(analysedPasswordLength);
    expect(assess(`${predictableStart}-q7#Rv2!kXk9$mP2q`)).toMatchObject({ guessable: true });
    expect(assess(`q7#Rv2!kXk9$mP2qb4!Tz8@w${"password".repeat(13)}`)).toEqual({ guessable: false });
  });
});
