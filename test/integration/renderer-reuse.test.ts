import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PdfRenderer, RenderTimeoutError } from "../../src/render/pdf-renderer.js";
import { flat, pdfInfo, pdfText, qpdfCheck } from "../support/pdf-tools.js";

const CHROMIUM = process.env.PUPPETEER_EXECUTABLE_PATH ?? "/usr/bin/chromium";

/**
 * Everything of a PDF a reader could see: the text of its pages (pdftotext), and every string of its objects as
 * qpdf decodes them (the document title, the bookmarks, the tags' alternate texts).
 */
function visible(pdf: Buffer): string {
  const file = join(mkdtempSync(join(tmpdir(), "pdf-")), "doc.pdf");
  writeFileSync(file, pdf);
  return `${flat(pdfText(pdf))}\n${execFileSync("qpdf", ["--json", file], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 })}`;
}

/**
 * A document like the print documents, marked everywhere it could leave something behind: title, bookmarks, running
 * header, text, an inline image, a style sheet. With `frame`, also a frame of its own (a page that held a frame is
 * not reused).
 */
const marked = (marker: string, frame = false) => `<!doctype html><html><head><meta charset="utf-8"><title>${marker}-title</title>
  <style>@page { margin: 20mm; @top-left { content: "${marker}-header"; } } p { color: rgb(200, 0, 0); }</style></head>
  <body><h1>${marker}-heading</h1><p>${marker}-body</p><img alt="${marker}-image" src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">
  ${frame ? `<iframe src="data:text/html,<p>${marker}-frame</p>"></iframe>` : ""}</body></html>`;

/** Hundreds of pages: over a second of printing, so that anything a document before it scheduled has time to fire. */
const longDocument = (label: string) =>
  `<!doctype html><html><head><meta charset="utf-8"><style>section { break-after: page; } .hidden { display: none; }</style></head><body>
  <p class="hidden">the earlier document blocked this document's style sheet</p>` +
  Array.from({ length: 400 }, (_, i) => `<section><h1>${label} page ${i}</h1><p>${"Peer support after an adverse event. ".repeat(30)}</p></section>`).join("") +
  `<p>${label} last line</p></body></html>`;

/** Thousands of pages: seconds of work for Chromium, far over a one-second timeout. */
const hugeDocument = (label: string) =>
  `<!doctype html><style>section { break-after: page; }</style>` +
  Array.from({ length: 3000 }, (_, i) => `<section><h1>${label} ${i}</h1><p>${"Peer support after an adverse event. ".repeat(40)}</p></section>`).join("");

