import { accountAdministrationContract } from "./account-administration.contract.ts";
import { createInMemoryDependencies } from "./in-memory.ts";

accountAdministrationContract("in-memory", async () => {
  const deps = createInMemoryDependencies();
  return { ...deps, administration: deps.accountAdministration };
});
