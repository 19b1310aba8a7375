import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import request from "supertest";
import { signedInApp } from "../support/accounts.js";
import type { Express } from "express";
import type { Catalog } from "../../src/content/index.js";
import { PdfRenderer, RendererBusyError, RendererUnavailableError } from "../../src/render/pdf-renderer.js";
import { cssString } from "../../src/render/print-documents.js";
import { MemoryCurriculumRepository } from "../../src/store/index.js";
import { realCatalog } from "../support/catalog.js";
import { flat, pdfText, qpdfCheck } from "../support/pdf-tools.js";

const CHROMIUM = process.env.PUPPETEER_EXECUTABLE_PATH ?? "/usr/bin/chromium";

let catalog: Catalog;

beforeAll(async () => {
  catalog = await realCatalog();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Thousands of text pages: seconds of work for Chromium, so that a kill a moment after the start lands mid-document. */
const longDocument = (label: string) =>
  `<!doctype html><style>section { break-after: page; }</style><p>${label}</p>` +
  Array.from({ length: 3000 }, (_, i) => `<section><h1>Page ${i}</h1><p>${"Peer support after an adverse event. ".repeat(40)}</p></section>`).join("");

/** The renderer's Chromium once it has one other than `notPid` (the retry launches a new browser). */
async function browserOtherThan(renderer: PdfRenderer, notPid?: number): Promise<number> {
  let pid = renderer.browserPid();
  while (pid === undefined || pid === notPid) {
    await sleep(20);
    pid = renderer.browserPid();
  }
  return pid;
}

/** Kills the renderer's Chromium a moment after it started on a document, and says which process it was. */
async function killMidDocument(renderer: PdfRenderer, notPid?: number): Promise<number> {
  const pid = await browserOtherThan(renderer, notPid);
  await sleep(300);
  process.kill(pid, "SIGKILL");
  return pid;
}

/** The text inside each page's top margin (the running header), one entry a page. */
function headers(pdf: Buffer): string[] {
  const file = join(mkdtempSync(join(tmpdir(), "pdf-")), "doc.pdf");
  writeFileSync(file, pdf);
  // At pdftotext's default 72 dpi the crop box is in points; 60 pt stays inside the 22 mm top margin.
  const text = execFileSync("pdftotext", ["-enc", "UTF-8", "-x", "0", "-y", "0", "-W", "1000", "-H", "60", file, "-"], { encoding: "utf8" });
  return text.split("\f").slice(0, -1).map(flat).map((t) => t.trim());
}

const asBuffer = (r: request.Test) =>
  r.buffer(true).parse((res, cb) => {
    const chunks: Buffer[] = [];
    res.on("data", (c: Buffer) => chunks.push(c));
    res.on("end", () => cb(null, Buffer.concat(chunks)));
  });

describe("when Chromium dies during a document", () => {
  let renderer: PdfRenderer;

  beforeAll(async () => {
    renderer = new PdfRenderer({ executablePath: CHROMIUM, concurrency: 1, timeoutMs: 120_000 });
    await renderer.start();
  }, 60_000);

  afterAll(async () => {
    await renderer?.close();
  });

  test("once, then the document is rendered again on a new browser and comes back as a PDF", async () => {
    const rendering = renderer.render({ html: longDocument("survived one crash") });
    const killed = await killMidDocument(renderer);
    const pdf = await rendering;
    expect(qpdfCheck(pdf).ok).toBe(true);
    expect(pdfText(pdf)).toContain("survived one crash");
    // A new browser exists only because the document was retried: nothing else asked for one since the kill.
    expect(renderer.browserPid()).toBeDefined();
    expect(renderer.browserPid()).not.toBe(killed);
  }, 120_000);

  test("twice in a row, then the document fails as unavailable (not as an unknown error), and the next one renders", async () => {
    const rendering = renderer.render({ html: longDocument("never printed") });
    const outcome = rendering.then(
      () => undefined,
      (error: unknown) => error,
    );
    const first = await killMidDocument(renderer);
    await killMidDocument(renderer, first);
    const error = await outcome;
    expect(error).toBeInstanceOf(RendererUnavailableError);
    expect((error as RendererUnavailableError).retryAfterSeconds).toBeGreaterThan(0);
    expect(pdfText(await renderer.render({ html: "<!doctype html><p>back to normal</p>" }))).toContain("back to normal");
  }, 120_000);
});

describe("when Chromium cannot be started", () => {
  test("then a PDF route answers 503 with Retry-After and the contract's error body", async () => {
    const renderer = new PdfRenderer({ executablePath: "/nonexistent/chromium" });
    try {
      const { app } = await signedInApp({ catalog, store: new MemoryCurriculumRepository(), pdf: renderer, log: () => {} });
      const created = await request(app).post("/api/curricula").send({ title: "No browser", sector: "postal", totalHours: 8, startDate: "2027-01-04" }).expect(201);
      const res = await request(app).get(`/curricula/${created.body.id}/syllabus.pdf`).set("Accept", "application/json").expect(503);
      expect(Number(res.headers["retry-after"])).toBeGreaterThan(0);
      expect(res.body).toEqual({ error: { code: "busy", message: expect.any(String), issues: [] } });
      expect(res.body.error.message).not.toContain("/nonexistent");
    } finally {
      await renderer.close();
    }
  });
});

describe("the queue between clients", () => {
  let renderer: PdfRenderer;

  beforeAll(async () => {
    renderer = new PdfRenderer({ executablePath: CHROMIUM, concurrency: 1, maxQueue: 4 });
    await renderer.start();
  }, 60_000);

  afterAll(async () => {
    await renderer?.close();
  });

  const doc = (label: string) => `<!doctype html>${`<p>${label}</p>`.repeat(2000)}`;

  test("when one client has queued several documents, then another client's later document is served before that client's later ones", async () => {
    const finished: string[] = [];
    const ask = (client: string, label: string) => renderer.render({ html: doc(label), client }).then(() => finished.push(label));
    const a = ["A1", "A2", "A3"].map((label) => ask("A", label));
    const b = ask("B", "B1");
    await Promise.all([...a, b]);
    // A1 was already rendering and A2 had its turn first; then the turns alternate.
    expect(finished).toEqual(["A1", "A2", "B1", "A3"]);
  }, 60_000);

  test("when one client exceeds its share of the queue, then it alone is refused, until the whole queue is full", async () => {
    const ask = (client: string) => renderer.render({ html: doc(client), client });
    // maxQueue 4 gives each client 2 waiting places; A's first document is rendering, not waiting.
    const results = await Promise.allSettled([ask("A"), ask("A"), ask("A"), ask("A"), ask("B"), ask("B"), ask("C")]);
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "fulfilled", "fulfilled", "rejected", "fulfilled", "fulfilled", "rejected"]);
    for (const refused of [results[3], results[6]]) expect((refused as PromiseRejectedResult).reason).toBeInstanceOf(RendererBusyError);
  }, 60_000);
});

