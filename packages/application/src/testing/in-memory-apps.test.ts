import { appRepositoryContract } from "./app-repository.contract.ts";
import { InMemoryUserRepository } from "./in-memory.ts";
import { InMemoryAppAuthorizationRepository, InMemoryAppRepository } from "./in-memory-apps.ts";

appRepositoryContract("in-memory", async () => {
  const apps = new InMemoryAppRepository();
  return {
    apps,
    authorizations: new InMemoryAppAuthorizationRepository(apps),
    users: new InMemoryUserRepository(),
  };
});
