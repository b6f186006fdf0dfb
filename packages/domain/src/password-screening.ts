/**
 * The form every password is hashed, compared and screened in: Unicode NFKC, so a password
 * typed on another keyboard or system (NFD "é" as e + combining accent, full-width letters)
 * is the same password (NIST SP 800-63B-4, 3.1.1.2: "SHALL be normalized" with NFKC or NFKD
 * before hashing; NFKC is also what RFC 8265's OpaqueString profile settles on).
 */
export function normalizePassword(password: string): string {
  return password.normalize("NFKC");
}

/**
 * The forms a typed password is compared in, in order: its NFKC form, then, only if that
 * differs, the form as typed, which is what hashes made before passwords were normalised
 * hold (docs/decisions/0014-password-screening.md). A wrong password costs one slow hash
 * per form, for a known account and for the dummy check of an unknown one alike.
 */
export function passwordFormsToVerify(typed: string): string[] {
  const normalized = normalizePassword(typed);
  return normalized === typed ? [normalized] : [normalized, typed];
}

/**
 * The words of an account a password must not be built from (NIST SP 800-63B-4, 3.1.1.2:
 * refuse "context-specific words, such as the name of the service, the username"): the
 * address with and without its top-level domain, its local part and that part's pieces, its
 * domain and each label of it but the last, and the nickname and its pieces. The strength
 * estimator matches them, l33t and reversed forms included.
 */
export function accountWordsOf(input: { email: string; nickname: string }): string[] {
  const email = input.email.toLowerCase();
  const at = email.lastIndexOf("@");
  const local = at < 0 ? email : email.slice(0, at);
  const domain = at < 0 ? "" : email.slice(at + 1);
  const lastDot = email.lastIndexOf(".");
  const withoutTopLevel = lastDot > at ? email.slice(0, lastDot) : email;
  const nickname = input.nickname.toLowerCase();
  const words = [
    email,
    withoutTopLevel,
    local,
    ...piecesOf(local),
    domain,
    ...domain.split(".").slice(0, -1),
    nickname,
    ...piecesOf(nickname),
  ];
  // Pieces shorter than three characters would match by chance in any password.
  return [...new Set(words.filter((word) => word.length >= 3))];
}

/** The letter-and-digit runs of a word: "ada.king" -> "ada", "king". */
function piecesOf(word: string): string[] {
  return word.split(/[^\p{L}\p{N}]+/u);
}
