import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import request from "supertest";
import type { Express } from "express";
import type { Catalog } from "../../src/content/index.js";
import { LowdbCurriculumRepository } from "../../src/store/index.js";
import { createApp } from "../../src/web/app.js";
import { MemoryAccountRepository } from "../../src/store/index.js";
import { asBrowser, seedOrganisations, type TestPerson } from "../support/accounts.js";
import { MAX_ISSUES } from "../../src/web/http-error.js";
import { realCatalog } from "../support/catalog.js";
import { startServer, type RunningServer } from "../support/server.js";
import { ROOT } from "../support/built.js";

let catalog: Catalog;
let dir: string;
let store: LowdbCurriculumRepository;
let app: Express;
let spec: Record<string, unknown>;
const accounts = new MemoryAccountRepository();
/** A designer, signed in: the subject here is input handling, not access (see access.test.ts). */
let person: TestPerson;

beforeAll(async () => {
  catalog = await realCatalog();
  dir = await mkdtemp(join(tmpdir(), "hardening-"));
  store = await LowdbCurriculumRepository.open(dir);
  person = (await seedOrganisations({ accounts, store }))[0]!.people.designer;
  app = asBrowser(createApp({ catalog, store, accounts, log: () => {} }), person);
  spec = JSON.parse(await readFile(join(ROOT, "curricula", "examples", "police-16h.json"), "utf8"));
});

afterAll(async () => {
  await store?.close();
  await rm(dir, { recursive: true, force: true });
});

/** The contract's error body. */
function expectErrorBody(body: unknown) {
  expect(body).toEqual({ error: { code: expect.any(String), message: expect.any(String), issues: expect.any(Array) } });
}

async function createCourse(): Promise<{ id: string; version: number }> {
  const res = await request(app).post("/api/curricula").send(spec).expect(201);
  return { id: res.body.id, version: res.body.version };
}

/** A browser-like agent with the CSRF cookie and the token of a page's form. */
async function formSession(path = "/curricula/new") {
  const agent = request.agent(app);
  const page = await agent.get(path).set("Accept", "text/html").expect(200);
  const token = /name="_csrf" value="([0-9a-f]{64})"/.exec(page.text)?.[1];
  if (!token) throw new Error("no CSRF token on the form");
  return { agent, token, page: page.text };
}

/** The store opens again: every file it holds reads back. */
async function storeReopens(): Promise<void> {
  await store.close();
  store = await LowdbCurriculumRepository.open(dir);
  app = asBrowser(createApp({ catalog, store, accounts, log: () => {} }), person);
}

