import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, matchesGlob, relative } from "node:path";
import {
  Copy,
  DockerfileParser,
  Env,
  From,
  Healthcheck,
  type Instruction,
  JSONInstruction,
} from "dockerfile-ast";
import { validate } from "dockerfile-utils";
import { afterAll, describe, expect, it } from "vitest";
import { startCommand } from "../apps/api/bench/start-command.ts";

// No Docker engine runs on our machines, so this checks what it can of infra/Dockerfile: it lints it
// (dockerfile-utils, the linter of the VS Code Docker extension; hadolint is a binary we cannot
// install here), then runs its build steps, the same commands in the same order, in a clean
// temporary directory standing for the image's filesystem (each absolute path in a stage maps
// under that stage's folder), and starts the resulting command, which must serve /health.
// What it cannot check: the base image itself, file ownership (--chown), and USER (it runs as us).

const root = join(import.meta.dirname, "..");
const dockerfileText = readFileSync(join(root, "infra/Dockerfile"), "utf8");
const ignorePatterns = readFileSync(join(root, "infra/Dockerfile.dockerignore"), "utf8")
  .split("\n")
  .map((line) => line.trim())
  .filter((line) => line !== "" && !line.startsWith("#"));
const pinnedPnpm = (
  JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { packageManager: string }
).packageManager;
const scratch = mkdtempSync(join(tmpdir(), "superoauth-image-"));
let service: ChildProcess | undefined;

afterAll(async () => {
  if (service !== undefined && service.exitCode === null) {
    service.kill("SIGKILL");
    await once(service, "exit");
  }
  rmSync(scratch, { recursive: true, force: true });
}, 60_000);

interface Stage {
  readonly name: string | undefined;
  /** The folder standing for the stage's `/`. */
  readonly root: string;
  workdir: string;
  readonly env: Record<string, string>;
  user: string;
  volumes: string[];
  exposed: string[];
  healthcheck: string[];
  command: string[];
}

/** Where a path of a stage's filesystem lies on this machine. */
function onHost(stage: Stage, path: string): string {
  return join(stage.root, path.startsWith("/") ? path : join(stage.workdir, path));
}

/** Whether the build context leaves out `path` (relative to the repository), as Docker's .dockerignore does. */
function ignored(path: string): boolean {
  if (path === "") return false;
  const parts = path.split("/");
  // A pattern that matches a folder leaves out everything in it.
  return parts.some((_, i) =>
    ignorePatterns.some((pattern) => matchesGlob(parts.slice(0, i + 1).join("/"), pattern)),
  );
}

function copy(stage: Stage, instruction: Copy, stages: Stage[]): void {
  const from = instruction
    .getFlags()
    .find((flag) => flag.getName() === "from")
    ?.getValue();
  const [destination, ...sources] = instruction
    .getArguments()
    .map((a) => a.getValue())
    .reverse();
  if (destination === undefined) throw new Error("COPY without arguments");
  const target = onHost(stage, destination);
  const source = stages.find((s) => s.name === from);
  for (const path of sources.reverse()) {
    if (from !== undefined) {
      if (source === undefined) throw new Error(`COPY --from=${from}: no such stage`);
      // pnpm's node_modules are relative symbolic links: keep them as they are.
      cpSync(onHost(source, path), target, { recursive: true, verbatimSymlinks: true });
      continue;
    }
    const inContext = join(root, path);
    const into =
      destination.endsWith("/") && path !== "." ? join(target, path.split("/").at(-1) ?? "") : target;
    cpSync(inContext, into, { recursive: true, filter: (file) => !ignored(relative(root, file)) });
  }
}

