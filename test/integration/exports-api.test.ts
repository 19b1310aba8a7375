import { beforeAll, describe, expect, test } from "@jest/globals";
import type { Express } from "express";
import request from "supertest";
import { z } from "zod";
import type { Catalog } from "../../src/content/index.js";
import type { ExportFormat } from "../../src/exports/export-format.js";
import { EXPORT_FORMATS } from "../../src/exports/registry.js";
import { DocumentCache } from "../../src/render/document-cache.js";
import { MemoryAccountRepository, MemoryCurriculumRepository } from "../../src/store/index.js";
import { createApp } from "../../src/web/app.js";
import { realCatalog } from "../support/catalog.js";
import { asBrowser, seedOrganisations, type TestOrganisation } from "../support/accounts.js";

const SPEC = { title: "Ward peer team", sector: "healthcare", totalHours: 8, startDate: "2027-03-01" };

/** Counts what is built, to tell a cache hit from a rebuild. */
const built: string[] = [];
const rendered: string[] = [];
const fakePdf = {
  render: async ({ html }: { html: string }) => {
    rendered.push(html.slice(0, 40));
    return Buffer.from(`%PDF-1.7\n% ${rendered.length}\n`);
  },
};

/** Two formats that record their builds: one for participants (with an option), one for facilitators, and one of the framework. */
const formats: ExportFormat[] = [
  {
    id: "test-participant",
    scope: "curriculum",
    title: "Participant test file",
    purpose: "For the tests.",
    audience: "participant",
    contentType: "text/plain; charset=utf-8",
    extension: "txt",
    options: z.strictObject({ flavour: z.enum(["plain", "fancy"], { error: "must be plain or fancy" }).default("plain") }),
    build: async ({ curriculum, options }) => {
      built.push(`participant ${curriculum!.version} ${String(options.flavour)}`);
      return Buffer.from(`${curriculum!.title} v${curriculum!.version} ${String(options.flavour)}`);
    },
  },
  {
    id: "test-facilitator",
    scope: "curriculum",
    title: "Facilitator test file",
    purpose: "For the tests.",
    audience: "facilitator",
    contentType: "text/plain; charset=utf-8",
    extension: "txt",
    build: async ({ curriculum }) => {
      built.push("facilitator");
      return Buffer.from(`facilitator notes for ${curriculum!.title}`);
    },
  },
  {
    id: "test-framework",
    scope: "framework",
    title: "Framework test file",
    purpose: "For the tests.",
    audience: "facilitator",
    contentType: "application/json",
    extension: "json",
    build: async ({ catalog }) => Buffer.from(JSON.stringify({ competencies: catalog.competencies.length })),
  },
];

/** The memory store, counting whole reads: a built document served again should need only the curriculum's head. */
class CountingStore extends MemoryCurriculumRepository {
  wholeReads = 0;
  override async get(id: string) {
    this.wholeReads++;
    return super.get(id);
  }
}

let catalog: Catalog;
let app: Express;
let store: CountingStore;
let org: TestOrganisation;
let other: TestOrganisation;
let course: { id: string; version: number };

beforeAll(async () => {
  catalog = await realCatalog();
  const accounts = new MemoryAccountRepository();
  store = new CountingStore();
  [org, other] = (await seedOrganisations({ accounts, store }, ["St Elsewhere Hospital", "County Fire Service"])) as [TestOrganisation, TestOrganisation];
  app = createApp({ catalog, store, accounts, pdf: fakePdf, formats, documentCache: new DocumentCache(1024 * 1024), log: () => {} });
  course = (await request(app).post("/api/curricula").set("Authorization", org.people.designer.bearer).send(SPEC).expect(201)).body;
});

