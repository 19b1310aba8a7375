import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { execFile, execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { promisify } from "node:util";
import { projectRoot } from "../../src/config.js";
import type { Catalog } from "../../src/content/index.js";
import { courseSpecSchemaFor, type Curriculum, type Scenario } from "../../src/domain/index.js";
import { docxExports, facilitatorGuideDocx, roleCardsDocx, syllabusDocx } from "../../src/exports/docx.js";
import type { ExportContext, ExportFormat } from "../../src/exports/export-format.js";
import { plan } from "../../src/planner/index.js";
import { PrintDocuments } from "../../src/render/print-documents.js";
import { realCatalog } from "../support/catalog.js";
import { flat, pdfInfo } from "../support/pdf-tools.js";

/**
 * The Word exports: each of the three documents carries the PDF's headings, tables and text (checked against the
 * print HTML the PDF is made from), is a well-formed .docx with Word headings, tables, a running header and a
 * "Page X of Y" footer, and opens in a real word processor: LibreOffice converts all three to PDF in one run and
 * pdftotext reads them back.
 */

const execFileAsync = promisify(execFile);

/** A course title with markup, an ampersand, quotes and characters beyond ASCII, all of which must print as typed. */
const TITLE = `Custody <b>suite</b> & "peer" supporters — Zoë's team 🦔`;
const DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

let catalog: Catalog;
let documents: PrintDocuments;
let course: Curriculum;
let scenarios: Scenario[];

const contextFor = (c: Curriculum, options: Record<string, unknown> = {}): ExportContext => ({
  catalog,
  documents,
  pdf: async () => {
    throw new Error("the Word exports do not print PDFs");
  },
  curriculum: c,
  options,
});

/** Builds an export with its options parsed as the registry does (defaults applied). */
const build = (format: ExportFormat, c: Curriculum = course, options: Record<string, unknown> = {}) => format.build(contextFor(c, format.options ? format.options.parse(options) : options));

/** The parts of a .docx (a zip), each XML part checked well-formed by a strict parser (expat) on the way. */
function docxParts(file: string): Record<string, string> {
  const script = [
    "import sys, json, zipfile, xml.etree.ElementTree as ET",
    "z = zipfile.ZipFile(sys.argv[1])",
    "out = {}",
    "for n in z.namelist():",
    "    data = z.read(n)",
    "    if n.endswith('.xml') or n.endswith('.rels'): ET.fromstring(data)",
    "    out[n] = data.decode('utf-8')",
    "print(json.dumps(out))",
  ].join("\n");
  return JSON.parse(execFileSync("/usr/bin/python3", ["-c", script, file], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 }));
}

const decode = (text: string) =>
  text
    .replace(/&#x([0-9a-f]+);/gi, (_, hex: string) => String.fromCodePoint(parseInt(hex, 16)))
    .replace(/&#(\d+);/g, (_, dec: string) => String.fromCodePoint(Number(dec)))
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, "&");

/** The paragraphs of a WordprocessingML part: style and text (the w:t runs joined). */
function wordParagraphs(xml: string): { style?: string; text: string }[] {
  return [...xml.matchAll(/<w:p(?:\s[^>/]*)?(?:\/>|>([\s\S]*?)<\/w:p>)/g)].map((m) => {
    const inner = m[1] ?? "";
    const style = /<w:pStyle w:val="([^"]+)"/.exec(inner)?.[1];
    const text = decode([...inner.matchAll(/<w:t(?:\s[^>]*)?>([^<]*)<\/w:t>/g)].map((t) => t[1]).join(""));
    return { style, text };
  });
}

const WORD_HEADING_LEVEL: Record<string, number> = { Title: 1, Heading1: 2, Heading2: 3, Heading3: 4 };

/** The headings of a Word body as "level text", Title as 1 and Heading 1-3 as 2-4 (the print HTML's h1-h4). */
const wordHeadings = (xml: string) => wordParagraphs(xml).filter((p) => p.style && p.style in WORD_HEADING_LEVEL).map((p) => `${WORD_HEADING_LEVEL[p.style!]} ${flat(p.text).trim()}`);

