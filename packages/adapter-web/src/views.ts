import { fileURLToPath } from "node:url";
import { passwordPolicyDescription } from "@superoauth/domain";
import { Eta } from "eta";
import type { PageAssets } from "./assets.ts";
import { newFormId } from "./pages/sent-forms.ts";
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
    autoSubmitScript: input.assets.autoSubmitScript.path,
    icon: input.assets.icon.path,
  };
  return {
    page(template, data) {
      return eta.render(template, {
        ...data,
        refused: isRefusedForm(data),
        // The id of this rendering's forms (`csrf.eta`): the same form sent twice is told apart
        // from the form of the page opened again (pages/sent-forms.ts).
        renderingId: newFormId(),
        theme: input.theme,
        assets,
        passwordRules: passwordPolicyDescription,
      });
    },
  };
}

/**
 * Whether the page is a form sent back refused (its message in `error`, `formError`, a field's
 * `...Error` or `errors`): its `<title>` then starts with "Error: " (the GOV.UK pattern), the first
 * thing a screen reader says of the page that came back, which otherwise kept the form's title.
 */
function isRefusedForm(data: Record<string, unknown>): boolean {
  return Object.entries(data).some(([key, value]) => {
    if (key === "errors")
      return typeof value === "object" && value !== null && Object.values(value).some(Boolean);
    return (key === "error" || key === "formError" || /^[a-z]+Error$/.test(key)) && Boolean(value);
  });
}
