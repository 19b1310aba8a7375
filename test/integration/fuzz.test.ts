/**
 * The fuzz suite (issue "Hardening", item 11): property-based requests against the real app on a real lowdb store.
 *
 * Every request, whatever it is, must get an answer under 500 (a PDF route without a renderer may answer 503), with
 * nothing logged as unexpected; a JSON error must have exactly the contract's body with at most 51 issues; no body
 * may show a stack trace; a cross-site POST/PUT/PATCH/DELETE must get 403 and change nothing; whatever was saved must
 * still validate, and the store must open again afterwards.
 *
 * Seeds are random on every run. A failure names its seed, its shrunk counterexample and what went wrong. Replay one
 * with `FUZZ_SEED=<seed> FUZZ_PATH=<path> ... jest test/integration/fuzz.test.ts -t "<test name>"`; run longer with
 * `FUZZ_RUNS=10`; list every failure class instead of stopping at the first with `FUZZ_SURVEY=1`.
 */
import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import fc from "fast-check";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtemp, readdir, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import zlib from "node:zlib";
import { projectRoot } from "../../src/config.js";
import type { Catalog } from "../../src/content/index.js";
import { titleSchema } from "../../src/domain/index.js";
import { createApp } from "../../src/web/app.js";
import { LowdbCurriculumRepository } from "../../src/store/lowdb-repository.js";
import { MemoryAccountRepository } from "../../src/store/index.js";
import { asBrowser, seedOrganisations, type TestPerson } from "../support/accounts.js";
import { realCatalog } from "../support/catalog.js";
import {
  crossSiteRequests,
  described,
  describeRequest,
  formRequests,
  headerRequests,
  jsonBodyRequests,
  pathRequests,
  percentEncode,
  resolveJson,
  resolveText,
  STATE_CHANGING,
  validEdits,
  validSpec,
  validTitle,
  type BodyEncoding,
  type FuzzCatalog,
  type FuzzRequest,
  type TokenContext,
} from "../support/fuzz-arbitraries.js";

/** Inputs per property (times FUZZ_RUNS): about 1,900 requests, 10-12 s for the whole file on 2 cores. */
const RUNS = { json: 300, forms: 300, headers: 300, paths: 300, crossSite: 120, valid: 40 };
const SCALE = Number(process.env.FUZZ_RUNS ?? 1) || 1;
const SURVEY = process.env.FUZZ_SURVEY === "1";
/** After the first failure a property keeps shrinking for this long, then reports the smallest counterexample so far. */
const SHRINK_BUDGET_MS = 4_000;
/** A safety net: a property stops generating after this long (a failure found before still fails the test). */
const PROPERTY_LIMIT_MS = 40_000 * SCALE;
const TEST_TIMEOUT_MS = 60_000 * SCALE;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const EXAMPLES = join(projectRoot(), "curricula", "examples");

// ---------------------------------------------------------------------------------------------------------------
// Sending raw requests

interface Wire {
  method: string;
  path: string;
  headers: Map<string, { name: string; values: string[] }>;
  body?: Buffer;
  chunked: boolean;
}

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  /** Set when no response came (the connection was dropped, or nothing within the timeout). */
  error?: string;
}

let bombs: Map<string, Buffer> | undefined;
/** 10 MiB of JSON whitespace, compressed: a decompression bomb for each coding. */
function bomb(coding: string): Buffer {
  bombs ??= new Map();
  if (!bombs.has(coding)) {
    const spaces = Buffer.alloc(10 * 1024 * 1024, 0x20);
    bombs.set(coding, coding === "br" ? zlib.brotliCompressSync(spaces) : coding === "deflate" ? zlib.deflateSync(spaces) : zlib.gzipSync(spaces));
  }
  return bombs.get(coding)!;
}

function encodeBody(body: Buffer, encoding: BodyEncoding): Buffer {
  const coding = (encoding.header.split(",")[0] ?? "").split(";")[0]!.trim().toLowerCase().replace(/^x-/, "");
  const compress = (b: Buffer) => (coding === "gzip" ? zlib.gzipSync(b) : coding === "deflate" ? zlib.deflateSync(b) : coding === "br" ? zlib.brotliCompressSync(b) : b);
  switch (encoding.damage) {
    case "plain":
      return body;
    case "bomb":
      return bomb(coding);
    case "truncate": {
      const c = compress(body);
      return c.subarray(0, Math.floor(c.length / 2));
    }
    case "corrupt": {
      const c = Buffer.from(compress(body));
      for (let i = Math.floor(c.length / 2); i < Math.min(c.length, Math.floor(c.length / 2) + 8); i++) c[i] = c[i]! ^ 0xa5;
      if (c.length > 0) c[0] = c[0]! ^ 0xff;
      return c;
    }
    default:
      return compress(body);
  }
}

