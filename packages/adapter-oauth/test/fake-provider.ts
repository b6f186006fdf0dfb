import { createHash, randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Agent, type Dispatcher, getGlobalDispatcher, setGlobalDispatcher } from "undici";

/**
 * A local stand-in for Discord, Twitch, Google and GitHub: a real HTTP server
 * on 127.0.0.1 that answers their token and profile endpoints with the shapes
 * the real ones send. Tests "authorize" a person at a provider's URL (as the
 * browser would), get a code back, and the server checks client credentials,
 * redirect URI and PKCE when the code is exchanged. Each test can make it fail.
 */

export type FakeProviderId = "discord" | "twitch" | "google" | "github";

/** The person who signs in at the fake provider. */
export interface FakeIdentity {
  readonly subject: string;
  readonly email: string | null;
  readonly emailVerified: boolean;
  readonly displayName: string;
  readonly login?: string;
}

/** What the next calls should do instead of succeeding. Reset between tests. */
export interface FakeBehaviour {
  /** Answer the token endpoint with this status (and a provider-shaped error body). */
  tokenStatus?: number;
  /** Answer the profile endpoints with this status. */
  profileStatus?: number;
  /** Wait this long before answering the token endpoint. */
  tokenDelayMs?: number;
  /** Wait this long before answering the profile endpoints. */
  profileDelayMs?: number;
  /** Answer GitHub's /user/emails with an empty list. */
  githubNoEmails?: boolean;
  /** Leave the ID token out of Google's token response (then the userinfo endpoint is used). */
  googleWithoutIdToken?: boolean;
  /** Google's ID token expires this many seconds from now (negative: already expired); null: no exp. */
  googleIdTokenExpiresIn?: number | null;
}

/** The OAuth clients the fake knows; register the same ones in the gateways under test. */
export const fakeClients: Readonly<Record<FakeProviderId, { clientId: string; clientSecret: string }>> = {
  discord: { clientId: "discord-client", clientSecret: "discord-secret" },
  twitch: { clientId: "twitch-client", clientSecret: "twitch-secret" },
  google: { clientId: "google-client.apps.googleusercontent.com", clientSecret: "google-secret" },
  github: { clientId: "github-client", clientSecret: "github-secret" },
};

/** The hosts the real providers answer on; the dispatcher sends these (and only these) to the fake. */
export const providerHosts = [
  "discord.com",
  "id.twitch.tv",
  "api.twitch.tv",
  "oauth2.googleapis.com",
  "openidconnect.googleapis.com",
  "github.com",
  "api.github.com",
] as const;

interface Grant {
  provider: FakeProviderId;
  identity: FakeIdentity;
  redirectURI: string | null;
  codeChallenge: string | null;
}

export interface FakeProviders {
  readonly origin: string;
  behaviour: FakeBehaviour;
  /** Every request the fake received: method, path and (for token requests) the form fields. */
  readonly requests: { method: string; path: string; form?: Record<string, string>; clientId?: string }[];
  /**
   * Plays the browser at the provider: reads the authorization URL our server
   * redirected to, and answers with the redirect back (code and state).
   */
  approve(authorizationURL: string, identity: FakeIdentity): { code: string; state: string };
  /** The person pressed "Cancel": the redirect back carries error=access_denied. */
  deny(authorizationURL: string): { error: string; state: string };
  reset(): void;
  close(): Promise<void>;
}

