import type { SessionId } from "@superoauth/domain";
import { describe, expect, it } from "vitest";
import type { Dependencies, SessionRepository } from "./ports/index.ts";
import { tellingSessionEndings, tellingSessionEndingsOfTransactions } from "./session-endings.ts";
import { createInMemoryDependencies } from "./testing/in-memory.ts";
import { registerAccount, strongPassword, unwrap, unwrapSignedIn } from "./testing/use-case-helpers.ts";
import { authenticateAccessToken } from "./use-cases/sessions/authenticate-access-token.ts";
import { logOut } from "./use-cases/sessions/log-out.ts";
import { logOutEverywhere } from "./use-cases/sessions/log-out-everywhere.ts";
import { logInWithPassword } from "./use-cases/sign-in/log-in-with-password.ts";

/** In-memory dependencies whose session repository tells `told` of each session it ends. */
function telling(): { deps: Dependencies; told: SessionId[][] } {
  const told: SessionId[][] = [];
  const base = createInMemoryDependencies();
  const deps = {
    ...base,
    sessions: tellingSessionEndings(base.sessions, { ended: async (ids) => void told.push([...ids]) }),
  };
  return { deps, told };
}

async function signInAgain(deps: Dependencies): Promise<SessionId> {
  const signedIn = unwrapSignedIn(
    await logInWithPassword(deps, {
      email: "ada@example.com",
      password: strongPassword,
      client: { ip: "127.0.0.1" },
    }),
  );
  return unwrap(await authenticateAccessToken(deps, { token: signedIn.accessToken })).session.id;
}

describe("tellingSessionEndings", () => {
  it("tells a sign-out's session once, however many times it is signed out", async () => {
    const { deps, told } = telling();
    const { user, sessionId } = await registerAccount(deps);

    await logOut(deps, { userId: user.id, sessionId });
    await logOut(deps, { userId: user.id, sessionId });

    expect(told).toEqual([[sessionId]]);
  });

  it("tells every other session when all others end, and not the one kept", async () => {
    const { deps, told } = telling();
    const { user, sessionId } = await registerAccount(deps);
    const second = await signInAgain(deps);
    const third = await signInAgain(deps);

    await logOutEverywhere(deps, { userId: user.id, keepSessionId: sessionId });

    expect(told.map((ids) => [...ids].sort())).toEqual([[second, third].sort()]);
    await logOutEverywhere(deps, { userId: user.id });
    expect(told.at(-1)).toEqual([sessionId]);
  });
});

describe("tellingSessionEndingsOfTransactions", () => {
  it("tells once the transaction commits, what its last attempt ended, once; nothing when it fails", async () => {
    const base = createInMemoryDependencies();
    const { sessionId } = await registerAccount(base);
    const told: SessionId[][] = [];
    // An attempt given up to a deadlock (its writes rolled back: a repository that keeps none),
    // then the work run again from the start on the real one.
    const rolledBack = { revokeSession: async () => true } as unknown as SessionRepository;
    const transactions = tellingSessionEndingsOfTransactions(
      {
        async run(work) {
          await work({ sessions: rolledBack });
          expect(told).toEqual([]);
          return work({ sessions: base.sessions });
        },
      },
      { ended: async (ids) => void told.push([...ids]) },
    );

    await transactions.run(async (repositories) => {
      await repositories.sessions?.revokeSession({ sessionId, now: base.clock.now() });
    });

    expect(told).toEqual([[sessionId]]);
    await expect(
      transactions.run(async (repositories) => {
        await repositories.sessions?.revokeSession({
          sessionId: "other" as SessionId,
          now: base.clock.now(),
        });
        throw new Error("rolled back");
      }),
    ).rejects.toThrow("rolled back");
    expect(told).toEqual([[sessionId]]);
  });
});
