import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { operationIdOf } from "../src/api-docs.ts";
import { buildTestApp } from "./test-app.ts";

// The API description at /docs/openapi.json and its interactive page at /docs (ADR 0029).

let app: FastifyInstance;
beforeAll(async () => {
  ({ app } = await buildTestApp({ apiDocs: { version: "1.2.3", serverURL: "https://auth.example" } }));
});
afterAll(async () => app.close());

/** The nonce a CSP directive allows. */
function nonceIn(policy: string, directive: string): string | undefined {
  const value = policy.split(";").find((part) => part.trim().startsWith(`${directive} `));
  return /'nonce-([^']+)'/.exec(value ?? "")?.[1];
}

describe("GET /docs/openapi.json", () => {
  it("serves the app's OpenAPI 3.1 document, with this deployment's version and server", async () => {
    const response = await app.inject({ url: "/docs/openapi.json" });

    expect(response.statusCode).toBe(200);
    expect(response.headers["content-type"]).toMatch(/^application\/json/);
    const document = response.json();
    expect(document).toStrictEqual(JSON.parse(JSON.stringify(app.swagger())));
    expect(document.openapi).toBe("3.1.0");
    expect(document.info.version).toBe("1.2.3");
    expect(document.servers).toStrictEqual([{ url: "https://auth.example" }]);
    expect(document.paths["/api/v1/auth/login"].post.operationId).toBe("postAuthLogin");
  });

  it("lists a route's codes under their statuses, each status an enum of exactly its codes", async () => {
    const login = (await app.inject({ url: "/docs/openapi.json" })).json().paths["/api/v1/auth/login"].post;
    const codesOf = (status: string) =>
      login.responses[status].content["application/json"].schema.properties.error.enum;

    expect(Object.keys(login.responses)).toStrictEqual([
      "200",
      "400",
      "401",
      "403",
      "413",
      "423",
      "429",
      "500",
      "503",
    ]);
    expect(codesOf("401")).toStrictEqual(["INVALID_CREDENTIALS"]);
    expect(codesOf("403")).toStrictEqual(["ACCOUNT_DISABLED", "EMAIL_NOT_VERIFIED"]);
    expect(codesOf("423")).toStrictEqual(["ACCOUNT_LOCKED"]);
    expect(login.security).toBeUndefined();
  });
});

