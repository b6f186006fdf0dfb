// @ts-check
// The module a screening worker thread loads (createPasswordScreeningPool): the dictionaries are
// built once, when the thread starts, and each task is one screen. Plain JavaScript, as the module
// it imports, so the thread loads no type stripper (docs/decisions/0041-threads-run-plain-javascript.md).
import { createZxcvbnPasswordScreen } from "./zxcvbn-password-strength.js";

const screen = createZxcvbnPasswordScreen();

/**
 * @param {import("./screening-pool.ts").PasswordScreenInput} input
 * @returns {import("@superoauth/application").PasswordAssessment}
 */
export default function screenPassword(input) {
  return screen(input);
}
