import { describe, expect, it } from "vitest";
import { isLoopbackHost } from "./loopback-host.ts";

describe("isLoopbackHost", () => {
  it("takes localhost, 127.0.0.0/8 and ::1, bracketed or not, in any case", () => {
    for (const host of [
      "localhost",
      "LOCALHOST",
      "127.0.0.1",
      "127.0.1.1",
      "127.255.255.254",
      "::1",
      "[::1]",
    ]) {
      expect(isLoopbackHost(host), host).toBe(true);
    }
  });

  it("refuses every other name and address, however close", () => {
    for (const host of [
      "mail.example.com",
      "localhost.example.com",
      "mylocalhost",
      "128.0.0.1",
      "10.0.0.5",
      "192.0.2.2",
      "0.0.0.0",
      "[2001:db8::1]",
      "127.0.0.1.example.com",
      "",
    ]) {
      expect(isLoopbackHost(host), host).toBe(false);
    }
  });
});
