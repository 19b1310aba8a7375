import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import request from "supertest";
import { signedInApp } from "../support/accounts.js";
import type { Express } from "express";
import type { Catalog } from "../../src/content/index.js";
import { PdfRenderer } from "../../src/render/pdf-renderer.js";
import { MemoryCurriculumRepository } from "../../src/store/index.js";
import { realCatalog } from "../support/catalog.js";
import { flat, pdfPages, pdfText, qpdfCheck } from "../support/pdf-tools.js";

let catalog: Catalog;
let renderer: PdfRenderer;
let app: Express;
let id: string;
let kit: any;

beforeAll(async () => {
  catalog = await realCatalog();
  renderer = new PdfRenderer({ executablePath: process.env.PUPPETEER_EXECUTABLE_PATH ?? "/usr/bin/chromium" });
  await renderer.start();
  ({ app } = await signedInApp({ catalog, store: new MemoryCurriculumRepository(), pdf: renderer, log: () => {} }));
  const created = await request(app).post("/api/curricula").send({ title: "Fire station peer team", sector: "firefighting", tiers: ["prevention", "clinical-support"], totalHours: 16, startDate: "2027-05-03" }).expect(201);
  id = created.body.id;
  kit = (await request(app).get(`/api/curricula/${id}/kit`).expect(200)).body;
}, 60_000);

afterAll(async () => {
  await renderer?.close();
});

const binary = (req: request.Test) =>
  req.buffer(true).parse((res, cb) => {
    const chunks: Buffer[] = [];
    res.on("data", (c: Buffer) => chunks.push(c));
    res.on("end", () => cb(null, Buffer.concat(chunks)));
  });

describe("GET /api/curricula/{id}/kit", () => {
  test("when asked, then it holds selection, checklists for every practical session, a quiz, a practical assessment, certification, supervision and evaluation", async () => {
    const curriculum = (await request(app).get(`/api/curricula/${id}`)).body;
    expect(kit.selection.criteria.map((c: any) => c.id)).toEqual(expect.arrayContaining(["volunteering", "availability", "empathetic-profile"]));
    const practical = curriculum.sessions.filter((s: any) => s.practical).map((s: any) => s.id);
    expect(kit.checklists.map((c: any) => c.sessionId)).toEqual(practical);
    for (const c of kit.checklists) expect(c.items.length).toBeGreaterThanOrEqual(3);
    expect(kit.quiz.items.length).toBeGreaterThanOrEqual(12);
    for (const q of kit.quiz.items) {
      expect(Object.keys(q)).toEqual(expect.arrayContaining(["competency", "question", "options", "answer"]));
      expect(curriculum.coverage.covered.map((x: any) => x.competency)).toContain(q.competency);
    }
    const coreInQuiz = new Set(kit.quiz.items.map((q: any) => q.competency).filter((c: string) => catalog.competency(c)!.core));
    expect(coreInQuiz.size).toBe(12);
    expect(kit.practicalAssessment.rubric.length).toBeGreaterThanOrEqual(3);
    expect(kit.practicalAssessment.passRule.text).toMatch(/average/);
    const station = catalog.scenario(kit.practicalAssessment.scenarioId)!;
    expect(station.sector).toBe("firefighting");
    // No session plays the station's scenario, except the scheduled station itself (16 h and more).
    expect(curriculum.sessions.filter((s: any) => s.templateId !== "final-practical-station").flatMap((s: any) => s.scenarioIds)).not.toContain(station.id);
    const scheduled = curriculum.sessions.find((s: any) => s.templateId === "final-practical-station");
    if (scheduled) expect(kit.practicalAssessment.scheduled).toEqual({ sessionId: scheduled.id, date: scheduled.date, start: scheduled.start, end: scheduled.end, assessors: 2 });
    // The rubric scores only competencies the course practised.
    const practised = new Set(curriculum.sessions.flatMap((s: any) => s.practises));
    for (const row of kit.practicalAssessment.rubric) expect(practised.has(row.competency)).toBe(true);
    expect(kit.certification.requirements.join(" ")).toMatch(/attendance/i);
    expect(kit.certification.rescue.map((r: any) => r.code)).toEqual(expect.arrayContaining(["COM02", "COM06", "COM13"]));
    expect(kit.supervision.logFields.length).toBeGreaterThan(0);
    expect(kit.evaluation.levels.map((l: any) => l.level)).toEqual([1, 2, 3, 4]);
  });
});

