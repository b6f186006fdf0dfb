import type { OAuthProviderGateway } from "@superoauth/application";
import type { OAuthProviderId } from "@superoauth/domain";
import { createDiscordGateway } from "./discord.ts";
import { createGitHubGateway } from "./github.ts";
import { createGoogleGateway } from "./google.ts";
import type { OAuthClientSettings } from "./provider-settings.ts";
import { createTwitchGateway } from "./twitch.ts";
import type { OAuthLogger } from "./upstream.ts";

export type { OAuthClientSettings } from "./provider-settings.ts";
export type { OAuthLogger, UpstreamOptions } from "./upstream.ts";
export { createUpstreamAgent, installUpstreamAgent, maxProviderResponseBytes } from "./upstream.ts";

const factories = {
  discord: createDiscordGateway,
  twitch: createTwitchGateway,
  google: createGoogleGateway,
  github: createGitHubGateway,
} as const;

/** Default bound on every call to a provider. */
export const defaultOAuthTimeoutMs = 10_000;

/** Gateways (Arctic underneath) for the providers that have settings; the others stay absent. */
export function createOAuthProviderGateways(input: {
  providers: Readonly<Partial<Record<OAuthProviderId, OAuthClientSettings>>>;
  timeoutMs?: number;
  logger?: OAuthLogger;
}): Partial<Record<OAuthProviderId, OAuthProviderGateway>> {
  const options = { timeoutMs: input.timeoutMs ?? defaultOAuthTimeoutMs, logger: input.logger };
  const gateways: Partial<Record<OAuthProviderId, OAuthProviderGateway>> = {};
  for (const provider of Object.keys(factories) as OAuthProviderId[]) {
    const settings = input.providers[provider];
    if (settings !== undefined) gateways[provider] = factories[provider](settings, options);
  }
  return gateways;
}
