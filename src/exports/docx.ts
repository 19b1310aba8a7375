import {
  AlignmentType,
  BorderStyle,
  convertMillimetersToTwip,
  Document,
  Footer,
  Header,
  HeadingLevel,
  LevelFormat,
  LineRuleType,
  Packer,
  PageNumber,
  Paragraph,
  ShadingType,
  Tab,
  TabStopType,
  Table,
  TableCell,
  TableRow,
  TextRun,
  WidthType,
} from "docx";
import { z } from "zod";
import type { Catalog } from "../content/index.js";
import { METHOD_LABELS, type Curriculum, type Method, type Scenario } from "../domain/index.js";
import { buildKit } from "../kit/build-kit.js";
import { courseData, scenarioView } from "../render/course-data.js";
import type { curriculumView } from "../render/curriculum-view.js";
import { formatMinutes } from "../render/format.js";
import type { Paper } from "../render/print-documents.js";
import type { ExportContext, ExportFormat } from "./export-format.js";

/**
 * The course documents as Word files: the participant syllabus, the facilitator guide and the role cards (the
 * participant edition of the course's scenario pack). Each carries the same sections, headings, tables and text as
 * the PDF of the same document, built from the same view models the print templates render (templates/print), so an
 * organisation can edit a course document in Word. Word headings (Title, Heading 1-3) follow the print HTML's h1-h4,
 * so the navigation pane shows the document's outline; the page header carries the course title and the footer
 * "Page X of Y", as the PDFs' margin boxes do.
 */

const DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

const optionsSchema = z.object({
  paper: z.enum(["a4", "letter"], { error: "must be a4 or letter" }).default("a4"),
});

// ---------------------------------------------------------------------------------------------------------------
// Text and paragraphs
// ---------------------------------------------------------------------------------------------------------------

/**
 * Characters XML 1.0 cannot hold (C0 controls but tab and line breaks, U+FFFE, U+FFFF, unpaired surrogates): each
 * becomes U+FFFD, so no text can make a document Word refuses to open. docx escapes `<`, `>`, `&` and quotes itself.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point of this rule
const XML_INVALID = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

function wordText(text: string): string {
  return text.replace(XML_INVALID, "\ufffd");
}

/** A piece of a paragraph: plain text, or text with the print documents' emphasis. */
type Inline = string | { text: string; bold?: boolean; italics?: boolean; muted?: boolean; tag?: boolean };

const bold = (text: string): Inline => ({ text, bold: true });
const tag = (text: string): Inline[] => [" ", { text, tag: true }];

const FONT = "Arial";
const MUTED = "333333";
const BODY_SIZE = 20; // half-points: 10 pt, as in print
const TABLE_SIZE = 18; // 9 pt

function runs(parts: readonly Inline[], size?: number): TextRun[] {
  return parts.map((part) => {
    if (typeof part === "string") return new TextRun({ text: wordText(part), size });
    return new TextRun({
      text: wordText(part.text),
      bold: part.bold,
      italics: part.italics,
      color: part.muted ? MUTED : undefined,
      size: part.tag ? 16 : size,
      border: part.tag ? { style: BorderStyle.SINGLE, size: 4, color: "000000", space: 1 } : undefined,
    });
  });
}

const percent = (share: number) => `${Math.round(share * 100)}%`;
const methodLabel = (m: Method | string) => METHOD_LABELS[m as Method] ?? m;

type Cell = Inline | Inline[] | { list: readonly string[] };

/** The page sizes and the width between the margins, in twips. */
const PAGES: Record<Paper, { width: number; height: number }> = {
  a4: { width: 11906, height: 16838 },
  letter: { width: 12240, height: 15840 },
};
const MARGIN = { top: convertMillimetersToTwip(22), right: convertMillimetersToTwip(18), bottom: convertMillimetersToTwip(20), left: convertMillimetersToTwip(18) };

const HEADINGS = [HeadingLevel.TITLE, HeadingLevel.HEADING_1, HeadingLevel.HEADING_2, HeadingLevel.HEADING_3] as const;

const CELL_BORDER = { style: BorderStyle.SINGLE, size: 4, color: "555555" };

/**
 * A document's body as it is written: headings (the print HTML's h1-h4 become Title and Heading 1-3), paragraphs,
 * lists and tables. `pageBreak()` starts the next heading on a new page, where the print CSS breaks the page
 * (after the cover, before each `.section`, before each role card).
 */
