import type { ColumnType, Insertable, Selectable } from "kysely";

/**
 * The `users` table. BOOLEAN is TINYINT(1) in MySQL and MariaDB and INTEGER in SQLite: both
 * read it back as 0 or 1, so the selected type is a number and the repository maps it.
 */
export interface UsersTable {
  id: string;
  email: string;
  email_verified: ColumnType<number, boolean, boolean>;
  nickname: string;
  password_hash: string | null;
  status: ColumnType<string, string | undefined, string>;
  /** Why staff disabled the account (docs/admin.md); null while active, and for a disable from before reasons were kept. */
  disabled_reason: ColumnType<string | null, string | null | undefined, string | null>;
  /** `user`, `support` or `admin` (docs/admin.md). */
  role: ColumnType<string, string | undefined, string>;
  /** Whether the user's TOTP factor is enabled: set and cleared with the factor (two-factor-repository). */
  two_factor_enabled: ColumnType<number, boolean | undefined, boolean>;
  created_at: Date;
  updated_at: Date;
}

/** The `sessions` table: one sign-in on one device. */
export interface SessionsTable {
  id: string;
  user_id: string;
  created_at: Date;
  last_used_at: Date;
  /** When a hosted page last recognised it as its browser's session (at most once a minute). */
  last_seen_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  revoked_at: Date | null;
  user_agent: string | null;
  ip: string | null;
  /** When the session last proved a factor (sign-in or re-authentication). */
  authenticated_at: Date;
  /** How, as RFC 8176 names separated by spaces ("pwd otp mfa"); "" when not recorded. */
  authentication_methods: ColumnType<string, string | undefined, string>;
}

/**
 * The `refresh_tokens` table. Only the SHA-256 of a token's secret is kept, plus, while the token is
 * live and its predecessor's grace period lasts, the secret AES-GCM encrypted (docs/decisions/0002).
 */
export interface RefreshTokensTable {
  id: string;
  session_id: string;
  secret_hash: string;
  parent_id: string | null;
  replaced_by_id: string | null;
  created_at: Date;
  expires_at: Date;
  rotated_at: Date | null;
  encrypted_secret: ColumnType<string | null, string | null | undefined, string | null>;
  encrypted_secret_expires_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
}

/** The `security_events` table: an append-only log per user. `details` is JSON text. */
export interface SecurityEventsTable {
  id: string;
  user_id: string;
  type: string;
  occurred_at: Date;
  ip: string | null;
  user_agent: string | null;
  details: string;
  /** The member of staff who caused it; null for the holder's own and the system's events. */
  actor_id: ColumnType<string | null, string | null | undefined, string | null>;
}

/** The `email_tokens` table: single-use tokens sent by mail. Only the SHA-256 of a secret is kept. */
export interface EmailTokensTable {
  id: string;
  user_id: string;
  purpose: string;
  secret_hash: string;
  created_at: Date;
  expires_at: Date;
  used_at: Date | null;
  new_email: string | null;
}

/** The `linked_providers` table: provider identities of users. */
export interface LinkedProvidersTable {
  user_id: string;
  provider: string;
  subject: string;
  email: string | null;
  display_name: string | null;
  linked_at: Date;
}

/** The `oauth_authorizations` table: single-use OAuth states, by SHA-256 of the state. */
export interface OAuthAuthorizationsTable {
  state_hash: string;
  provider: string;
  link_user_id: string | null;
  link_session_id: string | null;
  code_challenge_hash: string | null;
  reauthenticate_session_id: string | null;
  created_at: Date;
  expires_at: Date;
}

/** The `oauth_login_codes` table: single-use login codes, by SHA-256 of the code. */
export interface OAuthLoginCodesTable {
  code_hash: string;
  user_id: string;
  provider: string;
  code_challenge_hash: string;
  created_at: Date;
  expires_at: Date;
}

/** The `totp_factors` table: one TOTP factor per user, its secret encrypted. */
export interface TOTPFactorsTable {
  user_id: string;
  encrypted_secret: string;
  status: string;
  /** BIGINT: mysql2 returns it as a number or, past 2^53, a string (supportBigNumbers). */
  last_used_step: ColumnType<number | string | null, number | null, number | null>;
  created_at: Date;
  enabled_at: Date | null;
}

/** The `backup_codes` table: argon2id hashes of single-use codes. */
export interface BackupCodesTable {
  id: string;
  user_id: string;
  /** Null for codes issued before lookup ids (ADR 0010). */
  lookup_id: string | null;
  code_hash: string;
  used_at: Date | null;
}

/** The `login_failures` table: failed sign-in counters per account and source (ADR 0008). */
export interface LoginFailuresTable {
  account: string;
  source: string;
  failure_count: number;
  window_started_at: Date;
  locked_until: Date | null;
}

/** The `known_sign_in_sources` table: devices and IPs users signed in from. */
export interface KnownSignInSourcesTable {
  user_id: string;
  source: string;
  last_seen_at: Date;
}

