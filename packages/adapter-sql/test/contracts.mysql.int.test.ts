import { useTestDatabase } from "./mysql-test-database.ts";
import { storageContracts } from "./storage-contracts.ts";

const database = useTestDatabase();

storageContracts("mysql", () => database.storage());