describe("one home per rule: titles, dates, versions", () => {
  const badTitles: [string, unknown, RegExp][] = [
    ["300 characters", "x".repeat(300), /at most 200/],
    ["only spaces", "    ", /must not be empty/],
    ["a tab inside", "Peer\tsupport", /control characters/],
    ["an escape code", "Peer \u001b[31m support", /control characters/],
    ["a C1 control", "Peer \u0085 support", /control characters/],
    ["DEL", "Peer \u007f support", /control characters/],
    ["only invisible format marks", "\u200b\u200b", /visible character/],
    ["a number", 42, /must be text/],
  ];

  test.each(badTitles)("when a course is created with a title of %s, then it is a 400 naming title", async (_label, title, rule) => {
    const res = await request(app).post("/api/curricula").send({ ...spec, title }).expect(400);
    expectErrorBody(res.body);
    expect(res.body.error.issues).toEqual([{ path: "title", message: expect.stringMatching(rule) }]);
  });

  test.each(badTitles)("when an edit sets a title of %s, then it is a 400 naming title and nothing changes", async (_label, title, rule) => {
    const { id, version } = await createCourse();
    const res = await request(app).put(`/api/curricula/${id}`).send({ version, title, edits: [] }).expect(400);
    expect(res.body.error.issues).toEqual([{ path: "title", message: expect.stringMatching(rule) }]);
    expect((await request(app).get(`/api/curricula/${id}`).expect(200)).body.version).toBe(version);
  });

  test("when the edit form posts a 300-character title, then the page says so, nothing is saved, and the store opens again", async () => {
    const { id } = await createCourse();
    const { agent, token, page } = await formSession(`/curricula/${id}/edit`);
    const version = /name="version" value="(\d+)"/.exec(page)![1]!;
    const res = await agent.post(`/curricula/${id}/edit`).type("form").send({ _csrf: token, version, title: "x".repeat(300), action: "save" }).expect(400);
    expect(res.text).toMatch(/Course title: must be at most 200 characters/);
    await storeReopens();
    expect((await request(app).get(`/api/curricula/${id}`).expect(200)).body.title).toBe(spec.title);
  });

  test("when a course would end after 9999-12-31, then it is a 400 naming startDate, from the API, the form and the CLI alike", async () => {
    const api = await request(app).post("/api/curricula").send({ ...spec, startDate: "9999-12-31" }).expect(400);
    expect(api.body.error.issues).toEqual([{ path: "startDate", message: expect.stringMatching(/end by 9999-12-31/) }]);

    const { agent, token } = await formSession();
    const form = await agent
      .post("/curricula")
      .type("form")
      .send({ _csrf: token, title: "Late", sector: "police", totalHours: "16", practicalShare: "50", startDate: "9999-12-20", days: ["mon"], dayStart: "09:00", maxHoursPerDay: "6", timezone: "UTC", groupSize: "12" })
      .expect(400);
    expect(form.text).toMatch(/end by 9999-12-31/);
  });

  test("when a course fits the calendar's last days, then it is planned with every date in 0001-9999", async () => {
    const res = await request(app).post("/api/curricula").send({ ...spec, totalHours: 4, startDate: "9999-12-27", days: ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] }).expect(201);
    for (const day of res.body.days) expect(day.date <= "9999-12-31").toBe(true);
  });

  test.each([["0000-01-01"], ["10000-01-01"], ["2027-02-30"], ["+02027-01-01"]])("when the start date is %s, then it is a 400 naming startDate", async (startDate) => {
    const res = await request(app).post("/api/curricula").send({ ...spec, startDate }).expect(400);
    expect(res.body.error.issues[0].path).toBe("startDate");
  });

  test.each([[0], [-1], [1.5], ["1"]])("when an edit names version %p, then the answer says it must be a whole number of at least 1", async (version) => {
    const { id } = await createCourse();
    const res = await request(app).put(`/api/curricula/${id}`).send({ version, edits: [] }).expect(400);
    expect(res.body.error.issues).toEqual([{ path: "version", message: "must be a whole number of at least 1" }]);
  });

  test("when a curriculum is cloned with a 199-character title, then the copy's title is cut to 200 characters, not past it", async () => {
    const res = await request(app).post("/api/curricula").send({ ...spec, title: "é".repeat(199) }).expect(201);
    const copy = await request(app).post(`/api/curricula/${res.body.id}/clone`).expect(201);
    expect(copy.body.title.length).toBeLessThanOrEqual(200);
    expect(copy.body.title.startsWith("Copy of é")).toBe(true);
    await storeReopens();
  });
});

describe("forms: repeated, unknown and too many fields", () => {
  test.each([["title"], ["sector"], ["totalHours"], ["startDate"], ["groupSize"]])("when the new-course form repeats %s, then the form comes back with a message (400)", async (field) => {
    const { agent, token } = await formSession();
    const body = `_csrf=${token}&title=a&sector=police&totalHours=16&startDate=2027-03-01&groupSize=12&${field}=again`;
    const res = await agent.post("/curricula").type("form").send(body).expect(400);
    expect(res.text).toMatch(/was sent more than once/);
  });

  test("when the new-course form has a field the page does not have, then the form comes back naming it (400)", async () => {
    const { agent, token } = await formSession();
    const res = await agent.post("/curricula").type("form").send(`_csrf=${token}&title=a&sector=police&totalHours=16&startDate=2027-03-01&isAdmin=1`).expect(400);
    expect(res.text).toMatch(/a field this page does not have \(&quot;isAdmin&quot;\)/);
  });

  test("when a form has 2,001 fields, then it is a 413", async () => {
    const { agent, token } = await formSession();
    const fields = Array.from({ length: 2001 }, (_, i) => `f${i}=1`).join("&");
    await agent.post("/curricula").type("form").send(`_csrf=${token}&${fields}`).expect(413);
  });

  test("when the edit form repeats a field or has an unknown one, then the edit page says so and nothing is saved", async () => {
    const { id, version } = await createCourse();
    const { agent, token } = await formSession(`/curricula/${id}/edit`);
    const repeated = await agent.post(`/curricula/${id}/edit`).type("form").send(`_csrf=${token}&version=${version}&title=a&title=b&action=save`).expect(400);
    expect(repeated.text).toMatch(/title.{0,20} was sent more than once/);
    const unknown = await agent.post(`/curricula/${id}/edit`).type("form").send(`_csrf=${token}&version=${version}&m_nosuchsession=5&action=save`).expect(400);
    expect(unknown.text).toMatch(/does not have/);
    expect((await request(app).get(`/api/curricula/${id}`).expect(200)).body.version).toBe(version);
  });

  test("when the certificate form repeats the names field, then it is a 400, not a crash", async () => {
    const { id } = await createCourse();
    const { agent, token } = await formSession(`/curricula/${id}`);
    const res = await agent.post(`/curricula/${id}/certificates`).type("form").send(`_csrf=${token}&names=A&names=B`).set("Accept", "application/json");
    expect(res.status).toBe(400);
  });
});

