/** The slice of a pino logger the mail adapters write to. Never given a mail's body: bodies carry tokens. */
export interface MailLog {
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
  error(details: object, message: string): void;
  /** Mail queued (DEBUG=superoauth:mail): recipient and subject, never the body. */
  debug?(details: object, message: string): void;
}

/** A log that drops everything. */
export const silentMailLog: MailLog = {
  info: () => {},
  warn: () => {},
  error: () => {},
};

/** The facts of a delivery failure worth logging: codes and the server's reply, never the mail. */
export function describeMailError(error: unknown): Record<string, unknown> {
  if (typeof error !== "object" || error === null) return { message: String(error) };
  const { code, responseCode, command, message } = error as Record<string, unknown>;
  return Object.fromEntries(
    Object.entries({ code, responseCode, command, message }).filter(([, value]) => value !== undefined),
  );
}