class Body {
  readonly blocks: (Paragraph | Table)[] = [];
  private lists = 0;
  private breakBefore = false;

  constructor(private readonly contentWidth: number) {}

  pageBreak(): this {
    this.breakBefore = true;
    return this;
  }

  /** Level 0 is the document title (h1), 1-3 the print HTML's h2-h4. */
  heading(level: 0 | 1 | 2 | 3, text: string): this {
    this.blocks.push(new Paragraph({ heading: HEADINGS[level], children: runs([text]), pageBreakBefore: this.takeBreak() || undefined }));
    return this;
  }

  para(parts: readonly Inline[], options: { muted?: boolean; allCaps?: boolean; spacingBefore?: number } = {}): this {
    const children = options.muted || options.allCaps ? parts.map((p) => new TextRun({ ...inlineOptions(p), color: options.muted ? MUTED : undefined, allCaps: options.allCaps })) : runs(parts);
    this.blocks.push(new Paragraph({ children, pageBreakBefore: this.takeBreak() || undefined, spacing: options.spacingBefore ? { before: options.spacingBefore } : undefined }));
    return this;
  }

  /** A term and its value on one line, the value at a tab stop (the cover's definition list). */
  term(label: string, value: string): this {
    this.blocks.push(new Paragraph({ tabStops: [{ type: TabStopType.LEFT, position: convertMillimetersToTwip(45) }], spacing: { after: 60 }, children: [new TextRun({ text: wordText(label), bold: true, size: 22 }), new TextRun({ children: [new Tab(), wordText(value)], size: 22 })] }));
    return this;
  }

  bullets(items: readonly (readonly Inline[])[]): this {
    for (const item of items) this.blocks.push(new Paragraph({ numbering: { reference: "bullets", level: 0 }, children: runs(item) }));
    return this;
  }

  /** A list to tick off, each item after a ballot box, as the print CSS draws it. */
  checklist(items: readonly (readonly Inline[])[]): this {
    for (const item of items) this.blocks.push(new Paragraph({ indent: { left: 360, hanging: 360 }, children: runs(["\u2610  ", ...item]) }));
    return this;
  }

  /** A numbered list (1, 2, 3), counting from 1 again in every list. */
  numbered(items: readonly (readonly Inline[])[]): this {
    const instance = ++this.lists;
    for (const item of items) this.blocks.push(new Paragraph({ numbering: { reference: "numbered", level: 0, instance }, children: runs(item) }));
    return this;
  }

  /** A numbered list of items that each hold paragraphs of their own: lettered sub-items (A, B, C) and notes. */
  numberedItems(items: readonly { text: string; letters: readonly string[]; note?: readonly Inline[] }[]): this {
    const instance = ++this.lists;
    for (const item of items) {
      this.blocks.push(new Paragraph({ numbering: { reference: "numbered", level: 0, instance }, keepNext: true, children: runs([item.text]) }));
      for (const letter of item.letters) this.blocks.push(new Paragraph({ numbering: { reference: "numbered", level: 1, instance }, keepNext: Boolean(item.note), children: runs([letter]) }));
      if (item.note) this.blocks.push(quoteParagraph(item.note, { italics: false, indent: 720 }));
    }
    return this;
  }

  quote(text: string): this {
    this.blocks.push(quoteParagraph([text], { italics: true, indent: 0 }));
    return this;
  }

  /** A table with a repeating header row; `widths` are the columns' shares of the text width. */
  table(head: readonly string[], rows: readonly (readonly Cell[])[], widths: readonly number[]): this {
    const columns = widths.map((w) => Math.round(w * this.contentWidth));
    const cell = (content: Cell, i: number, header: boolean) =>
      new TableCell({
        width: { size: columns[i]!, type: WidthType.DXA },
        shading: header ? { type: ShadingType.CLEAR, fill: "E6E6E6", color: "auto" } : undefined,
        borders: { top: CELL_BORDER, bottom: CELL_BORDER, left: CELL_BORDER, right: CELL_BORDER },
        children: cellParagraphs(content, header),
      });
    this.blocks.push(
      new Table({
        width: { size: columns.reduce((a, b) => a + b, 0), type: WidthType.DXA },
        columnWidths: columns,
        margins: { top: 60, bottom: 60, left: 90, right: 90 },
        rows: [
          new TableRow({ tableHeader: true, cantSplit: true, children: head.map((h, i) => cell(bold(h), i, true)) }),
          ...rows.map((row) => new TableRow({ cantSplit: true, children: row.map((c, i) => cell(c, i, false)) })),
        ],
      }),
    );
    // Word needs a paragraph between two tables, or it joins them into one.
    this.blocks.push(new Paragraph({ spacing: { after: 0 }, children: [] }));
    return this;
  }

