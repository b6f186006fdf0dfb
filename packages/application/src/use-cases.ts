import type { Dependencies } from "./ports.ts";
import { authenticateAccessToken } from "./use-cases/authenticate-access-token.ts";
import { logInWithPassword } from "./use-cases/log-in-with-password.ts";
import { logOut, logOutEverywhere } from "./use-cases/log-out.ts";
import { refreshSession } from "./use-cases/refresh-session.ts";
import { registerWithPassword } from "./use-cases/register-with-password.ts";
import { setPassword } from "./use-cases/set-password.ts";

type Bound<F> = F extends (deps: Dependencies, input: infer I) => infer O ? (input: I) => O : never;

/** The use cases bound to their dependencies: what the HTTP adapter calls. */
export interface UseCases {
  readonly registerWithPassword: Bound<typeof registerWithPassword>;
  readonly logInWithPassword: Bound<typeof logInWithPassword>;
  readonly authenticateAccessToken: Bound<typeof authenticateAccessToken>;
  readonly refreshSession: Bound<typeof refreshSession>;
  readonly logOut: Bound<typeof logOut>;
  readonly logOutEverywhere: Bound<typeof logOutEverywhere>;
  readonly setPassword: Bound<typeof setPassword>;
}

/** Binds every use case to its dependencies once, at start-up. */
export function createUseCases(deps: Dependencies): UseCases {
  return {
    registerWithPassword: (input) => registerWithPassword(deps, input),
    logInWithPassword: (input) => logInWithPassword(deps, input),
    authenticateAccessToken: (input) => authenticateAccessToken(deps, input),
    refreshSession: (input) => refreshSession(deps, input),
    logOut: (input) => logOut(deps, input),
    logOutEverywhere: (input) => logOutEverywhere(deps, input),
    setPassword: (input) => setPassword(deps, input),
  };
}
