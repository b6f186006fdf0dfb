/** Variables whose value is a credential: never printed, only whether they are set. */
const secretName = /(_SECRET|_KEY|_PASSWORD)$/;

// userinfo never holds an unescaped "/" or "@" (RFC 3986 section 3.2.1), so this finds exactly the password.
const credentialsInURL = /^([a-z][a-z0-9+.-]*:\/\/[^:@/]*):[^@/]*@/i;
// People write them unescaped all the same (a generated password with a "/" in it), and such a URL
// is refused as malformed with its text shown: then everything up to the last "@" is masked.
const unescapedCredentialsInURL = /^([a-z][a-z0-9+.-]*:\/\/[^:@/]*):.*@/i;

/** A URL with its password, if any, replaced by `***` (`mysql://root:***@db/superoauth`). */
export function maskURLCredentials(value: string): string {
  return credentialsInURL.test(value)
    ? value.replace(credentialsInURL, "$1:***@")
    : value.replace(unescapedCredentialsInURL, "$1:***@");
}

/** How a configuration value may be shown in output and error messages: secrets hidden, URL passwords masked. */
export function redactSetting(name: string, value: string): string {
  return secretName.test(name) ? "(set, hidden)" : maskURLCredentials(value);
}
