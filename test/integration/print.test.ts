import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import request from "supertest";
import { signedInApp } from "../support/accounts.js";
import type { Express } from "express";
import type { Catalog } from "../../src/content/index.js";
import type { Curriculum } from "../../src/domain/index.js";
import { PdfRenderer, RendererBusyError } from "../../src/render/pdf-renderer.js";
import { MemoryCurriculumRepository } from "../../src/store/index.js";
import { realCatalog } from "../support/catalog.js";
import { flat, pdfInfo, pdfPages, pdfText, qpdfCheck } from "../support/pdf-tools.js";

let catalog: Catalog;
let renderer: PdfRenderer;
let app: Express;
let course: Curriculum;
let spy: Server;
let spyRequests: string[] = [];
let spyUrl: string;

beforeAll(async () => {
  catalog = await realCatalog();
  renderer = new PdfRenderer({ executablePath: process.env.PUPPETEER_EXECUTABLE_PATH ?? "/usr/bin/chromium", concurrency: 2, maxQueue: 8 });
  await renderer.start();
  ({ app } = await signedInApp({ catalog, store: new MemoryCurriculumRepository(), pdf: renderer, log: () => {} }));
  // A loopback server that records every request: documents must never reach it.
  spy = createServer((req, res) => {
    spyRequests.push(req.url ?? "");
    res.end("x");
  });
  await new Promise<void>((resolve) => spy.listen(0, "127.0.0.1", resolve));
  spyUrl = `http://127.0.0.1:${(spy.address() as AddressInfo).port}`;
  const created = await request(app).post("/api/curricula").send({ title: "Custody suite peer supporters", sector: "police", tiers: ["clinical-support"], totalHours: 16, startDate: "2027-03-01" }).expect(201);
  course = created.body;
}, 60_000);

afterAll(async () => {
  await renderer?.close();
  await new Promise((resolve) => spy?.close(resolve));
});

const pdf = async (path: string) => {
  const res = await request(app).get(path).buffer(true).parse((r, cb) => {
    const chunks: Buffer[] = [];
    r.on("data", (c: Buffer) => chunks.push(c));
    r.on("end", () => cb(null, Buffer.concat(chunks)));
  });
  return res;
};

describe("the participant syllabus", () => {
  test("when downloaded, then it is a valid tagged PDF naming the course, every session and every scenario used", async () => {
    const res = await pdf(`/curricula/${course.id}/syllabus.pdf`);
    expect(res.status).toBe(200);
    expect(res.headers["content-type"]).toBe("application/pdf");
    const body = res.body as Buffer;
    expect(qpdfCheck(body).ok).toBe(true);
    const info = pdfInfo(body);
    expect(info.Tagged).toBe("yes");
    expect(info["Page size"]).toMatch(/A4/);
    expect(Number(info.Pages)).toBeGreaterThanOrEqual(8);
    expect(Number(info.Pages)).toBeLessThanOrEqual(80);
    const text = flat(pdfText(body));
    expect(text).toContain("Custody suite peer supporters");
    for (const s of course.sessions) expect(text).toContain(flat(s.title));
    for (const id of course.sessions.flatMap((s) => s.scenarioIds)) expect(text).toContain(flat(catalog.scenario(id)!.title));
    for (const heading of ["Learning outcomes and competency coverage", "ERNST support levels covered", "Schedule", "Assessment and certification", "Confidentiality and role-play participation", "Sources"]) {
      expect(text).toContain(heading);
    }
    // Running header and page numbers come from @page margin boxes.
    const pages = pdfPages(body);
    expect(flat(pages[1]!)).toMatch(/Custody suite peer supporters.*Page 2 of \d+/);
  }, 60_000);

  test("when asked for US Letter, then the pages are Letter", async () => {
    const res = await pdf(`/curricula/${course.id}/syllabus.pdf?paper=letter`);
    expect(pdfInfo(res.body as Buffer)["Page size"]).toMatch(/letter/);
    await request(app).get(`/curricula/${course.id}/syllabus.pdf?paper=a3`).expect(400);
  }, 60_000);

  test("when the HTML is requested, then it is the exact print document, locked down by its own CSP", async () => {
    const res = await request(app).get(`/curricula/${course.id}/syllabus.html`).expect(200);
    expect(res.text).toMatch(/^<!doctype html>/);
    expect(res.text).toContain("@top-left");
    expect(res.headers["content-security-policy"]).toMatch(/default-src 'none'/);
    expect(res.text).not.toMatch(/<script/i);
  });
});

describe("the facilitator guide", () => {
  test("when downloaded, then it adds timing with DO/SAY notes, every scenario's role briefs and triggers, and the preparation checklist", async () => {
    const res = await pdf(`/curricula/${course.id}/facilitator-guide.pdf`);
    const body = res.body as Buffer;
    expect(qpdfCheck(body).ok).toBe(true);
    const text = flat(pdfText(body));
    expect(text).toContain("Preparation checklist");
    expect(text).toContain("Two weeks before");
    const template = catalog.session(course.sessions[1]!.templateId)!;
    expect(text).toContain(flat(template.plan[0]!.say).slice(0, 40));
    const scenario = catalog.scenario(course.sessions.find((s) => s.scenarioIds.length > 0)!.scenarioIds[0]!)!;
    expect(text).toContain(flat(scenario.roles[0]!.brief).slice(0, 40));
    expect(text).toContain(flat(scenario.triggers[0]!.expectedResponse).slice(0, 40));
    expect(text).toContain("Observer checklist");
  }, 60_000);
});

