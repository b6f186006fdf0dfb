import { err, ok, type Result } from "./result.ts";

declare const emailBrand: unique symbol;
/** An email address in its one normalised form: trimmed, Unicode NFC, lower-case, the domain in ASCII (`xn--` labels). */
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
  const ascii = asciiDomain(domain);
  if (ascii === null) return invalid;
  const email = ascii === domain ? normalised : `${local}@${ascii}`;
  return email.length > maxEmailLength ? invalid : ok(email as Email);
}

/**
 * The web platform's URL parser, the one implementation of IDNA (UTS #46) every runtime of this
 * package has (Node, browsers); declared here because the domain compiles without DOM or Node types.
 */
declare const URL: new (input: string) => { readonly hostname: string };

/**
 * A domain in its one form: ASCII, an internationalised label as its `xn--` A-label
 * (`bücher.de` is `xn--bcher-kva.de`), or null when IDNA refuses it. Both spellings reach the same
 * mailbox, and a browser's `<input type="email">` sends the `xn--` one, so they must be one
 * account (ADR 0005). The labels were checked to hold only letters, marks, digits and hyphens, so
 * the URL parser sees a host and nothing else.
 */
function asciiDomain(domain: string): string | null {
  if (!nonASCII.test(domain)) return domain;
  let host: string;
  try {
    host = new URL(`http://${domain}/`).hostname;
  } catch {
    return null;
  }
  return host.split(".").every((label) => label.length > 0 && label.length <= 63 && asciiLabel.test(label))
    ? host
    : null;
}
const nonASCII = /\P{ASCII}/u;
const asciiLabel = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;

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
  const local = parsed.value.slice(0, parsed.value.lastIndexOf("@"));
  // RFC 5321 counts octets: 60 Chinese characters are 180 of them, which mail servers refuse.
  if (utf8Length(local) > maxLocalPartLength || utf8Length(parsed.value) > maxEmailLength) {
    return err(
      "VALIDATION_ERROR",
      `Email is too long: at most ${maxLocalPartLength} bytes before the @ and ${maxEmailLength} in all (a letter outside ASCII takes 2 to 4)`,
    );
  }
  if (lookAlikeScripts.filter((script) => script.test(local)).length > 1) {
    return err(
      "VALIDATION_ERROR",
      "Email must not mix Latin, Cyrillic and Greek letters in one address (they include letters that look the same)",
    );
  }
  return parsed;
}

/** Bytes of a text in UTF-8, as mail servers count an address's length. */
function utf8Length(text: string): number {
  let bytes = 0;
  for (const character of text) {
    const point = character.codePointAt(0) as number;
    bytes += point < 0x80 ? 1 : point < 0x800 ? 2 : point < 0x10000 ? 3 : 4;
  }
  return bytes;
}

/**
 * Scripts with letters that look like each other's (Latin `a`, Cyrillic `а`, Greek `ο`): a local
 * part mixing them (`аlice`, its first letter Cyrillic) looks like another address (UTS #39's
 * mixed-script check, narrowed to these three). The domain needs no such check: it is kept in ASCII,
 * where a look-alike label shows as `xn--`.
 */
const lookAlikeScripts = [/\p{Script=Latin}/u, /\p{Script=Cyrillic}/u, /\p{Script=Greek}/u];

function fullWidth(plain: string): Result<never, "VALIDATION_ERROR"> {
  return err(
    "VALIDATION_ERROR",
    `Email must be typed without full-width or other compatibility characters (as ${plain})`,
  );
}

/**
 * An address as a notice may show it to someone who may not own it: the first character of the
 * local part, then `***`, then the domain (`n***@example.com`). Enough for the holder to recognise
 * their own request, too little to hand a stranger the new address. Any text with an `@` is masked
 * the same way (a search for `grace.hopper@gmail`, which is no address, names the person as well).
 */
export function maskEmail(email: Email | string): string {
  const at = email.lastIndexOf("@");
  // The first code point, not the first UTF-16 unit: half of `𠮷` (outside the BMP) is no character,
  // and arrived in notices and the activity log as `�` (or a lone `\ud842` in JSON).
  const first = at > 0 ? String.fromCodePoint(email.codePointAt(0) as number) : "";
  return `${first}***${email.slice(at)}`;
}
