import { InMemorySessionRepository, InMemoryUserRepository } from "./in-memory.ts";
import { InMemoryLinkedProviderRepository, InMemoryOAuthFlowRepository } from "./in-memory-oauth.ts";
import { InMemoryTwoFactorRepository } from "./in-memory-two-factor.ts";
import { linkedProviderRepositoryContract } from "./linked-provider-repository.contract.ts";
import { oauthFlowRepositoryContract } from "./oauth-flow-repository.contract.ts";

linkedProviderRepositoryContract("in-memory", async () => {
  const users = new InMemoryUserRepository();
  const sessions = new InMemorySessionRepository(users, new InMemoryTwoFactorRepository());
  return { links: new InMemoryLinkedProviderRepository(users, sessions), users, sessions };
});
oauthFlowRepositoryContract("in-memory", async () => ({
  flows: new InMemoryOAuthFlowRepository(),
  users: new InMemoryUserRepository(),
}));
