import { InMemorySigningKeyStore } from "./in-memory-signing-keys.ts";
import { signingKeyStoreContract } from "./signing-key-store.contract.ts";

signingKeyStoreContract("in-memory", async () => new InMemorySigningKeyStore());
