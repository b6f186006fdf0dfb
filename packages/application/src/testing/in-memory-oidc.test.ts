import { describe, expect, it } from "vitest";
import { at } from "./fixtures.ts";
import { InMemoryOIDCModelStore } from "./in-memory-oidc.ts";
import { oidcModelStoreContract } from "./oidc-model-store.contract.ts";

oidcModelStoreContract("in-memory", async () => new InMemoryOIDCModelStore());

describe("InMemoryOIDCModelStore.prune", () => {
  it("deletes what expired before now and keeps the rest", async () => {
    const store = new InMemoryOIDCModelStore();
    await store.upsert({ model: "AccessToken", id: "old", payload: {}, expiresAt: at(-1) });
    await store.upsert({ model: "AccessToken", id: "now", payload: {}, expiresAt: at(0) });
    await store.upsert({ model: "Grant", id: "forever", payload: {}, expiresAt: null });
    expect(store.prune(at(0))).toBe(1);
    expect(store.prune(at(0))).toBe(0);
  });
});
