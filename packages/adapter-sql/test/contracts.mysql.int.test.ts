import { useMySQLTestDatabase } from "./mysql-test-database.ts";
import { storageContracts } from "./storage-contracts.ts";

const database = useMySQLTestDatabase();

storageContracts("mysql", () => database.storage());
