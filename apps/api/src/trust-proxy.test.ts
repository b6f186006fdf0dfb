import { describe, expect, it } from "vitest";
import { parseConfig } from "./config.ts";
import { parseTrustProxy } from "./trust-proxy.ts";

const makeSecret = () => "generated-secret-generated-secret-0123456789";

describe("TRUST_PROXY", () => {
  it.each([
    [undefined, false],
    ["false", false],
    ["0", false],
    ["no", false],
    ["1", 1],
    ["2", 2],
    [" 10.0.0.1 ", ["10.0.0.1"]],
    ["10.0.0.0/8, 192.0.2.10", ["10.0.0.0/8", "192.0.2.10"]],
    ["fd00::/8,2001:DB8::1,::ffff:10.0.0.1", ["fd00::/8", "2001:db8::1", "::ffff:10.0.0.1"]],
    ["loopback,uniquelocal", ["loopback", "uniquelocal"]],
  ])("reads %j as %j without a warning", (text, value) => {
    expect(parseTrustProxy(text)).toStrictEqual({ value });
  });

  it("keeps true, with a warning that names the safer settings", () => {
    const parsed = parseTrustProxy("true");

    expect(parsed.value).toBe(true);
    expect(parsed.warning).toMatch(/every X-Forwarded-For entry.*TRUST_PROXY=1/);
  });

  it.each([
    "maybe",
    "-1",
    "1.5",
    "11",
    "10.0.0.0/33",
    "fd00::/129",
    "10.0.0.0/8/8",
    "10.0.0.0/",
    "10.0.0.256",
    "10.0.0.1,,10.0.0.2",
    "10.0.0.1; 10.0.0.2",
    "proxy.internal",
  ])("refuses %j with a problem naming the variable", (text) => {
    const parsed = parseTrustProxy(text);

    expect(parsed.problem).toMatch(/^TRUST_PROXY is invalid: /);
  });

  it("names only the entries that are not addresses", () => {
    expect(parseTrustProxy("10.0.0.1, proxy.internal, 300.1.1.1").problem).toContain(
      'not an address: "proxy.internal", "300.1.1.1"',
    );
  });

  it("reaches the configuration: a value, a startup warning once for true, a refusal for nonsense", () => {
    const hops = parseConfig({ TRUST_PROXY: "1" }, makeSecret);
    expect(hops.ok && hops.config.trustProxy).toBe(1);
    expect(hops.ok && hops.warnings.join()).not.toContain("TRUST_PROXY");

    const all = parseConfig({ TRUST_PROXY: "true" }, makeSecret);
    expect(all.ok && all.config.trustProxy).toBe(true);
    expect(all.ok && all.warnings.filter((w) => w.startsWith("TRUST_PROXY=true"))).toHaveLength(1);

    const nonsense = parseConfig({ TRUST_PROXY: "10.0.0.0/99" }, makeSecret);
    expect(nonsense.ok).toBe(false);
    expect(nonsense.ok ? "" : nonsense.problems.join()).toContain("TRUST_PROXY is invalid");
  });
});
