/** Variables whose value is a credential: never printed, only whether they are set. */
const secretName = /(_SECRET|_KEY|_PASSWORD)$/;

// userinfo never holds an unescaped "/" or "@" (RFC 3986 section 3.2.1), so this finds exactly the password.
const credentialsInURL = /^([a-z][a-z0-9+.-]*:\/\/[^:@/]*):[^@/]*@/i;
// People write them unescaped all the same: a generated password with a "/" in it (such a URL is
// refused as malformed with its text shown), or an "@" (accepted: URL parsers take the last one).
// Then everything up to the last "@" is masked.
const unescapedCredentialsInURL = /^([a-z][a-z0-9+.-]*:\/\/[^:@/]*):.*@/i;

/**
 * A URL with its password, if any, replaced by `***` (`mysql://root:***@db/superoauth`). Another
 * "@" after the first one's match means an unescaped "@" in the password (URL parsers take the
 * last one, so `mysql://root:p@ss@db/x` is accepted with the password `p@ss`): masking up to the
 * first "@" would show the rest of the password, so everything up to the last one is masked.
 */
export function maskURLCredentials(value: string): string {
  const escaped = credentialsInURL.exec(value);
  return escaped !== null && !value.slice(escaped[0].length).includes("@")
    ? value.replace(credentialsInURL, "$1:***@")
    : value.replace(unescapedCredentialsInURL, "$1:***@");
}

/** How a configuration value may be shown in output and error messages: secrets hidden, URL passwords masked. */
export function redactSetting(name: string, value: string): string {
  return secretName.test(name) ? "(set, hidden)" : maskURLCredentials(value);
}