describe("exports through the API", () => {
  test("when the formats are listed, then each says what it is for, who it is for and where to get it", async () => {
    const res = await request(app).get("/api/exports").set("Authorization", org.people.trainer.bearer).expect(200);
    expect(res.body.items).toEqual([
      expect.objectContaining({ id: "test-participant", audience: "participant", scope: "curriculum", purpose: "For the tests.", href: "/api/curricula/{id}/exports/test-participant" }),
      expect.objectContaining({ id: "test-facilitator", audience: "facilitator" }),
      expect.objectContaining({ id: "test-framework", scope: "framework", href: "/api/framework/exports/test-framework" }),
    ]);
  });

  test("when an export is downloaded, then it is an attachment with its type and a file name, and the permissions are the PDFs'", async () => {
    const res = await request(app).get(`/api/curricula/${course.id}/exports/test-participant`).set("Authorization", org.people.manager.bearer).expect(200);
    expect(res.headers["content-type"]).toBe("text/plain; charset=utf-8");
    expect(res.headers["content-disposition"]).toBe('attachment; filename="test-participant-ward-peer-team.txt"');
    expect(res.text).toBe("Ward peer team v1 plain");
    // The participant side needs what the syllabus needs (manager and up); the facilitator side what the guide needs.
    await request(app).get(`/api/curricula/${course.id}/exports/test-participant`).set("Authorization", org.people.trainer.bearer).expect(403);
    await request(app).get(`/api/curricula/${course.id}/exports/test-facilitator`).set("Authorization", org.people.trainer.bearer).expect(200);
    // Another organisation's curriculum does not exist for them.
    await request(app).get(`/api/curricula/${course.id}/exports/test-facilitator`).set("Authorization", other.people.admin.bearer).expect(404);
    await request(app).get(`/api/curricula/${course.id}/exports/test-facilitator`).expect(401);
    await request(app).get(`/api/curricula/${course.id}/exports/nonsense`).set("Authorization", org.people.admin.bearer).expect(404);
    await request(app).get(`/api/curricula/${course.id}/exports/test-framework`).set("Authorization", org.people.admin.bearer).expect(404);
    const bad = await request(app).get(`/api/curricula/${course.id}/exports/test-participant?flavour=odd`).set("Authorization", org.people.admin.bearer).expect(400);
    expect(bad.body.error.issues).toEqual([{ path: "flavour", message: "must be plain or fancy" }]);
    const framework = await request(app).get("/api/framework/exports/test-framework").set("Authorization", other.people.trainer.bearer).expect(200);
    expect(JSON.parse(framework.text)).toEqual({ competencies: catalog.competencies.length });
  });

  test("when an export is asked for again, then it comes from the cache with the same ETag, 304 for a browser that has it, and a new version is built anew", async () => {
    const auth = org.people.admin.bearer;
    const url = `/api/curricula/${course.id}/exports/test-participant?flavour=fancy`;
    const before = built.length;
    const first = await request(app).get(url).set("Authorization", auth).expect(200);
    const second = await request(app).get(url).set("Authorization", auth).expect(200);
    expect(built.length - before).toBe(1);
    expect(second.headers.etag).toBe(first.headers.etag);
    expect(first.headers["cache-control"]).toBe("private, no-cache");
    const notModified = await request(app).get(url).set("Authorization", auth).set("If-None-Match", first.headers.etag!).expect(304);
    expect(notModified.text).toBe("");
    // But access is checked first: a 304 is not given to someone who may not see it.
    await request(app).get(url).set("Authorization", org.people.trainer.bearer).set("If-None-Match", first.headers.etag!).expect(403);

    const edited = await request(app).put(`/api/curricula/${course.id}`).set("Authorization", org.people.designer.bearer).send({ version: course.version, title: "Renamed team", edits: [] }).expect(200);
    course = { id: edited.body.id, version: edited.body.version };
    const fresh = await request(app).get(url).set("Authorization", auth).set("If-None-Match", first.headers.etag!).expect(200);
    expect(fresh.text).toBe("Renamed team v2 fancy");
    expect(fresh.headers.etag).not.toBe(first.headers.etag);
  });

  test("when PDFs and scenario packs are asked for again, then they are rendered once and answered with ETags", async () => {
    const auth = org.people.manager.bearer;
    const before = rendered.length;
    const first = await request(app).get(`/curricula/${course.id}/syllabus.pdf`).set("Authorization", auth).expect(200);
    await request(app).get(`/curricula/${course.id}/syllabus.pdf`).set("Authorization", auth).expect(200);
    await request(app).get(`/curricula/${course.id}/syllabus.pdf`).set("Authorization", auth).set("If-None-Match", first.headers.etag!).expect(304);
    await request(app).get(`/curricula/${course.id}/syllabus.pdf?paper=letter`).set("Authorization", auth).expect(200);
    await request(app).get("/scenario-packs/healthcare.pdf").set("Authorization", auth).expect(200);
    await request(app).get("/scenario-packs/healthcare.pdf").set("Authorization", auth).expect(200);
    expect(rendered.length - before).toBe(3);
    // Certificates carry personal names: never cached.
    await request(app).post(`/api/curricula/${course.id}/certificates`).set("Authorization", auth).send({ participants: ["Ana Lima"] }).expect(200);
    const again = await request(app).post(`/api/curricula/${course.id}/certificates`).set("Authorization", auth).send({ participants: ["Ana Lima"] }).expect(200);
    expect(again.headers["cache-control"]).toBe("no-store");
    expect(rendered.length - before).toBe(5);
  });

  test("when someone opens a share link, then it offers the participant exports and nothing for facilitators", async () => {
    const share = await request(app).post(`/api/curricula/${course.id}/share-links`).set("Authorization", org.people.manager.bearer).send({}).expect(201);
    const path = new URL(share.body.url).pathname;
    const page = await request(app).get(path).set("Accept", "text/html").expect(200);
    expect(page.text).toContain(`${path}/exports/test-participant`);
    expect(page.text).not.toContain("test-facilitator");
    const file = await request(app).get(`${path}/exports/test-participant`).expect(200);
    expect(file.text).toMatch(/^Renamed team v\d plain$/);
    await request(app).get(`${path}/exports/test-facilitator`).expect(404);
    await request(app).get(`${path}/exports/test-framework`).expect(404);
  });

  test("when a built document is asked for again, then it is served on the curriculum's head, and a deleted or withheld curriculum's copy is never served", async () => {
    const auth = org.people.admin.bearer;
    const throwaway = (await request(app).post("/api/curricula").set("Authorization", org.people.designer.bearer).send({ ...SPEC, title: "Short-lived" }).expect(201)).body as { id: string };
    const share = await request(app).post(`/api/curricula/${throwaway.id}/share-links`).set("Authorization", org.people.manager.bearer).send({}).expect(201);
    const shared = new URL(share.body.url).pathname;
    const urls = [`/curricula/${throwaway.id}/syllabus.pdf`, `/curricula/${throwaway.id}/kit.pdf?edition=participant`, `/api/curricula/${throwaway.id}/exports/test-participant`, `${shared}/syllabus.pdf`, `${shared}/exports/test-participant`];
    const first = new Map<string, string>();
    for (const url of urls) first.set(url, (await request(app).get(url).set("Authorization", auth).expect(200)).headers.etag!);
    const reads = store.wholeReads;
    for (const url of urls) {
      const again = await request(app).get(url).set("Authorization", auth).expect(200);
      expect(again.headers.etag).toBe(first.get(url));
    }
    expect(store.wholeReads).toBe(reads);
    // The head still carries the access rule: another organisation gets 404, a role below 403, even for a cached copy.
    await request(app).get(urls[0]!).set("Authorization", other.people.admin.bearer).expect(404);
    await request(app).get(urls[2]!).set("Authorization", org.people.trainer.bearer).set("If-None-Match", first.get(urls[2]!)!).expect(403);
    // Deleted: every door answers 404, though the built copies are still in the cache.
    await request(app).delete(`/api/curricula/${throwaway.id}`).set("Authorization", org.people.designer.bearer).expect(204);
    for (const url of urls) await request(app).get(url).set("Authorization", auth).expect(404);
  });

  test("when a designer opens the curriculum page, then the Export menu lists each format with what it is for", async () => {
    const page = await request(asBrowser(app, org.people.designer)).get(`/curricula/${course.id}`).set("Accept", "text/html").expect(200);
    expect(page.text).toContain(`href="/api/curricula/${course.id}/exports/test-participant"`);
    expect(page.text).toContain("Participant test file");
    const trainer = await request(asBrowser(app, org.people.trainer)).get(`/curricula/${course.id}`).set("Accept", "text/html").expect(200);
    expect(trainer.text).not.toContain("exports/test-participant");
    expect(trainer.text).toContain("exports/test-facilitator");
  });
});

