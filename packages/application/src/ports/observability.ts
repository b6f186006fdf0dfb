import type { ErrorCode, OAuthProviderId } from "@superoauth/domain";

/** How a sign-in was attempted: a password, the second step's TOTP or backup code, or a provider. */
export type ObservedSignInMethod = "password" | "totp" | "backup_code" | OAuthProviderId;

/** How an account was made: a password sign-up (the API's or the hosted pages'), or a provider's first sign-in. */
export type ObservedRegistrationMethod = "password" | OAuthProviderId;

/**
 * How a sign-up ended. created: the account was made; invalid: the address, nickname or password
 * was refused; taken: the address belongs to an account already (a provider sign-in whose address
 * is an account's it may not link to included); unverified_email: the provider has not verified
 * the address; failed: the account and its link could not be written (a retry may work).
 */
export type ObservedRegistrationResult = "created" | "invalid" | "taken" | "unverified_email" | "failed";

/**
 * What the use cases report as they run, for metrics (docs/decisions/0023). Plain facts from
 * closed sets: never an address, an id or anything a client typed, so whatever receives them
 * cannot grow without bound or leak a secret.
 */
export type ObservedEvent =
  | {
      readonly type: "sign_in";
      readonly method: ObservedSignInMethod;
      /** A session, the second-factor step asked for, or the error code the attempt ended with. */
      readonly result: "succeeded" | "second_factor_required" | ErrorCode;
    }
  | {
      readonly type: "registration";
      readonly method: ObservedRegistrationMethod;
      readonly result: ObservedRegistrationResult;
    }
  /** A failed attempt locked a counter of an existing account (ADR 0008). */
  | { readonly type: "account_locked" }
  | {
      readonly type: "refresh";
      /**
       * rotated: a new pair; reissued: the grace period's successor again; reuse_detected: a spent
       * token came back and its session was revoked; rejected: unknown, expired or revoked;
       * refused: the account may no longer sign in.
       */
      readonly result: "rotated" | "reissued" | "reuse_detected" | "rejected" | "refused";
    }
  /**
   * A provider's answer to a code exchange and profile read, whatever the trip was for (a sign-in,
   * a link, a re-authentication): the provider's health, apart from what we decided next.
   */
  | {
      readonly type: "provider_exchange";
      readonly provider: OAuthProviderId;
      readonly result: ObservedProviderExchangeResult;
    };

/** How a provider answered: its profile, or why not (a rejected code, a failed exchange or read). */
export type ObservedProviderExchangeResult =
  | "succeeded"
  | "INVALID_AUTHORIZATION_CODE"
  | "TOKEN_EXCHANGE_FAILED"
  | "USER_INFO_FAILED";

/** Receives what the use cases report (the metrics adapter counts it). Must not throw or block. */
export interface Observer {
  observe(event: ObservedEvent): void;
}
