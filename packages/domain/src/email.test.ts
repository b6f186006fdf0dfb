import { describe, expect, it } from "vitest";
import { type Email, maskEmail, parseEmail, parseNewEmail } from "./email.ts";

function normalised(raw: string): string {
  const result = parseEmail(raw);
  if (!result.ok) throw new Error(`expected ${JSON.stringify(raw)} to parse, got ${result.error}`);
  return result.value;
}

describe("parseNewEmail", () => {
  it.each([
    ["a full-width at sign", "alice＠example.com", "alice@example.com"],
    ["a full-width full stop in the domain", "alice@example．com", "alice@example.com"],
  ])("refuses %s (no address at all) naming the plain form, not only 'not valid'", (_name, raw, plain) => {
    expect(parseNewEmail(raw)).toEqual({
      ok: false,
      error: "VALIDATION_ERROR",
      message: `Email must be typed without full-width or other compatibility characters (as ${plain})`,
    });
  });

  it.each([
    ["full-width letters in the local part", "ａlice@example.com", "alice@example.com"],
    ["a ligature", "ﬁona@example.com", "fiona@example.com"],
  ])("refuses %s, naming the plain form, while parseEmail still reads it", (_name, raw, plain) => {
    expect(parseNewEmail(raw)).toEqual({
      ok: false,
      error: "VALIDATION_ERROR",
      message: `Email must be typed without full-width or other compatibility characters (as ${plain})`,
    });
    expect(parseEmail(raw).ok).toBe(true);
  });

  it.each(["ada@example.com", "rené@example.com", "Zoë@Example.com", "用户@例子.广告"])(
    "accepts %s",
    (raw) => {
      expect(parseNewEmail(raw)).toEqual(parseEmail(raw));
    },
  );
});