/** The print HTML's body, without its style sheet. */
const htmlBody = (html: string) => html.slice(html.indexOf("<body")).replace(/<style[\s\S]*?<\/style>/g, "");
const htmlHeadings = (html: string) => [...htmlBody(html).matchAll(/<h([1-4])[^>]*>([\s\S]*?)<\/h\1>/g)].map((m) => `${m[1]} ${flat(decode(m[2]!.replace(/<[^>]+>/g, ""))).trim()}`);
/** Every piece of text the print HTML shows: the text between its tags. */
const htmlTexts = (html: string) => htmlBody(html).split(/<[^>]+>/).map((t) => flat(decode(t)).trim()).filter((t) => t.length > 0);

interface Built {
  format: ExportFormat;
  file: string;
  parts: Record<string, string>;
  html: string;
  /** Tables the Word file has that the PDF draws otherwise (the balance chart is a table of minutes by method). */
  extraTables: number;
}

let dir: string;
const built: Record<string, Built> = {};

beforeAll(async () => {
  catalog = await realCatalog();
  documents = new PrintDocuments(catalog, join(projectRoot(), "templates"));
  const spec = courseSpecSchemaFor(catalog.ids).parse({ title: TITLE, sector: "police", tiers: ["peer-support", "clinical-support"], totalHours: 16, startDate: "2027-03-01" });
  course = plan(spec, catalog, { id: "docx-course", now: new Date("2026-11-26T10:00:00Z") });
  scenarios = [...new Set(course.sessions.flatMap((s) => s.scenarioIds))].map((id) => catalog.scenario(id)!);
  dir = await mkdtemp(join(tmpdir(), "docx-exports-"));
  const html: Record<string, string> = {
    [syllabusDocx.id]: documents.syllabus(course),
    [facilitatorGuideDocx.id]: documents.facilitatorGuide(course),
    [roleCardsDocx.id]: documents.scenarioPack(course.spec.sector, scenarios, "participant"),
  };
  for (const format of docxExports) {
    const file = join(dir, `${format.id}.docx`);
    await writeFile(file, await build(format));
    built[format.id] = { format, file, parts: docxParts(file), html: html[format.id]!, extraTables: format === roleCardsDocx ? 0 : 1 };
  }
}, 60_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("the Word export formats", () => {
  test("when listed, then there are the three course documents as .docx, with the audience of their PDFs", () => {
    expect(docxExports.map((f) => [f.id, f.audience, f.scope, f.extension, f.contentType])).toEqual([
      ["syllabus-docx", "participant", "curriculum", "docx", DOCX_TYPE],
      ["facilitator-guide-docx", "facilitator", "curriculum", "docx", DOCX_TYPE],
      ["role-cards-docx", "participant", "curriculum", "docx", DOCX_TYPE],
    ]);
    for (const f of docxExports) {
      expect(f.options!.parse({})).toEqual({ paper: "a4" });
      expect(f.options!.safeParse({ paper: "a3" }).success).toBe(false);
    }
  });

  test("when built without a curriculum, then it says so", async () => {
    await expect(syllabusDocx.build({ ...contextFor(course, { paper: "a4" }), curriculum: undefined })).rejects.toThrow(/curriculum/);
  });
});

describe.each([syllabusDocx.id, facilitatorGuideDocx.id, roleCardsDocx.id])("the %s file", (id) => {
  const doc = () => built[id]!;
  const body = () => doc().parts["word/document.xml"]!;

  test("when unzipped, then every part is well-formed XML with the document's headings in Word heading styles", () => {
    expect(body()).toContain('<w:pStyle w:val="Title"/>');
    expect(body()).toContain('<w:pStyle w:val="Heading1"/>');
    expect(body()).toContain('<w:pStyle w:val="Heading2"/>');
  });

  test("when compared with the print HTML its PDF is made from, then it has the same headings in the same order", () => {
    expect(wordHeadings(body())).toEqual(htmlHeadings(doc().html));
  });

  test("when compared with the print HTML, then every piece of text the PDF shows is in it", () => {
    const text = flat(wordParagraphs(body()).map((p) => p.text).join(" "));
    const missing = htmlTexts(doc().html).filter((t) => !text.includes(t));
    expect(missing).toEqual([]);
  });

  test("when compared with the print HTML, then its tables are real Word tables", () => {
    const htmlTables = (htmlBody(doc().html).match(/<table\b/g) ?? []).length;
    expect((body().match(/<w:tbl>/g) ?? []).length).toBe(htmlTables + doc().extraTables);
    if (id !== roleCardsDocx.id) expect(htmlTables).toBeGreaterThan(0);
  });

  test("when its header and footer are read, then the header names the course and the footer counts pages", () => {
    const headers = Object.entries(doc().parts).filter(([name]) => /^word\/header\d*\.xml$/.test(name)).map(([, xml]) => flat(wordParagraphs(xml).map((p) => p.text).join(" ")));
    expect(headers.some((h) => h.includes(TITLE))).toBe(true);
    const footers = Object.entries(doc().parts).filter(([name]) => /^word\/footer\d*\.xml$/.test(name)).map(([, xml]) => xml);
    expect(footers.length).toBeGreaterThan(0);
    for (const footer of footers) {
      expect(footer).toMatch(/<w:instrText[^>]*>\s*PAGE\s*<\/w:instrText>/);
      expect(footer).toMatch(/<w:instrText[^>]*>\s*NUMPAGES\s*<\/w:instrText>/);
      expect(flat(wordParagraphs(footer).map((p) => p.text).join(""))).toBe("Page of ");
    }
    // The cover has no running header, as in print; A4 by default.
    expect(body()).toContain("<w:titlePg/>");
    expect(body()).toMatch(/<w:pgSz w:w="11906" w:h="16838"/);
  });
});

describe("the text a user typed", () => {
  test("when a course title holds markup, quotes and characters beyond ASCII, then the Word title is exactly that text", () => {
    const title = wordParagraphs(built[syllabusDocx.id]!.parts["word/document.xml"]!).find((p) => p.style === "Title");
    expect(title?.text).toBe(TITLE);
    expect(built[syllabusDocx.id]!.parts["word/document.xml"]).not.toContain("<b>");
    expect(built[syllabusDocx.id]!.parts["docProps/core.xml"]).toContain("Zoë");
  });

  test("when a title holds a character XML cannot carry, then it is replaced and the file stays well-formed", async () => {
    const file = join(dir, "odd.docx");
    await writeFile(file, await build(syllabusDocx, { ...course, title: "Night \uffff shift \ud800 team" }));
    const parts = docxParts(file);
    expect(wordParagraphs(parts["word/document.xml"]!).find((p) => p.style === "Title")?.text).toBe("Night \ufffd shift \ufffd team");
  });

  test("when asked for US Letter, then the pages are Letter", async () => {
    const file = join(dir, "letter.docx");
    await writeFile(file, await build(roleCardsDocx, course, { paper: "letter" }));
    expect(docxParts(file)["word/document.xml"]).toMatch(/<w:pgSz w:w="12240" w:h="15840"/);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Through a real word processor
// ---------------------------------------------------------------------------------------------------------------

/** Flattened text with words hyphenated at a line end joined again ("post-\nincident" reads "post-incident"). */
const norm = (text: string) => flat(text).replace(/(\S)- (?=\S)/g, "$1-");

/** LibreOffice's soffice on the PATH, if it is installed. */
const soffice = (process.env.PATH ?? "").split(delimiter).map((d) => join(d, "soffice")).find((file) => existsSync(file));

if (!soffice) {
  if (process.env.CI) {
    test("LibreOffice (soffice) is installed, which CI needs to open the Word exports", () => {
      throw new Error("LibreOffice (soffice) is not installed: install libreoffice-writer-nogui so the Word exports can be converted and read");
    });
  } else {
    test.skip("the Word exports through LibreOffice (skipped: LibreOffice, soffice, is not installed here)", () => {});
  }
} else {
  describe("the Word files opened in LibreOffice", () => {
    const pdfs: Record<string, { pages: string[]; text: string; info: Record<string, string> }> = {};

    beforeAll(async () => {
      const profile = await mkdtemp(join(tmpdir(), "lo-profile-"));
      const out = join(dir, "pdf");
      try {
        // One run converts all three: starting LibreOffice is most of the time.
        await execFileAsync(soffice, [`-env:UserInstallation=file://${profile}`, "--headless", "--norestore", "--convert-to", "pdf", "--outdir", out, ...docxExports.map((f) => built[f.id]!.file)], {
          timeout: 150_000,
          killSignal: "SIGKILL",
        });
      } finally {
        await rm(profile, { recursive: true, force: true });
      }
      for (const format of docxExports) {
        const pdf = await readFile(join(out, `${format.id}.pdf`));
        const text = execFileSync("pdftotext", ["-layout", "-enc", "UTF-8", join(out, `${format.id}.pdf`), "-"], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
        pdfs[format.id] = { pages: text.split("\f").slice(0, -1), text: norm(text), info: pdfInfo(pdf) };
      }
    }, 180_000);

    test("when the syllabus is read back, then it names the course, every session and scenario, and has the PDF's sections", () => {
      const { text } = pdfs[syllabusDocx.id]!;
      expect(text).toContain(norm(TITLE));
      for (const s of course.sessions) expect(text).toContain(norm(`${s.title}`));
      for (const s of scenarios) expect(text).toContain(norm(s.title));
      for (const heading of ["About the course", "Learning outcomes and competency coverage", "ERNST support levels covered", "Schedule", "Sessions", "Assessment and certification", "Confidentiality and role-play participation", "Sources"]) {
        expect(text).toContain(heading);
      }
    });

    test("when the facilitator guide is read back, then it has the sessions step by step, the scenarios in full and the kit", () => {
      const { text } = pdfs[facilitatorGuideDocx.id]!;
      expect(text).toContain(norm(TITLE));
      for (const s of course.sessions) expect(text).toContain(norm(s.title));
      for (const s of scenarios) expect(text).toContain(norm(`Scenario: ${s.title}`));
      for (const heading of ["Preparation checklist", "What the evidence and experienced trainers expect, and how this course stands", "Sessions, step by step", "Programme kit: knowledge quiz", "Programme kit: observer checklists", "Programme kit: final practical assessment", "Sources"]) {
        expect(text).toContain(heading);
      }
    });

    test("when the role cards are read back, then there is a card a page for every role of every scenario of the course", () => {
      const { text, pages } = pdfs[roleCardsDocx.id]!;
      expect(text).toContain("Police: role-play and simulation scenarios");
      const cards = scenarios.flatMap((s) => s.roles.map((role) => ({ title: s.title, role: role.name })));
      expect(cards.length).toBeGreaterThan(0);
      for (const card of cards) {
        expect(pages.some((page) => norm(page).includes(norm(card.title)) && norm(page).includes(norm(`your role: ${card.role}`)))).toBe(true);
      }
      expect(pages.length).toBe(1 + cards.length);
    });

    test.each([syllabusDocx.id, facilitatorGuideDocx.id, roleCardsDocx.id])("when %s is paged, then each page after the cover has the course title above and 'Page X of Y' below", (id) => {
      const { pages, info } = pdfs[id]!;
      expect(info["Page size"]).toMatch(/A4/);
      expect(Number(info.Pages)).toBe(pages.length);
      expect(norm(pages[0]!)).toContain(`Page 1 of ${pages.length}`);
      // The cover has no running header: the role cards' cover names the sector's pack, not the course.
      if (id === roleCardsDocx.id) expect(norm(pages[0]!)).not.toContain(norm(TITLE));
      for (const [i, page] of pages.entries()) {
        if (i === 0) continue;
        expect(norm(page)).toContain(`Page ${i + 1} of ${pages.length}`);
        expect(norm(page)).toContain(norm(TITLE));
      }
    });
  });
}
