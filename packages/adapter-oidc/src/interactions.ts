import type { IncomingMessage, ServerResponse } from "node:http";
import { type InteractionClient, type InteractionDetails, OverloadedError } from "@superoauth/application";
import { privateUseSchemesOf } from "@superoauth/domain";
import { errors, type Grant, type Interaction, type Provider } from "oidc-provider";
import type { Interactions, OIDCGrantRecords, RecordedGrant } from "./provider-interfaces.ts";

/**
 * The hosted pages' side of an authorization (oidc-provider's "User flows": interactionDetails
 * and interactionResult). Each finish returns the URL to 303 back into the provider, which
 * re-checks the policy (provider-settings.ts) before answering the client.
 */
export function createInteractions(input: {
  provider: Provider;
  grants: OIDCGrantRecords;
  /** How long the grant of a consent not remembered is kept (oneTimeGrantSecondsOf). */
  oneTimeGrantSeconds: number;
  /**
   * The consent page's one answer per interaction (ADR 0058). `claim`: true for the first of any
   * number at once. `stands`: whether the claim is still there; a revoke of the account's grants,
   * of this app's, or of the app deletes it with the rest of their records.
   */
  consentAnswers: {
    claim(answer: {
      uid: string;
      accountId: string;
      clientId: string;
      expiresInSeconds: number;
    }): Promise<boolean>;
    stands(uid: string): Promise<boolean>;
  };
}): Interactions {
  const { provider, grants, consentAnswers, oneTimeGrantSeconds } = input;

  /** The interaction this browser is in, or null (no cookie, expired, finished). */
  async function interactionOf(req: IncomingMessage, res: ServerResponse): Promise<Interaction | null> {
    try {
      return await provider.interactionDetails(req, res);
    } catch (error) {
      if (error instanceof errors.SessionNotFound) return null;
      throw error;
    }
  }

  /**
   * Whether this request gives the interaction's consent page its answer: the first of any number
   * at once (a page submitted twice, two tabs of it, Allow racing Deny) does, and the others write
   * nothing. They wait for the first answer to be saved (at most `answerWaitMs`), then send their
   * browser on to the authorization, which goes on with that answer. The first reads the
   * interaction again once its claim is written: a revoke between the page's read of it and the
   * claim deleted the interaction and did not meet the claim, which witnesses only what comes after.
   */
  async function answersFirst(
    interaction: Interaction,
    owner: { accountId: string; clientId: string },
  ): Promise<boolean> {
    const expiresInSeconds = Math.max(1, (interaction.exp ?? 0) - Math.floor(Date.now() / 1000));
    if (await consentAnswers.claim({ uid: interaction.uid, ...owner, expiresInSeconds })) {
      if ((await provider.Interaction.find(interaction.uid)) === undefined) {
        throw new errors.SessionNotFound("interaction session not found");
      }
      return true;
    }
    for (let waited = 0; waited < answerWaitMs; waited += answerPollMs) {
      const now = await provider.Interaction.find(interaction.uid);
      if (now === undefined || now.result !== undefined) break;
      await new Promise((resolve) => setTimeout(resolve, answerPollMs));
    }
    return false;
  }

  async function interactionAt(
    req: IncomingMessage,
    res: ServerResponse,
    prompt: "login" | "consent",
  ): Promise<Interaction> {
    const interaction = await interactionOf(req, res);
    if (interaction === null) throw new errors.SessionNotFound("interaction session not found");
    if (promptOf(interaction) !== prompt) {
      throw new errors.InvalidRequest(`the interaction is not at the ${prompt} prompt`);
    }
    return interaction;
  }

  return {
    async details(req, res): Promise<InteractionDetails | null> {
      const interaction = await interactionOf(req, res);
      if (interaction === null) return null;
      const clientId = interaction.params.client_id;
      const client = typeof clientId === "string" ? await interactionClientOf(provider, clientId) : null;
      if (client === null) return null;
      const { uid, prompt } = interaction;
      if (promptOf(interaction) === "login") {
        const hint = interaction.params.login_hint;
        return {
          uid,
          prompt: "login",
          client,
          loginHint: typeof hint === "string" ? hint : null,
          loginPrompted: loginPromptedIn(interaction),
          hintedAccountId: subjectOfHint(interaction.params.id_token_hint),
          maxAgeSeconds: maxAgeOf(interaction.params.max_age),
        };
      }
      const accountId = interaction.session?.accountId;
      if (prompt.name !== "consent" || accountId === undefined) return null;
      // Everything the app asks for, granted before or not: asked again (prompt=consent), the page
      // still lists all it will be able to do, and marks what was not granted yet.
      const newScopes = stringsOf(prompt.details.missingOIDCScope);
      return {
        uid,
        prompt: "consent",
        client,
        accountId,
        scopes: [...new Set([...requestedScopesOf(interaction), ...newScopes])],
        newScopes,
      };
    },

    async finishLogin(req, res, { accountId, amr, authenticatedAt }): Promise<string> {
      const interaction = await interactionAt(req, res, "login");
      const login = {
        accountId,
        // The ID token's amr and auth_time (OpenID Connect Core §2): left out when not known.
        ...(amr.length > 0 ? { amr: [...amr] } : {}),
        ...(authenticatedAt === undefined ? {} : { ts: Math.floor(authenticatedAt.getTime() / 1000) }),
      };
      // prompt=select_account: the account chosen (continued with, or signed in to) is the selection.
      const selected = interaction.prompt.name === "select_account" ? { select_account: {} } : {};
      return provider.interactionResult(req, res, { login, ...selected }, { mergeWithLastSubmission: false });
    },

    async finishConsent(req, res, { remember, client }): Promise<string> {
      const interaction = await interactionAt(req, res, "consent");
      const accountId = interaction.session?.accountId;
      const clientId = interaction.params.client_id;
      if (accountId === undefined || typeof clientId !== "string") {
        throw new errors.InvalidRequest("the interaction has no signed-in account or client");
      }
      const owner = { accountId, clientId };
      // Answered already: on to where the first answer leads.
      if (!(await answersFirst(interaction, owner))) return interaction.returnTo;
      const { grant, grantId, renewed } = remember
        ? await rememberConsent(provider, grants, interaction, owner)
        : await savedOnce(thisAuthorizationOnly(provider, interaction, owner, oneTimeGrantSeconds));
      const scopes = scopesOf(grant.getOIDCScope());
      // Saved, then checked: this answer's claim is the witness of a revoke of the account's grants
      // (a password reset, a disable, a deletion end everything of the account in one transaction,
      // the claim with it), of this app's, or of the app's deletion. Gone now, the revoke came
      // during this consent, before or after either write: the grant and its record are taken back,
      // and the consent is answered as an expired one. A revoke after this read deletes them itself.
      // Either way none outlives it. (Not the interaction: another answer of the same page, sent on
      // to the authorization, finishes it, and the grant it names is the person's live one.) The
      // app is read again too: a narrowing of its scopes that committed after the request's scope
      // check (at /oidc/auth or /oidc/device/auth) but before its interaction was saved left no
      // witness; a grant holding a scope the app no longer allows is taken back the same way (a
      // narrowing after this read deletes it itself).
      if (
        !(await consentAnswers.stands(interaction.uid)) ||
        !(await allowsEveryScope(provider, clientId, scopes))
      ) {
        await grant.destroy();
        if (remember) await grants.forget({ accountId, clientId, grantId });
        throw new errors.SessionNotFound("interaction session not found");
      }
      await grants.consented?.({ accountId, clientId, scopes, remembered: remember, renewed, client });
      return provider.interactionResult(
        req,
        res,
        { consent: { grantId } },
        { mergeWithLastSubmission: true },
      );
    },

    async deny(req, res): Promise<string> {
      const interaction = await interactionOf(req, res);
      if (interaction === null) throw new errors.SessionNotFound("interaction session not found");
      const accountId = interaction.session?.accountId;
      const clientId = interaction.params.client_id;
      if (
        promptOf(interaction) === "consent" &&
        accountId !== undefined &&
        typeof clientId === "string" &&
        !(await answersFirst(interaction, { accountId, clientId }))
      ) {
        return interaction.returnTo;
      }
      return provider.interactionResult(
        req,
        res,
        { error: "access_denied", error_description: "End-User denied the authorization request" },
        { mergeWithLastSubmission: false },
      );
    },

    async selectAccount(req, res): Promise<string> {
      await interactionAt(req, res, "consent");
      // Resumed with this, the authorization stops at select_account (provider-settings.ts), the
      // prompt an app asks with prompt=select_account: one way to choose another account, not two.
      return provider.interactionResult(
        req,
        res,
        { [accountSwitchResult]: {} },
        { mergeWithLastSubmission: false },
      );
    },
  };
}

