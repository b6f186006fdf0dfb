/** Each scope an app may ask for, in the words the consent and device pages show (no service name: the pages carry BRAND_NAME). */
const scopeDescriptions: Readonly<Record<string, string>> = {
  openid: "Know who you are (your account id)",
  profile: "See your nickname",
  email: "See your email address and whether it is verified",
  offline_access: "Stay connected when you are not using it (until you revoke it)",
  "user:read":
    "See your account: email address, nickname, when it was made, and whether it has a password and two-step verification",
};

/** The plain words for a scope; an unknown scope is shown as its name, never hidden. */
export function describeScope(scope: string): string {
  return scopeDescriptions[scope] ?? `Use the permission "${scope}"`;
}