  private takeBreak(): boolean {
    const taken = this.breakBefore;
    this.breakBefore = false;
    return taken;
  }
}

function inlineOptions(part: Inline) {
  return typeof part === "string" ? { text: wordText(part) } : { text: wordText(part.text), bold: part.bold, italics: part.italics };
}

function cellParagraphs(content: Cell, header: boolean): Paragraph[] {
  if (typeof content === "object" && !Array.isArray(content) && "list" in content) {
    return content.list.length === 0 ? [new Paragraph({})] : content.list.map((item) => new Paragraph({ numbering: { reference: "bullets", level: 0 }, spacing: { after: 0 }, children: runs([item], TABLE_SIZE) }));
  }
  const parts = Array.isArray(content) ? content : [content as Inline];
  return [new Paragraph({ spacing: { after: 0 }, keepNext: header, children: runs(parts, TABLE_SIZE) })];
}

function quoteParagraph(parts: readonly Inline[], options: { italics: boolean; indent: number }): Paragraph {
  return new Paragraph({
    indent: { left: options.indent },
    border: { left: { style: BorderStyle.SINGLE, size: 16, color: "000000", space: 6 } },
    children: parts.map((p) => new TextRun({ ...inlineOptions(p), italics: options.italics || (typeof p !== "string" && p.italics) })),
  });
}

// ---------------------------------------------------------------------------------------------------------------
// The document around the body: page size, header, footer, styles, lists
// ---------------------------------------------------------------------------------------------------------------

interface Frame {
  paper: Paper;
  /** The running title at the top left of every page but the first (the course title). */
  runningTitle: string;
  /** What the document is, at the top right ("Participant syllabus"). */
  documentLabel: string;
  /** The document's title in its properties. */
  title: string;
  description: string;
}

const contentWidth = (paper: Paper) => PAGES[paper].width - MARGIN.left - MARGIN.right;

function pageFooter(): Footer {
  return new Footer({
    children: [new Paragraph({ alignment: AlignmentType.RIGHT, children: [new TextRun({ children: ["Page ", PageNumber.CURRENT, " of ", PageNumber.TOTAL_PAGES], size: 17 })] })],
  });
}

function heading(outlineLevel: number, size: number, before: number, after: number, extra: { border?: boolean } = {}) {
  return {
    run: { font: FONT, size, bold: true, color: "000000" },
    paragraph: {
      outlineLevel,
      spacing: { before, after },
      keepNext: true,
      keepLines: true,
      ...(extra.border && { border: { bottom: { style: BorderStyle.SINGLE, size: 12, color: "000000", space: 2 } } }),
    },
  };
}

function wordDocument(frame: Frame, body: Body): Document {
  const width = contentWidth(frame.paper);
  const header = new Header({
    children: [
      new Paragraph({
        tabStops: [{ type: TabStopType.RIGHT, position: width }],
        children: [new TextRun({ text: wordText(frame.runningTitle), size: 17, color: MUTED }), new TextRun({ children: [new Tab(), wordText(frame.documentLabel)], size: 17, color: MUTED })],
      }),
    ],
  });
  return new Document({
    title: wordText(frame.title),
    description: wordText(frame.description),
    creator: "Peer support curriculum builder",
    styles: {
      default: {
        document: { run: { font: FONT, size: BODY_SIZE }, paragraph: { spacing: { after: 100, line: 288, lineRule: LineRuleType.AUTO } } },
        title: { run: { font: FONT, size: 56, bold: true, color: "000000" }, paragraph: { spacing: { before: 120, after: 440 } } },
        heading1: heading(0, 28, 440, 160, { border: true }),
        heading2: heading(1, 23, 280, 110),
        heading3: heading(2, 20, 170, 60),
        listParagraph: { paragraph: { spacing: { after: 40 } } },
      },
    },
    numbering: {
      config: [
        {
          reference: "bullets",
          levels: [{ level: 0, format: LevelFormat.BULLET, text: "\u2022", alignment: AlignmentType.LEFT, style: { paragraph: { indent: { left: 340, hanging: 240 } } } }],
        },
        {
          reference: "numbered",
          levels: [
            { level: 0, format: LevelFormat.DECIMAL, text: "%1.", alignment: AlignmentType.LEFT, style: { paragraph: { indent: { left: 400, hanging: 400 } } } },
            { level: 1, format: LevelFormat.UPPER_LETTER, text: "%2.", alignment: AlignmentType.LEFT, style: { paragraph: { indent: { left: 800, hanging: 400 } } } },
          ],
        },
      ],
    },
    sections: [
      {
        properties: {
          // The first page (the cover) has no running header, as in print.
          titlePage: true,
          page: { size: PAGES[frame.paper], margin: { ...MARGIN, header: convertMillimetersToTwip(10), footer: convertMillimetersToTwip(9) } },
        },
        headers: { default: header, first: new Header({ children: [new Paragraph({})] }) },
        footers: { default: pageFooter(), first: pageFooter() },
        children: body.blocks,
      },
    ],
  });
}

