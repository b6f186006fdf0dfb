import type { UseCases } from "@superoauth/application";
import type { FastifyInstance } from "fastify";
import type { HostedBrowserSessions } from "../browser-sessions.ts";
import { clientOf } from "../client.ts";
import type { PageKit } from "../pages/page-kit.ts";
import type { PageContext, SignedInArea } from "../pages/signed-in-area.ts";
import { typedEmailMatches } from "../pages/typed-confirmation.ts";

/**
 * `/account/delete` (issue 10, "Account deletion"): what goes, then the person types their email
 * address and deletes (`deleteAccount`, behind a fresh proof: REAUTH_REQUIRED sends them to
 * `/account/confirm` and back). The browser's session cookie is cleared and `/account/deleted`
 * says it is done; the address can register again.
 */
export function accountDeletionPages(
  app: FastifyInstance,
  kit: PageKit,
  area: SignedInArea,
  options: { useCases: UseCases; browserSessions: HostedBrowserSessions },
): void {
  const { useCases, browserSessions } = options;
  const renderDelete = async (
    page: PageContext,
    input: { error?: string; status?: number; typed?: string } = {},
  ) => {
    // The apps the person registered go too, and every user of theirs loses them: named here.
    const apps = await useCases.listApps({ userId: page.signedIn.user.id });
    return page.render(
      "account/delete",
      {
        title: "Delete your account",
        section: "delete",
        ownApps: apps.ok ? apps.value.map((app) => app.name) : [],
        // A refused form keeps what was typed (a wrong or mistyped address is no secret), and so
        // does the way back from the fresh-proof step, as the notice above it says.
        typed: input.typed ?? (page.hasDraft ? page.form("confirm_email", 320) : ""),
        error: input.error ?? null,
      },
      { status: input.status ?? 200 },
    );
  };

  area.page(app, "/delete", {}, async (page) => renderDelete(page));

  area.action(app, "/delete", {}, async (page) => {
    const typed = page.form("confirm_email", 320);
    if (!typedEmailMatches(typed, page.signedIn.user.email)) {
      return renderDelete(page, {
        error: "Type your email address exactly to delete your account",
        status: 400,
        typed,
      });
    }
    const result = await useCases.deleteAccount({
      user: page.signedIn.user,
      session: page.signedIn.session,
    });
    if (!result.ok) {
      if (result.error === "REAUTH_REQUIRED") return page.confirmFirst("/account/delete");
      const { status, message } = page.failure(result);
      return renderDelete(page, { error: message, status, typed });
    }
    // The session is gone with the account: this only clears the browser's cookie.
    await browserSessions.endWith(page.request.raw, page.reply.raw, clientOf(page.request));
    return page.reply.redirect("/account/deleted", 303);
  });

  kit.get(app, "/deleted", async (_request, reply) =>
    kit.sendPage(reply, {
      html: kit.views.page("notice", {
        title: "Your account is deleted",
        message:
          "Your account, its sessions, the apps you allowed and your personal data are removed. You can sign up again with the same address at any time.",
        status: true,
        // On from here: the sign-in page, which also offers a new account (not a dead end).
        link: { href: "/account/sign-in", text: "Sign in, or make a new account" },
      }),
    }),
  );
}
