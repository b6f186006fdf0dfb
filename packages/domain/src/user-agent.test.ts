import { describe, expect, it } from "vitest";
import { describeUserAgent } from "./user-agent.ts";

describe("describeUserAgent", () => {
  it("names the browser and the system of common browsers", () => {
    const cases: [string, string][] = [
      [
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
        "Chrome on Linux",
      ],
      [
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
        "Edge on Windows",
      ],
      ["Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0", "Firefox on Linux"],
      [
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
        "Safari on macOS",
      ],
      [
        "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
        "Safari on iOS",
      ],
      [
        "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
        "Chrome on Android",
      ],
      [
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 OPR/115.0.0.0",
        "Opera on Windows",
      ],
      [
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0 Safari/537.36",
        "Chrome on Linux",
      ],
      ["curl/8.5.0", "curl"],
    ];
    for (const [userAgent, words] of cases) expect(describeUserAgent(userAgent)).toBe(words);
  });

  it("falls back to the system, the product token, or unknown", () => {
    expect(describeUserAgent("Mozilla/5.0 (X11; Linux x86_64)")).toBe("A browser on Linux");
    expect(describeUserAgent("okhttp/4.12.0")).toBe("okhttp");
    expect(describeUserAgent("python-requests/2.32")).toBe("python-requests");
    expect(describeUserAgent(null)).toBe("Unknown device");
    expect(describeUserAgent("   ")).toBe("Unknown device");
  });

  it("never quotes a sender's words, a link or bytes it cannot read: a client it does not know is 'An app'", () => {
    for (const userAgent of [
      "Evil/1.0 (visit https://acme-security.example/restore to keep your account)",
      "https://acme-security.example/restore",
      "acme-security.example/restore",
      "Call-support-on-555-0100-now/1.0",
      "Reply-with-your-password/2",
      "Ã\u009c ð\u009f\u0098\u0080",
      "Mozilla/5.0 <script>alert(1)</script>",
    ]) {
      expect(describeUserAgent(userAgent)).toBe("An app");
    }
    expect(describeUserAgent("Go-http-client/2.0")).toBe("Go");
    expect(describeUserAgent("Dalvik/2.1.0 (Linux; U; Android 14)")).toBe("A browser on Android");
  });
});
