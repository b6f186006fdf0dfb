// @ts-check
// Plain JavaScript, typed by JSDoc and checked by tsc (allowJs, checkJs): the password screen's
// thread loads this file and the worker's, and a thread that loads no TypeScript loads no type
// stripper of its own (about 9 MiB in the service, docs/decisions/0041-threads-run-plain-javascript.md).
import { ZxcvbnFactory } from "@zxcvbn-ts/core";
import { adjacencyGraphs, dictionary as commonDictionary } from "@zxcvbn-ts/language-common";
import { dictionary as englishDictionary, translations } from "@zxcvbn-ts/language-en";

/** @typedef {import("@superoauth/application").PasswordAssessment} PasswordAssessment */

/** @typedef {import("./screening-pool.ts").PasswordScreenInput} PasswordScreenInput */

/**
 * The lowest zxcvbn score accepted. Score 2 means an estimated 10^6 guesses or more (zxcvbn's
 * scale: 0 < 10^3, 1 < 10^6, 2 < 10^8, 3 < 10^10, 4 beyond). A random 8-character password
 * under the contract's rules is estimated at 10^8 guesses, score 2: accepted, as the contract's
 * minimum length stands. Dictionary words, common passwords and their l33t or padded variants
 * (`P@ssw0rd1!` is about 10^4) and passwords made of the account's own words fall below
 * (docs/decisions/0014-password-screening.md).
 */
export const minimumPasswordScore = 2;

/**
 * How many leading characters are analysed. zxcvbn runs synchronously and its time grows
 * steeply with length (on the project's 2-core machine, under load: tens of milliseconds for 24
 * random characters, most of a second for 128), so the whole password is not worth the event
 * loop. 24 characters is longer than any entry of its password lists, and a password whose
 * first 24 characters are hard to guess is hard to guess; one whose prefix is predictable is
 * refused even if more follows.
 */
export const analysedPasswordLength = 24;

/**
 * How many l33t substitution combinations zxcvbn tries (its default: 100). Their number grows
 * with every character that has a l33t reading (`4 @ 8 ( 6 # 1 ! | 0 $ 5 + 7 % 2`), and so does the
 * time: with the default, a 15-character random password took about a second of one core on the
 * loaded 2-core machine (docs/performance.md, issue 11). Measured on an idle core, per screen:
 * `Kx7#mQ2v-Lr9!pT` 106 ms at 100, 14 ms at 10, 5 ms at 3; `Correct-horse-battery-1!` 25, 26 and
 * 12 ms. Common l33t variants need one or two substitutions: of 30 of them (`L3tm31n!`,
 * `Footb@ll1!`, `Sh@d0w12!`, ...) the default refuses 21, and 10, 5 and 3 the same 19.
 */
const l33tMaxSubstitutions = 3;

/**
 * zxcvbn's English words, but for the warning on a password built from the account's own words,
 * which it words for a web page's own text ("There should not be any personal or page related
 * data."): a person signing up read that as nonsense (an end-user walk, 2026-12-06). The words it
 * is given here are the account's address and nickname (`accountWordsOf`), so it says so.
 */
const plainTranslations = {
  ...translations,
  warnings: {
    ...translations.warnings,
    userInputs: "It is built from your email address or nickname.",
  },
};

/**
 * The screen itself, synchronous: zxcvbn-ts with its common (passwords, keyboard layouts) and
 * English (words, names, Wikipedia) dictionaries, bundled in the packages: no network at run
 * time. The dictionaries are built into the estimator once, here (80-330 ms), not per request.
 * Each call takes 5-40 ms of one core: the service runs it in a worker thread
 * (`createPasswordScreeningPool`), never on the event loop.
 * @returns {(input: PasswordScreenInput) => PasswordAssessment}
 */
export function createZxcvbnPasswordScreen() {
  const zxcvbn = new ZxcvbnFactory({
    translations: plainTranslations,
    graphs: adjacencyGraphs,
    dictionary: { ...commonDictionary, ...englishDictionary },
    maxLength: analysedPasswordLength,
    l33tMaxSubstitutions,
  });
  return ({ password, accountWords }) => {
    const result = zxcvbn.check(password, [...accountWords]);
    if (result.score >= minimumPasswordScore) return { guessable: false };
    return { guessable: true, reason: explain(result.feedback) };
  };
}

/**
 * zxcvbn's warning (why) and first suggestion (what to do), in English.
 * @param {import("@zxcvbn-ts/core").FeedbackType} feedback
 * @returns {string}
 */
function explain(feedback) {
  const why = feedback.warning ?? "It follows a pattern that is guessed quickly.";
  const suggestion = feedback.suggestions[0];
  return suggestion === undefined ? why : `${why} ${suggestion}`;
}