/**
 * The interaction result of "Not you? Use another account" on the consent page. The provider's
 * select_account prompt asks when a resumed authorization carries it (provider-settings.ts).
 */
export const accountSwitchResult = "switch_account";

/** How long a second answer of one consent page waits for the first to be saved, and how often it looks. */
const answerWaitMs = 2_000;
const answerPollMs = 25;

/** How many times a remembered consent chooses its grant again while others of the pair record first. */
const consentRounds = 5;

/**
 * Saves and records the grant remembered for (account, client), extended with what this consent
 * gives. The record is a compare-and-set on what was read before the grant was chosen: of two
 * consents of one pair at once (two tabs, two devices), the second
 * to record finds the record changed, takes back a grant it made in this round (no token names it
 * yet), and chooses again, now extending the grant the first recorded. So the pair keeps one grant
 * (docs/oidc.md), holding both consents' scopes. After `consentRounds` rounds lost, the consent is
 * refused as busy (503, try again), as an overtaken app edit is. `renewed`: the consent gave the
 * app nothing it did not have (the recorded grant, no scope beyond its own), as an app that asks
 * with prompt=consent at every sign-in (a native app always does) gets it.
 */
async function rememberConsent(
  provider: Provider,
  grants: OIDCGrantRecords,
  interaction: Interaction,
  owner: { accountId: string; clientId: string },
): Promise<{ grant: Grant; grantId: string; renewed: boolean }> {
  for (let round = 0; round < consentRounds; round++) {
    const recorded = await grants.find(owner);
    const { grant, made } = await rememberedGrantOf(provider, interaction, owner, recorded);
    const grantId = await grant.save();
    const scopes = scopesOf(grant.getOIDCScope());
    if (await grants.record({ ...owner, grantId, scopes, replacing: recorded })) {
      const renewed =
        recorded !== null &&
        recorded.grantId === grantId &&
        scopes.every((scope) => recorded.scopes.includes(scope));
      return { grant, grantId, renewed };
    }
    if (made) await grant.destroy();
  }
  throw new OverloadedError({
    message: "other consents of this account and app kept recording first",
    retryAfterSeconds: 1,
  });
}

