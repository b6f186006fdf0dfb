export type {
  AccessTokenClaims,
  AccessTokenIssuer,
  Clock,
  Dependencies,
  PasswordHasher,
  RandomSource,
  SecretHasher,
  SecurityEventLog,
  SessionRepository,
  StoredRefreshToken,
  UserRepository,
} from "./ports.ts";
export type { Authenticated } from "./use-cases/authenticate-access-token.ts";
export type { ClientInfo, SignedIn, TokenPair } from "./use-cases/start-session.ts";
export type { UseCases } from "./use-cases.ts";
export { createUseCases } from "./use-cases.ts";
