import { InMemoryOIDCModelStore, ManualClock } from "@superoauth/application/testing";
import { errors } from "oidc-provider";
import { describe, expect, it } from "vitest";
import { createOIDCAdapter } from "../src/oidc-adapter.ts";

function adapterFor(model: string) {
  const clock = new ManualClock(new Date("2026-06-01T00:00:00.000Z"));
  const store = new InMemoryOIDCModelStore();
  const Adapter = createOIDCAdapter({ store, clock });
  return { adapter: new Adapter(model), clock, store };
}

describe("createOIDCAdapter", () => {
  it("keeps a record for expiresIn seconds of the clock", async () => {
    const { adapter, clock } = adapterFor("AccessToken");
    await adapter.upsert("at-1", { jti: "at-1", kind: "AccessToken" }, 300);
    clock.advance(299_999);
    expect(await adapter.find("at-1")).toEqual({ jti: "at-1", kind: "AccessToken" });
    clock.advance(1);
    expect(await adapter.find("at-1")).toBeUndefined();
  });

  it("keeps a record without expiresIn until it is destroyed", async () => {
    const { adapter, clock } = adapterFor("Grant");
    await adapter.upsert("g-1", { jti: "g-1" });
    clock.advance(10 * 365 * 24 * 3600_000);
    expect(await adapter.find("g-1")).toEqual({ jti: "g-1" });
    await adapter.destroy("g-1");
    expect(await adapter.find("g-1")).toBeUndefined();
  });

  it("claims a proof's id with the replay check's read: unseen once, seen after, until its save expires", async () => {
    const { adapter, clock } = adapterFor("ReplayDetection");
    expect(await adapter.find("proof-1")).toBeUndefined();
    expect(await adapter.find("proof-1")).toEqual({ jti: "proof-1", kind: "ReplayDetection" });
    // The library saves what it found unseen, with the proof's own lifetime.
    await adapter.upsert("proof-1", { jti: "proof-1", kind: "ReplayDetection", iss: "app" }, 60 * 60);
    clock.advance(59 * 60_000);
    expect(await adapter.find("proof-1")).toEqual({ jti: "proof-1", kind: "ReplayDetection" });
    clock.advance(60_000);
    expect(await adapter.find("proof-1")).toBeUndefined();
  });

  it("holds a claim ten minutes when the library's save never comes", async () => {
    const { adapter, clock } = adapterFor("ReplayDetection");
    expect(await adapter.find("proof-2")).toBeUndefined();
    clock.advance(10 * 60_000 - 1);
    expect(await adapter.find("proof-2")).toBeDefined();
    clock.advance(1);
    expect(await adapter.find("proof-2")).toBeUndefined();
  });

  it("consumes once, shows consumed in epoch seconds, and answers InvalidGrant after", async () => {
    const { adapter } = adapterFor("RefreshToken");
    await adapter.upsert("rt-1", { jti: "rt-1", grantId: "g" }, 60);
    await adapter.consume("rt-1");
    expect(await adapter.find("rt-1")).toEqual({ jti: "rt-1", grantId: "g", consumed: 1_780_272_000 });
    await expect(adapter.consume("rt-1")).rejects.toBeInstanceOf(errors.InvalidGrant);
    await expect(adapter.consume("unknown")).rejects.toBeInstanceOf(errors.InvalidGrant);
  });

  it("finds sessions by uid and device codes by user code, and revokes by grant", async () => {
    const session = adapterFor("Session");
    await session.adapter.upsert("s-1", { jti: "s-1", uid: "uid-1" }, 60);
    expect(await session.adapter.findByUid("uid-1")).toEqual({ jti: "s-1", uid: "uid-1" });

    const device = adapterFor("DeviceCode");
    await device.adapter.upsert("dc-1", { jti: "dc-1", userCode: "ABCD-EFGH", grantId: "g" }, 600);
    expect(await device.adapter.findByUserCode("ABCD-EFGH")).toMatchObject({ userCode: "ABCD-EFGH" });
    await device.adapter.revokeByGrantId("g");
    expect(await device.adapter.find("dc-1")).toBeUndefined();
  });
});
