export { at, makeRefreshToken, makeSession, makeUser, t0, testId } from "./fixtures.ts";
export { passwordHasherContract, secretHasherContract } from "./hasher.contract.ts";
export {
  createInMemoryDependencies,
  InMemoryAccessTokenIssuer,
  InMemoryPasswordHasher,
  InMemorySecretHasher,
  InMemorySecurityEventLog,
  InMemorySessionRepository,
  InMemoryUserRepository,
  ManualClock,
  SequentialRandomSource,
} from "./in-memory.ts";
export { securityEventLogContract } from "./security-event-log.contract.ts";
export { sessionRepositoryContract } from "./session-repository.contract.ts";
export { userRepositoryContract } from "./user-repository.contract.ts";