describe("the running header", () => {
  const title = "Crisis, Care & Recovery: Part 2 (2027)";
  let renderer: PdfRenderer;
  let app: Express;
  let id: string;

  beforeAll(async () => {
    renderer = new PdfRenderer({ executablePath: CHROMIUM, concurrency: 2 });
    await renderer.start();
    ({ app } = await signedInApp({ catalog, store: new MemoryCurriculumRepository(), pdf: renderer, log: () => {} }));
    const created = await request(app).post("/api/curricula").send({ title, sector: "healthcare", tiers: ["self-care"], totalHours: 8, startDate: "2027-03-01" }).expect(201);
    id = created.body.id;
  }, 60_000);

  afterAll(async () => {
    await renderer?.close();
  });

  test("when the title has punctuation followed by spaces, then every page after the cover shows it exactly, and the document's label too", async () => {
    for (const [path, label] of [
      ["syllabus.pdf", "Participant syllabus"],
      ["kit.pdf?edition=facilitator", "Programme kit, facilitator edition"],
    ] as const) {
      const res = await asBuffer(request(app).get(`/curricula/${id}/${path}`)).expect(200);
      const pages = headers(res.body as Buffer);
      expect(pages.length).toBeGreaterThan(2);
      // The cover page has no running header.
      for (const header of pages.slice(1)) {
        expect(header).toContain(title);
        expect(header).toContain(label);
      }
    }
  }, 60_000);

  test("when the title tries to end the CSS string or the style sheet, then the header shows it as text and the page is styled as usual", async () => {
    const hostile = `Q&A "quoted" 'single' \\ back \\22 ; } body { color: red } </style><h1>injected</h1>`;
    const course = (await request(app).get(`/api/curricula/${id}`).expect(200)).body;
    await request(app).put(`/api/curricula/${id}`).send({ version: course.version, title: hostile, edits: [] }).expect(200);
    const html = (await request(app).get(`/curricula/${id}/syllabus.html`).expect(200)).text;
    const style = html.slice(html.indexOf("<style>"), html.indexOf("</style>"));
    // Still inside the CSS string: neither the rule nor the markup made it into the style sheet.
    expect(style).not.toContain("color: red");
    expect(style.slice("<style>".length)).not.toContain("<");
    const res = await asBuffer(request(app).get(`/curricula/${id}/syllabus.pdf`)).expect(200);
    const pages = headers(res.body as Buffer);
    expect(pages.length).toBeGreaterThan(2);
    for (const header of pages.slice(1)) expect(header).toContain(hostile);
  }, 60_000);
});

describe("cssString", () => {
  /** What a CSS parser makes of a string's body: a hex escape and the one white space that ends it become the character. */
  const cssUnescape = (body: string) => body.replace(/\\([0-9a-fA-F]{1,6})[ \t\n]?/g, (_, hex: string) => String.fromCodePoint(parseInt(hex, 16)));

  test("when a title holds quotes, backslashes, new lines or </style>, then only letters, digits, spaces and escapes come out", () => {
    for (const hostile of ['"; } body { display: none } p { content: "', "back\\slash\\", "line\nbreak\r\f", "</style><script>alert(1)</script>", "'single'", "\\22 ", "é ✓ 😀"]) {
      const escaped = cssString(hostile);
      expect(escaped).toMatch(/^[A-Za-z0-9 \\]*$/);
      expect(cssUnescape(escaped)).toBe(hostile);
    }
  });

  test("when punctuation is followed by a space or a hex digit, then both survive", () => {
    expect(cssUnescape(cssString("Crisis, Care & Recovery: Part 2 (2027)"))).toBe("Crisis, Care & Recovery: Part 2 (2027)");
    expect(cssUnescape(cssString("(a)bc, 2"))).toBe("(a)bc, 2");
  });

  test("for any text, then the escaped form is safe and reads back as the text", () => {
    fc.assert(
      // Any code point, with the characters that matter here (spaces after escapes, hex digits, quotes) made common.
      fc.property(fc.string({ unit: fc.oneof(fc.constantFrom(" ", ",", "&", "a", "F", "7", '"', "\\", "\n", "<", "/"), fc.string({ unit: "binary", minLength: 1, maxLength: 1 })) }), (text) => {
        const escaped = cssString(text);
        return /^[A-Za-z0-9 \\]*$/.test(escaped) && cssUnescape(escaped) === text;
      }),
    );
  });
});