describe("malformed requests", () => {
  test.each([["/api/curricula/%ZZ"], ["/curricula/%C0%AF"], ["/scenario-packs/%.pdf"], ["/curricula/%E0%A4%A/edit"], ["/static/%E0%A4%A"]])("when the path %s has malformed percent-encoding, then it is a 400", async (path) => {
    const res = await request(app).get(path).set("Accept", "application/json");
    expect(res.status).toBe(400);
    expectErrorBody(res.body);
  });

  test("when the CSRF cookie is malformed, then the page is served and the cookie replaced", async () => {
    const res = await request(app).get("/").set("Cookie", "csrf_token=%E0%A4%A").set("Accept", "text/html").expect(200);
    expect(String(res.headers["set-cookie"])).toMatch(/csrf_token=[0-9a-f]{64}/);
  });

  const encodings: [string, string, Buffer][] = [
    ["gzip", "corrupt", Buffer.from("garbage")],
    ["gzip", "truncated", gzipSync(JSON.stringify({ title: "x" })).subarray(0, 12)],
    ["deflate", "corrupt", Buffer.from("garbage")],
    ["br", "corrupt", Buffer.from("garbage")],
    ["compress", "unsupported", Buffer.from("x")],
    ["gzip, gzip", "unsupported", Buffer.from("x")],
  ];
  test.each(encodings)("when a JSON body's Content-Encoding %s is %s, then it is a 400", async (encoding, _kind, body) => {
    const res = await request(app).post("/api/curricula").set("Content-Type", "application/json").set("Content-Encoding", encoding).serialize((b: Buffer) => b as unknown as string).send(body);
    expect(res.status).toBe(400);
    expectErrorBody(res.body);
  });

  test("when a gzip body is well formed, then it is read", async () => {
    await request(app).post("/api/curricula").set("Content-Type", "application/json").set("Content-Encoding", "gzip").serialize((b: Buffer) => b as unknown as string).send(gzipSync(JSON.stringify(spec))).expect(201);
  });

  test("when one request has 20,000 bad focus domains, then the answer lists 50 issues and counts the rest", async () => {
    const res = await request(app).post("/api/curricula").send({ ...spec, focusDomains: Array.from({ length: 20_000 }, () => "x") }).expect(400);
    expect(res.body.error.issues).toHaveLength(MAX_ISSUES + 1);
    expect(res.body.error.issues.at(-1)).toEqual({ path: "(more)", message: expect.stringMatching(/^19950 more issues were found/) });
    expect(res.text.length).toBeLessThan(20_000);
  });
});

