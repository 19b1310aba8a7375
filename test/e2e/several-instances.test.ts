import { afterAll, beforeAll, describe, expect, jest, test } from "@jest/globals";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { postgresForTests } from "../support/postgres.js";
import { provisionAccount, startServer, type ProvisionedAccount, type RunningServer } from "../support/server.js";
import { ROOT } from "../support/built.js";

/**
 * Two real servers on one PostgreSQL database, as behind a load balancer: whatever one instance writes (curricula,
 * sessions, tokens, share links and their revocation) the other sees at once, racing edits across instances still
 * have exactly one winner, and two instances starting together on an empty database migrate it once.
 */

jest.setTimeout(180_000);

const postgres = postgresForTests();
const SPEC = { title: "Peer support basics", sector: "healthcare", totalHours: 8, startDate: "2027-03-01" };

interface Answer {
  status: number;
  headers: Headers;
  text: string;
  json: () => unknown;
}

/** One HTTP request, bounded in time; the body read whole. */
async function call(url: string, init: { method?: string; body?: unknown; form?: Record<string, string>; authorization?: string; cookie?: string; accept?: string } = {}): Promise<Answer> {
  const headers: Record<string, string> = { accept: init.accept ?? "application/json" };
  if (init.authorization) headers.authorization = init.authorization;
  if (init.cookie) headers.cookie = init.cookie;
  let body: string | undefined;
  if (init.form) {
    headers["content-type"] = "application/x-www-form-urlencoded";
    body = new URLSearchParams(init.form).toString();
  } else if (init.body !== undefined) {
    headers["content-type"] = "application/json";
    body = JSON.stringify(init.body);
  }
  const res = await fetch(url, { method: init.method ?? "GET", headers, body, redirect: "manual", signal: AbortSignal.timeout(30_000) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: () => JSON.parse(text) as unknown };
}

/** The value a response sets for a cookie (from its Set-Cookie headers), or undefined. */
function setCookie(answer: Answer, name: string): string | undefined {
  for (const line of answer.headers.getSetCookie()) {
    const [pair] = line.split(";");
    const at = pair!.indexOf("=");
    if (pair!.slice(0, at).trim() === name) return pair!.slice(at + 1);
  }
  return undefined;
}

/** Signs in with the password form, as a browser does: the sign-in page's CSRF token and cookie, then the post. */
async function signIn(base: string, account: ProvisionedAccount): Promise<{ sid: string; csrf: string }> {
  const page = await call(`${base}/sign-in`, { accept: "text/html" });
  expect(page.status).toBe(200);
  const csrf = setCookie(page, "csrf_token");
  const field = /name="_csrf" value="([0-9a-f]{64})"/.exec(page.text)?.[1];
  expect(csrf).toBeDefined();
  expect(field).toBe(csrf);
  const signedIn = await call(`${base}/sign-in`, { method: "POST", accept: "text/html", cookie: `csrf_token=${csrf}`, form: { email: account.email, password: account.password, _csrf: csrf! } });
  expect(signedIn.status).toBe(303);
  const sid = setCookie(signedIn, "sid");
  expect(sid).toMatch(/^pss_/);
  return { sid: sid!, csrf: csrf! };
}

/** The versions of the migrations the app ships, in order. */
async function migrationVersions(): Promise<number[]> {
  const files = await readdir(join(ROOT, "src", "store", "postgres", "migrations"));
  return files.filter((f) => /^\d{4}_[a-z0-9_]+\.sql$/.test(f)).map((f) => Number(f.slice(0, 4))).sort((x, y) => x - y);
}

if (postgres.skipReason) test.skip(`several instances on one PostgreSQL database (skipped: ${postgres.skipReason})`, () => {});

(postgres.skipReason ? describe.skip : describe)("several instances on one PostgreSQL database", () => {
  const servers: RunningServer[] = [];
  const dirs: string[] = [];
  let a: RunningServer;
  let b: RunningServer;
  let admin: ProvisionedAccount;
  let databaseUrl: string;

  /** An empty folder for CURRICULA_DIR: with DATABASE_URL nothing is kept there. */
  const emptyDir = async () => {
    const dir = await mkdtemp(join(tmpdir(), "e2e-instances-"));
    dirs.push(dir);
    return dir;
  };
  const start = async (url: string) => {
    const server = await startServer(await emptyDir(), { DATABASE_URL: url });
    servers.push(server);
    return server;
  };

  beforeAll(async () => {
    databaseUrl = await postgres.newDatabase();
    // The operator's CLI, on the database: it migrates it and makes the administrator and a token.
    admin = provisionAccount(await emptyDir(), {}, { DATABASE_URL: databaseUrl });
    [a, b] = await Promise.all([start(databaseUrl), start(databaseUrl)]);
  }, 120_000);

  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    await postgres.destroy();
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  });

  test("(a) when a curriculum is created through one instance, then the other reads it, and lists it", async () => {
    const made = await call(`${a.url}/api/curricula`, { method: "POST", authorization: admin.authorization, body: SPEC });
    expect(made.status).toBe(201);
    const created = made.json() as { id: string; version: number; title: string };

    const read = await call(`${b.url}/api/curricula/${created.id}`, { authorization: admin.authorization });
    expect(read.status).toBe(200);
    expect(read.json()).toMatchObject({ id: created.id, version: created.version, title: SPEC.title });
    const { audit: _audit, ...readBack } = read.json() as Record<string, unknown>;
    const { audit: _createdAudit, ...asCreated } = created as unknown as Record<string, unknown>;
    expect(readBack).toEqual(asCreated);

    const list = await call(`${b.url}/api/curricula`, { authorization: admin.authorization });
    expect((list.json() as { items: { id: string }[] }).items.map((i) => i.id)).toContain(created.id);
  });

  test("(b) when 10 edits of the same version race across both instances, then exactly one wins and the others get 409", async () => {
    const made = await call(`${b.url}/api/curricula`, { method: "POST", authorization: admin.authorization, body: SPEC });
    expect(made.status).toBe(201);
    const { id, version } = made.json() as { id: string; version: number };

    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, i) => call(`${(i % 2 === 0 ? a : b).url}/api/curricula/${id}`, { method: "PUT", authorization: admin.authorization, body: { version, title: `Racer ${i}`, edits: [] } })),
    );
    const statuses = answers.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(9);
    for (const lost of answers.filter((r) => r.status === 409)) expect((lost.json() as { error: { code: string } }).error.code).toBe("conflict");

    const winner = answers.findIndex((r) => r.status === 200);
    for (const server of [a, b]) {
      const stored = (await call(`${server.url}/api/curricula/${id}`, { authorization: admin.authorization })).json() as { version: number; title: string };
      expect(stored).toMatchObject({ version: version + 1, title: `Racer ${winner}` });
    }
  });

  test("(c) when someone signs in on one instance, then the session works on the other, a token made on one works on the other, and signing out on one ends the session on both at once", async () => {
    const { sid, csrf } = await signIn(a.url, admin);
    const cookie = `sid=${sid}; csrf_token=${csrf}`;

    for (const server of [a, b]) {
      const me = await call(`${server.url}/api/me`, { cookie });
      expect(me.status).toBe(200);
      expect(me.json()).toMatchObject({ user: { email: admin.email }, via: "web", role: "admin" });
    }

    // The CLI's token, made before either instance started, works on both.
    for (const server of [a, b]) {
      expect((await call(`${server.url}/api/me`, { authorization: admin.authorization })).json()).toMatchObject({ user: { email: admin.email }, via: "api" });
    }
    // A token made on the account page of A works on B.
    const made = await call(`${a.url}/account/tokens`, { method: "POST", accept: "text/html", cookie, form: { label: "made on A", _csrf: csrf } });
    expect(made.status).toBe(201);
    const secret = /<p class="secret">\s*(pst_[^<\s]+)\s*<\/p>/.exec(made.text)?.[1];
    expect(secret).toBeDefined();
    const viaToken = await call(`${b.url}/api/me`, { authorization: `Bearer ${secret}` });
    expect(viaToken.status).toBe(200);
    expect(viaToken.json()).toMatchObject({ user: { email: admin.email }, via: "api" });

    // Signing out on B ends the session everywhere, at once: no instance keeps it cached.
    const out = await call(`${b.url}/sign-out`, { method: "POST", accept: "text/html", cookie, form: { _csrf: csrf } });
    expect(out.status).toBe(303);
    expect(out.headers.get("location")).toBe("/sign-in");
    for (const server of [a, b]) {
      const me = await call(`${server.url}/api/me`, { cookie });
      expect(me.status).toBe(401);
      const page = await call(`${server.url}/account`, { cookie, accept: "text/html" });
      expect(page.status).toBe(303);
      expect(page.headers.get("location")).toMatch(/^\/sign-in/);
    }
  });

  test("(d) when a share link is made on one instance, then it opens on the other signed out; revoked on one, it is refused on the other at once", async () => {
    const course = (await call(`${a.url}/api/curricula`, { method: "POST", authorization: admin.authorization, body: { ...SPEC, title: "Shared across instances" } })).json() as { id: string };
    const made = await call(`${a.url}/api/curricula/${course.id}/share-links`, { method: "POST", authorization: admin.authorization, body: { label: "Committee" } });
    expect(made.status).toBe(201);
    const link = made.json() as { id: string; url: string };
    const path = new URL(link.url).pathname;
    expect(path).toMatch(/^\/s\/psl_/);

    for (const server of [b, a]) {
      const opened = await call(`${server.url}${path}`, { accept: "text/html" });
      expect(opened.status).toBe(200);
      expect(opened.text).toContain("Shared across instances");
    }

    const revoked = await call(`${b.url}/api/curricula/${course.id}/share-links/${link.id}`, { method: "DELETE", authorization: admin.authorization });
    expect(revoked.status).toBe(204);
    for (const server of [a, b]) {
      expect((await call(`${server.url}${path}`, { accept: "text/html" })).status).toBe(404);
      expect((await call(`${server.url}${path}/syllabus.html`, { accept: "text/html" })).status).toBe(404);
    }
  });

  test("(e) when two instances start at the same time on a new, empty database, then both come up and every migration is applied exactly once", async () => {
    const fresh = await postgres.newDatabase();
    const [first, second] = await Promise.all([start(fresh), start(fresh)]);
    for (const server of [first, second]) {
      const health = await call(`${server.url}/healthz`);
      expect(health.status).toBe(200);
      expect(health.json()).toMatchObject({ status: "ok", store: "postgres", database: "up" });
    }

    const client = new pg.Client({ connectionString: fresh });
    await client.connect();
    try {
      const { rows } = await client.query<{ version: number; n: string }>("SELECT version, count(*) AS n FROM schema_migrations GROUP BY version ORDER BY version");
      expect(rows.map((r) => r.version)).toEqual(await migrationVersions());
      expect(rows.every((r) => Number(r.n) === 1)).toBe(true);
    } finally {
      await client.end();
    }

    // The schema they made works through both: the first run's set-up page is offered by each.
    for (const server of [first, second]) {
      const setup = await call(`${server.url}/`, { accept: "text/html" });
      expect(setup.status).toBe(303);
      expect(setup.headers.get("location")).toBe("/setup");
    }
    await Promise.all([first.stop(), second.stop()]);
    for (const server of [first, second]) expect(server.process.exitCode).toBe(0);
  });
});