describe("a page reused for the next document", () => {
  let renderer: PdfRenderer;
  let spy: Server;
  let spyUrl: string;
  const spyRequests: string[] = [];

  beforeAll(async () => {
    // One document at a time: every document goes through the same page, one after the other.
    renderer = new PdfRenderer({ executablePath: CHROMIUM, concurrency: 1, timeoutMs: 60_000 });
    await renderer.start();
    spy = createServer((req, res) => {
      spyRequests.push(req.url ?? "");
      res.end("x");
    });
    // Not even a connection may reach it (a preconnect opens one without a request).
    spy.on("connection", () => spyRequests.push("(connection)"));
    await new Promise<void>((resolve) => spy.listen(0, "127.0.0.1", resolve));
    spyUrl = `http://127.0.0.1:${(spy.address() as AddressInfo).port}`;
  }, 60_000);

  afterAll(async () => {
    await renderer?.close();
    await new Promise((resolve) => spy?.close(resolve));
  });

  test("when a document follows another in the same page, then its PDF holds nothing of the first: text, title, bookmarks, running header", async () => {
    const first = visible(await renderer.render({ html: marked("FIRSTDOC") }));
    for (const part of ["title", "header", "heading", "body"]) expect(first).toContain(`FIRSTDOC-${part}`);
    const opened = renderer.pagesOpened();

    const second = await renderer.render({ html: "<!doctype html><p>second document</p>" });
    expect(qpdfCheck(second).ok).toBe(true);
    expect(renderer.pagesOpened()).toBe(opened); // the same page printed it
    expect(pdfText(second)).toContain("second document");
    expect(visible(second)).not.toContain("FIRSTDOC");
    expect(pdfInfo(second).Title ?? "").not.toContain("FIRSTDOC");
  }, 60_000);

  test("when many documents go through the same page, then each PDF holds its own document and nothing of any other", async () => {
    const opened = renderer.pagesOpened();
    const markers = ["ALPHA", "BRAVO", "CHARLIE", "DELTA", "ECHO"];
    for (const [i, marker] of markers.entries()) {
      const seen = visible(await renderer.render({ html: marked(marker) }));
      expect(seen).toContain(`${marker}-body`);
      expect(seen).toContain(`${marker}-header`);
      for (const other of markers.slice(0, i)) expect(seen).not.toContain(other);
    }
    expect(renderer.pagesOpened()).toBe(opened);
  }, 60_000);

  test("when a page has printed documents before, then a document asking for remote and local resources still makes no request and runs no script", async () => {
    for (const marker of ["WARM1", "WARM2"]) await renderer.render({ html: marked(marker) });
    const opened = renderer.pagesOpened();
    spyRequests.length = 0;
    const html = `<!doctype html><html><head><link rel="stylesheet" href="${spyUrl}/style.css"><link rel="prefetch" href="${spyUrl}/prefetch"><link rel="preconnect" href="${spyUrl}"></head><body>
      <p>visible text</p><img src="${spyUrl}/img.png"><iframe src="file:///etc/passwd"></iframe><iframe src="${spyUrl}/frame"></iframe>
      <object data="${spyUrl}/object"></object><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw="><script>document.body.append("script ran")</script></body></html>`;
    const text = pdfText(await renderer.render({ html }));
    expect(renderer.pagesOpened()).toBe(opened); // a reused page, interception still on
    expect(text).toContain("visible text");
    expect(text).not.toContain("script ran");
    expect(text).not.toContain("root:x:0:0");
    expect(text).not.toContain("WARM");
    // Let anything that slipped through arrive before looking.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(spyRequests).toEqual([]);
  }, 60_000);

  test("when a document with a frame is followed by one whose frame is blocked, then both print and Chromium keeps running", async () => {
    const pid = renderer.browserPid();
    expect(pdfText(await renderer.render({ html: marked("FRAMED", true) }))).toContain("FRAMED-frame");
    const text = pdfText(await renderer.render({ html: `<!doctype html><p>blocked frame next</p><iframe src="${spyUrl}/frame"></iframe>` }));
    expect(text).toContain("blocked frame next");
    expect(text).not.toContain("FRAMED");
    expect(renderer.browserPid()).toBe(pid);
  }, 60_000);

  test("when a document sets a content security policy, a refresh or a default style through <meta>, then the next document prints in full, with its own styles", async () => {
    for (const meta of [
      `<meta http-equiv="Content-Security-Policy" content="style-src 'none'; img-src 'none'">`,
      `<meta http-equiv="refresh" content="1">`,
      `<meta charset="utf-8" http-equiv="refresh" content="1; url=about:blank">`,
      `<meta http-equiv="default-style" content="none">`,
    ]) {
      await renderer.render({ html: `<!doctype html><html><head>${meta}</head><body><p>the document before</p></body></html>` });
      const text = flat(pdfText(await renderer.render({ html: longDocument("NEXT") })));
      // Booleans, not the text: a failure would print hundreds of pages.
      expect({ meta, lastPage: text.includes("NEXT page 399"), lastLine: text.includes("NEXT last line") }).toEqual({ meta, lastPage: true, lastLine: true });
      expect({ meta, styleBlocked: text.includes("blocked this document's style sheet"), before: text.includes("the document before") }).toEqual({ meta, styleBlocked: false, before: false });
    }
  }, 120_000);

  test("when a document times out, then its page is closed rather than reused, and the next document prints", async () => {
    const quick = new PdfRenderer({ executablePath: CHROMIUM, concurrency: 1, timeoutMs: 1_000 });
    try {
      await quick.render({ html: "<!doctype html><p>warm</p>" });
      const opened = quick.pagesOpened();
      await expect(quick.render({ html: hugeDocument("TOOLONG") })).rejects.toBeInstanceOf(RenderTimeoutError);
      const text = pdfText(await quick.render({ html: "<!doctype html><p>after the timeout</p>" }));
      expect(text).toContain("after the timeout");
      expect(text).not.toContain("TOOLONG");
      expect(quick.pagesOpened()).toBeGreaterThan(opened);
    } finally {
      await quick.close();
    }
  }, 120_000);
});

describe("pages printing side by side", () => {
  test("when documents are printed concurrently in reused pages, then each PDF holds its own document and nothing of another", async () => {
    const renderer = new PdfRenderer({ executablePath: CHROMIUM, concurrency: 2, maxQueue: 16, documentsPerPage: 3 });
    try {
      await renderer.start();
      const markers = Array.from({ length: 10 }, (_, i) => `DOC${String.fromCharCode(65 + i)}X`);
      const pdfs = await Promise.all(markers.map((marker) => renderer.render({ html: marked(marker) })));
      for (const [i, pdf] of pdfs.entries()) {
        const seen = visible(pdf);
        expect(seen).toContain(`${markers[i]}-body`);
        expect(seen).toContain(`${markers[i]}-title`);
        for (const other of markers.filter((_, j) => j !== i)) expect(seen).not.toContain(other);
      }
      // Ten documents, at most three a page: pages were reused, and replaced when they reached the limit.
      expect(renderer.pagesOpened()).toBeGreaterThanOrEqual(4);
      expect(renderer.pagesOpened()).toBeLessThan(10);
    } finally {
      await renderer.close();
    }
  }, 120_000);
});
