import type { FastifyInstance } from "fastify";
import {
  accountScript,
  accountStyles,
  oauthCompletePage,
  pageSecurityHeaders,
  resetPasswordPage,
  verifyEmailPage,
} from "../pages/account-pages.ts";

/**
 * The pages account mails link to (`APP_URL/verify-email#token=...`, `APP_URL/reset-password#token=...`)
 * and where social sign-in lands by default (`APP_URL/oauth/complete?code=...`).
 */
export async function pageRoutes(app: FastifyInstance): Promise<void> {
  const serve = (path: string, type: string, body: string) =>
    app.get(path, async (_request, reply) => reply.headers(pageSecurityHeaders).type(type).send(body));
  serve("/verify-email", "text/html; charset=utf-8", verifyEmailPage);
  serve("/reset-password", "text/html; charset=utf-8", resetPasswordPage);
  serve("/oauth/complete", "text/html; charset=utf-8", oauthCompletePage);
  serve("/assets/account.js", "text/javascript; charset=utf-8", accountScript);
  serve("/assets/account.css", "text/css; charset=utf-8", accountStyles);
}