/** The request as it goes on the wire, tokens resolved. */
function toWire(req: FuzzRequest, ctx: TokenContext): Wire {
  const headers = new Map<string, { name: string; values: string[] }>();
  for (const [name, value] of req.headers) {
    const entry = headers.get(name.toLowerCase()) ?? { name, values: [] };
    entry.values.push(resolveText(value, ctx));
    headers.set(name.toLowerCase(), entry);
  }
  let body: Buffer | undefined;
  const b = req.body;
  if (b?.kind === "json") {
    const text = JSON.stringify(resolveJson(b.value, ctx));
    body = text === undefined ? Buffer.alloc(0) : Buffer.from(text);
  } else if (b?.kind === "text") body = Buffer.from(resolveText(b.text, ctx));
  else if (b?.kind === "bytes") body = Buffer.from(resolveText(b.latin1, ctx), "latin1");
  else if (b?.kind === "form") body = Buffer.from(b.fields.map(([k, v]) => `${percentEncode(resolveText(k, ctx))}=${percentEncode(resolveText(v, ctx))}`).join("&"));
  if (req.encoding && (body !== undefined || req.encoding.damage === "bomb")) {
    body = encodeBody(body ?? Buffer.alloc(0), req.encoding);
    headers.set("content-encoding", { name: "Content-Encoding", values: [req.encoding.header] });
  }
  // Node refuses to send characters outside 0x21-0xff in a request-target: send those percent-encoded.
  const path = resolveText(req.path, ctx).replace(/[^\u0021-\u00ff]/g, (c) => percentEncode(c));
  return { method: req.method, path, headers, body, chunked: req.chunked === true };
}

function send(port: number, wire: Wire): Promise<Answer> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (answer: Answer) => {
      if (!settled) {
        settled = true;
        resolve(answer);
      }
    };
    const request = http.request({ host: "127.0.0.1", port, method: wire.method, path: wire.path, agent: false, setHost: true });
    for (const { name, values } of wire.headers.values()) request.setHeader(name, values.length === 1 ? values[0]! : values);
    if (wire.body && !wire.chunked) request.setHeader("Content-Length", wire.body.length);
    request.setTimeout(15_000, () => {
      request.destroy();
      done({ status: 0, headers: {}, text: "", error: "no response within 15 s" });
    });
    request.on("response", (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => done({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", (e) => done({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString("utf8"), error: `response cut off (${e.message})` }));
    });
    request.on("error", (e: NodeJS.ErrnoException) => done({ status: 0, headers: {}, text: "", error: `connection failed (${e.code ?? e.message})` }));
    if (wire.body && wire.body.length > 0) request.end(wire.body);
    else request.end();
  });
}

// ---------------------------------------------------------------------------------------------------------------
// What every answer must satisfy

interface Problem {
  /** What went wrong, without the details that vary from input to input: failures are grouped by it. */
  kind: string;
  detail?: string;
}

const sameKeys = (value: unknown, keys: string[]) =>
  value !== null && typeof value === "object" && !Array.isArray(value) && JSON.stringify(Object.keys(value).sort()) === JSON.stringify([...keys].sort());

/** The contract: `{ "error": { "code", "message", "issues": [{ "path", "message" }] } }`, and at most 50 issues plus one counting the rest. */
function contractProblems(text: string): Problem[] {
  let body: any;
  try {
    body = JSON.parse(text);
  } catch {
    return [{ kind: "JSON error body is not valid JSON", detail: text.slice(0, 200) }];
  }
  const problems: Problem[] = [];
  if (!sameKeys(body, ["error"])) return [{ kind: "JSON error body is not exactly { error }", detail: text.slice(0, 200) }];
  const e = body.error;
  if (!sameKeys(e, ["code", "message", "issues"])) return [{ kind: "error is not exactly { code, message, issues }", detail: JSON.stringify(e).slice(0, 200) }];
  if (typeof e.code !== "string" || e.code === "") problems.push({ kind: "error.code is not a non-empty string" });
  if (typeof e.message !== "string" || e.message === "") problems.push({ kind: "error.message is not a non-empty string" });
  if (!Array.isArray(e.issues)) return [...problems, { kind: "error.issues is not an array" }];
  const bad = e.issues.find((i: any) => !sameKeys(i, ["path", "message"]) || typeof i.path !== "string" || typeof i.message !== "string");
  if (bad !== undefined) problems.push({ kind: "an issue is not exactly { path: string, message: string }", detail: JSON.stringify(bad).slice(0, 200) });
  if (e.issues.length > 51) problems.push({ kind: "more than 51 issues in an error body", detail: `${e.issues.length} issues (${e.code})` });
  return problems;
}

