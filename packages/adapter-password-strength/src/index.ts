export { createZxcvbnPasswordStrengthChecker, minimumPasswordScore } from "./zxcvbn-password-strength.ts";
