// The one internal module of oidc-provider we import (device-code-adapter.ts): its device pages'
// re-render errors, which its error handler tells from failures by class (shared/error_handler.js)
// and which its package does not export. The library has no "exports" map, so the path resolves.
declare module "oidc-provider/lib/helpers/re_render_errors.js" {
  /** The device-code page is shown again with the error; the library answers 200. */
  export class ReRenderError extends Error {
    constructor(message: string, userCode?: string);
    userCode?: string;
  }
  export class AlreadyUsedError extends ReRenderError {
    constructor(userCode?: string);
  }
}
