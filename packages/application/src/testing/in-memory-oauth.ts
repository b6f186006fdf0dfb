import {
  err,
  type LinkedProvider,
  type OAuthProviderId,
  ok,
  type Result,
  type UserId,
} from "@superoauth/domain";
import type {
  LinkedProviderRepository,
  OAuthAuthorization,
  OAuthFlowRepository,
  OAuthLoginCode,
  OAuthProviderGateway,
  ProviderProfile,
} from "../ports.ts";

export class InMemoryLinkedProviderRepository implements LinkedProviderRepository {
  readonly #links: LinkedProvider[] = [];

  async linkProvider(link: LinkedProvider): Promise<Result<void, "PROVIDER_ALREADY_LINKED">> {
    const taken = this.#links.some(
      (l) =>
        (l.provider === link.provider && l.subject === link.subject) ||
        (l.userId === link.userId && l.provider === link.provider),
    );
    if (taken) return err("PROVIDER_ALREADY_LINKED");
    this.#links.push({ ...link });
    return ok(undefined);
  }
  async findLinkedProvider(input: {
    provider: OAuthProviderId;
    subject: string;
  }): Promise<LinkedProvider | null> {
    const link = this.#links.find((l) => l.provider === input.provider && l.subject === input.subject);
    return link === undefined ? null : { ...link };
  }
  async listLinkedProvidersOfUser(userId: UserId): Promise<LinkedProvider[]> {
    return this.#links
      .filter((l) => l.userId === userId)
      .sort((a, b) => a.linkedAt.getTime() - b.linkedAt.getTime())
      .map((l) => ({ ...l }));
  }
  async unlinkProvider(input: { userId: UserId; provider: OAuthProviderId }): Promise<boolean> {
    const index = this.#links.findIndex((l) => l.userId === input.userId && l.provider === input.provider);
    if (index === -1) return false;
    this.#links.splice(index, 1);
    return true;
  }
}

export class InMemoryOAuthFlowRepository implements OAuthFlowRepository {
  readonly #authorizations = new Map<string, OAuthAuthorization>();
  readonly #loginCodes = new Map<string, OAuthLoginCode>();

  async saveAuthorization(authorization: OAuthAuthorization): Promise<void> {
    this.#authorizations.set(authorization.stateHash, { ...authorization });
  }
  async consumeAuthorization(input: { stateHash: string; now: Date }): Promise<OAuthAuthorization | null> {
    return take(this.#authorizations, input.stateHash, input.now);
  }
  async saveLoginCode(code: OAuthLoginCode): Promise<void> {
    this.#loginCodes.set(code.codeHash, { ...code });
  }
  async consumeLoginCode(input: { codeHash: string; now: Date }): Promise<OAuthLoginCode | null> {
    return take(this.#loginCodes, input.codeHash, input.now);
  }
  /** Test helper: how many records are waiting. */
  size(): { authorizations: number; loginCodes: number } {
    return { authorizations: this.#authorizations.size, loginCodes: this.#loginCodes.size };
  }
}

function take<T extends { expiresAt: Date }>(map: Map<string, T>, key: string, now: Date): T | null {
  const record = map.get(key);
  if (record === undefined) return null;
  map.delete(key);
  return now.getTime() < record.expiresAt.getTime() ? { ...record } : null;
}

type ExchangeResult = Awaited<ReturnType<OAuthProviderGateway["exchangeCodeForProfile"]>>;

/**
 * A provider that answers each code as a test scripted it. Unknown codes are
 * rejected like a provider rejects them (INVALID_AUTHORIZATION_CODE).
 */
export class ScriptedOAuthProviderGateway implements OAuthProviderGateway {
  readonly provider: OAuthProviderId;
  readonly supportsPKCE: boolean;
  readonly #answers = new Map<string, ExchangeResult>();
  /** Every exchange asked of it, for assertions on the verifier. */
  readonly exchanges: { code: string; codeVerifier: string | null }[] = [];

  constructor(provider: OAuthProviderId, options: { supportsPKCE?: boolean } = {}) {
    this.provider = provider;
    this.supportsPKCE = options.supportsPKCE ?? true;
  }
  createAuthorizationURL(input: { state: string; codeVerifier: string | null }): string {
    const challenge = input.codeVerifier === null ? "" : `&code_challenge=challenge-of-${input.codeVerifier}`;
    return `https://${this.provider}.example/authorize?state=${encodeURIComponent(input.state)}${challenge}`;
  }
  async exchangeCodeForProfile(input: {
    code: string;
    codeVerifier: string | null;
  }): Promise<ExchangeResult> {
    this.exchanges.push({ ...input });
    return this.#answers.get(input.code) ?? err("INVALID_AUTHORIZATION_CODE");
  }
  /** Makes `code` yield this profile (filled in from defaults) or this failure. */
  answer(code: string, outcome: Partial<Omit<ProviderProfile, "provider">> | ExchangeResult): void {
    if ("ok" in outcome) {
      this.#answers.set(code, outcome as ExchangeResult);
      return;
    }
    this.#answers.set(
      code,
      ok({
        provider: this.provider,
        subject: "subject-1",
        email: "ada@example.com",
        emailVerified: true,
        displayName: "Ada Lovelace",
        avatarURL: null,
        ...outcome,
      }),
    );
  }
}
