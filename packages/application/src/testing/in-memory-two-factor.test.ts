import { InMemoryUserRepository } from "./in-memory.ts";
import { InMemoryLockoutRepository, InMemoryTwoFactorRepository } from "./in-memory-two-factor.ts";
import { lockoutRepositoryContract } from "./lockout-repository.contract.ts";
import { twoFactorRepositoryContract } from "./two-factor-repository.contract.ts";

twoFactorRepositoryContract("in-memory", async () => ({
  twoFactor: new InMemoryTwoFactorRepository(),
  users: new InMemoryUserRepository(),
}));
lockoutRepositoryContract("in-memory", async () => ({
  lockout: new InMemoryLockoutRepository(),
  users: new InMemoryUserRepository(),
}));
