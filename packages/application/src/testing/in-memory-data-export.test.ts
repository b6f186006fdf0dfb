import { exportJobRepositoryContract } from "./export-job-repository.contract.ts";
import { InMemoryUserRepository } from "./in-memory.ts";
import { InMemoryExportJobRepository } from "./in-memory-data-export.ts";

exportJobRepositoryContract("in-memory", async () => ({
  jobs: new InMemoryExportJobRepository(),
  users: new InMemoryUserRepository(),
}));
