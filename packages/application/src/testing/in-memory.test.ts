import { passwordHasherContract, secretHasherContract } from "./hasher.contract.ts";
import {
  createInMemoryDependencies,
  InMemoryPasswordHasher,
  InMemorySecretHasher,
  InMemorySecurityEventLog,
  InMemorySessionRepository,
  InMemoryUserRepository,
} from "./in-memory.ts";
import { InMemoryTwoFactorRepository } from "./in-memory-two-factor.ts";
import { securityEventLogContract } from "./security-event-log.contract.ts";
import { sessionRepositoryContract } from "./session-repository.contract.ts";
import { transactionsContract } from "./transactions.contract.ts";
import { userRepositoryContract } from "./user-repository.contract.ts";

userRepositoryContract("in-memory", async () => new InMemoryUserRepository());
sessionRepositoryContract("in-memory", async () => {
  const users = new InMemoryUserRepository();
  const twoFactor = new InMemoryTwoFactorRepository();
  return { sessions: new InMemorySessionRepository(users, twoFactor), users, twoFactor };
});

passwordHasherContract(
  "in-memory",
  () => new InMemoryPasswordHasher(),
  async (password) => InMemoryPasswordHasher.hashAsTyped(password),
);
secretHasherContract("in-memory", () => new InMemorySecretHasher());
securityEventLogContract("in-memory", async () => {
  const users = new InMemoryUserRepository();
  return { events: new InMemorySecurityEventLog(users), users };
});
transactionsContract(
  "in-memory",
  async () => {
    const deps = createInMemoryDependencies();
    return { transactions: deps.transactions, repositories: deps };
  },
  { rollsBack: false },
);