async function savedOnce(grant: Grant): Promise<{ grant: Grant; grantId: string; renewed: boolean }> {
  return { grant, grantId: await grant.save(), renewed: false };
}

/**
 * The grant remembered for (account, client), extended with what this request asks for (`made`:
 * a new one). Chosen now, from the record, not from the grant the interaction found when its
 * consent page opened: another consent given meanwhile (another tab or device) made or replaced the
 * pair's grant, and a second grant beside it would hold tokens the apps list does not show and a
 * revoke of the recorded one would not end (docs/oidc.md: one grant per person and app). The
 * interaction's own grant is the fallback, for a record not written yet.
 */
async function rememberedGrantOf(
  provider: Provider,
  interaction: Interaction,
  owner: { accountId: string; clientId: string },
  recorded: RecordedGrant | null,
): Promise<{ grant: Grant; made: boolean }> {
  let reused: Grant | undefined;
  for (const id of new Set([recorded?.grantId, interaction.grantId])) {
    const found = typeof id === "string" ? await provider.Grant.find(id) : undefined;
    if (found?.accountId === owner.accountId && found.clientId === owner.clientId) {
      reused = found;
      // The library saves a grant whole: a consent that saved the recorded grant just after another
      // recorded it (and then lost its own record) left it without the other's scopes. The record
      // still lists them, and they go back in.
      if (recorded !== null && id === recorded.grantId) found.addOIDCScope([...recorded.scopes]);
      break;
    }
  }
  const grant = reused ?? new provider.Grant(owner);
  if (reused !== undefined) {
    // Consent given again lasts its full lifetime from now (docs/oidc.md), as a new one would: the
    // library keeps a saved grant's first expiry, so an app that asked again on day 29 got a refresh
    // token that stopped a day later. Cleared, the save counts the lifetime from now.
    const renewed = grant as { iat?: number | undefined; exp?: number | undefined };
    renewed.iat = undefined;
    renewed.exp = undefined;
  }
  const { details } = interaction.prompt;
  // Everything the page listed: the grant chosen may be another than the one the page compared with.
  grant.addOIDCScope([
    ...new Set([...requestedScopesOf(interaction), ...stringsOf(details.missingOIDCScope)]),
  ]);
  grant.addOIDCClaims(stringsOf(details.missingOIDCClaims));
  return { grant, made: reused === undefined };
}

