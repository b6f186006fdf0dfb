export type { Argon2Options } from "./password-hasher.ts";
export { createArgon2PasswordHasher, defaultArgon2Options } from "./password-hasher.ts";
export { createSecureRandomSource, generateUUIDv7 } from "./random-source.ts";
export { createSHA256SecretHasher } from "./secret-hasher.ts";
