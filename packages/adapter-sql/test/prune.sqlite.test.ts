import { pruneContract } from "./prune-contract.ts";
import { useSQLiteTestDatabase } from "./sqlite-test-database.ts";

const database = useSQLiteTestDatabase();

pruneContract("sqlite", () => database.storage());
