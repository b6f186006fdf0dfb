import type * as client from "@superoauth/client";
import type { Static } from "typebox";
import { describe, expectTypeOf, it } from "vitest";
import type { publicUser, signedIn, tokenPair } from "../src/schemas.ts";
import type { mfaRequired, signInOutcome } from "../src/sign-in.ts";

// @superoauth/client writes the API's types by hand (ADR 0030); for the shapes every sign-in
// answers, the route schemas' static types and the client's must be the same. Checked by the
// compiler (`pnpm typecheck` covers this file): a field added to a schema without the client, or the
// other way round, fails it.

/** True when each type is assignable to the other (readonly aside, which TypeScript ignores here). */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

describe("the client SDK's types", () => {
  it("are the route schemas' static types for users, tokens and sign-in outcomes", () => {
    expectTypeOf<Same<Static<typeof publicUser>, client.User>>().toEqualTypeOf<true>();
    expectTypeOf<Same<Static<typeof tokenPair>, client.TokenPair>>().toEqualTypeOf<true>();
    expectTypeOf<Same<Static<typeof signedIn>, client.SignedIn>>().toEqualTypeOf<true>();
    expectTypeOf<Same<Static<typeof mfaRequired>, client.MFARequired>>().toEqualTypeOf<true>();
    expectTypeOf<Same<Static<typeof signInOutcome>, client.SignInOutcome>>().toEqualTypeOf<true>();
  });
});
