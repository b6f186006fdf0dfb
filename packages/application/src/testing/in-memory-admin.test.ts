import { accountAdministrationContract } from "./account-administration.contract.ts";
import { createInMemoryDependencies } from "./in-memory.ts";
import { maintenanceNoticesContract } from "./maintenance-notices.contract.ts";

accountAdministrationContract("in-memory", async () => {
  const deps = createInMemoryDependencies();
  return { ...deps, administration: deps.accountAdministration };
});

maintenanceNoticesContract("in-memory", async () => createInMemoryDependencies().maintenanceNotices);
