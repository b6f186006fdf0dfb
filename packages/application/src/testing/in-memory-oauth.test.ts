import { InMemoryUserRepository } from "./in-memory.ts";
import { InMemoryLinkedProviderRepository, InMemoryOAuthFlowRepository } from "./in-memory-oauth.ts";
import { linkedProviderRepositoryContract } from "./linked-provider-repository.contract.ts";
import { oauthFlowRepositoryContract } from "./oauth-flow-repository.contract.ts";

linkedProviderRepositoryContract("in-memory", async () => {
  const users = new InMemoryUserRepository();
  return { links: new InMemoryLinkedProviderRepository(users), users };
});
oauthFlowRepositoryContract("in-memory", async () => ({
  flows: new InMemoryOAuthFlowRepository(),
  users: new InMemoryUserRepository(),
}));
