import { beforeAll, describe, expect, test } from "@jest/globals";
import ExcelJS from "exceljs";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Catalog } from "../../../src/content/index.js";
import { courseSpecSchemaFor, METHOD_LABELS, type Curriculum } from "../../../src/domain/index.js";
import type { ExportContext, ExportFormat } from "../../../src/exports/export-format.js";
import { matrixCsv, scheduleCsv, spreadsheetExport, spreadsheetExports, totalsCsv } from "../../../src/exports/spreadsheet.js";
import { plan } from "../../../src/planner/index.js";
import { ROOT } from "../../support/built.js";
import { realCatalog } from "../../support/catalog.js";

let catalog: Catalog;
beforeAll(async () => {
  catalog = await realCatalog();
});

function planned(example: string, id = "spreadsheet-test"): Curriculum {
  const raw = JSON.parse(readFileSync(join(ROOT, "curricula", "examples", example), "utf8"));
  return plan(courseSpecSchemaFor(catalog.ids).parse(raw), catalog, { id, now: new Date("2026-11-26T10:00:00Z") });
}

async function build(format: ExportFormat, c: Curriculum): Promise<Buffer> {
  const context: ExportContext = {
    catalog,
    documents: undefined as any,
    pdf: async () => {
      throw new Error("no PDFs in a spreadsheet");
    },
    curriculum: c,
    options: {},
  };
  return format.build(context);
}

async function workbook(c: Curriculum): Promise<ExcelJS.Workbook> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load((await build(spreadsheetExport, c)) as any);
  return wb;
}

/** A sheet's rows as plain values (empty cells as ""), padded to the header's width. */
function sheetRows(sheet: ExcelJS.Worksheet): (string | number)[][] {
  const width = sheet.getRow(1).cellCount;
  const rows: (string | number)[][] = [];
  sheet.eachRow({ includeEmpty: true }, (row) => {
    const values: (string | number)[] = [];
    for (let col = 1; col <= width; col++) {
      const v = row.getCell(col).value;
      values.push(v === null || v === undefined ? "" : (v as string | number));
    }
    rows.push(values);
  });
  return rows;
}