describe("CSRF by origin on every state change", () => {
  const crossSite = [
    { "Sec-Fetch-Site": "cross-site" },
    { "Sec-Fetch-Site": "same-site" },
    { Origin: "http://elsewhere.example" },
    { Origin: "null" },
  ];

  test("when another site deletes, clones, edits or creates (any content type, with or without a body), then each is a 403 and the store is unchanged", async () => {
    const { id, version } = await createCourse();
    const before = await request(app).get("/api/curricula").expect(200);
    const attempts = [
      () => request(app).post(`/curricula/${id}/delete`).set("Content-Type", "text/plain").send("x"),
      () => request(app).post(`/curricula/${id}/delete`).field("x", "y"),
      () => request(app).post(`/curricula/${id}/clone`),
      () => request(app).post(`/api/curricula/${id}/clone`).set("Content-Type", "text/plain").send("x"),
      () => request(app).delete(`/api/curricula/${id}`),
      () => request(app).put(`/api/curricula/${id}`).send({ version, title: "Taken over" }),
      () => request(app).patch(`/api/curricula/${id}`).send({}),
      () => request(app).post("/api/curricula").send(spec),
      () => request(app).post("/curricula").type("form").send({ title: "x" }),
    ];
    for (const headers of crossSite) {
      for (const attempt of attempts) {
        const res = await attempt().set(headers).set("Accept", "application/json");
        expect(res.status).toBe(403);
        expect(res.body.error.code).toBe("cross_site_request");
      }
    }
    expect((await request(app).get("/api/curricula").expect(200)).body).toEqual(before.body);
  });

  test("when the request comes from this origin, a bookmark, or a client that sends neither header, then it passes", async () => {
    const { id } = await createCourse();
    await request(app).post(`/api/curricula/${id}/clone`).set("Sec-Fetch-Site", "same-origin").expect(201);
    await request(app).post(`/api/curricula/${id}/clone`).set("Sec-Fetch-Site", "none").expect(201);
    const host = await request(app).post(`/api/curricula/${id}/clone`).set("Host", "127.0.0.1:3000").set("Origin", "http://127.0.0.1:3000").expect(201);
    await request(app).delete(`/api/curricula/${host.body.id}`).expect(204);
  });

  test("when a same-origin form post lacks its token, then the token check still refuses it", async () => {
    const { id } = await createCourse();
    await request(app).post(`/curricula/${id}/delete`).type("form").send({}).set("Sec-Fetch-Site", "same-origin").expect(403);
  });
});

describe("host names and plain HTTP", () => {
  test("when the app answers only to loopback and listed names, then another Host is a 400 and listed ones pass", async () => {
    const guarded = asBrowser(createApp({ catalog, store, accounts, hosts: { allowed: ["training.example.org", ".hospital.example"] }, log: () => {} }), person);
    for (const host of ["rebound.attacker.example", "example.org", "hospital.example.evil"]) {
      const res = await request(guarded).get("/api/curricula").set("Host", host).expect(400);
      expect(res.body.error.code).toBe("host_not_allowed");
    }
    for (const host of ["127.0.0.1:3000", "localhost", "[::1]:8080", "training.example.org", "TRAINING.example.org:443", "hospital.example", "ward.hospital.example"]) {
      await request(guarded).get("/api/curricula").set("Host", host).expect(200);
    }
  });

  test("when served over plain HTTP, then there is no upgrade-insecure-requests and no HSTS; over HTTPS through a trusted proxy, HSTS is sent", async () => {
    const plain = await request(app).get("/").set("Accept", "text/html").expect(200);
    expect(plain.headers["content-security-policy"]).not.toMatch(/upgrade-insecure-requests/);
    expect(plain.headers["strict-transport-security"]).toBeUndefined();
    const proxied = asBrowser(createApp({ catalog, store, accounts, trustProxy: "loopback", log: () => {} }), person);
    const secure = await request(proxied).get("/").set("X-Forwarded-Proto", "https").expect(200);
    expect(secure.headers["strict-transport-security"]).toMatch(/max-age=\d+/);
    const untrusted = await request(app).get("/").set("X-Forwarded-Proto", "https").expect(200);
    expect(untrusted.headers["strict-transport-security"]).toBeUndefined();
  });
});

describe("the real server", () => {
  let server: RunningServer;
  let serverDir: string;
  beforeAll(async () => {
    serverDir = await mkdtemp(join(tmpdir(), "hardening-server-"));
    server = await startServer(serverDir);
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
    await rm(serverDir, { recursive: true, force: true });
  });

  /** Sends raw bytes and returns what the server answers before it closes the connection. */
  function raw(bytes: string): Promise<string> {
    const { hostname, port } = new URL(server.url);
    return new Promise((resolve, reject) => {
      const socket = connect(Number(port), hostname, () => socket.write(bytes));
      let answer = "";
      socket.on("data", (chunk) => (answer += chunk.toString()));
      socket.on("close", () => resolve(answer));
      socket.on("error", reject);
    });
  }

  test("when a chunked body is malformed, then the answer is a 400 with the contract's error body", async () => {
    const answer = await raw("POST /api/curricula HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\nabc\r\n0\r\n\r\n");
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    expectErrorBody(JSON.parse(answer.slice(answer.indexOf("\r\n\r\n") + 4)));
  });

  test("when it listens on loopback, then a Host that is not a loopback name is refused (DNS rebinding)", async () => {
    const answer = await raw("GET /api/curricula HTTP/1.1\r\nHost: rebound.attacker.example\r\nConnection: close\r\n\r\n");
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    expect(answer).toMatch(/host_not_allowed/);
  });
});