describe("parseEmail", () => {
  it.each([
    ["Hindi (vowel signs are combining marks)", "संपर्क@डाटामेल.भारत", "संपर्क@xn--c2bd4bq1db8d.xn--h2brj9c"],
    ["a Hindi local part", "राम@example.com", "राम@example.com"],
    ["Tamil", "தமிழ்@example.com", "தமிழ்@example.com"],
    ["an IDN top-level domain ending in a mark", "user@example.हिंदी", "user@example.xn--i1b6e8byah"],
  ])("accepts an internationalised address in %s, its domain in ASCII", (_label, address, stored) => {
    expect(normalised(address)).toBe(stored);
    expect(parseNewEmail(address)).toEqual({ ok: true, value: stored });
  });

  it("takes an internationalised domain and its xn-- form for one address: one mailbox, one account", () => {
    // A browser's <input type="email"> sends the xn-- form; an API client may send either.
    expect(normalised("user@bücher.de")).toBe("user@xn--bcher-kva.de");
    expect(normalised("User@XN--BCHER-KVA.DE")).toBe("user@xn--bcher-kva.de");
    expect(normalised("李雷@例子.中国")).toBe("李雷@xn--fsqu00a.xn--fiqs8s");
    expect(normalised("user@Пример.РФ")).toBe("user@xn--e1afmkfd.xn--p1ai");
  });

  it("maps a domain as IDNA (UTS #46) does, so a look-alike spelling of a domain is that domain", () => {
    // Mail software delivers these to alice@example.com: they are that address, not a second account.
    for (const spelling of ["alice@ｅxample.com", "alice@exam\u115fple.com", "alice@EXAMPLE.com"]) {
      expect(parseNewEmail(spelling)).toEqual({ ok: true, value: "alice@example.com" });
    }
  });

  it("refuses a domain that IDNA refuses or that is too long in its ASCII form", () => {
    expect(parseEmail("alice@ex\u200bample.com").ok).toBe(false);
    // 40 different Chinese characters: a label of 40 characters, whose A-label has 117.
    const label = Array.from({ length: 40 }, (_, i) => String.fromCodePoint(0x4e00 + i * 97)).join("");
    expect(parseEmail(`alice@${label}.cn`).ok).toBe(false);
    expect(parseEmail(`alice@${label.slice(0, 10)}.cn`).ok).toBe(true);
  });

  it.each([
    ["a combining mark first in the local part", "\u0301alice@example.com"],
    ["a combining mark first in a domain label", "alice@\u093eexample.com"],
    ["a zero-width joiner", "al\u200dice@example.com"],
  ])("refuses %s", (_label, address) => {
    expect(parseEmail(address).ok).toBe(false);
  });

  it.each([
    ["an invisible combining grapheme joiner", "alice\u034f@example.com"],
    ["a variation selector", "alice\ufe0f@example.com"],
    ["a Hangul filler, an invisible letter", "alice\u115f@example.com"],
  ])("refuses a new address with %s: it would look like alice@example.com", (_label, address) => {
    const parsed = parseNewEmail(address);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.message).toBe("Email must not contain invisible characters");
  });

  it.each([
    ["a Cyrillic а before Latin letters", "\u0430lice@example.com"],
    ["a Greek ο among Latin letters", "b\u03bfb@example.com"],
    ["Cyrillic and Greek together", "\u0430\u03b2@example.com"],
  ])("refuses a new address with %s: it would look like another", (_label, address) => {
    const parsed = parseNewEmail(address);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.message).toContain("must not mix Latin, Cyrillic and Greek letters");
    // An account made with one before keeps signing in.
    expect(parseEmail(address).ok).toBe(true);
  });

  it.each(["иван@example.com", "αλέξης@example.com", "佐藤tanaka@example.jp"])(
    "accepts a new address in one of those scripts, or Latin with a script that has no look-alikes: %s",
    (address) => {
      expect(parseNewEmail(address).ok).toBe(true);
    },
  );

  it("measures a new address in bytes, as mail servers do (RFC 5321), while lookups still read it", () => {
    const chinese = "李".repeat(22); // 22 characters, 66 bytes in UTF-8
    const parsed = parseNewEmail(`${chinese}@example.com`);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.message).toContain("at most 64 bytes before the @");
    expect(parseEmail(`${chinese}@example.com`).ok).toBe(true);
    expect(parseNewEmail(`${"李".repeat(21)}@example.com`).ok).toBe(true);
  });

  it("takes the Turkish capital İ for i, so İrem@ is irem@ and not a look-alike of it", () => {
    expect(normalised("İrem@Example.com")).toBe("irem@example.com");
    expect(normalised("I\u0307REM@example.com")).toBe("irem@example.com");
  });

  it("trims surrounding whitespace and lower-cases", () => {
    expect(normalised("  Alice.Smith@Example.COM \t")).toBe("alice.smith@example.com");
  });

  it("normalises to NFC, so a decomposed é equals the composed one", () => {
    const composed = normalised("ren\u00e9@example.com");
    const decomposed = normalised("rene\u0301@example.com");
    expect(decomposed).toBe(composed);
    expect(normalised("RENE\u0301@EXAMPLE.COM")).toBe(composed);
    expect(composed).toBe("ren\u00e9@example.com");
  });

  it("gives the same value when parsing its own output", () => {
    const once = normalised(" Ren\u0065\u0301+Tag@Sub.Example.org ");
    expect(normalised(once)).toBe(once);
  });

  it.each([
    ["plain", "user@example.com"],
    ["plus tag", "user+tag@example.com"],
    ["subdomain", "first.last@mail.example.co.uk"],
    ["hyphenated domain", "a@my-host.example"],
    ["digits", "123@456.example"],
    ["unicode letters", "jos\u00e9@b\u00fccher.example"],
  ])("accepts a valid address (%s)", (_label, raw) => {
    expect(parseEmail(raw).ok).toBe(true);
  });

  it.each([
    ["empty", ""],
    ["only spaces", "   "],
    ["missing @", "user.example.com"],
    ["two @", "user@name@example.com"],
    ["space in the local part", "us er@example.com"],
    ["space in the domain", "user@exa mple.com"],
    ["empty local part", "@example.com"],
    ["empty domain", "user@"],
    ["no dot in the domain", "user@localhost"],
    ["leading dot in the local part", ".user@example.com"],
    ["trailing dot in the local part", "user.@example.com"],
    ["double dot in the local part", "us..er@example.com"],
    ["leading dot in the domain", "user@.example.com"],
    ["trailing dot in the domain", "user@example.com."],
    ["double dot in the domain", "user@example..com"],
    ["domain label starting with a hyphen", "user@-example.com"],
    ["domain label ending with a hyphen", "user@example-.com"],
    ["a special character in the domain", "user@exa_mple.com"],
    ["angle brackets", "<user@example.com>"],
    ["local part over 64 characters", `${"a".repeat(65)}@example.com`],
  ])("rejects %s with VALIDATION_ERROR naming the Email field", (_label, raw) => {
    const result = parseEmail(raw);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toBe("VALIDATION_ERROR");
    expect(result.message).toMatch(/^Email /);
  });

  // 64 + 1 + 189 = 254, the RFC 5321 limit; labels stay within 63 characters.
  const local = "a".repeat(64);
  const domainOf = (lastLabelLength: number): string =>
    `${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(lastLabelLength)}`;

  it("accepts an address of exactly 254 characters", () => {
    const raw = `${local}@${domainOf(61)}`;
    expect(raw).toHaveLength(254);
    expect(parseEmail(raw).ok).toBe(true);
  });

  it("rejects an address of 255 characters", () => {
    const raw = `${local}@${domainOf(62)}`;
    expect(raw).toHaveLength(255);
    expect(parseEmail(raw)).toMatchObject({ ok: false, error: "VALIDATION_ERROR" });
  });

  it("measures the length after trimming", () => {
    expect(parseEmail(`  ${local}@${domainOf(61)}  `).ok).toBe(true);
  });
});

describe("maskEmail", () => {
  it.each([
    ["new.ada@example.org", "n***@example.org"],
    ["a@example.org", "a***@example.org"],
    ["émile@exemple.fr", "é***@exemple.fr"],
    ["𠮷野家@example.jp", "𠮷***@example.jp"],
    ["李雷@例子.中国", "李***@例子.中国"],
  ])("shows %s as %s: the first character and the domain", (email, masked) => {
    expect(maskEmail(email as Email)).toBe(masked);
    expect(maskEmail(email as Email).isWellFormed()).toBe(true);
  });
});
