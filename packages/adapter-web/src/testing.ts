import type { IncomingMessage } from "node:http";
import type { InteractionDetails } from "@superoauth/application";
import type { Interactions } from "./contracts.ts";

/** What a fake interaction was finished with. */
export type FinishedInteraction =
  | {
      readonly uid: string;
      readonly kind: "login";
      readonly accountId: string;
      readonly amr: readonly string[];
      /** Given when a browser session stood in for the sign-in (its start). */
      readonly authenticatedAt?: Date;
    }
  | { readonly uid: string; readonly kind: "consent"; readonly remember: boolean }
  | { readonly uid: string; readonly kind: "deny" }
  | { readonly uid: string; readonly kind: "select-account" };

/**
 * An in-memory stand-in for the provider's interactions: the test opens an interaction with the
 * details the provider would have, and reads how the pages finished it. The real provider finds the
 * interaction by its cookie; this one by the uid in the URL, which the pages check anyway. Each
 * finish answers `/oidc/auth/<uid>/<kind>`, where the provider would resume.
 */
export class FakeInteractions implements Interactions {
  readonly finished: FinishedInteraction[] = [];
  readonly #open = new Map<string, InteractionDetails>();

  open(details: InteractionDetails): void {
    this.#open.set(details.uid, details);
  }

  close(uid: string): void {
    this.#open.delete(uid);
  }

  async details(req: IncomingMessage): Promise<InteractionDetails | null> {
    const uid = /^\/interaction\/([^/?]+)/.exec(req.url ?? "")?.[1];
    return uid === undefined ? null : (this.#open.get(decodeURIComponent(uid)) ?? null);
  }

  async finishLogin(
    req: IncomingMessage,
    _res: unknown,
    input: { accountId: string; amr: readonly string[]; authenticatedAt?: Date },
  ): Promise<string> {
    const uid = this.#uidOf(req);
    this.finished.push({
      uid,
      kind: "login",
      accountId: input.accountId,
      amr: [...input.amr],
      ...(input.authenticatedAt === undefined ? {} : { authenticatedAt: input.authenticatedAt }),
    });
    return `/oidc/auth/${uid}/login`;
  }

  async finishConsent(req: IncomingMessage, _res: unknown, input: { remember: boolean }): Promise<string> {
    const uid = this.#uidOf(req);
    this.finished.push({ uid, kind: "consent", remember: input.remember });
    return `/oidc/auth/${uid}/consent`;
  }

  async deny(req: IncomingMessage): Promise<string> {
    const uid = this.#uidOf(req);
    this.finished.push({ uid, kind: "deny" });
    return `/oidc/auth/${uid}/deny`;
  }

  async selectAccount(req: IncomingMessage): Promise<string> {
    const uid = this.#uidOf(req);
    this.finished.push({ uid, kind: "select-account" });
    return `/oidc/auth/${uid}/select-account`;
  }

  #uidOf(req: IncomingMessage): string {
    const uid = /^\/interaction\/([^/?]+)/.exec(req.url ?? "")?.[1];
    if (uid === undefined || !this.#open.has(uid)) throw new Error(`no open interaction for ${req.url}`);
    return uid;
  }
}
