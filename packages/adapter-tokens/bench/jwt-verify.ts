// node packages/adapter-tokens/bench/jwt-verify.ts: the CPU cost of verifying one access token with
// jose, HS256 (a secret KeyObject) against ES256 (a P-256 public KeyObject, as the access-token
// issuer imports the managed keys), each twice, 5000 verifications after 500 warm-up.
// Results: docs/performance.md ("/auth/me with ES256 access tokens").
import { createSecretKey, generateKeyPairSync, type KeyObject, randomBytes } from "node:crypto";
import { performance } from "node:perf_hooks";
import { jwtVerify, SignJWT } from "jose";

const secret = createSecretKey(randomBytes(48));
const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
const sign = (alg: string, key: KeyObject) =>
  new SignJWT({ sid: "0193a0b0-0000-7000-8000-000000000000" })
    .setProtectedHeader({ alg, kid: "bench" })
    .setSubject("0193a0b0-0000-7000-8000-000000000001")
    .setIssuedAt()
    .setExpirationTime("5m")
    .sign(key);
const cases = [
  { alg: "HS256", token: await sign("HS256", secret), key: secret },
  { alg: "ES256", token: await sign("ES256", privateKey), key: publicKey },
];
for (const { alg, token, key } of [...cases, ...cases]) {
  for (let i = 0; i < 500; i++) await jwtVerify(token, key, { algorithms: [alg] });
  const count = 5000;
  const started = performance.now();
  const cpu = process.cpuUsage();
  for (let i = 0; i < count; i++) await jwtVerify(token, key, { algorithms: [alg] });
  const used = process.cpuUsage(cpu);
  const wall = ((performance.now() - started) / count) * 1000;
  console.log(
    `${alg}: ${wall.toFixed(1)} µs wall, ${((used.user + used.system) / count).toFixed(1)} µs CPU per verification`,
  );
}
