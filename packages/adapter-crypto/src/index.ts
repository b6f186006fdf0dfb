export type { HashingLimits } from "./limit-concurrency.ts";
export { limitHashingConcurrency } from "./limit-concurrency.ts";
export type { Argon2Options } from "./password-hasher.ts";
export { createArgon2PasswordHasher, defaultArgon2Options } from "./password-hasher.ts";
export { createSecureRandomSource, generateUUIDv7 } from "./random-source.ts";
export { createAESGCMSecretCipher, deriveEncryptionKey, parseEncryptionKey } from "./secret-cipher.ts";
export { createSHA256SecretHasher } from "./secret-hasher.ts";
export type { TOTPSettings } from "./totp-service.ts";
export { createOTPLibTOTPService, generateTOTPCode } from "./totp-service.ts";
