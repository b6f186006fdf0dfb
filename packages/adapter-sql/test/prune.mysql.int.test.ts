import { useTestDatabase } from "./mysql-test-database.ts";
import { pruneContract } from "./prune-contract.ts";

const database = useTestDatabase();

pruneContract("mysql", () => database.storage());