// ---------------------------------------------------------------------------------------------------------------
// The view models: what PrintDocuments gives its templates
// ---------------------------------------------------------------------------------------------------------------

type CourseView = ReturnType<typeof curriculumView>;

type CourseData = ReturnType<typeof courseData>;

/** The course's scenarios in the order the sessions first use them. */
function courseScenarios(c: Curriculum, catalog: Catalog): Scenario[] {
  const ids = [...new Set(c.sessions.flatMap((s) => s.scenarioIds))];
  return ids.map((id) => catalog.scenario(id)).filter((s): s is Scenario => s !== undefined);
}

// ---------------------------------------------------------------------------------------------------------------
// The sections, one function per print template or partial
// ---------------------------------------------------------------------------------------------------------------

/** partials/cover.hbs */
function courseCover(b: Body, c: CourseView, documentLabel: string): void {
  b.para([documentLabel], { allCaps: true, spacingBefore: convertMillimetersToTwip(40) });
  b.heading(0, c.title);
  b.term("Sector", c.sector);
  b.term("Support levels", c.tiers.join(", "));
  b.term("Dates", `${c.firstDate ?? ""} to ${c.lastDate ?? ""} (${c.dayCount} day(s), from ${c.spec.dayStart}, ${c.spec.timezone})`);
  b.term("Contact time", `${formatMinutes(c.totals.contactMinutes)}, of which ${percent(c.totals.practicalShare)} practical`);
  b.term("Group size", `${c.spec.groupSize} participants`);
  b.term("Sessions", String(c.sessions.length));
  b.pageBreak();
}

/** partials/print-chart.hbs: the balance chart, as its figures and a table of minutes by method. */
function balanceChart(b: Body, c: CourseView): void {
  const chart = c.chart;
  b.para([`Practical ${percent(chart.share)} (${formatMinutes(chart.practicalMinutes)}) · other ${formatMinutes(chart.otherMinutes)}`, { text: ` · ${chart.floorPercent}% floor`, muted: true }]);
  b.table(
    ["Method", "Time"],
    chart.methods.map((m) => [m.practical ? [m.label, { text: " (practical)", bold: true }] : m.label, formatMinutes(m.minutes)]),
    [0.6, 0.4],
  );
}