/** Runs the Dockerfile's stages; answers the last one, whose command is the image's. */
function build(): Stage {
  const stages: Stage[] = [];
  let stage: Stage | undefined;
  for (const instruction of DockerfileParser.parse(dockerfileText).getInstructions() as Instruction[]) {
    const keyword = instruction.getKeyword();
    if (instruction instanceof From) {
      expect(instruction.getImageName()).toBe("node");
      expect(instruction.getImageTag()).toBe("24-slim");
      stage = {
        name: instruction.getBuildStage() ?? undefined,
        root: join(scratch, `stage-${stages.length}`),
        workdir: "/",
        env: {},
        user: "root",
        volumes: [],
        exposed: [],
        healthcheck: [],
        command: [],
      };
      mkdirSync(stage.root, { recursive: true });
      stages.push(stage);
      continue;
    }
    if (stage === undefined) throw new Error(`${keyword} before FROM`);
    const argumentsText = instruction.getArgumentsContent() ?? "";
    if (instruction instanceof Env) {
      for (const property of instruction.getProperties()) {
        stage.env[property.getName()] = property.getValue() ?? "";
      }
    } else if (instruction instanceof Copy) {
      copy(stage, instruction, stages);
    } else if (instruction instanceof Healthcheck) {
      stage.healthcheck = JSON.parse(argumentsText.replace(/^CMD\s+/, "")) as string[];
    } else if (keyword === "WORKDIR") {
      stage.workdir = argumentsText;
      mkdirSync(onHost(stage, "."), { recursive: true });
    } else if (keyword === "RUN") {
      run(stage, argumentsText);
    } else if (keyword === "USER") {
      stage.user = argumentsText;
    } else if (keyword === "VOLUME" && instruction instanceof JSONInstruction) {
      stage.volumes = instruction.getJSONStrings().map((s) => s.getJSONValue());
    } else if (keyword === "EXPOSE") {
      stage.exposed = argumentsText.split(/\s+/);
    } else if (keyword === "CMD" && instruction instanceof JSONInstruction) {
      stage.command = instruction.getJSONStrings().map((s) => s.getJSONValue());
    } else {
      throw new Error(`the test does not know ${keyword}: teach it, or keep the Dockerfile simple`);
    }
  }
  if (stage === undefined) throw new Error("no FROM");
  return stage;
}

function run(stage: Stage, command: string): void {
  // The image's toolchain: the pnpm this machine already runs, at the version the image pins.
  const toolchain = /^npm install --global (?:--[\w-]+ )*pnpm@(\S+)$/.exec(command);
  if (toolchain !== null) {
    expect(`pnpm@${toolchain[1]}`).toBe(pinnedPnpm);
    expect(spawnSync("pnpm", ["--version"], { encoding: "utf8" }).stdout.trim()).toBe(toolchain[1]);
    return;
  }
  const outcome = spawnSync("sh", ["-c", command], {
    cwd: onHost(stage, "."),
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...stage.env },
    encoding: "utf8",
  });
  expect(outcome.status, `RUN ${command}\n${outcome.stdout}\n${outcome.stderr}`).toBe(0);
}

/** An ENV value of the image as this machine sees it: its absolute paths moved under the stage's folder. */
function hostValue(stage: Stage, value: string): string {
  if (value.startsWith("sqlite:/")) return `sqlite:${onHost(stage, value.slice("sqlite:".length))}`;
  return value.startsWith("/") ? onHost(stage, value) : value;
}