describe("GET /docs", () => {
  it("sends the page to /docs/", async () => {
    const response = await app.inject({ url: "/docs" });

    expect(response.statusCode).toBe(301);
    expect(response.headers.location).toBe("/docs/");
  });

  it("is a page whose scripts come from here or carry this response's nonce, and nothing from elsewhere", async () => {
    const response = await app.inject({ url: "/docs/" });

    expect(response.statusCode).toBe(200);
    expect(response.headers["content-type"]).toBe("text/html; charset=utf-8");
    const policy = String(response.headers["content-security-policy"]);
    const nonce = nonceIn(policy, "script-src");
    expect(nonce).toMatch(/^[A-Za-z0-9+/]{22}==$/);
    const directives = new Map(policy.split("; ").map((part) => [part.split(" ")[0], part]));
    expect(directives.get("default-src")).toBe("default-src 'none'");
    expect(directives.get("script-src")).toBe(`script-src 'self' 'nonce-${nonce}'`);
    expect(directives.get("connect-src")).toBe("connect-src 'self'");
    // Scalar's injected style elements and attributes carry no nonce (ADR 0029).
    expect(directives.get("style-src")).toBe("style-src 'self' 'unsafe-inline'");
    expect(policy).not.toMatch(/https?:|\*|data:|unsafe-eval/);
    // Every script tag carries the nonce (the stylesheet Scalar injects first reads it from the meta tag).
    const scripts = [...response.body.matchAll(/<script([^>]*)>/g)].map((match) => match[1]);
    expect(scripts.length).toBe(2);
    for (const attributes of scripts) expect(attributes).toContain(`nonce="${nonce}"`);
    expect(response.body).toContain(`<meta property="csp-nonce" content="${nonce}" />`);
    expect(response.body).toContain('<script src="js/scalar.js"');
    expect(response.body).not.toMatch(/https?:\/\//);
    expect(response.headers["x-frame-options"]).toBe("DENY");
  });

  it("tells a browser without JavaScript what it is, and links the document it shows", async () => {
    const body = (await app.inject({ url: "/docs/" })).body;
    const noscript = /<body[^>]*><noscript>(.*?)<\/noscript>/s.exec(body)?.[1] ?? "";
    expect(noscript).toContain('<a href="./openapi.json">openapi.json</a>');
    expect(noscript).toContain("needs JavaScript");
    expect((await app.inject({ url: "/docs/openapi.json" })).statusCode).toBe(200);
  });

  it("uses a new nonce for every response", async () => {
    const first = await app.inject({ url: "/docs/" });
    const second = await app.inject({ url: "/docs/" });

    expect(nonceIn(String(first.headers["content-security-policy"]), "script-src")).not.toBe(
      nonceIn(String(second.headers["content-security-policy"]), "script-src"),
    );
  });

  it("serves Scalar's script itself (no CDN)", async () => {
    const response = await app.inject({ url: "/docs/js/scalar.js" });

    expect(response.statusCode).toBe(200);
    expect(response.headers["content-type"]).toBe("application/javascript; charset=utf-8");
    expect(response.body).toContain("createApiReference");
  });

  it("lets a browser keep the script an hour and ask again by its ETag (304); the page and the document stay no-store", async () => {
    const response = await app.inject({ url: "/docs/js/scalar.js" });
    expect(response.headers["cache-control"]).toBe("public, max-age=3600");
    expect(response.headers.pragma).toBeUndefined();
    const tag = String(response.headers.etag);
    expect(tag).toMatch(/^"[A-Za-z0-9_-]{27}"$/);

    const again = await app.inject({ url: "/docs/js/scalar.js", headers: { "if-none-match": tag } });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe("");
    expect(again.headers.etag).toBe(tag);
    expect(again.headers["cache-control"]).toBe("public, max-age=3600");
    const stale = await app.inject({ url: "/docs/js/scalar.js", headers: { "if-none-match": '"other"' } });
    expect(stale.statusCode).toBe(200);

    for (const url of ["/docs/", "/docs/openapi.json"]) {
      expect((await app.inject({ url })).headers["cache-control"], url).toBe("no-store");
    }
  });

  it("asks Scalar once for the script and the document, and sends every request the same bytes", async () => {
    const asked: string[] = [];
    const { app: fresh } = await buildTestApp({
      apiDocs: {
        version: "1.2.3",
        serverURL: "https://auth.example",
        loadReferencePlugin: async () => {
          const scalar = (await import("@scalar/fastify-api-reference")).default;
          const counted = async (instance: FastifyInstance, options: Parameters<typeof scalar>[1]) => {
            instance.addHook("onRequest", async (request) => {
              asked.push(request.url);
            });
            await instance.register(scalar, options);
          };
          return counted as unknown as typeof scalar;
        },
      },
    });
    try {
      const urls = ["/docs/js/scalar.js", "/docs/openapi.json", "/docs/openapi.yaml"];
      const first = await Promise.all(urls.map((url) => fresh.inject({ url })));
      const second = await Promise.all(urls.map((url) => fresh.inject({ url })));

      expect(asked.filter((url) => urls.includes(url)).sort()).toEqual([...urls].sort());
      for (const [index, answer] of second.entries()) {
        expect(answer.statusCode).toBe(200);
        expect(answer.rawPayload.equals(first[index]?.rawPayload ?? Buffer.alloc(0))).toBe(true);
        expect(answer.headers["content-type"]).toBe(first[index]?.headers["content-type"]);
      }
      expect(second[0]?.headers.etag).toBe(first[0]?.headers.etag);
      expect(second[0]?.headers["cache-control"]).toBe("public, max-age=3600");
      expect(second[1]?.headers["cache-control"]).toBe("no-store");
    } finally {
      await fresh.close();
    }
  });

  it("answers the first requests, sent at once while Scalar is not loaded yet", async () => {
    const { app: fresh } = await buildTestApp({
      apiDocs: { version: "1.2.3", serverURL: "https://auth.example" },
    });
    try {
      const answers = await Promise.all([
        fresh.inject({ url: "/docs/" }),
        fresh.inject({ url: "/docs/openapi.json" }),
        fresh.inject({ url: "/docs/openapi.yaml" }),
        fresh.inject({ url: "/docs/js/scalar.js" }),
      ]);

      expect(answers.map((answer) => answer.statusCode)).toEqual([200, 200, 200, 200]);
      expect(answers[2]?.headers["content-type"]).toBe("application/yaml");
      expect(answers[2]?.body).toMatch(/^openapi: 3\.1\.0$/m);
      expect(answers[1]?.json()).toStrictEqual(JSON.parse(JSON.stringify(fresh.swagger())));
    } finally {
      await fresh.close();
    }
  });

  it("answers 500 when Scalar fails to load, and loads it again on the next request", async () => {
    let loads = 0;
    const { app: fresh } = await buildTestApp({
      apiDocs: {
        version: "1.2.3",
        serverURL: "https://auth.example",
        loadReferencePlugin: async () => {
          loads++;
          if (loads === 1) throw new Error("EMFILE: too many open files (a load that failed)");
          return (await import("@scalar/fastify-api-reference")).default;
        },
      },
    });
    try {
      const failed = await fresh.inject({ url: "/docs/" });
      expect(failed.statusCode).toBe(500);
      expect(failed.json()).toMatchObject({ success: false, error: "INTERNAL_ERROR" });
      expect(typeof failed.json().requestId).toBe("string");
      expect(failed.body).not.toContain("EMFILE");

      const again = await fresh.inject({ url: "/docs/" });
      expect(again.statusCode).toBe(200);
      expect(again.body).toContain('<script src="js/scalar.js"');
      expect((await fresh.inject({ url: "/docs/openapi.json" })).statusCode).toBe(200);
      expect(loads).toBe(2);
    } finally {
      await fresh.close();
    }
  });

  it("is not served without apiDocs", async () => {
    const { app: bare } = await buildTestApp();
    try {
      expect((await bare.inject({ url: "/docs/" })).statusCode).toBe(404);
      expect((await bare.inject({ url: "/docs/openapi.json" })).statusCode).toBe(404);
    } finally {
      await bare.close();
    }
  });
});

describe("operationIdOf", () => {
  it("names an operation after its method and path, path parameters with By", () => {
    expect(operationIdOf("GET", "/api/v1/apps/:clientId")).toBe("getAppsByClientId");
    expect(operationIdOf("POST", "/api/v1/auth/2fa/backup-codes")).toBe("postAuth2faBackupCodes");
    expect(operationIdOf("GET", "/status.json")).toBe("getStatusJson");
  });
});