describe("the kit in print", () => {
  test("when the facilitator edition is printed, then it has the answer key, checklists and rubric", async () => {
    const res = await binary(request(app).get(`/curricula/${id}/kit.pdf`)).expect(200);
    const text = flat(pdfText(res.body as Buffer));
    expect(qpdfCheck(res.body as Buffer).ok).toBe(true);
    const first = kit.quiz.items[0];
    expect(text).toContain(`Answer: ${String.fromCharCode(65 + first.answer)}.`);
    expect(text).toContain(flat(first.rationale).slice(0, 40));
    expect(text).toContain("observer checklists");
    expect(text).toContain("Pass rule");
    expect(text).toContain("Interview guide");
  }, 60_000);

  test("when the participant edition is printed, then no answer, rationale, rubric or interview guidance is in it", async () => {
    const res = await binary(request(app).get(`/curricula/${id}/kit.pdf?edition=participant`)).expect(200);
    const text = flat(pdfText(res.body as Buffer));
    expect(text).toContain(flat(kit.quiz.items[0].question).slice(0, 40));
    expect(text).not.toMatch(/Answer: [A-E]\./);
    for (const q of kit.quiz.items) expect(text).not.toContain(flat(q.rationale).slice(0, 40));
    expect(text).not.toContain("Pass rule");
    expect(text).not.toContain("Interview guide");
    for (const q of catalog.kit.interview.questions) expect(text).not.toContain(flat(q.listenFor).slice(0, 30));
  }, 60_000);

  test("when the facilitator guide is printed, then the kit is part of it", async () => {
    const res = await binary(request(app).get(`/curricula/${id}/facilitator-guide.pdf`)).expect(200);
    const text = flat(pdfText(res.body as Buffer));
    expect(text).toContain("Programme kit: final practical assessment");
    expect(text).toContain("Programme kit: evaluation");
  }, 60_000);
});

describe("POST /api/curricula/{id}/certificates", () => {
  test("when names are sent, then the PDF has one certificate a page with each name exactly as typed", async () => {
    const names = ["Ana María O'Connor-Núñez", "<b>Bold</b> & Co", "  Lee   Chen  ", "Zoë 李"];
    const res = await binary(request(app).post(`/api/curricula/${id}/certificates`).send({ participants: names })).expect(200);
    expect(res.headers["content-type"]).toBe("application/pdf");
    const pages = pdfPages(res.body as Buffer);
    expect(pages).toHaveLength(names.length);
    names.forEach((name, i) => {
      // pdftotext folds runs of spaces and breaks lines where the font changes: compare with white space folded.
      expect(flat(pages[i]!)).toContain(flat(name).trim());
      expect(pages[i]).toContain("Fire station peer team");
    });
    expect(pages[1]).toContain("<b>Bold</b> & Co");
  }, 60_000);

  test("when the list is empty or a name is blank or holds control characters, then a 400 names the entry", async () => {
    const empty = await request(app).post(`/api/curricula/${id}/certificates`).send({ participants: [] }).expect(400);
    expect(empty.body.error.issues[0]).toEqual({ path: "participants", message: "must name at least one participant" });
    const blank = await request(app).post(`/api/curricula/${id}/certificates`).send({ participants: ["Ana", "   ", "Bo\u0007b"] }).expect(400);
    expect(blank.body.error.issues).toEqual([
      { path: "participants[1]", message: "must not be empty" },
      { path: "participants[2]", message: "must not contain control characters" },
    ]);
    await request(app).post(`/api/curricula/00000000-0000-4000-8000-000000000000/certificates`).send({ participants: ["A"] }).expect(404);
  });
});