describe("the real formats", () => {
  test("when the app is built with its own registry, then every format has an id, a purpose, an audience and a type, and ids are unique", () => {
    const ids = EXPORT_FORMATS.map((f) => f.id);
    expect(new Set(ids).size).toBe(ids.length);
    // What the issue asks for: a learning platform's package, Word, calendar, spreadsheet and framework files.
    expect(ids).toEqual(expect.arrayContaining(["imscc", "syllabus-docx", "facilitator-guide-docx", "role-cards-docx", "calendar", "spreadsheet", "matrix-csv", "schedule-csv", "moodle-competencies", "canvas-outcomes", "case", "curriculum-moodle-competencies", "curriculum-canvas-outcomes", "curriculum-case"]));
    for (const f of EXPORT_FORMATS) {
      expect(f.id).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
      expect(f.purpose.length).toBeGreaterThan(10);
      expect(["participant", "facilitator"]).toContain(f.audience);
      expect(f.contentType).toMatch(/^[a-z]+\/[a-z0-9.+-]+/);
    }
  });
});

describe("every real format through the API", () => {
  test("when each format is downloaded for a planned course and for the framework, then each answer is its kind of file", async () => {
    const accounts = new MemoryAccountRepository();
    const store = new MemoryCurriculumRepository();
    const [team] = (await seedOrganisations({ accounts, store })) as [TestOrganisation];
    const real = createApp({ catalog, store, accounts, pdf: fakePdf, log: () => {} });
    const auth = team.people.admin.bearer;
    const id = (await request(real).post("/api/curricula").set("Authorization", team.people.designer.bearer).send({ ...SPEC, title: "Real formats", timezone: "Europe/London" }).expect(201)).body.id;
    const signatures: Record<string, (body: Buffer) => boolean> = {
      imscc: (b) => b.subarray(0, 2).toString() === "PK",
      docx: (b) => b.subarray(0, 2).toString() === "PK",
      xlsx: (b) => b.subarray(0, 2).toString() === "PK",
      ics: (b) => b.toString().startsWith("BEGIN:VCALENDAR\r\n"),
      csv: (b) => b.toString().startsWith("\uFEFF") && b.toString().includes("\r\n"),
      json: (b) => typeof JSON.parse(b.toString()) === "object",
    };
    for (const format of EXPORT_FORMATS) {
      const url = format.scope === "framework" ? `/api/framework/exports/${format.id}` : `/api/curricula/${id}/exports/${format.id}`;
      const res = await request(real).get(url).set("Authorization", auth).buffer(true).parse((response, done) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () => done(null, Buffer.concat(chunks)));
      });
      expect({ format: format.id, status: res.status }).toEqual({ format: format.id, status: 200 });
      expect(res.headers["content-type"]).toBe(format.contentType);
      expect(res.headers["content-disposition"]).toMatch(new RegExp(`^attachment; filename="[a-z0-9-]+\\.${format.extension}"$`));
      expect({ format: format.id, looksRight: signatures[format.extension]!(res.body as Buffer) }).toEqual({ format: format.id, looksRight: true });
    }
  });
});

describe("the document cache", () => {
  test("when it is full, then the least recently used document goes first, and one larger than the cache is served but not kept", async () => {
    const cache = new DocumentCache(100);
    const make = (n: number) => async () => Buffer.alloc(n, 1);
    await cache.get("a", make(40));
    await cache.get("b", make(40));
    cache.peek("a");
    await cache.get("c", make(40));
    expect(cache.peek("b")).toBeUndefined();
    expect(cache.peek("a")).toBeDefined();
    expect(cache.usage().bytes).toBeLessThanOrEqual(100);
    const big = await cache.get("big", make(500));
    expect(big.body.length).toBe(500);
    expect(cache.peek("big")).toBeUndefined();
    // Two requests for the same document while it is being built share one build.
    let builds = 0;
    const slow = async () => {
      builds++;
      await new Promise((resolve) => setTimeout(resolve, 20));
      return Buffer.from("x");
    };
    await Promise.all([cache.get("d", slow), cache.get("d", slow)]);
    expect(builds).toBe(1);
  });
});
