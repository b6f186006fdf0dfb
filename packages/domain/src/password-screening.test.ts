import { describe, expect, it } from "vitest";
import { accountWordsOf, normalizePassword, passwordFormsToVerify } from "./password-screening.ts";

describe("normalizePassword", () => {
  it("makes a password typed in NFD the same as in NFC", () => {
    const nfc = "Caf\u00e9-cr\u00e8me-9!";
    const nfd = nfc.normalize("NFD");
    expect(nfd).not.toBe(nfc);
    expect(normalizePassword(nfd)).toBe(normalizePassword(nfc));
  });

  it("folds compatibility forms: full-width letters and digits become ASCII", () => {
    expect(normalizePassword("\uff30\uff41\uff53\uff53\uff11")).toBe("Pass1");
  });

  it("leaves an ASCII password as it is", () => {
    expect(normalizePassword("q7#Rv2!k")).toBe("q7#Rv2!k");
  });
});

describe("passwordFormsToVerify", () => {
  it("is the password alone when it is already in NFKC", () => {
    expect(passwordFormsToVerify("q7#Rv2!k")).toEqual(["q7#Rv2!k"]);
  });

  it("is the NFKC form first, then the form as typed, when they differ", () => {
    const nfd = "Caf\u00e9-cr\u00e8me-9!".normalize("NFD");
    expect(passwordFormsToVerify(nfd)).toEqual([nfd.normalize("NFKC"), nfd]);
  });
});

describe("accountWordsOf", () => {
  it("lists the address, its local part and parts, the domain's labels but the last, and the nickname's parts", () => {
    expect(accountWordsOf({ email: "ada.king@analytical-engine.co.uk", nickname: "Ada_Lovelace" })).toEqual([
      "ada.king@analytical-engine.co.uk",
      "ada.king@analytical-engine.co",
      "ada.king",
      "ada",
      "king",
      "analytical-engine.co.uk",
      "analytical-engine",
      "ada_lovelace",
      "lovelace",
    ]);
  });

  it("leaves out parts shorter than three characters and repeats", () => {
    expect(accountWordsOf({ email: "al@example.com", nickname: "al" })).toEqual([
      "al@example.com",
      "al@example",
      "example.com",
      "example",
    ]);
  });
});