/** partials/course-overview.hbs */
function courseOverview(b: Body, d: CourseData): void {
  const { c, programme } = d;
  b.heading(1, "About the course").para([programme.description]);
  b.heading(2, "Who it is for").para([programme.audience]);
  b.heading(2, "Before the course").bullets(programme.prerequisites.map((p) => [p]));
  if (c.staffing) {
    b.heading(2, "Who runs it").para([`${c.staffing.note}${c.supporterTurns ? ` Each participant sits in the supporter's chair about ${c.supporterTurns} times over the course.` : ""}`]);
  }
  b.heading(2, "Selection criteria").bullets(programme.selectionCriteria.map((s) => [bold(`${s.label}.`), ` ${s.description}`]));

  b.pageBreak().heading(1, "Learning outcomes and competency coverage");
  b.para([
    `By the end of the course, participants can show the competencies below (${c.coveredCount} of the framework's ${c.competencyCount}). The numbers are the sessions that introduce (I) and practise (P) each one; core competencies are those the evidence finds in every sector.`,
  ]);
  balanceChart(b, c);
  for (const domain of d.coverage) {
    b.heading(2, `${domain.number}. ${domain.name} (${domain.covered} of ${domain.total})`);
    if (domain.coveredRows.length > 0) {
      b.table(
        ["Competency", "I", "P"],
        domain.coveredRows.map((r) => [[`${r.code} ${r.name}`, ...(r.core ? tag("core") : [])], r.introducedIn.join(", "), r.practisedIn.join(", ")]),
        [0.7, 0.15, 0.15],
      );
    }
    if (domain.gaps.length > 0) b.para([bold("Not covered in these hours:"), ` ${domain.gaps.join("; ")}.`], { muted: true });
  }
  if (c.omittedEmphasis.length > 0) b.para([bold("Emphasised by the sector but not covered in these hours:"), ` ${c.omittedEmphasis.join("; ")}.`]);

  b.heading(1, "ERNST support levels covered");
  for (const level of d.levels) {
    b.heading(2, `${level.level}. ${level.name}`).para([level.description]).para([bold("The peer supporter's part:"), ` ${level.role}`]);
  }

  b.heading(1, "Schedule");
  for (const day of c.days) {
    b.heading(2, `${day.label}, ${day.start}–${day.end}`);
    b.table(
      ["Time", "Session", "Method"],
      day.items.map((item) => [`${item.start}–${item.end}`, item.title, item.method ? [methodLabel(item.method), ...(item.practical ? [bold(" (practical)")] : [])] : ""]),
      [0.18, 0.57, 0.25],
    );
  }
}

/** The line under a session's heading: when, how and how long. */
function sessionLine(s: CourseView["sessions"][number]): string {
  return `${s.date}, ${s.start}–${s.end} · ${methodLabel(s.method)}${s.practical ? " (practical)" : ""} · ${formatMinutes(s.minutes)}`;
}

function practiceLine(b: Body, s: CourseView["sessions"][number]): void {
  if (s.practice) {
    b.para([bold("How it runs:"), ` ${s.practiceFormat ?? ""}, ${s.practice.rounds} round(s); each participant plays the supporter about ${s.practice.supporterTurnsPerParticipant} time(s).`]);
  }
}

function competencyLines(b: Body, s: CourseView["sessions"][number]): void {
  if (s.introducesNames.length > 0) b.para([bold("Introduces:"), ` ${s.introducesNames.join("; ")}`]);
  if (s.practisesNames.length > 0) b.para([bold("Practises:"), ` ${s.practisesNames.join("; ")}`]);
}

/** syllabus.hbs: the sessions. */
function syllabusSessions(b: Body, c: CourseView): void {
  b.pageBreak().heading(1, "Sessions");
  for (const s of c.sessions) {
    b.heading(2, `${s.number}. ${s.title}`).para([sessionLine(s)], { muted: true });
    practiceLine(b, s);
    b.heading(3, "Objectives").bullets(s.objectives.map((o) => [o]));
    competencyLines(b, s);
    if (s.scenario) b.para([bold("Scenario:"), ` ${s.scenario.title}`]);
  }
}

/** partials/closing-sections.hbs */
function closingSections(b: Body, d: CourseData): void {
  b.heading(1, "Assessment and certification");
  b.heading(2, "Assessment").bullets(d.programme.assessment.map((a) => [a]));
  b.heading(2, "Certification requirements").bullets(d.programme.certification.map((a) => [a]));
  b.heading(2, "Confidentiality and role-play participation");
  for (const rule of d.programme.participationRules) b.para([bold(`${rule.title}.`), ` ${rule.text}`]);
  b.heading(1, "Sources").para(["This course's content is written in the project's own words and rests on these sources."]);
  b.numbered(d.sources.map((s) => [`${s.citation}${s.doi ? ` doi:${s.doi}` : ""}`]));
}

/** shared/course-audit.hbs */
function courseAudit(b: Body, c: CourseView): void {
  const { audit } = c;
  const notMet = audit.notMet ? `; ${audit.notMet} ${audit.notMet === 1 ? "is" : "are"} not` : "";
  b.para([`${audit.met} of ${audit.applicable} rules that apply to this course are met${notMet}. Required rules cannot be broken by an edit; the others are advice from practice.`]);
  b.table(
    ["Rule", "Status", "Detail"],
    audit.entries.map((e) => [[e.label, ...(e.required ? tag("required") : [])], e.notMet ? bold(e.statusLabel) : e.statusLabel, e.detail]),
    [0.35, 0.15, 0.5],
  );
}

/** partials/scenario-full.hbs */
function scenarioFull(b: Body, s: ReturnType<typeof scenarioView>): void {
  b.heading(3, `Scenario: ${s.title}`);
  b.para([`${methodLabel(s.method)} · ${s.difficulty} · brief ${s.minutes.brief}, play ${s.minutes.play}, debrief ${s.minutes.debrief} minutes`], { muted: true });
  b.para([bold("Setting."), ` ${s.setting}`]);
  b.para([bold("Objectives.")]).bullets(s.objectives.map((o) => [o.text]));
  b.para([bold("Role briefs.")]);
  for (const role of s.roles) b.para([bold(role.name), " ", { text: `(${role.kind})`, muted: true }, `: ${role.brief}`]);
  b.para([bold("Opening line.")]).quote(s.opening.line);
  b.para([bold("Triggers.")]);
  b.table(
    ["When", "What happens", "What good support does"],
    s.triggers.map((t) => [t.cue, t.escalation, t.expectedResponse]),
    [1 / 3, 1 / 3, 1 / 3],
  );
  b.para([bold("Observer checklist.")]).checklist(s.checklistView.map((c) => [c.behaviour, " ", { text: `(${c.competency})`, muted: true }]));
  b.para([bold("Debrief questions.")]).numbered(s.debrief.map((q) => [q]));
  b.para([bold("De-roling."), ` ${s.deroling}`]);
  b.para([bold("Emotional safety."), ` ${s.safetyNote}`]);
}

/** facilitator-guide.hbs: the sessions step by step. */
function guideSessions(b: Body, c: CourseView, catalog: Catalog): void {
  b.pageBreak().heading(1, "Sessions, step by step");
  for (const s of c.sessions) {
    const template = catalog.session(s.templateId);
    const scenario = s.scenarioIds[0] ? catalog.scenario(s.scenarioIds[0]) : undefined;
    b.heading(2, `${s.number}. ${s.title}`).para([sessionLine(s)], { muted: true });
    practiceLine(b, s);
    if (s.summary) b.para([s.summary]);
    b.heading(3, "Objectives").bullets(s.objectives.map((o) => [o]));
    competencyLines(b, s);
    b.heading(3, `Timing (plan written for ${template?.minutes.default ?? ""} minutes; scale to the scheduled ${formatMinutes(s.minutes)})`);
    b.table(
      ["Step", "Min", "Do", "Say"],
      s.plan.map((step) => [step.step, String(step.minutes), step.do, step.say]),
      [0.18, 0.07, 0.375, 0.375],
    );
    if (s.materials.length > 0) b.para([bold("Materials:"), ` ${s.materials.join("; ")}`]);
    if (template?.debrief) b.para([bold(`Debrief (${template.debrief.minutes} min):`)]).numbered(template.debrief.questions.map((q) => [q]));
    if (scenario) scenarioFull(b, scenarioView(scenario, catalog));
  }
}

/** partials/kit-sections.hbs, facilitator edition (as the guide prints it). */
function kitSections(b: Body, curriculum: Curriculum, catalog: Catalog): void {
  const kit = buildKit(curriculum, catalog);
  const answerKind = (kind: string) => (kind === "yes-no" ? "Yes / No" : kind === "scale" ? "1 2 3 4 5" : "");

  b.pageBreak().heading(1, "Programme kit: selection");
  b.heading(2, "Selection criteria").bullets(kit.selection.criteria.map((s) => [bold(`${s.label}.`), ` ${s.description}`]));
  b.heading(2, "Screening form").para([kit.selection.screening.intro]);
  b.table(["Question", "Answer"], kit.selection.screening.questions.map((q) => [q.question, answerKind(q.kind)]), [0.7, 0.3]);
  b.heading(2, "Interview guide").para([kit.selection.interview.intro]);
  b.table(["Question", "Listen for", "Score 0-3"], kit.selection.interview.questions.map((q) => [q.question, q.listenFor, ""]), [0.45, 0.4, 0.15]);

  b.pageBreak().heading(1, `Programme kit: knowledge quiz (${kit.quiz.items.length} questions, before and after the course)`);
  b.para(["Facilitator edition: the answer key and rationale follow each question. Hand participants the participant edition."]);
  b.numberedItems(
    kit.quiz.items.map((q) => ({
      text: q.question,
      letters: q.options,
      note: [bold(`Answer: ${String.fromCharCode(65 + q.answer)}.`), ` ${q.rationale} `, { text: `(${q.competencyName})`, muted: true }],
    })),
  );

  b.pageBreak().heading(1, "Programme kit: observer checklists");
  b.para(["One list per practical session: tick a behaviour each time you see it; bring the list to the debrief."]);
  for (const list of kit.checklists) b.heading(2, list.title).checklist(list.items.map((i) => [i.behaviour, " ", { text: `(${i.competencyName})`, muted: true }]));

  const pa = kit.practicalAssessment;
  b.pageBreak().heading(1, "Programme kit: final practical assessment").para([pa.intro]);
  const scheduled = pa.scheduled ? ` Scheduled on ${pa.scheduled.date}, ${pa.scheduled.start}–${pa.scheduled.end}, with ${pa.scheduled.assessors} assessors.` : "";
  b.para([bold("Station:"), ` ${pa.scenarioTitle} · reading ${pa.minutes.reading} min, station ${pa.minutes.station} min, feedback ${pa.minutes.feedback} min.${scheduled}`]);
  b.heading(2, "Scale").bullets(pa.scale.map((s) => [bold(`${s.score} ${s.label}:`), ` ${s.description}`]));
  b.heading(2, "Rubric");
  b.table(["Competency", "Observable behaviours", "Score"], pa.rubric.map((r) => [[r.name, ...(r.core ? tag("core") : [])], { list: r.behaviours }, "0 1 2 3"]), [0.3, 0.55, 0.15]);
  b.heading(2, "Pass rule").para([pa.passRule.text]).para([pa.passRule.safetyCritical]);

  b.pageBreak().heading(1, "Programme kit: certification").bullets(kit.certification.requirements.map((r) => [r]));
  if (kit.certification.rescue.length > 0) {
    b.heading(2, "RESCUE competence codes served by this course");
    b.table(["Code", "Competence", "Course competencies"], kit.certification.rescue.map((r) => [r.code, r.name, r.competencies.join("; ")]), [0.12, 0.38, 0.5]);
  }

  const sup = kit.supervision;
  b.pageBreak().heading(1, "Programme kit: supervision and continuing development");
  b.para([bold("Frequency."), ` ${sup.frequency}`]).para([bold("Format."), ` ${sup.format}`]);
  b.heading(2, "Case review").numbered(sup.caseReview.map((x) => [x]));
  b.para([bold("Refresher role-plays."), ` ${sup.refresherRolePlays}`]);
  b.heading(2, "Practice log");
  b.table(["Field", "What to write", "Entry"], sup.logFields.map((f) => [f.field, f.description, ""]), [0.25, 0.45, 0.3]);

  b.pageBreak().heading(1, "Programme kit: evaluation");
  for (const level of kit.evaluation.levels) {
    b.heading(2, `Level ${level.level}: ${level.name}`).para([level.question]);
    b.bullets(level.instruments.map((i) => [bold(i.name), ` (${i.when}): ${i.description}`]));
  }
  b.heading(2, "Feedback form on a supporter's contact");
  b.table(["Statement", "Answer"], kit.evaluation.feedbackForm.map((f) => [f.item, f.scale]), [0.7, 0.3]);
}

// ---------------------------------------------------------------------------------------------------------------
// The three documents
// ---------------------------------------------------------------------------------------------------------------

function syllabusBody(c: Curriculum, catalog: Catalog, paper: Paper): Body {
  const d = courseData(c, catalog);
  const b = new Body(contentWidth(paper));
  courseCover(b, d.c, "Participant syllabus");
  courseOverview(b, d);
  syllabusSessions(b, d.c);
  closingSections(b, d);
  return b;
}

function facilitatorGuideBody(c: Curriculum, catalog: Catalog, paper: Paper): Body {
  const d = courseData(c, catalog);
  const b = new Body(contentWidth(paper));
  courseCover(b, d.c, "Facilitator guide");
  b.heading(1, "Preparation checklist");
  const prep = d.programme.preparation;
  b.heading(2, "Two weeks before").checklist(prep.twoWeeksBefore.map((x) => [x]));
  b.heading(2, "The day before").checklist(prep.dayBefore.map((x) => [x]));
  b.heading(2, "On the day").checklist(prep.onTheDay.map((x) => [x]));
  b.heading(2, "After the course").checklist(prep.after.map((x) => [x]));
  courseOverview(b, d);
  b.pageBreak().heading(1, "What the evidence and experienced trainers expect, and how this course stands");
  courseAudit(b, d.c);
  guideSessions(b, d.c, catalog);
  kitSections(b, c, catalog);
  closingSections(b, d);
  return b;
}

/** scenario-pack.hbs, participant edition: a cover, then one role card a page for every role of every scenario. */
function roleCardsBody(sectorId: string, scenarios: readonly Scenario[], catalog: Catalog, paper: Paper): Body {
  const sectorName = catalog.sector(sectorId)?.name ?? sectorId;
  const b = new Body(contentWidth(paper));
  b.para([`${sectorName} scenario pack, participant edition`], { allCaps: true, spacingBefore: convertMillimetersToTwip(40) });
  b.heading(0, `${sectorName}: role-play and simulation scenarios`);
  b.term("Edition", "Participant edition");
  b.term("Scenarios", String(scenarios.length));
  b.para(["For participants: one role card a page. Read only your own card. You may step out of any role-play at any time."], { spacingBefore: 200 });
  for (const s of scenarios) {
    for (const role of s.roles) {
      b.pageBreak().heading(1, s.title);
      b.para([`${methodLabel(s.method)} · your role: `, bold(role.name)], { muted: true });
      b.heading(2, "Setting").para([s.setting]);
      b.heading(2, "Your brief").para([role.brief]);
      if (s.opening.role === role.id) b.heading(2, "You open with").quote(s.opening.line);
      b.para(["You may step out of the role at any time. After the play, step out of role before the debrief."], { muted: true });
    }
  }
  return b;
}

function curriculumOf(context: ExportContext): Curriculum {
  if (!context.curriculum) throw new Error("this export is of a curriculum, and none was given");
  return context.curriculum;
}

function paperOf(context: ExportContext): Paper {
  return optionsSchema.parse(context.options).paper;
}

const pack = (frame: Frame, body: Body) => Packer.toBuffer(wordDocument(frame, body));

export const syllabusDocx: ExportFormat = {
  id: "syllabus-docx",
  scope: "curriculum",
  title: "Participant syllabus (Word)",
  purpose: "The participant syllabus as an editable Word document, with the same sections, schedule and coverage tables as the PDF.",
  audience: "participant",
  contentType: DOCX_TYPE,
  extension: "docx",
  options: optionsSchema,
  async build(context) {
    const c = curriculumOf(context);
    const paper = paperOf(context);
    return pack({ paper, runningTitle: c.title, documentLabel: "Participant syllabus", title: c.title, description: "Participant syllabus" }, syllabusBody(c, context.catalog, paper));
  },
};

export const facilitatorGuideDocx: ExportFormat = {
  id: "facilitator-guide-docx",
  scope: "curriculum",
  title: "Facilitator guide (Word)",
  purpose: "The facilitator guide as an editable Word document: session plans with DO/SAY notes, scenarios in full, the programme kit with answer keys.",
  audience: "facilitator",
  contentType: DOCX_TYPE,
  extension: "docx",
  options: optionsSchema,
  async build(context) {
    const c = curriculumOf(context);
    const paper = paperOf(context);
    return pack({ paper, runningTitle: c.title, documentLabel: "Facilitator guide", title: c.title, description: "Facilitator guide" }, facilitatorGuideBody(c, context.catalog, paper));
  },
};

export const roleCardsDocx: ExportFormat = {
  id: "role-cards-docx",
  scope: "curriculum",
  title: "Role cards (Word)",
  purpose: "One role card a page for every role of the course's scenarios (the participant scenario pack), as an editable Word document.",
  audience: "participant",
  contentType: DOCX_TYPE,
  extension: "docx",
  options: optionsSchema,
  async build(context) {
    const c = curriculumOf(context);
    const paper = paperOf(context);
    const sectorName = context.catalog.sector(c.spec.sector)?.name ?? c.spec.sector;
    const label = `${sectorName} scenario pack, participant edition`;
    return pack(
      { paper, runningTitle: c.title, documentLabel: label, title: c.title, description: `Role cards: ${label}` },
      roleCardsBody(c.spec.sector, courseScenarios(c, context.catalog), context.catalog, paper),
    );
  },
};

export const docxExports: ExportFormat[] = [syllabusDocx, facilitatorGuideDocx, roleCardsDocx];