/** The `completed_mfa_challenges` table: MFA tokens (by jti) that completed a sign-in, kept until they expire. */
export interface CompletedMFAChallengesTable {
  id: string;
  user_id: string;
  expires_at: Date;
}

/** The `export_jobs` table: data exports and their archives (ADR 0025). */
export interface ExportJobsTable {
  id: string;
  user_id: string;
  /** The user's id while the job is pending or running, else null (unique: one active export per user). */
  active_user_id: string | null;
  status: string;
  attempts: ColumnType<number, number | undefined, number>;
  progress: ColumnType<number, number | undefined, number>;
  records_written: ColumnType<number | string, number | undefined, number>;
  lease_token: string | null;
  lease_expires_at: Date | null;
  file_key: string | null;
  size_bytes: ColumnType<number | string | null, number | null | undefined, number | null>;
  sha256: string | null;
  requested_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
  expires_at: Date | null;
}

/** The `oidc_models` table: oidc-provider's models (ADR 0017). `payload` is JSON text. */
export interface OIDCModelsTable {
  model: string;
  /** The SHA-256 (hex) of the id for token-bearing models, the id itself otherwise. */
  id: string;
  payload: string;
  grant_id: string | null;
  uid: string | null;
  user_code: string | null;
  account_id: string | null;
  client_id: string | null;
  expires_at: Date | null;
  consumed_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
}

/** The `signing_keys` table: our token-signing keys (ADR 0021). The JWKs are JSON text. */
export interface SigningKeysTable {
  kid: string;
  algorithm: string;
  generation: number;
  public_jwk: string;
  encrypted_private_jwk: string;
  created_at: Date;
  activated_at: Date;
  retired_at: Date | null;
  expires_at: Date | null;
}

/** The `apps` table: third-party apps (ADR 0020). `id` is the client id; lists are JSON text. */
export interface AppsTable {
  id: string;
  owner_id: string;
  name: string;
  logo_url: string | null;
  homepage_url: string | null;
  redirect_uris: string;
  post_logout_redirect_uris: string;
  /** Space-separated, as OAuth writes scopes. */
  allowed_scopes: string;
  client_type: string;
  token_endpoint_auth_method: string;
  /** ES256 or RS256: how the app's ID tokens are signed (the provider's client metadata name). */
  id_token_signed_response_alg: string;
  /** Whether its authorization requests must carry a PKCE challenge (always for a public app). */
  require_pkce: ColumnType<number, boolean | undefined, boolean>;
  /** Where the provider POSTs logout tokens (ADR 0073); null: none registered. */
  backchannel_logout_uri: string | null;
  secret_hash: string | null;
  /** The SHA-256 of the secret the last rotation replaced, and when (null before any rotation). */
  replaced_secret_hash: ColumnType<string | null, string | null | undefined, string | null>;
  secret_replaced_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  created_at: Date;
  updated_at: Date;
}

/** The `app_authorizations` table: a user's consent to an app (ADR 0020). */
export interface AppAuthorizationsTable {
  user_id: string;
  client_id: string;
  grant_id: string;
  /** Space-separated. */
  scopes: string;
  granted_at: Date;
  last_used_at: Date;
}

/** The `maintenance_notices` table: the status page's notice, one row (id 1) or none. */
export interface MaintenanceNoticesTable {
  id: number;
  message: string;
  set_at: Date;
  set_by: string;
}

/** The `running_instances` table: each instance serving the database, and its settings' digests. */
export interface RunningInstancesTable {
  id: string;
  host: string;
  release_version: string;
  started_at: Date;
  seen_at: Date;
  /** JSON: a setting's name to the keyed digest of its value. */
  settings: string;
}

/** Every table the adapter knows, as Kysely sees them. */
export interface Database {
  users: UsersTable;
  sessions: SessionsTable;
  refresh_tokens: RefreshTokensTable;
  security_events: SecurityEventsTable;
  linked_providers: LinkedProvidersTable;
  oauth_authorizations: OAuthAuthorizationsTable;
  oauth_login_codes: OAuthLoginCodesTable;
  email_tokens: EmailTokensTable;
  totp_factors: TOTPFactorsTable;
  backup_codes: BackupCodesTable;
  login_failures: LoginFailuresTable;
  known_sign_in_sources: KnownSignInSourcesTable;
  completed_mfa_challenges: CompletedMFAChallengesTable;
  oidc_models: OIDCModelsTable;
  signing_keys: SigningKeysTable;
  apps: AppsTable;
  app_authorizations: AppAuthorizationsTable;
  export_jobs: ExportJobsTable;
  maintenance_notices: MaintenanceNoticesTable;
  running_instances: RunningInstancesTable;
}

export type UserRow = Selectable<UsersTable>;
export type SessionRow = Selectable<SessionsTable>;
export type NewSessionRow = Insertable<SessionsTable>;
export type RefreshTokenRow = Selectable<RefreshTokensTable>;
export type NewRefreshTokenRow = Insertable<RefreshTokensTable>;
