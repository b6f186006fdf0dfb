/** The tokens of a signed-in session, as the client keeps them. */
export interface StoredTokens {
  readonly accessToken: string;
  readonly refreshToken: string;
}

/**
 * Where the client keeps its tokens. Each method may answer at once or with a promise, so a
 * storage can be memory, `localStorage`, a secure keychain or a server-side session. The client
 * writes the rotated refresh token after every refresh: keep only the newest (presenting an older
 * one later ends the session, RFC 9700 section 4.14.2).
 */
export interface TokenStorage {
  get(): StoredTokens | null | Promise<StoredTokens | null>;
  set(tokens: StoredTokens): void | Promise<void>;
  clear(): void | Promise<void>;
}

/** The default storage: this process's memory only (gone on reload; nothing readable by other scripts). */
export class MemoryTokenStorage implements TokenStorage {
  #tokens: StoredTokens | null = null;

  get(): StoredTokens | null {
    return this.#tokens;
  }

  set(tokens: StoredTokens): void {
    this.#tokens = { accessToken: tokens.accessToken, refreshToken: tokens.refreshToken };
  }

  clear(): void {
    this.#tokens = null;
  }
}