/** Starts the fake on a free port of 127.0.0.1. */
export async function startFakeProviders(): Promise<FakeProviders> {
  const grants = new Map<string, Grant>();
  const accessTokens = new Map<string, { provider: FakeProviderId; identity: FakeIdentity }>();
  const requests: FakeProviders["requests"] = [];
  const state = { behaviour: {} as FakeBehaviour };

  const server: Server = createServer((request, response) => {
    void handle(request, response).catch(() => {
      if (!response.headersSent && !response.destroyed) send(response, 500, { error: "fake failure" });
    });
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<undefined> {
    const url = new URL(request.url ?? "/", "http://fake");
    const body = await readBody(request);
    const form = Object.fromEntries(new URLSearchParams(body));
    const isToken = request.method === "POST";
    const clientId = header(request, "client-id");
    requests.push({
      method: request.method ?? "",
      path: url.pathname,
      ...(isToken ? { form } : {}),
      ...(clientId === undefined ? {} : { clientId }),
    });
    const delay = isToken ? state.behaviour.tokenDelayMs : state.behaviour.profileDelayMs;
    if (delay !== undefined) await new Promise((resolve) => setTimeout(resolve, delay));
    if (response.destroyed) return undefined;

    switch (`${request.method} ${url.pathname}`) {
      case "POST /api/oauth2/token":
        return token("discord", request, form, response);
      case "POST /oauth2/token":
        return token("twitch", request, form, response);
      case "POST /token":
        return token("google", request, form, response);
      case "POST /login/oauth/access_token":
        return token("github", request, form, response);
      case "GET /api/users/@me":
        return profile("discord", request, response, (id) => ({
          id: id.subject,
          username: id.login ?? id.displayName.toLowerCase(),
          discriminator: "0",
          global_name: id.displayName,
          avatar: "a1b2c3d4e5f6",
          mfa_enabled: false,
          locale: "en-US",
          email: id.email,
          verified: id.emailVerified,
        }));
      case "GET /helix/users":
        if (header(request, "client-id") !== fakeClients.twitch.clientId) {
          return send(response, 401, {
            error: "Unauthorized",
            status: 401,
            message: "Client ID and OAuth token do not match",
          });
        }
        return profile("twitch", request, response, (id) => ({
          data: [
            {
              id: id.subject,
              login: id.login ?? id.displayName.toLowerCase(),
              display_name: id.displayName,
              type: "",
              broadcaster_type: "",
              description: "",
              profile_image_url: `https://static-cdn.jtvnw.net/jtv_user_pictures/${id.subject}-profile_image-300x300.png`,
              offline_image_url: "",
              view_count: 0,
              // Twitch only includes the email with the user:read:email scope, and only verified ones.
              ...(id.email === null ? {} : { email: id.email }),
              created_at: "2016-12-14T20:32:28Z",
            },
          ],
        }));
      case "GET /v1/userinfo":
        return profile("google", request, response, googleClaims);
      case "GET /user":
        return profile("github", request, response, (id) => ({
          login: id.login ?? id.displayName.replaceAll(" ", "-").toLowerCase(),
          id: Number(id.subject),
          node_id: "MDQ6VXNlcjE=",
          avatar_url: `https://avatars.githubusercontent.com/u/${id.subject}?v=4`,
          type: "User",
          name: id.displayName,
          email: null,
        }));
      case "GET /user/emails":
        return profile("github", request, response, (id) =>
          state.behaviour.githubNoEmails === true || id.email === null
            ? []
            : [
                {
                  email: `${id.subject}+noreply@users.noreply.github.com`,
                  primary: false,
                  verified: true,
                  visibility: null,
                },
                { email: id.email, primary: true, verified: id.emailVerified, visibility: "private" },
              ],
        );
      default:
        return send(response, 404, { message: "Not Found" });
    }
  }

  function token(
    provider: FakeProviderId,
    request: IncomingMessage,
    form: Record<string, string>,
    response: ServerResponse,
  ): undefined {
    const client = fakeClients[provider];
    if (state.behaviour.tokenStatus !== undefined) {
      return send(response, state.behaviour.tokenStatus, { error: "server_error" });
    }
    // Discord, Google and GitHub take HTTP Basic client authentication from Arctic; Twitch takes form fields.
    const basic = header(request, "authorization");
    const expectedBasic = `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString("base64")}`;
    const credentialsOK =
      basic === expectedBasic ||
      (form.client_id === client.clientId && form.client_secret === client.clientSecret);
    if (!credentialsOK) return send(response, 401, { error: "invalid_client" });
    const grant = form.code === undefined ? undefined : grants.get(form.code);
    const verifierOK =
      grant?.codeChallenge === null ||
      (grant !== undefined &&
        form.code_verifier !== undefined &&
        createHash("sha256").update(form.code_verifier).digest("base64url") === grant.codeChallenge);
    if (
      grant === undefined ||
      grant.provider !== provider ||
      form.grant_type !== "authorization_code" ||
      (grant.redirectURI !== null && form.redirect_uri !== grant.redirectURI) ||
      !verifierOK
    ) {
      return rejectCode(provider, response);
    }
    if (form.code !== undefined) grants.delete(form.code);
    const accessToken = randomBytes(16).toString("hex");
    accessTokens.set(accessToken, { provider, identity: grant.identity });
    const common = { access_token: accessToken, token_type: "Bearer", expires_in: 3600 };
    switch (provider) {
      case "discord":
        return send(response, 200, { ...common, refresh_token: "r", scope: "identify email" });
      case "twitch":
        return send(response, 200, {
          ...common,
          token_type: "bearer",
          refresh_token: "r",
          scope: ["user:read:email"],
        });
      case "google":
        return send(response, 200, {
          ...common,
          scope:
            "openid https://www.googleapis.com/auth/userinfo.email https://www.googleapis.com/auth/userinfo.profile",
          ...(state.behaviour.googleWithoutIdToken === true
            ? {}
            : { id_token: googleIdToken(grant.identity) }),
        });
      case "github":
        return send(response, 200, { access_token: accessToken, token_type: "bearer", scope: "user:email" });
    }
  }

  /** Each provider's own way of saying "bad code". */
  function rejectCode(provider: FakeProviderId, response: ServerResponse): undefined {
    switch (provider) {
      case "github":
        // GitHub answers 200 with an error body.
        return send(response, 200, {
          error: "bad_verification_code",
          error_description: "The code passed is incorrect or expired.",
          error_uri:
            "https://docs.github.com/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors/#bad-verification-code",
        });
      case "twitch":
        return send(response, 400, { status: 400, message: "Invalid authorization code" });
      case "discord":
        return send(response, 400, {
          error: "invalid_grant",
          error_description: 'Invalid "code" in request.',
        });
      case "google":
        return send(response, 400, { error: "invalid_grant", error_description: "Bad Request" });
    }
  }

  function profile(
    provider: FakeProviderId,
    request: IncomingMessage,
    response: ServerResponse,
    render: (identity: FakeIdentity) => unknown,
  ): undefined {
    if (state.behaviour.profileStatus !== undefined) {
      return send(response, state.behaviour.profileStatus, { message: "Service Unavailable" });
    }
    const bearer = /^Bearer (\S+)$/i.exec(header(request, "authorization") ?? "")?.[1];
    const holder = bearer === undefined ? undefined : accessTokens.get(bearer);
    if (holder === undefined || holder.provider !== provider) {
      return send(response, 401, { message: "401: Unauthorized", code: 0 });
    }
    return send(response, 200, render(holder.identity));
  }

  function googleClaims(id: FakeIdentity): Record<string, unknown> {
    return {
      sub: id.subject,
      name: id.displayName,
      given_name: id.displayName.split(" ")[0],
      picture: `https://lh3.googleusercontent.com/a/${id.subject}`,
      ...(id.email === null ? {} : { email: id.email, email_verified: id.emailVerified }),
    };
  }

  function googleIdToken(id: FakeIdentity): string {
    const now = Math.floor(Date.now() / 1000);
    const header = { alg: "RS256", kid: "fake-key", typ: "JWT" };
    const payload = {
      iss: "https://accounts.google.com",
      azp: fakeClients.google.clientId,
      aud: fakeClients.google.clientId,
      iat: now,
      ...(state.behaviour.googleIdTokenExpiresIn === null
        ? {}
        : { exp: now + (state.behaviour.googleIdTokenExpiresIn ?? 3600) }),
      ...googleClaims(id),
    };
    const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");
    return `${encode(header)}.${encode(payload)}.${randomBytes(64).toString("base64url")}`;
  }

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    origin: `http://127.0.0.1:${port}`,
    get behaviour() {
      return state.behaviour;
    },
    set behaviour(value: FakeBehaviour) {
      state.behaviour = value;
    },
    requests,
    approve(authorizationURL, identity) {
      const url = new URL(authorizationURL);
      const provider = providerOfAuthorizationURL(url);
      const code = randomBytes(12).toString("base64url");
      grants.set(code, {
        provider,
        identity,
        redirectURI: url.searchParams.get("redirect_uri"),
        codeChallenge: url.searchParams.get("code_challenge"),
      });
      return { code, state: url.searchParams.get("state") ?? "" };
    },
    deny(authorizationURL) {
      return { error: "access_denied", state: new URL(authorizationURL).searchParams.get("state") ?? "" };
    },
    reset() {
      state.behaviour = {};
      requests.length = 0;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function providerOfAuthorizationURL(url: URL): FakeProviderId {
  switch (url.host) {
    case "discord.com":
      return "discord";
    case "id.twitch.tv":
      return "twitch";
    case "accounts.google.com":
      return "google";
    case "github.com":
      return "github";
    default:
      throw new Error(`not an authorization URL of a known provider: ${url.host}`);
  }
}

function header(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Answers with JSON; returns undefined so handlers can `return send(...)`. */
function send(response: ServerResponse, status: number, body: unknown): undefined {
  if (response.destroyed) return undefined;
  response.writeHead(status, { "content-type": "application/json; charset=utf-8" });
  response.end(JSON.stringify(body));
  return undefined;
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/**
 * Sends every fetch for a provider host (Arctic's and ours) to the fake, and
 * refuses any other outgoing request, so a test can never reach the network.
 * Returns a function that puts the previous dispatcher back.
 */
export function routeProvidersTo(fake: { origin: string }): () => void {
  const previous = getGlobalDispatcher();
  const known = new Set<string>(providerHosts);
  const agent = new Agent().compose(
    (dispatch: Dispatcher.Dispatch): Dispatcher.Dispatch =>
      (options, handler) => {
        const origin = new URL(String(options.origin));
        if (origin.origin === fake.origin) return dispatch(options, handler);
        if (!known.has(origin.host))
          throw new Error(`test tried to reach ${origin.host}: no network in tests`);
        return dispatch({ ...options, origin: fake.origin }, handler);
      },
  );
  setGlobalDispatcher(agent);
  return () => {
    setGlobalDispatcher(previous);
    void agent.close();
  };
}
