// Only the pool: the zxcvbn dictionaries are loaded by its worker thread, not by the service's.
export { createPasswordScreeningPool, type PasswordScreeningPool } from "./screening-pool.ts";
