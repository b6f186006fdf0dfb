import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { type Theme, themeIcon, themeStylesheet } from "./theme.ts";

/** A static file served under a name that carries a hash of its content, so it can be cached for a year. */
export interface Asset {
  readonly path: string;
  readonly contentType: string;
  readonly body: string;
}

/** The stylesheets of the hosted pages (the shared one and the theme's), their two scripts and the icon. */
export interface PageAssets {
  readonly css: Asset;
  readonly theme: Asset;
  /** Moves a mailed link's token from the URL fragment into its page's form (progressive: optional). */
  readonly mailedLinkScript: Asset;
  /** Sends the OpenID provider's in-between form on by itself (progressive: its button does it too). */
  readonly autoSubmitScript: Asset;
  /** The pages' icon, in the theme's colour. */
  readonly icon: Asset;
}

function hashedAsset(input: { name: string; extension: string; contentType: string; body: string }): Asset {
  const hash = createHash("sha256").update(input.body).digest("hex").slice(0, 16);
  return {
    path: `/assets/${input.name}-${hash}.${input.extension}`,
    contentType: input.contentType,
    body: input.body,
  };
}

/** Reads the stylesheet once at start-up and derives the theme's from configuration. */
export function loadPageAssets(theme: Theme): PageAssets {
  return {
    css: hashedAsset({
      name: "web",
      extension: "css",
      contentType: "text/css; charset=utf-8",
      body: readFileSync(new URL("../assets/web.css", import.meta.url), "utf8"),
    }),
    theme: hashedAsset({
      name: "theme",
      extension: "css",
      contentType: "text/css; charset=utf-8",
      body: themeStylesheet(theme),
    }),
    mailedLinkScript: hashedAsset({
      name: "mailed-link",
      extension: "js",
      contentType: "text/javascript; charset=utf-8",
      body: readFileSync(new URL("../assets/mailed-link.js", import.meta.url), "utf8"),
    }),
    autoSubmitScript: hashedAsset({
      name: "auto-submit",
      extension: "js",
      contentType: "text/javascript; charset=utf-8",
      body: readFileSync(new URL("../assets/auto-submit.js", import.meta.url), "utf8"),
    }),
    icon: hashedAsset({
      name: "icon",
      extension: "svg",
      contentType: "image/svg+xml",
      body: themeIcon(theme),
    }),
  };
}
