import type { UseCases } from "@superoauth/application";
import type { FastifyInstance } from "fastify";
import { clientOf } from "../client.ts";
import type { PageContext, SignedInArea } from "../pages/signed-in-area.ts";
import { shownTime } from "./present.ts";

/**
 * The pages that offer "Mail me a new link" (verification-link.eta): the overview, the profile,
 * and those that wait for a verified address; its form comes back to them.
 */
const newLinkPages: readonly string[] = [
  "/account",
  "/account/profile",
  "/account/two-factor",
  "/account/developer-apps",
];

/**
 * `/account/profile`: the nickname (`updateProfile`, no fresh proof: it changes nothing about
 * signing in) and the email address (`requestEmailChange`, behind a fresh proof: nothing changes
 * until the link mailed to the new address is opened at `/confirm-email`, ADR 0027).
 */
export function profilePages(app: FastifyInstance, area: SignedInArea, useCases: UseCases): void {
  const base = "/account/profile";

  const render = async (
    page: PageContext,
    input: {
      nickname?: string;
      newEmail?: string;
      error?: { form: "nickname" | "email"; message: string };
      status?: number;
    } = {},
  ) => {
    const pending = await useCases.findPendingEmailChange({ session: page.signedIn.session });
    return page.render(
      "account/profile",
      {
        title: "Profile",
        section: "profile",
        nickname: input.nickname ?? page.signedIn.user.nickname,
        email: page.signedIn.user.email,
        emailVerified: page.signedIn.user.emailVerified,
        pendingEmail:
          pending === null ? null : { address: pending.newEmail, until: shownTime(pending.expiresAt) },
        // Back from the fresh-proof step: the address typed before it.
        newEmail: input.newEmail ?? (page.hasDraft ? page.form("new_email", 254) : ""),
        nicknameError: input.error?.form === "nickname" ? input.error.message : null,
        emailError: input.error?.form === "email" ? input.error.message : null,
      },
      { status: input.status ?? 200 },
    );
  };

  area.page(app, "/profile", {}, async (page) => render(page));

  area.action(app, "/profile/nickname", {}, async (page) => {
    const nickname = page.form("nickname", 64);
    const result = await useCases.updateProfile({
      session: page.signedIn.session,
      nickname,
      client: clientOf(page.request),
    });
    if (!result.ok) {
      const { status, message } = page.failure(result);
      return render(page, { nickname, error: { form: "nickname", message }, status });
    }
    const unchanged = result.value.nickname === page.signedIn.user.nickname;
    return page.redirect(base, unchanged ? "nickname_unchanged" : "nickname_changed");
  });

  // "Mail me a new link" of the profile and of the pages that wait for a verified address:
  // mailed to the signed-in account's own address at once, and back to that page. It was a link to
  // the public /resend-verification form, which asked for the address again and led "Back to sign in".
  area.action(app, "/verification-link", { limit: "email" }, async (page) => {
    const asked = page.form("back", 64);
    const back = newLinkPages.includes(asked) ? asked : "/account";
    // Verified meanwhile (the link opened in another tab): nothing to send, and the page says so.
    if (page.signedIn.user.emailVerified) return page.redirect(back, "address_verified_already");
    await useCases.resendVerification({ email: page.signedIn.user.email, client: clientOf(page.request) });
    return page.redirect(back, "verification_sent");
  });

  area.action(app, "/profile/email", { limit: "email" }, async (page) => {
    const newEmail = page.form("new_email", 254);
    const result = await useCases.requestEmailChange({
      session: page.signedIn.session,
      newEmail,
      client: clientOf(page.request),
    });
    if (!result.ok) {
      if (result.error === "REAUTH_REQUIRED") return page.confirmFirst(base);
      const { status, message } = page.failure(result);
      return render(page, { newEmail, error: { form: "email", message }, status });
    }
    return page.redirect(base, "email_change_sent");
  });
}
