import { useMySQLTestDatabase, useSQLiteTestDatabase } from "@superoauth/adapter-sql/testing";
import type { OIDCModelStore } from "@superoauth/application";
import { InMemoryOIDCModelStore, ManualClock } from "@superoauth/application/testing";
import type Provider from "oidc-provider";
import { describe, expect, it } from "vitest";
import { createBackchannelLogout, signedInAppsModel } from "../src/backchannel-logout.ts";

// Two apps signed in to within one session at the same instant (ADR 0073). Each sign-in reads what
// the session holds, then writes; both are held here until both have read. Until 2026-12-06 a
// session's apps were one record, read then written whole: the second write lost the first app,
// which its session's end then never told. Each app is now a record of its own.

/** A provider's clients as createBackchannelLogout uses them: found by id, each told by `backchannelLogout`. */
function fakeProvider() {
  const told: { clientId: string; sub: string; sid: string }[] = [];
  class Client {
    readonly backchannelLogoutUri = "https://app.example/logout";
    readonly clientId: string;
    constructor(clientId: string) {
      this.clientId = clientId;
    }
    static async find(clientId: string) {
      return new Client(clientId);
    }
    async backchannelLogout(this: Client, sub: string, sid: string) {
      told.push({ clientId: this.clientId, sub, sid });
    }
  }
  return { provider: { Client } as unknown as Provider, told };
}

/** The store, its writes of the apps' records held until `count` of them have been asked for. */
function meetingBeforeWriting(store: OIDCModelStore, count: number): OIDCModelStore {
  const waiting: (() => void)[] = [];
  const upsert: OIDCModelStore["upsert"] = async (input) => {
    if (input.model === signedInAppsModel && waiting.length < count) {
      await new Promise<void>((resolve) => {
        waiting.push(resolve);
        if (waiting.length === count) for (const release of waiting) release();
        setTimeout(resolve, 2000);
      });
    }
    return store.upsert(input);
  };
  // A proxy, not a spread: the in-memory store's methods are its class's.
  return new Proxy(store, {
    get: (target, name) => {
      if (name === "upsert") return upsert;
      const value: unknown = Reflect.get(target, name);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

for (const [backend, makeStore] of [
  ["memory", () => () => new InMemoryOIDCModelStore() as OIDCModelStore],
  ["SQLite", () => useSQLiteTestDatabase()],
  ["MySQL", () => useMySQLTestDatabase()],
] as const) {
  describe(`back-channel logout's record of a session, on ${backend}`, () => {
    const made = makeStore();
    const storeOf = (): OIDCModelStore => ("storage" in made ? made.storage().oidcModels : made());

    function logout(store: OIDCModelStore) {
      const { provider, told } = fakeProvider();
      const clock = new ManualClock(new Date());
      const backchannel = createBackchannelLogout({ provider, store, clock, recordSeconds: 3600 });
      /** The logout tokens sent, once the background deliveries have run. */
      const sent = async () => {
        await new Promise((resolve) => setTimeout(resolve, 10));
        return [...told].sort((a, b) => a.clientId.localeCompare(b.clientId));
      };
      return { backchannel, sent };
    }

    it("tells both apps when two sign-ins of one session write at the same instant", async () => {
      const store = storeOf();
      const { backchannel, sent } = logout(meetingBeforeWriting(store, 2));
      const sessionId = `s-${crypto.randomUUID()}`;
      await Promise.all([
        backchannel.signedIn({ sessionId, accountId: "u-1", clientId: "app-a", sid: "sid-a" }),
        backchannel.signedIn({ sessionId, accountId: "u-1", clientId: "app-b", sid: "sid-b" }),
      ]);
      await backchannel.sessionsEnded([sessionId]);
      expect(await sent()).toEqual([
        { clientId: "app-a", sub: "u-1", sid: "sid-a" },
        { clientId: "app-b", sub: "u-1", sid: "sid-b" },
      ]);
      expect(await store.findAllByUid({ model: signedInAppsModel, uid: sessionId, now: new Date() })).toEqual(
        [],
      );
    });

    it("tells an app signed in to beside its session's end, once, whichever of the two ends reported tells it", async () => {
      const store = storeOf();
      const { backchannel, sent } = logout(store);
      const sessionId = `s-${crypto.randomUUID()}`;
      await backchannel.signedIn({ sessionId, accountId: "u-1", clientId: "app-a", sid: "sid-a" });
      // The session ends while app-b's sign-in writes (their order left to the event loop and the
      // database); the sign-in then reads the session again, finds it ended and reports its end
      // itself (provider.ts), twice here. Before 2026-12-06 the end deleted app-b's entry untold.
      await Promise.all([
        backchannel.sessionsEnded([sessionId]),
        backchannel.signedIn({ sessionId, accountId: "u-1", clientId: "app-b", sid: "sid-b" }),
      ]);
      await Promise.all([backchannel.sessionsEnded([sessionId]), backchannel.sessionsEnded([sessionId])]);
      expect(await sent()).toEqual([
        { clientId: "app-a", sub: "u-1", sid: "sid-a" },
        { clientId: "app-b", sub: "u-1", sid: "sid-b" },
      ]);
    });

    it("resolves a report of a session's end when its apps cannot be read, so the sign-out that made it stands", async () => {
      const store = storeOf();
      const failing = new Proxy(store, {
        get: (target, name) => {
          if (name === "findAllByUid") return async () => Promise.reject(new Error("the store is down"));
          const value: unknown = Reflect.get(target, name);
          return typeof value === "function" ? value.bind(target) : value;
        },
      });
      const { provider, told } = fakeProvider();
      const clock = new ManualClock(new Date());
      const broken = createBackchannelLogout({ provider, store: failing, clock, recordSeconds: 3600 });
      const sessionId = `s-${crypto.randomUUID()}`;
      await broken.signedIn({ sessionId, accountId: "u-1", clientId: "app-a", sid: "sid-a" });
      await expect(broken.sessionsEnded([sessionId])).resolves.toBeUndefined();
      expect(told).toEqual([]);
    });

    it("tells the app signed out of alone, and the other when the session ends", async () => {
      const store = storeOf();
      const { backchannel, sent } = logout(store);
      const sessionId = `s-${crypto.randomUUID()}`;
      await backchannel.signedIn({ sessionId, accountId: "u-1", clientId: "app-a", sid: "sid-a" });
      await backchannel.signedIn({ sessionId, accountId: "u-1", clientId: "app-b", sid: "sid-b" });
      await backchannel.signedOutOf({ sessionId, clientId: "app-a" });
      expect(await sent()).toEqual([{ clientId: "app-a", sub: "u-1", sid: "sid-a" }]);
      await backchannel.sessionsEnded([sessionId]);
      expect(await sent()).toEqual([
        { clientId: "app-a", sub: "u-1", sid: "sid-a" },
        { clientId: "app-b", sub: "u-1", sid: "sid-b" },
      ]);
    });
  });
}
