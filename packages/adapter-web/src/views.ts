import { fileURLToPath } from "node:url";
import { passwordPolicyDescription } from "@superoauth/domain";
import { Eta } from "eta";
import type { PageAssets } from "./assets.ts";
import type { Theme } from "./theme.ts";

/**
 * Renders the hosted pages' templates (Eta, ADR 0022). `autoEscape` is on: `<%= %>` escapes
 * `& < > " '`, so user data (a nickname, an app's name) is inert in text and in quoted attributes;
 * the raw `<%~ %>` is used only for the layout's body, included templates and the provider's own
 * form (provider-form.eta).
 */
export interface Views {
  /** A page in the shared layout: `template` gets `data` plus the title, theme and assets. */
  page(template: string, input: { title: string } & Record<string, unknown>): string;
}

export function createViews(input: { theme: Theme; assets: PageAssets }): Views {
  const eta = new Eta({
    views: fileURLToPath(new URL("../templates", import.meta.url)),
    autoEscape: true,
    // Whitespace in templates is kept as written (no trimming that could join words).
    autoTrim: false,
    cache: true,
  });
  const assets = {
    css: input.assets.css.path,
    theme: input.assets.theme.path,
    mailedLinkScript: input.assets.mailedLinkScript.path,
    icon: input.assets.icon.path,
  };
  return {
    page(template, data) {
      return eta.render(template, {
        ...data,
        theme: input.theme,
        assets,
        passwordRules: passwordPolicyDescription,
      });
    },
  };
}