/** A stack frame: an indented "at ..." line (what Node prints), or any "at" line that names file:line:column. */
const STACK_LINE = /^(?: {4,}|\t)at \S.*$|^\s*at .+:\d+:\d+\)?\s*$/m;
const SOURCE_PATHS = [join(projectRoot(), "src"), "node_modules"];

function leaksInternals(text: string): string | undefined {
  const line = STACK_LINE.exec(text);
  if (line) return `stack frame: ${line[0].trim().slice(0, 120)}`;
  const path = SOURCE_PATHS.find((p) => text.includes(p));
  return path ? `mentions ${path}` : undefined;
}

const isPdfPath = (path: string) => /\.pdf|certificates|scenario-packs/i.test(path.split("?")[0]!);

function answerProblems(wire: Wire, answer: Answer, logged: readonly string[], requestText: string): Problem[] {
  const problems: Problem[] = [];
  if (answer.error) problems.push({ kind: answer.error.replace(/\d+ s$/, "N s") });
  for (const message of logged) {
    const [first, ...rest] = message.split("\n");
    problems.push({ kind: `unexpected error logged: ${first!.replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, ":id").slice(0, 100)}`, detail: rest.join("\n").slice(0, 600) || undefined });
  }
  if (answer.error && answer.status === 0) return problems;
  const type = String(answer.headers["content-type"] ?? "");
  const hasBody = wire.method !== "HEAD" && answer.text.length > 0;
  const isJson = /\bjson\b/i.test(type);
  if (answer.status >= 500) {
    const unavailablePdf =
      answer.status === 503 &&
      isPdfPath(wire.path) &&
      (answer.headers["retry-after"] !== undefined || (isJson && (wire.method === "HEAD" || contractProblems(answer.text).length === 0)) || /html/.test(type));
    if (!unavailablePdf) problems.push({ kind: `status ${answer.status}` });
  }
  if (answer.status >= 400 && hasBody && isJson) problems.push(...contractProblems(answer.text));
  if (answer.status >= 400 && hasBody && !isJson && /^\/api\//i.test(wire.path)) problems.push({ kind: `an /api/ error answered as ${type || "untyped"}, not JSON` });
  const leak = leaksInternals(answer.text);
  if (leak && !leaksInternals(requestText)) problems.push({ kind: "body shows internals", detail: leak });
  const location = answer.headers.location;
  if (answer.status >= 300 && answer.status < 400 && location !== undefined && !/^\/(?![/\\])/.test(location)) problems.push({ kind: "redirect leaves the site", detail: location });
  return problems;
}

function isCrossSite(wire: Wire, ownOrigin: string): boolean {
  const site = wire.headers.get("sec-fetch-site")?.values ?? [];
  const origin = wire.headers.get("origin")?.values ?? [];
  return site.some((v) => v === "cross-site") || origin.some((v) => v !== ownOrigin);
}

// ---------------------------------------------------------------------------------------------------------------
// The app on a real store

class Harness {
  dir = "";
  port = 0;
  store!: LowdbCurriculumRepository;
  private server?: http.Server;
  private csrf = "";
  readonly logged: string[] = [];
  private readonly accounts = new MemoryAccountRepository();
  private person: TestPerson | undefined;
  private fixtures: { id?: string; file: string }[] = [{ file: "police-16h.json" }, { file: "healthcare-12h.json" }];
  private fileSignatures = new Map<string, string>();

  constructor(readonly catalog: Catalog) {}

  get origin(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(dir?: string): Promise<void> {
    this.dir = dir ?? (await mkdtemp(join(tmpdir(), "fuzz-store-")));
    this.store = await LowdbCurriculumRepository.open(this.dir);
    // A designer signed in: the fuzzer's subject is input handling (access is covered by access.test.ts).
    this.person ??= (await seedOrganisations({ accounts: this.accounts, store: this.store }))[0]!.people.designer;
    const inner = createApp({
      catalog: this.catalog,
      store: this.store,
      accounts: this.accounts,
      log: (message, error) => this.logged.push(`${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}\n  (${message})`),
    });
    this.server = http.createServer(asBrowser(inner, this.person));
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    this.port = (this.server.address() as AddressInfo).port;
    this.csrf = await this.fetchCsrfToken();
  }

  /** Closes the server and the store (what a shutdown does). */
  async stop(): Promise<void> {
    if (this.server) {
      this.server.closeAllConnections();
      await new Promise<void>((resolve) => this.server!.close(() => resolve()));
      this.server = undefined;
    }
    await this.store.close();
  }

  /** A CSRF token pair as a browser gets it: the cookie and the hidden field of the new-course form. */
  private async fetchCsrfToken(): Promise<string> {
    const answer = await send(this.port, toWire({ label: "setup", method: "GET", path: "/curricula/new", headers: [["Accept", "text/html"]] }, this.context()));
    const cookie = /csrf_token=([^;]+)/.exec(String(answer.headers["set-cookie"] ?? ""))?.[1];
    const field = /name="_csrf" value="([^"]+)"/.exec(answer.text)?.[1];
    if (answer.status !== 200 || !cookie || cookie !== field) throw new Error(`no CSRF token from GET /curricula/new (${answer.status})`);
    return decodeURIComponent(cookie);
  }

  private context(): TokenContext {
    return { id: "", id2: "", version: 1, sessions: [], csrf: this.csrf, origin: this.origin };
  }

  /** Two curricula that exist (created again through the API when a fuzzed request deleted one), as token values. */
  async fixtureContext(): Promise<TokenContext> {
    for (const fixture of this.fixtures) {
      if (fixture.id && (await this.store.get(fixture.id))) continue;
      const spec = await readFile(join(EXAMPLES, fixture.file), "utf8");
      const answer = await send(this.port, { method: "POST", path: "/api/curricula", headers: new Map([["content-type", { name: "Content-Type", values: ["application/json"] }]]), body: Buffer.from(spec), chunked: false });
      if (answer.status !== 201) throw new Error(`cannot create the fixture curriculum from ${fixture.file}: ${answer.status} ${answer.text.slice(0, 300)}`);
      fixture.id = JSON.parse(answer.text).id;
    }
    const a = (await this.store.get(this.fixtures[0]!.id!))!;
    return { ...this.context(), id: a.id, id2: this.fixtures[1]!.id!, version: a.version, sessions: a.sessions.map((s) => ({ id: s.id, minutes: s.minutes })) };
  }

  /** What a cross-site request must not change: the list and every file of the store. */
  async snapshot(): Promise<string> {
    const files = await readdir(join(this.dir, "store"));
    const signatures = await Promise.all(files.sort().map(async (f) => `${f}:${await this.signature(f)}`));
    return JSON.stringify({ list: await this.store.list("all"), files: signatures });
  }

  private async signature(file: string): Promise<string> {
    try {
      const s = await stat(join(this.dir, "store", file));
      return `${s.size}:${s.mtimeMs}:${s.ino}`;
    } catch {
      return "gone";
    }
  }

  /** Every store file written since the last call must still be a valid curriculum (the reader start-up uses). */
  async changedFileProblems(): Promise<Problem[]> {
    const problems: Problem[] = [];
    for (const file of await readdir(join(this.dir, "store"))) {
      const signature = await this.signature(file);
      if (this.fileSignatures.get(file) === signature) continue;
      this.fileSignatures.set(file, signature);
      const id = file.replace(/\.json$/, "");
      if (file.startsWith(".") || !UUID.test(id)) continue;
      try {
        await LowdbCurriculumRepository.readOne(this.dir, id);
      } catch (error) {
        problems.push({ kind: "a saved file no longer validates", detail: (error as Error).message.slice(0, 300) });
      }
    }
    return problems;
  }

  /** Sends one request and returns everything wrong with the answer. */
  async exchange(req: FuzzRequest, ctx?: TokenContext): Promise<{ problems: Problem[]; answer: Answer }> {
    const context = ctx ?? (await this.fixtureContext());
    const wire = toWire(req, context);
    const crossSite = STATE_CHANGING.has(wire.method) && isCrossSite(wire, this.origin);
    const before = crossSite ? await this.snapshot() : undefined;
    this.logged.length = 0;
    const answer = await send(this.port, wire);
    const problems = answerProblems(wire, answer, this.logged, describeRequest(req) + (wire.body?.toString("latin1") ?? ""));
    if (crossSite) {
      if (answer.status !== 403) problems.push({ kind: `cross-site ${wire.method} answered ${answer.status}, not 403` });
      if ((await this.snapshot()) !== before) problems.push({ kind: "a cross-site request changed the store" });
    } else if (STATE_CHANGING.has(wire.method) && answer.status > 0 && answer.status < 400) {
      problems.push(...(await this.changedFileProblems()));
    }
    return { problems, answer };
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Running properties

/** FUZZ_SURVEY=1: every distinct failure class with a count and its first example, printed at the end. */
const survey = new Map<string, { count: number; example: string }>();
/** FUZZ_SURVEY=1 also counts the statuses each route answered, to see how deep the inputs reach. */
const statuses = new Map<string, Map<number, number>>();

/** What an answer says, briefly: an HTML page's error summary or lead message, or the start of the body. */
function gist(answer: Answer): string {
  const summary = /class="error-summary"[\s\S]*?<ul>([\s\S]*?)<\/ul>/.exec(answer.text)?.[1] ?? /<p class="lead">([\s\S]*?)<\/p>/.exec(answer.text)?.[1];
  const text = summary !== undefined ? summary.replace(/<[^>]+>/g, " ") : answer.text;
  return text.replace(/\s+/g, " ").trim().slice(0, 300);
}

function failureMessage(problems: Problem[], answer: Answer): string {
  const lines = problems.map((p) => `  - ${p.kind}${p.detail ? `: ${p.detail}` : ""}`);
  const type = answer.headers["content-type"] ?? "";
  return `${problems.length} problem(s):\n${lines.join("\n")}\n  answer: ${answer.status} ${type} ${gist(answer)}`;
}

function report(req: FuzzRequest, problems: Problem[], answer: Answer): void {
  if (SURVEY) {
    const counts = statuses.get(req.label) ?? new Map<number, number>();
    counts.set(answer.status, (counts.get(answer.status) ?? 0) + 1);
    statuses.set(req.label, counts);
  }
  if (problems.length === 0) return;
  if (!SURVEY) throw new Error(failureMessage(problems, answer));
  for (const p of problems) {
    const key = `${req.label}  =>  ${p.kind}`;
    const entry = survey.get(key);
    if (entry) entry.count++;
    else survey.set(key, { count: 1, example: `${describeRequest(req).slice(0, 500)}\n      -> ${answer.status} ${p.detail ?? ""}`.slice(0, 900) });
  }
}

/**
 * Stops the work of shrinking after a time budget: once the budget is spent, every further candidate passes
 * without a request, so fast-check ends and reports the smallest failing input it has seen (which really failed).
 */
function withShrinkBudget<A>(predicate: (a: A) => Promise<void>): (a: A) => Promise<void> {
  let firstFailure: number | undefined;
  return async (a) => {
    if (firstFailure !== undefined && Date.now() - firstFailure > SHRINK_BUDGET_MS) return;
    try {
      await predicate(a);
    } catch (error) {
      firstFailure ??= Date.now();
      throw error;
    }
  };
}

function parameters<T>(numRuns: number): fc.Parameters<T> {
  const params: fc.Parameters<T> = {
    numRuns: Math.max(1, Math.round(numRuns * SCALE)),
    plugins: [fc.interruptAfterTimeLimit(PROPERTY_LIMIT_MS)],
    // Jest does not print an error's cause: put what went wrong in the message, after the counterexample.
    includeErrorInReport: true,
  };
  // A fixed seed by default, so that `npm test` is repeatable; FUZZ_SEED=random explores, FUZZ_SEED=<n> replays.
  if (process.env.FUZZ_SEED !== "random") params.seed = Number(process.env.FUZZ_SEED ?? 20261129);
  if (process.env.FUZZ_PATH) params.path = process.env.FUZZ_PATH;
  return params;
}

let harness: Harness;
let fuzzCatalog: FuzzCatalog;
let policeSpec: Record<string, unknown>;

async function fuzz(arb: fc.Arbitrary<FuzzRequest>, numRuns: number, examples: FuzzRequest[] = []): Promise<void> {
  const property = fc.asyncProperty(
    described(arb),
    withShrinkBudget(async (req: FuzzRequest) => {
      const { problems, answer } = await harness.exchange(req);
      report(req, problems, answer);
    }),
  );
  const withToString = (req: FuzzRequest) => Object.defineProperty({ ...req }, fc.toStringMethod, { value: () => describeRequest(req), enumerable: false });
  await fc.assert(property, { ...parameters<[FuzzRequest]>(numRuns), examples: examples.map((req): [FuzzRequest] => [withToString(req)]) });
}

// The inputs the issue names, tried first on every run (then the random ones).
const JSON_TYPE: [string, string] = ["Content-Type", "application/json"];
const FORM_TYPE: [string, string][] = [["Content-Type", "application/x-www-form-urlencoded"], ["Cookie", "csrf_token=$CSRF"]];
const get = (path: string, headers: [string, string][] = []): FuzzRequest => ({ label: `GET ${path}`, method: "GET", path, headers });
const json = (method: string, path: string, value: unknown, headers: [string, string][] = []): FuzzRequest => ({ label: `${method} ${path}`, method, path, headers: [JSON_TYPE, ...headers], body: { kind: "json", value } });
const form = (path: string, fields: [string, string][], headers: [string, string][] = []): FuzzRequest => ({ label: `POST ${path}`, method: "POST", path, headers: [...FORM_TYPE, ...headers], body: { kind: "form", fields: [["_csrf", "$CSRF"], ...fields] } });

function namedJsonExamples(): FuzzRequest[] {
  const spec = (change: Record<string, unknown>) => json("POST", "/api/curricula", { ...policeSpec, ...change });
  return [
    spec({ startDate: "9999-12-31" }),
    spec({ startDate: "0000-01-01" }),
    spec({ startDate: "9999-12-24", days: ["sun"], totalHours: 80, maxHoursPerDay: 2 }),
    spec({ totalHours: 1e308, groupSize: -1, practicalShare: 0.45000001 }),
    spec({ title: "T".repeat(20_000) }),
    spec({ title: "a\u0000b\u001b[31m" }),
    spec({ focusDomains: Array.from({ length: 3000 }, (_, i) => `Bad Id ${i}`) }),
    spec({ tiers: Array<string>(5000).fill("self-care") }),
    spec({ extra: true, id: "x", version: 9 }),
    ...[0, -1, 1.5, "1"].map((version) => json("PUT", "/api/curricula/$ID", { version, edits: [] })),
    json("PUT", "/api/curricula/$ID", { version: "$VERSION", edits: Array.from({ length: 200 }, (_, i) => ({ op: "resize", session: `$SESSION:${i}`, minutes: 7 })) }),
    json("POST", "/api/curricula/$ID/certificates", { participants: Array<string>(500).fill("bad\u0000name") }),
  ];
}

function namedFormExamples(): FuzzRequest[] {
  return [
    form("/curricula", [["title", "One"], ["title", "Two"], ["sector", "police"], ["totalHours", "16"], ["startDate", "2027-03-01"], ["days", "mon"]]),
    form("/curricula", [["title", "x"], ["startDate", "9999-12-31"], ["sector", "police"], ["totalHours", "16"], ["days", "mon"]]),
    form("/curricula", Array.from({ length: 2500 }, (_, i): [string, string] => [`f${i}`, ""])),
    form("/curricula/$ID/edit", [["version", "$VERSION"], ["version", "$VERSION"], ["action", "save"]]),
    form("/curricula/$ID/edit", [["version", "1.5"], ["m_$SESSION:0", "-5"], ["action", "move:$SESSION:0:1e9"]]),
    form("/curricula/$ID/certificates", [["names", Array.from({ length: 600 }, (_, i) => `Person ${i}`).join("\n")]]),
    form("/curricula/$ID/delete", [["_csrf", "$CSRF"]], [["Cookie", "csrf_token=%E0%A4%A"]]),
  ];
}

function namedHeaderExamples(): FuzzRequest[] {
  const withEncoding = (header: string, damage: BodyEncoding["damage"]): FuzzRequest => ({ ...json("POST", "/api/curricula", policeSpec), encoding: { header, damage } });
  return [
    get("/", [["Cookie", "csrf_token=%E0%A4%A"]]),
    get("/curricula/new", [["Cookie", "csrf_token=%"], ["Accept", "text/html"]]),
    get("/api/curricula", [["Cookie", "csrf_token=%ZZ"]]),
    withEncoding("gzip", "corrupt"),
    withEncoding("deflate", "truncate"),
    withEncoding("br", "corrupt"),
    withEncoding("gzip", "bomb"),
    withEncoding("garbage", "plain"),
    withEncoding("identity", "none"),
    { ...form("/curricula/$ID/clone", []), encoding: { header: "gzip", damage: "truncate" } },
    json("POST", "/api/curricula", policeSpec, [["Content-Type", "application/json; charset=utf-16"]]),
    get("/api/catalog", [["Accept", "text/html;q=0, application/json;q=0"]]),
  ];
}

function namedPathExamples(): FuzzRequest[] {
  return ["/api/curricula/%ZZ", "/curricula/%C0%AF", "/scenario-packs/%.pdf", "/curricula/%E0%A4%A/edit", "/curricula/$ID/syllabus.html/..", "/api/curricula/$ID%00/kit", "/scenarios/%", `/curricula/${"a".repeat(5000)}`, "/curricula/%F0%9F%99%82", "/static/..%2f..%2fpackage.json"].map((path) => ({
    ...get(path),
    label: "named path",
  })).concat([{ ...get("/API/CURRICULA/00000000-0000-4000-8000-000000000000", [["Accept", "text/html"]]), label: "named path" }]);
}

function namedCrossSiteExamples(): FuzzRequest[] {
  const elsewhere: [string, string] = ["Origin", "http://elsewhere.example"];
  const crossSite: [string, string] = ["Sec-Fetch-Site", "cross-site"];
  const requests: FuzzRequest[] = [
    json("POST", "/api/curricula", policeSpec, [elsewhere]),
    json("PUT", "/api/curricula/$ID", { version: "$VERSION", title: "Renamed from elsewhere", edits: [] }, [crossSite]),
    { label: "DELETE /api/curricula/:id", method: "DELETE", path: "/api/curricula/$ID", headers: [crossSite] },
    { label: "POST /api/curricula/:id/clone", method: "POST", path: "/api/curricula/$ID/clone", headers: [elsewhere] },
    form("/curricula/$ID/delete", [], [crossSite]),
    form("/curricula/$ID/edit", [["version", "$VERSION"], ["title", "Renamed from elsewhere"], ["action", "save"]], [elsewhere]),
    { label: "PATCH /api/curricula/:id", method: "PATCH", path: "/api/curricula/$ID", headers: [JSON_TYPE, elsewhere], body: { kind: "json", value: { title: "x" } } },
  ];
  return requests.map((req) => ({ ...req, label: `${req.label} (cross-site)` }));
}

beforeAll(async () => {
  const catalog = await realCatalog();
  fuzzCatalog = {
    sectors: catalog.ids.sectors,
    tiers: catalog.ids.tiers,
    domains: catalog.ids.domains,
    templates: catalog.sessions.map((s) => s.id),
    scenarios: catalog.scenarios.map((s) => s.id),
    competencies: catalog.competencies.map((c) => c.id),
  };
  policeSpec = JSON.parse(await readFile(join(EXAMPLES, "police-16h.json"), "utf8"));
  harness = new Harness(catalog);
  await harness.start();
  await harness.fixtureContext();
});

afterAll(async () => {
  if (SURVEY) {
    const counts = [...statuses.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([label, m]) => `  ${label}: ${[...m.entries()].sort(([a], [b]) => a - b).map(([s, n]) => `${s}×${n}`).join(" ")}`);
    process.stdout.write(`\nFuzz survey: statuses by route\n${counts.join("\n")}\n`);
    const lines = [...survey.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([key, { count, example }]) => `${String(count).padStart(5)}  ${key}\n      e.g. ${example}`);
    process.stdout.write(`\nFuzz survey: ${survey.size} failure classes\n${lines.join("\n")}\n`);
  }
  if (harness?.dir) {
    await harness.stop().catch(() => {});
    await rm(harness.dir, { recursive: true, force: true });
  }
});

describe("fuzz: every route, random input", () => {
  test("when JSON bodies are random or near-valid specs, edits and certificate requests, then every answer keeps the contract", async () => {
    await fuzz(jsonBodyRequests(fuzzCatalog, policeSpec), RUNS.json, namedJsonExamples());
  }, TEST_TIMEOUT_MS);

  test("when forms are random (repeated, unknown, many, empty fields), then every answer keeps the contract", async () => {
    await fuzz(formRequests(fuzzCatalog, policeSpec), RUNS.forms, namedFormExamples());
  }, TEST_TIMEOUT_MS);

  test("when headers are random (content types, corrupt or truncated encodings, Accept, malformed cookies), then every answer keeps the contract", async () => {
    await fuzz(headerRequests(fuzzCatalog, policeSpec), RUNS.headers, namedHeaderExamples());
  }, TEST_TIMEOUT_MS);

  test("when paths are random (malformed percent-encoding, dot segments, long and unicode segments), then every answer keeps the contract", async () => {
    await fuzz(pathRequests(fuzzCatalog), RUNS.paths, namedPathExamples());
  }, TEST_TIMEOUT_MS);

  test("when a state-changing request is cross-site, then it gets 403 and changes nothing", async () => {
    await fuzz(crossSiteRequests(fuzzCatalog, policeSpec), RUNS.crossSite, namedCrossSiteExamples());
  }, TEST_TIMEOUT_MS);

  test("when valid-shaped specs and edits are posted, then each is saved or refused by a rule, what is saved validates, and the store opens again", async () => {
    const isValidTitle = (t: string) => titleSchema.safeParse(t).success;
    const sameSite = fc.constantFrom<[string, string][]>([], [["Sec-Fetch-Site", "same-origin"], ["Origin", "$ORIGIN"]], [["Sec-Fetch-Site", "none"]]);
    const input = fc.record({
      spec: validSpec(fuzzCatalog, isValidTitle),
      viaForm: fc.boolean(),
      site: sameSite,
      rounds: fc.array(fc.record({ edits: validEdits(fuzzCatalog), title: fc.option(validTitle(isValidTitle), { nil: undefined }) }), { maxLength: 3 }),
    });
    type Input = typeof input extends fc.Arbitrary<infer T> ? T : never;
    const describeInput = (i: Input) => JSON.stringify(i).slice(0, 1500);
    const property = fc.asyncProperty(
      input.map((i) => Object.defineProperty({ ...i }, fc.toStringMethod, { value: () => describeInput(i), enumerable: false })),
      withShrinkBudget(async ({ spec, viaForm, site, rounds }: Input) => {
        const base = await harness.fixtureContext();
        const step = async (req: FuzzRequest, allowed: number[], ctx = base) => {
          const { problems, answer } = await harness.exchange(req, ctx);
          if (!allowed.includes(answer.status)) problems.push({ kind: `${req.label} answered ${answer.status}, expected ${allowed.join(" or ")}`, detail: gist(answer) });
          report(req, problems, answer);
          return answer;
        };

        // Create it, through the JSON API or the form.
        let id: string | undefined;
        if (viaForm) {
          const fields: [string, string][] = [["_csrf", "$CSRF"]];
          // A browser sends the ticked weekdays; none ticked is an error, so an omitted list is the API's default.
          for (const [key, value] of Object.entries({ days: ["mon", "tue", "wed", "thu", "fri"], ...spec })) {
            if (Array.isArray(value)) for (const v of value) fields.push([key, String(v)]);
            else fields.push([key, key === "practicalShare" ? String(Number(value) * 100) : String(value)]);
          }
          const answer = await step({ label: "valid spec via POST /curricula", method: "POST", path: "/curricula", headers: [["Content-Type", "application/x-www-form-urlencoded"], ["Cookie", "csrf_token=$CSRF"], ["Accept", "text/html"], ...site], body: { kind: "form", fields } }, [303, 422]);
          id = /^\/curricula\/([0-9a-f-]{36})$/.exec(String(answer.headers.location ?? ""))?.[1];
        } else {
          const answer = await step({ label: "valid spec via POST /api/curricula", method: "POST", path: "/api/curricula", headers: [["Content-Type", "application/json"], ...site], body: { kind: "json", value: spec } }, [201, 422]);
          if (answer.status === 201) id = JSON.parse(answer.text).id;
        }
        if (!id) return;
        const saved = await LowdbCurriculumRepository.readOne(harness.dir, id);
        if (!saved) report({ label: "valid spec", method: "POST", path: "", headers: [] }, [{ kind: "a created curriculum is not in the store" }], { status: 0, headers: {}, text: "" });

        // Every page and document of it renders.
        for (const path of [`/api/curricula/${id}`, `/api/curricula/${id}/kit`, `/curricula/${id}`, `/curricula/${id}/edit`, `/curricula/${id}/syllabus.html`, `/curricula/${id}/facilitator-guide.html`]) {
          await step({ label: `GET ${path.replace(id, ":id")} of a valid curriculum`, method: "GET", path, headers: [["Accept", "text/html"]] }, [200]);
        }

        // Edit it a few times against the current version.
        for (const round of rounds) {
          const current = (await harness.store.get(id))!;
          const ctx: TokenContext = { ...base, id, version: current.version, sessions: current.sessions.map((s) => ({ id: s.id, minutes: s.minutes })) };
          const body = { version: "$VERSION", edits: round.edits, ...(round.title === undefined ? {} : { title: round.title }) };
          const answer = await step({ label: "valid edits via PUT /api/curricula/:id", method: "PUT", path: `/api/curricula/${id}`, headers: [["Content-Type", "application/json"], ...site], body: { kind: "json", value: body } }, [200, 422], ctx);
          if (answer.status === 200) {
            const stored = await LowdbCurriculumRepository.readOne(harness.dir, id);
            if (stored?.version !== current.version + 1) report({ label: "valid edits", method: "PUT", path: "", headers: [] }, [{ kind: "a saved edit is not the stored version + 1", detail: `${stored?.version} after ${current.version}` }], answer);
          }
        }
      }),
    );
    await fc.assert(property, parameters<[Input]>(RUNS.valid));

    // The server can reopen the store: close it, open it again (validating every file), and find the same curricula.
    const before = await harness.store.list("all");
    const dir = harness.dir;
    await harness.stop();
    await harness.start(dir);
    expect(await harness.store.list("all")).toEqual(before);
  }, TEST_TIMEOUT_MS);

  test("when the run is over, then the store closes and opens again with every file valid", async () => {
    const before = await harness.store.list("all");
    await harness.stop();
    const files = await readdir(join(harness.dir, "store"));
    expect(files.filter((f) => !UUID.test(f.replace(/\.json$/, "")) || !f.endsWith(".json"))).toEqual([]);
    const reopened = await LowdbCurriculumRepository.open(harness.dir);
    try {
      expect(await reopened.list("all")).toEqual(before);
      expect(files).toHaveLength(before.length);
    } finally {
      await reopened.close();
    }
    // Start it again so afterAll can stop it as usual.
    await harness.start(harness.dir);
  }, TEST_TIMEOUT_MS);
});
