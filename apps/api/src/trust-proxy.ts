import { isIP } from "node:net";
import type { TrustProxy } from "@superoauth/adapter-http";

/** The ranges proxy-addr (Fastify's `trustProxy`) knows by name. */
const namedRanges = new Set(["loopback", "linklocal", "uniquelocal"]);

/** More hops than any real chain of proxies: a larger count is a typo, not a deployment. */
const maxHops = 10;

/**
 * Reads TRUST_PROXY: `false` (default), a hop count, or a comma-separated list of proxy
 * addresses, CIDR ranges and proxy-addr's named ranges. Fastify hands the value to proxy-addr,
 * which walks X-Forwarded-For from the right and stops at the first address it does not trust, so
 * whatever a client writes to the left of that is never its address. `true` trusts every entry,
 * including those the client wrote: kept for compatibility, with a warning.
 */
export function parseTrustProxy(text: string | undefined): {
  value: TrustProxy;
  problem?: string;
  warning?: string;
} {
  const setting = text?.trim().toLowerCase() ?? "false";
  if (["false", "no", "0"].includes(setting)) return { value: false };
  if (["true", "yes"].includes(setting)) {
    return {
      value: true,
      warning:
        "TRUST_PROXY=true trusts every X-Forwarded-For entry, so a client can pick its own address and escape rate limits and lockout: set the number of proxies (TRUST_PROXY=1) or their addresses instead (docs/operations.md)",
    };
  }
  if (/^\d+$/.test(setting)) {
    const hops = Number(setting);
    if (hops > maxHops) {
      return {
        value: false,
        problem: `TRUST_PROXY is invalid: at most ${maxHops} proxy hops (got "${text}")`,
      };
    }
    return { value: hops };
  }
  const entries = setting.split(",").map((entry) => entry.trim());
  const invalid = entries.filter((entry) => !isProxyAddress(entry));
  if (invalid.length > 0) {
    return {
      value: false,
      problem: `TRUST_PROXY is invalid: expected true, false, a hop count or a comma-separated list of proxy addresses or CIDR ranges; not an address: ${invalid.map((e) => `"${e}"`).join(", ")}`,
    };
  }
  return { value: entries };
}

function isProxyAddress(entry: string): boolean {
  if (namedRanges.has(entry)) return true;
  const [address = "", prefix, ...rest] = entry.split("/");
  const version = isIP(address);
  if (version === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (version === 4 ? 32 : 128);
}
