import type { PasswordAssessment } from "@superoauth/application";
import { createZxcvbnPasswordScreen, type PasswordScreenInput } from "./zxcvbn-password-strength.ts";

// The module a screening worker thread loads (createPasswordScreeningPool): the dictionaries are
// built once, when the thread starts, and each task is one screen.

const screen = createZxcvbnPasswordScreen();

export default function screenPassword(input: PasswordScreenInput): PasswordAssessment {
  return screen(input);
}
