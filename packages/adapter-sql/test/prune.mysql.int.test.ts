import { useMySQLTestDatabase } from "./mysql-test-database.ts";
import { pruneContract } from "./prune-contract.ts";

const database = useMySQLTestDatabase();

pruneContract("mysql", () => database.storage());
