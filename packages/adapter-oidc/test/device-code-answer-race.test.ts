import { useMySQLTestDatabase, useSQLiteTestDatabase } from "@superoauth/adapter-sql/testing";
import type { OIDCModelStore } from "@superoauth/application";
import * as oidc from "openid-client";
import { describe, expect, it, onTestFinished } from "vitest";
import {
  answerDeviceCode,
  approveDeviceCode,
  confidentialApp,
  discover,
  openDeviceCode,
  pollDeviceToken,
  publicApp,
  signInAfterDeviceAnswer,
} from "./authorization-driver.ts";
import { BrowserAgent, locationOf } from "./browser-agent.ts";
import { useOIDCTestServer } from "./oidc-test-server.ts";

// One device code answered twice at the same moment: two tabs, a double submit, or Allow in one
// window and Deny in another. The library checks the code is unanswered, then saves the answer;
// both answers are held here until both have read the code, so both pass the check. Before
// 2026-12-05 both went on, the last save decided what the device got, and two Allows both showed
// "approved". Now the first answer's save claims the code: the other is shown the code page,
// saying it was answered a moment ago, and the device gets what the page that won said.

const answeredElsewhere = "That code was answered a moment ago, in another window or tab. Check your device.";

for (const [backend, useDatabase] of [
  ["SQLite", useSQLiteTestDatabase],
  ["MySQL", useMySQLTestDatabase],
] as const) {
  describe(`a device code answered twice at once, on ${backend}`, () => {
    const database = useDatabase();
    /** When set, reads of a device code by its user code wait until this many have been made. */
    let holdReads: { count: number; waiting: (() => void)[] } | null = null;

    const server = useOIDCTestServer(() => {
      const store: OIDCModelStore = database.storage().oidcModels;
      return {
        ...store,
        findByUserCode: async (input) => {
          const found = await store.findByUserCode(input);
          const hold = holdReads;
          if (hold !== null) {
            await new Promise<void>((resolve) => {
              hold.waiting.push(resolve);
              if (hold.waiting.length === hold.count) {
                holdReads = null;
                for (const release of hold.waiting) release();
              }
            });
          }
          return found;
        },
      };
    });

    /** A device code, and two browsers each at its confirmation page. */
    async function twoTabsAtTheConfirmation() {
      const { issuer } = server();
      const config = await discover(issuer, publicApp);
      const started = await oidc.initiateDeviceAuthorization(config, { scope: "openid profile" });
      const tabs = [new BrowserAgent(issuer), new BrowserAgent(issuer)];
      const pages = await Promise.all(tabs.map((agent) => openDeviceCode({ agent, started })));
      return { issuer, started, tabs, pages };
    }

    it.each([
      ["allow", "allow"],
      ["allow", "deny"],
      ["deny", "deny"],
    ] as const)(
      "%s and %s at once: one answer is taken, the other shown the code page, and the device gets the one taken",
      async (first, second) => {
        const { issuer, started, tabs, pages } = await twoTabsAtTheConfirmation();
        const answers = [first, second] as const;
        holdReads = { count: 2, waiting: [] };
        const answered = await Promise.all(
          tabs.map((agent, i) =>
            answerDeviceCode({
              agent,
              started,
              confirmHTML: pages[i]?.confirmHTML ?? "",
              answer: answers[i] ?? "allow",
            }),
          ),
        );
        expect(holdReads).toBeNull();

        // Exactly one was refused: 409 with the code page and its message, no redirect.
        const bodies = await Promise.all(
          answered.map(async (response) =>
            locationOf(response) === null ? await response.clone().text() : null,
          ),
        );
        const refused = bodies.map((body) => body?.includes(answeredElsewhere) === true);
        expect(refused.filter(Boolean)).toHaveLength(1);
        const winner = refused.indexOf(false);
        const loserResponse = answered[refused.indexOf(true)];
        expect(loserResponse?.status).toBe(409);
        expect(bodies[refused.indexOf(true)]).toContain('id="op.deviceInputForm"');

        // The winner's page says what the device gets.
        const winnerAnswer = answers[winner];
        const winnerAgent = tabs[winner];
        const winnerResponse = answered[winner];
        if (winnerAgent === undefined || winnerResponse === undefined) throw new Error("no winner");
        const done = await (
          await signInAfterDeviceAnswer({ agent: winnerAgent, issuer, answered: winnerResponse })
        ).text();
        const poll = await pollDeviceToken({
          issuer,
          deviceCode: started.device_code,
          clientId: publicApp.clientId,
        });
        if (winnerAnswer === "allow") {
          expect(done).toContain('id="device-done">approved<');
          expect(poll.status).toBe(200);
        } else {
          expect(done).toContain('id="device-done">declined<');
          expect(poll.status).toBe(400);
          expect(await poll.json()).toMatchObject({ error: "access_denied" });
        }
      },
    );

    it("one Allow with nothing more to ask (signed in, consent remembered): approved, and the device gets its tokens", async () => {
      // The library saves the answer, then, with no page to show, the approval in the same
      // request: that save is this answer's own, not a second one (it was refused, and the device
      // polled authorization_pending until its code expired; a review found it).
      const { issuer } = server();
      const config = await discover(issuer, confidentialApp);
      const agent = new BrowserAgent(issuer);
      for (const round of ["signs in and consents", "nothing more to ask"]) {
        const started = await oidc.initiateDeviceAuthorization(config, { scope: "openid profile" });
        const { doneHTML } = await approveDeviceCode({ agent, issuer, started });
        expect(doneHTML, round).toContain('id="device-done">approved<');
        const poll = await pollDeviceToken({
          issuer,
          deviceCode: started.device_code,
          clientId: confidentialApp.clientId,
          secret: confidentialApp.secret,
        });
        expect(poll.status, round).toBe(200);
      }
    });

    it("an Allow failing after its answer was claimed (the app deleted meanwhile): the error page, and the code keeps the error", async () => {
      const { issuer, clients } = server();
      const config = await discover(issuer, confidentialApp);
      const started = await oidc.initiateDeviceAuthorization(config, { scope: "openid profile" });
      const agent = new BrowserAgent(issuer);
      const { confirmHTML } = await openDeviceCode({ agent, started });
      const app = clients.get(confidentialApp.clientId);
      if (app === undefined) throw new Error("no app");
      clients.delete(confidentialApp.clientId);
      onTestFinished(() => void clients.set(confidentialApp.clientId, app));
      const answered = await answerDeviceCode({ agent, started, confirmHTML, answer: "allow" });
      expect(answered.status).toBe(400);
      expect(await answered.text()).toContain("Something went wrong. Start again on your device.");
      const stored = await database.storage().oidcModels.findByUserCode({
        model: "DeviceCode",
        userCode: started.user_code.replace("-", ""),
        now: new Date(),
      });
      expect(stored?.payload).toMatchObject({ error: "invalid_client" });
    });

    it("an answer after another was saved is refused as before: the code has already been used", async () => {
      const { issuer, started, tabs, pages } = await twoTabsAtTheConfirmation();
      const [one, two] = tabs;
      if (one === undefined || two === undefined) throw new Error("two tabs");
      const first = await answerDeviceCode({
        agent: one,
        started,
        confirmHTML: pages[0]?.confirmHTML ?? "",
        answer: "deny",
      });
      expect(await (await signInAfterDeviceAnswer({ agent: one, issuer, answered: first })).text()).toContain(
        'id="device-done">declined<',
      );
      const second = await answerDeviceCode({
        agent: two,
        started,
        confirmHTML: pages[1]?.confirmHTML ?? "",
        answer: "allow",
      });
      expect(await second.text()).toContain("That code has already been used. Start again on your device.");
    });
  });
}
