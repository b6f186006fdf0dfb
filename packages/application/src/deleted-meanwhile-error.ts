/**
 * Thrown by a store whose write named a row that is gone: a foreign key refused it, because what
 * the request acted on (usually the account, sometimes an app) was deleted while the request ran.
 * Neither a bug nor the client's mistake, and no outcome a use case could foresee at every write,
 * so, like OverloadedError, it lives with the ports and passes through the use cases: the API
 * answers 404 USER_NOT_FOUND (what the account's next request is answered), a hosted page says
 * the thing is gone, and a background task (a mail for a deleted account) ends with a warning
 * rather than an error (docs/reliability.md).
 */
export class DeletedMeanwhileError extends Error {
  constructor(input: { cause: unknown }) {
    super("A row this write refers to was deleted while the request ran", { cause: input.cause });
    this.name = "DeletedMeanwhileError";
  }
}