/** A tiny RFC 4180 reader: quoted fields with doubled quotes, commas and line breaks inside, CRLF records. */
function parseCsv(text: string): string[][] {
  expect(text.startsWith("\uFEFF")).toBe(true);
  const body = text.slice(1);
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let i = 0;
  let quoted = false;
  while (i < body.length) {
    const ch = body[i]!;
    if (quoted) {
      if (ch === '"' && body[i + 1] === '"') {
        field += '"';
        i += 2;
      } else if (ch === '"') {
        quoted = false;
        i++;
      } else {
        field += ch;
        i++;
      }
    } else if (ch === '"' && field === "") {
      quoted = true;
      i++;
    } else if (ch === ",") {
      row.push(field);
      field = "";
      i++;
    } else if (ch === "\r" && body[i + 1] === "\n") {
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
      i += 2;
    } else {
      expect(ch).not.toMatch(/[\r\n"]/);
      field += ch;
      i++;
    }
  }
  expect(quoted).toBe(false);
  expect(field).toBe("");
  expect(row).toEqual([]);
  return rows;
}

/** What a spreadsheet value looks like in the CSV: text, with the formula guard's apostrophe. */
const asCsv = (v: string | number) => (typeof v === "string" && /^[=+\-@\t\r]/.test(v) ? `'${v}` : String(v));

describe("the spreadsheet exports' contracts", () => {
  test("when listed, then the workbook and three CSVs are curriculum exports with their audiences", () => {
    expect(spreadsheetExports.map((f) => [f.id, f.scope, f.audience, f.extension, f.contentType])).toEqual([
      ["spreadsheet", "curriculum", "facilitator", "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"],
      ["matrix-csv", "curriculum", "facilitator", "csv", "text/csv; charset=utf-8"],
      ["schedule-csv", "curriculum", "participant", "csv", "text/csv; charset=utf-8"],
      ["totals-csv", "curriculum", "facilitator", "csv", "text/csv; charset=utf-8"],
    ]);
  });
});

describe.each(["healthcare-12h.json", "police-40h-certification-week.json", "postal-4h-awareness.json"])("the workbook of %s", (example) => {
  let c: Curriculum;
  let wb: ExcelJS.Workbook;
  beforeAll(async () => {
    c = planned(example);
    wb = await workbook(c);
  });

  test("when opened, then it has the Matrix, Schedule and Totals sheets with bold, frozen headers and set widths", () => {
    expect(wb.worksheets.map((s) => s.name)).toEqual(["Matrix", "Schedule", "Totals"]);
    for (const sheet of wb.worksheets) {
      expect(sheet.getRow(1).getCell(1).font?.bold).toBe(true);
      expect(sheet.views[0]).toMatchObject({ state: "frozen", ySplit: 1 });
      expect(sheet.getColumn(1).width).toBeGreaterThan(0);
      expect(sheet.getColumn(2).width).toBeGreaterThan(0);
    }
    expect(wb.getWorksheet("Matrix")!.views[0]).toMatchObject({ xSplit: 2 });
  });

  test("when the matrix is read, then each competency's cells are I where a session introduces it and P where it practises it", () => {
    const sheet = wb.getWorksheet("Matrix")!;
    const rows = sheetRows(sheet);
    expect(rows[0]).toEqual(["Code", "Competency", ...c.sessions.map((s, i) => `${i + 1}. ${s.title}`)]);
    const byCode = new Map(rows.slice(1).map((r) => [r[0], r]));
    // Every competency of the framework, grouped under its domain's heading row, in framework order.
    const expectedOrder: string[] = [];
    for (const domain of catalog.framework.domains) {
      expectedOrder.push(`Domain ${domain.number}`);
      for (const g of domain.general) for (const sc of g.specific) expectedOrder.push(sc.code);
    }
    expect(rows.slice(1).map((r) => r[0])).toEqual(expectedOrder);

    const covered = new Map(c.coverage.covered.map((x) => [x.competency, x.sessions]));
    for (const competency of catalog.competencies) {
      const row = byCode.get(competency.code)!;
      expect(row[1]).toBe(competency.name);
      const cells = row.slice(2);
      expect(cells).toEqual(c.sessions.map((s) => (s.introduces.includes(competency.id) ? "I" : s.practises.includes(competency.id) ? "P" : "")));
      // The marked sessions are exactly those the curriculum's coverage lists.
      expect(c.sessions.filter((_, i) => cells[i] !== "").map((s) => s.id)).toEqual(covered.get(competency.id) ?? []);
      if (c.coverage.uncovered.includes(competency.id)) expect(cells.every((x) => x === "")).toBe(true);
    }
    // Domain headings are set off in bold.
    sheet.eachRow((row) => {
      if (String(row.getCell(1).value).startsWith("Domain ")) expect(row.getCell(1).font?.bold).toBe(true);
    });
  });

  test("when the schedule is read, then its rows are the sessions", () => {
    const rows = sheetRows(wb.getWorksheet("Schedule")!);
    expect(rows[0]).toEqual(["No.", "Date", "Start", "End", "Session", "Method", "Practical", "Minutes", "Scenario"]);
    expect(rows.slice(1)).toEqual(
      c.sessions.map((s, i) => [i + 1, s.date, s.start, s.end, s.title, METHOD_LABELS[s.method], s.practical ? "Yes" : "No", s.minutes, s.scenarioIds.map((id) => catalog.scenario(id)!.title).join("; ")]),
    );
  });

  test("when the totals are read, then they are the curriculum's", () => {
    const rows = sheetRows(wb.getWorksheet("Totals")!);
    expect(rows[0]).toEqual(["Measure", "Value"]);
    const totals = new Map(rows.slice(1).map(([k, v]) => [k, v]));
    expect(totals.get("Contact minutes")).toBe(c.totals.contactMinutes);
    expect(totals.get("Contact minutes")).toBe(c.sessions.reduce((sum, s) => sum + s.minutes, 0));
    expect(totals.get("Contact hours")).toBeCloseTo(c.totals.contactMinutes / 60, 2);
    expect(totals.get("Practical minutes")).toBe(c.totals.practicalMinutes);
    expect(totals.get("Practical share (%)")).toBeCloseTo(c.totals.practicalShare * 100, 1);
    for (const [method, minutes] of Object.entries(c.totals.byMethod)) expect(totals.get(`Minutes of ${METHOD_LABELS[method as keyof typeof METHOD_LABELS]}`)).toBe(minutes);
    expect(rows.filter(([k]) => String(k).startsWith("Minutes of ")).length).toBe(Object.keys(c.totals.byMethod).length);
    expect(totals.get("Competencies covered")).toBe(c.coverage.covered.length);
    expect(totals.get("Competencies in the framework")).toBe(catalog.competencies.length);
    if (c.totals.supporterTurnsPerParticipant !== undefined) expect(totals.get("Supporter turns per participant")).toBe(c.totals.supporterTurnsPerParticipant);
  });

  test.each([
    ["matrix-csv", "Matrix"],
    ["schedule-csv", "Schedule"],
    ["totals-csv", "Totals"],
  ])("when %s is parsed back, then it holds the rows of the %s sheet", async (id, sheetName) => {
    const format = [matrixCsv, scheduleCsv, totalsCsv].find((f) => f.id === id)!;
    const csv = parseCsv((await build(format, c)).toString("utf8"));
    expect(csv).toEqual(sheetRows(wb.getWorksheet(sheetName)!).map((r) => r.map(asCsv)));
  });
});

describe("text that looks like a formula", () => {
  test("when a session title starts with =, then the workbook holds it as a string cell and the CSV guards it", async () => {
    const c = planned("postal-4h-awareness.json");
    c.sessions[0]!.title = '=HYPERLINK("http://example.com","click")';
    c.sessions[1]!.title = "+1, and more; with \"quotes\"\nand a line break";
    c.sessions[2]!.title = "@SUM(A1:A3)";
    const wb = await workbook(c);

    const schedule = wb.getWorksheet("Schedule")!;
    for (const i of [0, 1, 2]) {
      const cell = schedule.getRow(i + 2).getCell(5);
      expect(cell.type).toBe(ExcelJS.ValueType.String);
      expect(cell.value).toBe(c.sessions[i]!.title);
      expect(cell.formula).toBeUndefined();
    }
    const header = wb.getWorksheet("Matrix")!.getRow(1).getCell(3);
    expect(header.type).toBe(ExcelJS.ValueType.String);
    expect(header.value).toBe(`1. ${c.sessions[0]!.title}`);

    const rows = parseCsv((await build(scheduleCsv, c)).toString("utf8"));
    expect(rows[1]![4]).toBe(`'${c.sessions[0]!.title}`);
    expect(rows[2]![4]).toBe(`'${c.sessions[1]!.title}`);
    expect(rows[3]![4]).toBe(`'${c.sessions[2]!.title}`);
    expect(rows).toHaveLength(c.sessions.length + 1);
  });
});
