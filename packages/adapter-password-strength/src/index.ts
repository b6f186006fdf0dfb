export { createZxcvbnPasswordStrengthChecker } from "./zxcvbn-password-strength.ts";