describe("infra/Dockerfile", () => {
  it("passes the linter without a finding", () => {
    expect(validate(dockerfileText)).toEqual([]);
  });

  it("runs the service with pnpm start's memory settings: the same MALLOC_ variables and Node flags (ADR 0037)", () => {
    const start = startCommand();
    expect(Object.keys(start.env).length).toBeGreaterThan(0);
    expect(start.nodeFlags.length).toBeGreaterThan(0);

    // The image's ENV and CMD, read without building it (both are in its last stage).
    const instructions = DockerfileParser.parse(dockerfileText).getInstructions() as Instruction[];
    const imageEnv = Object.fromEntries(
      instructions
        .flatMap((instruction) => (instruction instanceof Env ? instruction.getProperties() : []))
        .map((property) => [property.getName(), property.getValue() ?? ""]),
    );
    const command = instructions
      .filter((instruction) => instruction.getKeyword() === "CMD" && instruction instanceof JSONInstruction)
      .map((instruction) => (instruction as JSONInstruction).getJSONStrings().map((s) => s.getJSONValue()));
    expect(
      Object.fromEntries(Object.entries(imageEnv).filter(([name]) => name.startsWith("MALLOC_"))),
    ).toEqual(start.env);
    expect(command).toEqual([["node", ...start.nodeFlags, "apps/api/src/main.ts"]]);
  });

  it("builds with production dependencies only, runs as a user, and its command serves /health", async () => {
    const image = build();

    expect(image.user).not.toMatch(/^(root|0)$/);
    expect(image.volumes).toContain("/data");
    // Everything the service writes is on the volume, which is the service user's: the app's own
    // folder is root's, so a default under ./data (EXPORT_DIR's) would fail every data export.
    expect(image.env.DATABASE_URL).toMatch(/^sqlite:\/data\//);
    for (const folder of ["OUTBOX_DIR", "EXPORT_DIR"]) expect(image.env[folder]).toMatch(/^\/data\//);
    expect(image.env.LOG_FILE).toBe("");
    expect(image.exposed).toEqual([image.env.PORT]);
    const app = onHost(image, ".");
    expect(existsSync(join(app, "apps/api/test"))).toBe(false);
    expect(readdirSync(join(app, "apps/api/src")).filter((f) => f.endsWith(".test.ts"))).toEqual([]);
    const installed = readdirSync(join(app, "node_modules/.pnpm"));
    expect(installed.some((name) => name.startsWith("pino@"))).toBe(true);
    for (const tool of ["vitest@", "typescript@", "@biomejs+biome@", "turbo@", "playwright-core@"]) {
      expect(installed.filter((name) => name.startsWith(tool))).toEqual([]);
    }

    const env = Object.fromEntries(Object.entries(image.env).map(([k, v]) => [k, hostValue(image, v)]));
    const [program, ...args] = image.command;
    expect(program).toBe("node");
    service = spawn(process.execPath, args, {
      cwd: app,
      env: {
        PATH: process.env.PATH ?? "",
        ...env,
        PORT: "0",
        // What `docker run -e` would pass: the image refuses production without them.
        JWT_SECRET: "Xq7v9Lm2Rt4pZw8kHn3bYc6dFj5sGu1aEo0iWy2x",
        TOTP_ENCRYPTION_KEY: "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    const port = await new Promise<string>((resolvePromise, reject) => {
      const timer = setTimeout(() => reject(new Error(`not listening within 30 s:\n${output}`)), 30_000);
      const read = (chunk: Buffer) => {
        output += chunk.toString();
        const match = /Server listening at http:\/\/127\.0\.0\.1:(\d+)/.exec(output);
        if (match?.[1] !== undefined) {
          clearTimeout(timer);
          resolvePromise(match[1]);
        }
      };
      service?.stdout?.on("data", read);
      service?.stderr?.on("data", read);
      service?.once("exit", (code) => reject(new Error(`exited with ${code}:\n${output}`)));
    });

    expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(200);
    expect(existsSync(join(image.root, "data/superoauth.db"))).toBe(true);
    // The image's HEALTHCHECK command, as Docker runs it inside the container.
    const [checkProgram, ...checkArgs] = image.healthcheck;
    expect(checkProgram).toBe("node");
    const check = spawn(process.execPath, checkArgs, { env: { PORT: port }, stdio: "ignore" });
    const [checkCode] = (await once(check, "exit")) as [number | null];
    expect(checkCode).toBe(0);

    service.kill("SIGTERM");
    const [code] = (await once(service, "exit")) as [number | null];
    expect(code, output).toBe(0);
  }, 120_000);
});

describe("infra/docker-compose.yml and infra/.env.example", () => {
  const compose = readFileSync(join(root, "infra/docker-compose.yml"), "utf8");
  const example = readFileSync(join(root, "infra/.env.example"), "utf8");
  const defined = [...example.matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]);

  it("builds the API from infra/Dockerfile with the repository as context", () => {
    expect(compose).toMatch(/ {4}build:\n {6}context: \.\.\n {6}dockerfile: infra\/Dockerfile\n/);
    expect(compose).toMatch(/ {4}env_file: \.env\n/);
  });

  // The configuration module loads much of the service: on a busy 2-core machine the import alone
  // took over the default 5 s (a CI run with other work beside it), so it gets room of its own.
  it("every variable the compose file reads is in .env.example, and every other one is the service's", {
    timeout: 60_000,
  }, async () => {
    const { environmentVariables } = await import("../apps/api/src/config.ts");
    const read = [...compose.matchAll(/\$\{([A-Z][A-Z0-9_]*)/g)].map((m) => m[1]);

    for (const name of read) expect(defined).toContain(name);
    for (const name of defined.filter((n) => n !== undefined && !n.startsWith("MYSQL_"))) {
      expect(Object.keys(environmentVariables)).toContain(name);
    }
  });
});
