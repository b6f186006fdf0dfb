// The ceiling of the API's routes in the benchmark (run.ts): Fastify with one route answering a
// constant JSON body, started as the service is (its own process, NODE_ENV=production, on HOST and
// PORT), so a route's throughput and CPU per request can be read as a fraction of this one's.
import Fastify from "fastify";

const app = Fastify({ logger: false });
const body = { success: true, data: { ok: true } };
app.get("/bare", async () => body);
await app.listen({ host: process.env.HOST ?? "127.0.0.1", port: Number(process.env.PORT ?? 0) });
process.once("SIGTERM", () => {
  void app.close().then(() => process.exit(0));
});
