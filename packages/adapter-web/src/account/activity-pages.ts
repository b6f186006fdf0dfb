import type { UseCases } from "@superoauth/application";
import { isPageCursor } from "@superoauth/domain";
import type { FastifyInstance } from "fastify";
import { clientOf } from "../client.ts";
import type { PageContext, SignedInArea } from "../pages/signed-in-area.ts";
import { describeScope } from "../scopes.ts";
import { developerAppPages } from "./developer-app-pages.ts";
import { exportPages } from "./export-pages.ts";
import { shownClient, shownEvent, shownTime } from "./present.ts";

/**
 * The account center's sections about where and by what the account is used (issue 10): sessions,
 * authorized apps, developer apps, the activity timeline and the data export. Registered by
 * `createAccountPages` on its signed-in area; each handler calls the use case the API route calls.
 */
export function accountActivityPages(
  app: FastifyInstance,
  area: SignedInArea,
  useCases: UseCases,
  options: { oidcIssuer?: string | undefined } = {},
): void {
  sessionPages(app, area, useCases);
  authorizedAppPages(app, area, useCases);
  activityPage(app, area, useCases);
  developerAppPages(app, area, useCases, options.oidcIssuer);
  exportPages(app, area, useCases);
}

/** A failure to show on the page: page.failure's words and status. */
type Shown = { message?: string; status?: number };

/** `/account/sessions`: the live sessions (this one marked), sign out one, sign out all others. */
function sessionPages(app: FastifyInstance, area: SignedInArea, useCases: UseCases): void {
  const render = async (page: PageContext, shown: Shown = {}) => {
    const listed = await useCases.listSessions({
      userId: page.signedIn.user.id,
      currentSessionId: page.signedIn.session.id,
    });
    const sessions = (listed.ok ? listed.value : []).map((session) => ({
      id: session.id,
      ...shownClient(session),
      createdAt: shownTime(session.createdAt),
      lastUsedAt: shownTime(session.lastUsedAt),
      current: session.current,
    }));
    return page.render(
      "account/sessions",
      {
        title: "Sessions",
        section: "sessions",
        sessions,
        others: sessions.filter((session) => !session.current).length,
        error: shown.message ?? null,
      },
      { status: shown.status ?? 200 },
    );
  };

  area.page(app, "/sessions", {}, async (page) => render(page));

  area.action(app, "/sessions/revoke", {}, async (page) => {
    const sessionId = page.form("session_id", 64);
    const result = await useCases.revokeSession({
      userId: page.signedIn.user.id,
      sessionId,
      client: clientOf(page.request),
    });
    if (!result.ok) return render(page, page.failure(result));
    // Signing out this very session is a sign-out: the gate sends the browser to sign in.
    return page.redirect(
      "/account/sessions",
      sessionId === page.signedIn.session.id ? undefined : "session_revoked",
    );
  });

  area.action(app, "/sessions/revoke-others", {}, async (page) => {
    const result = await useCases.logOutEverywhere({
      userId: page.signedIn.user.id,
      keepSessionId: page.signedIn.session.id,
      client: clientOf(page.request),
    });
    // From a page opened before the others ended or expired: nothing was done, and the page says so.
    const ended = result.ok && result.value.sessionsEnded > 0;
    return page.redirect("/account/sessions", ended ? "other_sessions_revoked" : "no_other_sessions");
  });
}

/** `/account/apps`: the apps the person let use the account, what they may do, and revoking one. */
function authorizedAppPages(app: FastifyInstance, area: SignedInArea, useCases: UseCases): void {
  const render = async (page: PageContext, shown: Shown = {}) => {
    const listed = await useCases.listAuthorizedApps({ userId: page.signedIn.user.id });
    const apps = (listed.ok ? listed.value : []).map((authorized) => ({
      clientId: authorized.clientId,
      name: authorized.name,
      homepageURL: authorized.homepageURL,
      scopes: authorized.scopes.map(describeScope),
      grantedAt: shownTime(authorized.grantedAt),
      lastUsedAt: shownTime(authorized.lastUsedAt),
    }));
    return page.render(
      "account/apps",
      { title: "Authorized apps", section: "apps", apps, error: shown.message ?? null },
      { status: shown.status ?? 200 },
    );
  };

  area.page(app, "/apps", {}, async (page) => render(page));

  area.action(app, "/apps/revoke", {}, async (page) => {
    const result = await useCases.revokeAppAuthorization({
      userId: page.signedIn.user.id,
      clientId: page.form("client_id", 128),
      client: clientOf(page.request),
    });
    if (result.ok) return page.redirect("/account/apps", "app_revoked");
    // A second "Remove access" (a double click, another tab) finds the access gone: say that, as a
    // second "Sign out" of a session says it is already signed out.
    if (result.error === "APP_NOT_FOUND") {
      return render(page, { status: 404, message: "That app has no access to your account (any more)" });
    }
    return render(page, page.failure(result));
  });
}

const eventsPerPage = 20;
/** How many newer pages' cursors an "Older" link carries back (each at most 64 characters). */
const maxTrail = 20;

/**
 * `/account/activity?before=<id>&newer=<id>,<id>`: the security log, newest first, a page at a time.
 * The use case pages with `before` only, so the "Newer" link is the cursor the page before used,
 * carried in `newer` (the trail of cursors back to the first page, without JavaScript or a session).
 * A cursor that is no event id (`isPageCursor`) is ignored and the newest page shown.
 */
function activityPage(app: FastifyInstance, area: SignedInArea, useCases: UseCases): void {
  area.page(app, "/activity", {}, async (page) => {
    const query = page.request.query as Record<string, unknown>;
    const before = typeof query.before === "string" && isPageCursor(query.before) ? query.before : null;
    const trail =
      before === null || typeof query.newer !== "string"
        ? []
        : query.newer
            .split(",")
            .filter((cursor) => isPageCursor(cursor))
            .slice(-maxTrail);
    const listed = await useCases.listSecurityEvents({
      userId: page.signedIn.user.id,
      limit: eventsPerPage,
      before: before ?? undefined,
    });
    const found = listed.ok ? listed.value : { events: [], nextBefore: null };
    const link = (cursor: string | null, newer: readonly string[]) =>
      cursor === null
        ? "/account/activity"
        : `/account/activity?${new URLSearchParams(newer.length === 0 ? { before: cursor } : { before: cursor, newer: newer.join(",") })}`;
    return page.render("account/activity", {
      title: "Activity",
      section: "activity",
      events: found.events.map(shownEvent),
      olderHref:
        found.nextBefore === null
          ? null
          : link(found.nextBefore, before === null ? [] : [...trail, before].slice(-maxTrail)),
      newerHref: before === null ? null : link(trail.at(-1) ?? null, trail.slice(0, -1)),
    });
  });
}
