import { describe, expect, it } from "vitest";
import { oneTimeGrantSecondsOf } from "./provider-settings.ts";

describe("oneTimeGrantSecondsOf", () => {
  it("keeps a consent not remembered while its interaction, code and access token may use it", () => {
    // 30 minutes to resume the interaction, the code's minute, the access token's five minutes.
    expect(oneTimeGrantSecondsOf({})).toBe(30 * 60 + 60 + 300);
  });

  it("follows the lifetimes the service is configured with: a longer access token keeps its grant as long", () => {
    // As compose.ts passes ACCESS_TOKEN_TTL: an hour's token would otherwise outlive its grant, and
    // be refused at userinfo after 36 minutes.
    expect(oneTimeGrantSecondsOf({ lifetimes: { accessTokenSeconds: 3600 } })).toBe(30 * 60 + 60 + 3600);
    expect(oneTimeGrantSecondsOf({ lifetimes: { authorizationCodeSeconds: 120 } })).toBe(30 * 60 + 120 + 300);
  });
});
