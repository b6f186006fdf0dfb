import { describe, expect, it } from "vitest";
import { maskURLCredentials, redactSetting } from "./redact.ts";

describe("maskURLCredentials", () => {
  it.each([
    ["mysql://root:hunter2@127.0.0.1:3306/superoauth", "mysql://root:***@127.0.0.1:3306/superoauth"],
    ["redis://:hunter2@127.0.0.1:6379", "redis://:***@127.0.0.1:6379"],
    ["smtps://mailer:p%40ss%2Fword@smtp.example:465", "smtps://mailer:***@smtp.example:465"],
    // Unescaped "/", "#", "?" or "@" (a base64 password pasted as it is): still masked, whole.
    ["mysql://app:Zm9v/YmFy+eA==@db:3306/superoauth", "mysql://app:***@db:3306/superoauth"],
    ["mysql://app:a#b?c@db/superoauth", "mysql://app:***@db/superoauth"],
    // An unescaped "@" is no exception: URL parsers take the last one, and none of it may show.
    ["mysql://root:hunter@2secret@127.0.0.1:3306/superoauth", "mysql://root:***@127.0.0.1:3306/superoauth"],
    ["redis://:pa@ss@cache:6379", "redis://:***@cache:6379"],
  ])("masks the password of %s", (url, masked) => {
    expect(maskURLCredentials(url)).toBe(masked);
  });

  it.each(["mysql://root@127.0.0.1:3306/superoauth", "redis://127.0.0.1:6379", "not a url"])(
    "leaves %s, which has no password, as it is",
    (value) => {
      expect(maskURLCredentials(value)).toBe(value);
    },
  );
});

describe("redactSetting", () => {
  it.each(["JWT_SECRET", "COOKIE_SECRET", "GITHUB_CLIENT_SECRET", "TOTP_ENCRYPTION_KEY"])(
    "hides the value of %s entirely",
    (name) => {
      expect(redactSetting(name, "s3cr3t-value")).toBe("(set, hidden)");
    },
  );

  it("masks credentials in URL settings and shows other values", () => {
    expect(redactSetting("SMTP_URL", "smtp://u:pw@h:587")).toBe("smtp://u:***@h:587");
    expect(redactSetting("PORT", "3000")).toBe("3000");
  });
});