/**
 * A grant for this authorization alone: not recorded, so the next authorization asks again, and
 * without offline_access, because a refresh token would keep an app the user chose not to
 * remember alive for days, outside the apps list where they could revoke it (ADR 0018). Kept
 * `expiresIn` seconds, as long as this authorization's code and access token can use it.
 */
function thisAuthorizationOnly(
  provider: Provider,
  interaction: Interaction,
  owner: { accountId: string; clientId: string },
  expiresIn: number,
): Grant {
  const grant = new provider.Grant(owner);
  // The library's own clock (system time, in seconds), as it sets `exp` from a model's TTL.
  grant.exp = Math.floor(Date.now() / 1000) + expiresIn;
  const requested = requestedScopesOf(interaction);
  grant.addOIDCScope(requested.filter((scope) => scope !== "offline_access"));
  if (requested.includes("offline_access")) grant.rejectOIDCScope("offline_access");
  grant.addOIDCClaims(stringsOf(interaction.prompt.details.missingOIDCClaims));
  return grant;
}

/** Whether the app, read now, still allows every one of `scopes` (false when it is gone). */
async function allowsEveryScope(
  provider: Provider,
  clientId: string,
  scopes: readonly string[],
): Promise<boolean> {
  const allowed = new Set(scopesOf((await provider.Client.find(clientId))?.scope ?? ""));
  return allowed.size > 0 && scopes.every((scope) => allowed.has(scope));
}

async function interactionClientOf(provider: Provider, clientId: string): Promise<InteractionClient | null> {
  const client = await provider.Client.find(clientId);
  if (client === undefined) return null;
  return {
    clientId: client.clientId,
    name: client.clientName ?? client.clientId,
    logoURL: client.logoUri ?? null,
    homepageURL: client.clientUri ?? null,
    native: client.applicationType === "native",
    privateUseSchemes: privateUseSchemesOf(client.redirectUris ?? []),
  };
}

/**
 * The `sub` of a request's `id_token_hint`, or null. The library verified the hint (its signature,
 * issuer and audience) before it started the interaction, so its payload is read, not checked
 * again. Compared by the hosted pages with the browser session's account (OpenID Connect Core
 * §3.1.2.1: the named account signs in, or the request fails), not by the library, which compares
 * it with its own session, which may be another's or none.
 */
function subjectOfHint(hint: unknown): string | null {
  if (typeof hint !== "string") return null;
  const payload = hint.split(".")[1];
  if (payload === undefined) return null;
  try {
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as { sub?: unknown };
    return typeof claims.sub === "string" ? claims.sub : null;
  } catch {
    return null;
  }
}

/**
 * The page an interaction needs. `prompt=select_account` (provider-settings.ts) is the sign-in
 * page: it offers the browser's signed-in account ("Continue as") and "Use another account", which
 * is the choice OpenID Connect Core §3.1.2.1 asks for; with no one signed in, the sign-in form.
 */
function promptOf(interaction: Interaction): "login" | "consent" | null {
  const { name } = interaction.prompt;
  if (name === "login" || name === "select_account") return "login";
  return name === "consent" ? "consent" : null;
}

/**
 * Whether the app asked for a fresh sign-in (`prompt=login`). With `prompt=login select_account`
 * the interaction stands at select_account (asked first), whose reasons do not name login's: the
 * requested prompts say it, so "Continue as" is not offered for it either.
 */
function loginPromptedIn(interaction: Interaction): boolean {
  if (stringsOf(interaction.prompt.reasons).includes("login_prompt")) return true;
  const requested = interaction.params.prompt;
  return (
    interaction.prompt.name === "select_account" &&
    typeof requested === "string" &&
    requested.split(" ").includes("login")
  );
}

function stringsOf(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === "string") : [];
}

/** The request's max_age in seconds (the library keeps it as sent, a number or its digits); null when absent. */
function maxAgeOf(value: unknown): number | null {
  const seconds = typeof value === "string" && /^\d+$/.test(value) ? Number(value) : value;
  return typeof seconds === "number" && Number.isSafeInteger(seconds) && seconds >= 0 ? seconds : null;
}

/** The request's scopes (the library has already dropped those it does not know). */
function requestedScopesOf(interaction: Interaction): string[] {
  return typeof interaction.params.scope === "string" ? scopesOf(interaction.params.scope) : [];
}

function scopesOf(scope: string): string[] {
  return scope.split(" ").filter((item) => item !== "");
}
