import { err, ok, type Result } from "./result.ts";

declare const emailBrand: unique symbol;
/** An email address in its one normalised form: trimmed, Unicode NFC, lower-case. */
export type Email = string & { readonly [emailBrand]: true };

const maxEmailLength = 254; // RFC 5321 path limit
const maxLocalPartLength = 64;
// Pragmatic shape check (WHATWG's "valid e-mail address", widened to Unicode letters):
// one @, a local part without spaces or specials, a dotted domain of letters, digits and hyphens.
// Letters include the combining marks that scripts such as Devanagari and Tamil write their vowels
// with (राम, தமிழ், .भारत: categories Mn and Mc), never first. A new address may not hold invisible
// code points (parseNewEmail).
const localPart = /^[\p{L}\p{N}.!#$%&'*+/=?^_`{|}~-][\p{L}\p{M}\p{N}.!#$%&'*+/=?^_`{|}~-]*$/u;
const domainLabel = /^[\p{L}\p{N}](?:[\p{L}\p{M}\p{N}-]*[\p{L}\p{M}\p{N}])?$/u;
// Code points that show as nothing: the combining grapheme joiner, variation selectors, and letters
// such as the Hangul fillers (U+115F, U+3164), which made `alice\u115f@` a second `alice@`.
const invisible = /\p{Default_Ignorable_Code_Point}/u;

/**
 * Normalises and validates an email address. Normalising once, here, is what
 * lets the database's binary-collated unique index decide identity.
 */
export function parseEmail(raw: string): Result<Email, "VALIDATION_ERROR"> {
  const invalid = err("VALIDATION_ERROR", "Email must be a valid email address");
  // `İ` (Turkish capital dotted I) lower-cases to `i` + a combining dot above, which looks like
  // `i`: it is taken as `i`, so `İrem@` is `irem@` (such a sequence never was a valid address before).
  const normalised = raw.trim().normalize("NFC").toLowerCase().replaceAll("i\u0307", "i");
  if (normalised.length === 0 || normalised.length > maxEmailLength) return invalid;
  const at = normalised.lastIndexOf("@");
  if (at <= 0 || at !== normalised.indexOf("@")) return invalid;
  const local = normalised.slice(0, at);
  const domain = normalised.slice(at + 1);
  if (local.length > maxLocalPartLength || !localPart.test(local)) return invalid;
  if (local.startsWith(".") || local.endsWith(".") || local.includes("..")) return invalid;
  const labels = domain.split(".");
  if (labels.length < 2 || labels.some((label) => label.length > 63 || !domainLabel.test(label))) {
    return invalid;
  }
  return ok(normalised as Email);
}

/**
 * An address a new account (or a change of address) may take: a valid address, and one that
 * Unicode compatibility normalisation (NFKC) leaves as it is. Full-width letters (`ａlice@ｅxample.com`),
 * ligatures and the like look the same as, or are delivered like, another address (mail software
 * maps a domain so, IDNA UTS #46), yet would be a second account beside it. Only new addresses are
 * refused: lookups keep parseEmail, so no existing account stops being found.
 */
export function parseNewEmail(raw: string): Result<Email, "VALIDATION_ERROR"> {
  const parsed = parseEmail(raw);
  if (!parsed.ok) {
    // A full-width `＠` or `．` (a Japanese or Chinese input method's) makes no address at all: say
    // which plain form was meant rather than only "not valid".
    const plain = parseEmail(raw.normalize("NFKC"));
    return plain.ok ? fullWidth(plain.value) : parsed;
  }
  if (invisible.test(parsed.value)) {
    return err("VALIDATION_ERROR", "Email must not contain invisible characters");
  }
  const compatible = parsed.value.normalize("NFKC").toLowerCase();
  if (compatible !== parsed.value) return fullWidth(compatible);
  return parsed;
}

function fullWidth(plain: string): Result<never, "VALIDATION_ERROR"> {
  return err(
    "VALIDATION_ERROR",
    `Email must be typed without full-width or other compatibility characters (as ${plain})`,
  );
}

/**
 * An address as a notice may show it to someone who may not own it: the first character of the
 * local part, then `***`, then the domain (`n***@example.com`). Enough for the holder to recognise
 * their own request, too little to hand a stranger the new address.
 */
export function maskEmail(email: Email): string {
  const at = email.lastIndexOf("@");
  // The first code point, not the first UTF-16 unit: half of `𠮷` (outside the BMP) is no character,
  // and arrived in notices and the activity log as `�` (or a lone `\ud842` in JSON).
  const first = at > 0 ? String.fromCodePoint(email.codePointAt(0) as number) : "";
  return `${first}***${email.slice(at)}`;
}
