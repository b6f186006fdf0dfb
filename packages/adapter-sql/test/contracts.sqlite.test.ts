import { useSQLiteTestDatabase } from "./sqlite-test-database.ts";
import { storageContracts } from "./storage-contracts.ts";

const database = useSQLiteTestDatabase();

storageContracts("sqlite", () => database.storage());