describe("scenario packs", () => {
  test("when the trainer edition is asked for, then it holds triggers, checklists and debrief questions", async () => {
    const res = await pdf("/scenario-packs/firefighting.pdf?edition=trainer");
    const text = flat(pdfText(res.body as Buffer));
    const scenarios = catalog.scenarios.filter((s) => s.sector === "firefighting");
    for (const s of scenarios) expect(text).toContain(flat(s.title));
    expect(text).toContain("Observer checklist");
    expect(text).toContain("Debrief questions");
  }, 60_000);

  test("when the participant edition is asked for, then it has one role card a page and no facilitator material", async () => {
    const res = await pdf("/scenario-packs/postal.pdf?edition=participant&tier=prevention");
    const body = res.body as Buffer;
    const scenarios = catalog.scenarios.filter((s) => s.sector === "postal" && s.tiers.includes("prevention"));
    const roles = scenarios.flatMap((s) => s.roles);
    const pages = pdfPages(body);
    expect(pages).toHaveLength(1 + roles.length);
    const text = flat(pdfText(body));
    for (const s of scenarios) {
      for (const t of s.triggers) expect(text).not.toContain(flat(t.expectedResponse).slice(0, 40));
      for (const q of s.debrief) expect(text).not.toContain(flat(q).slice(0, 40));
      for (const c of s.checklist) expect(text).not.toContain(flat(c.behaviour).slice(0, 40));
    }
    expect(text).not.toContain("Observer checklist");
    expect(text).not.toContain("Debrief questions");
  }, 60_000);

  test("when a filter or sector is unknown, then the answer is 400 or 404", async () => {
    await request(app).get("/scenario-packs/police.pdf?tier=level-9").expect(400);
    await request(app).get("/scenario-packs/police.pdf?edition=everyone").expect(400);
    await request(app).get("/scenario-packs/shipping.pdf").expect(404);
  });
});

describe("untrusted text in documents", () => {
  test("when a title holds markup, an image on a loopback server and a file:// iframe, then the PDF shows them as text and nothing is fetched", async () => {
    spyRequests = [];
    const title = `<b>Bold</b> <img src="${spyUrl}/pixel.png"> <iframe src="file:///etc/passwd"></iframe>`;
    const edited = await request(app).put(`/api/curricula/${course.id}`).send({ version: course.version, title, edits: [] }).expect(200);
    course = edited.body;
    for (const path of [`/curricula/${course.id}/syllabus.pdf`, `/curricula/${course.id}/facilitator-guide.pdf`]) {
      const text = flat(pdfText((await pdf(path)).body as Buffer));
      expect(text).toContain(`<b>Bold</b> <img src="${spyUrl}/pixel.png">`);
      expect(text).not.toContain("root:x:0:0");
    }
    expect(spyRequests).toEqual([]);
  }, 60_000);

  test("when raw HTML asks for remote and local resources, then the renderer blocks every request but data:", async () => {
    spyRequests = [];
    const html = `<!doctype html><html><head><link rel="stylesheet" href="${spyUrl}/style.css"></head><body>
      <p>visible text</p><img src="${spyUrl}/img.png"><iframe src="file:///etc/passwd"></iframe><iframe src="${spyUrl}/frame"></iframe>
      <img src="data:image/gif;base64,R0lGODlhAQABAAAAACw="><script>document.body.append("script ran")</script></body></html>`;
    const text = pdfText(await renderer.render({ html }));
    expect(text).toContain("visible text");
    expect(text).not.toContain("script ran");
    expect(text).not.toContain("root:x:0:0");
    expect(spyRequests).toEqual([]);
  }, 60_000);
});

describe("the renderer under trouble", () => {
  test("when Chromium is killed, then it is replaced and the next document renders", async () => {
    const before = renderer.browserPid();
    expect(before).toBeDefined();
    process.kill(before!, "SIGKILL");
    await new Promise((resolve) => setTimeout(resolve, 500));
    const res = await pdf(`/curricula/${course.id}/syllabus.pdf`);
    expect(res.status).toBe(200);
    expect(qpdfCheck(res.body as Buffer).ok).toBe(true);
    expect(renderer.browserPid()).not.toBe(before);
  }, 60_000);

  test("when more documents are asked for than it may run and queue, then the extra ones are refused at once", async () => {
    const small = new PdfRenderer({ executablePath: process.env.PUPPETEER_EXECUTABLE_PATH ?? "/usr/bin/chromium", concurrency: 1, maxQueue: 1 });
    try {
      const html = "<!doctype html><p>queued</p>";
      const results = await Promise.allSettled([small.render({ html }), small.render({ html }), small.render({ html })]);
      expect(results.map((r) => r.status)).toEqual(["fulfilled", "fulfilled", "rejected"]);
      expect((results[2] as PromiseRejectedResult).reason).toBeInstanceOf(RendererBusyError);
    } finally {
      await small.close();
    }
  }, 60_000);

  test("when the queue is full, then the HTTP answer is 503 with Retry-After", async () => {
    const { app: full } = await signedInApp({ catalog, store: new MemoryCurriculumRepository(), pdf: { render: async () => { throw new RendererBusyError(3); } }, log: () => {} });
    const created = await request(full).post("/api/curricula").send({ title: "t", sector: "postal", totalHours: 8, startDate: "2027-01-04" }).expect(201);
    const res = await request(full).get(`/curricula/${created.body.id}/syllabus.pdf`).expect(503);
    expect(res.headers["retry-after"]).toBe("3");
    expect(res.body.error.code).toBe("busy");
  });
});
