export { createPasswordScreeningPool, type PasswordScreeningPool } from "./screening-pool.ts";
export { createZxcvbnPasswordScreen } from "./zxcvbn-password-strength.ts";
