import type { UserId } from "@superoauth/domain";
import { describe, expect, it } from "vitest";
import type { MaintenanceNotices } from "../ports/index.ts";
import { at } from "./fixtures.ts";

/**
 * The behaviour every MaintenanceNotices store must have. `makeStore` answers a store with no
 * notice; two stores over the same data (two instances) are not needed: there is one row.
 */
export function maintenanceNoticesContract(name: string, makeStore: () => Promise<MaintenanceNotices>): void {
  describe(`MaintenanceNotices contract (${name})`, () => {
    const admin = "0192f0c0-0000-7000-8000-00000000a0a0" as UserId;

    it("has no notice at first", async () => {
      const store = await makeStore();
      expect(await store.current()).toBeNull();
    });

    it("keeps a notice whole, replaces it with the next, and clears it", async () => {
      const store = await makeStore();
      const first = { message: "Upgrade on Sunday 02:00-02:15 UTC", setAt: at(1_000), setBy: admin };
      await store.replace(first);
      expect(await store.current()).toEqual(first);

      // The longest notice, in characters outside the Basic Multilingual Plane and quotes.
      const second = { message: `"Ünïcode" ${"😀".repeat(269)}`, setAt: at(2_000), setBy: admin };
      await store.replace(second);
      expect(await store.current()).toEqual(second);

      await store.replace(null);
      expect(await store.current()).toBeNull();
      await store.replace(null);
      expect(await store.current()).toBeNull();
    });

    it("two notices set at once: one of them stands, whole", async () => {
      const store = await makeStore();
      const notices = ["Upgrade at 02:00", "Database maintenance at 03:00"].map((message, i) => ({
        message,
        setAt: at(3_000 + i),
        setBy: admin,
      }));
      await Promise.all(notices.map((notice) => store.replace(notice)));
      expect(notices).toContainEqual(await store.current());
    });
  });
}
