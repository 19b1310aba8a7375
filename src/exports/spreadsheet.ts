import ExcelJS from "exceljs";
import type { Catalog } from "../content/index.js";
import { METHOD_LABELS, METHODS, type Curriculum } from "../domain/index.js";
import { csvDocument } from "../render/csv.js";
import { curriculumView } from "../render/curriculum-view.js";
import type { ExportContext, ExportFormat } from "./export-format.js";

/**
 * The course as tables: the coverage matrix (competencies x sessions), the schedule and the totals. One workbook
 * (.xlsx) with a sheet each, and the same three tables as CSV files. The tables are built once here so that the
 * sheets and the CSVs always hold the same rows.
 */

export type TableCell = string | number;
type CurriculumView = ReturnType<typeof curriculumView>;

/** A table: its header row and its body rows; `emphasis` marks the rows a sheet sets off (domain headings). */
export interface Table {
  header: string[];
  rows: TableCell[][];
  emphasis: Set<number>;
}

/** Coverage matrix: a heading row per domain, then its competencies by code and name, one column per session. */
export function matrixTable(c: Curriculum, catalog: Catalog, view: CurriculumView = curriculumView(c, catalog)): Table {
  // The curriculum page's matrix: the same I/P cells, in framework order.
  const matrix = view.matrix;
  const header = ["Code", "Competency", ...matrix.columns.map((col) => `${col.number}. ${col.title}`)];
  const rows: TableCell[][] = [];
  const emphasis = new Set<number>();
  for (const domain of matrix.domains) {
    emphasis.add(rows.length);
    rows.push([`Domain ${domain.number}`, `${domain.name} (${domain.covered} of ${domain.total} covered)`, ...matrix.columns.map(() => "")]);
    for (const row of domain.rows) rows.push([row.code, row.name, ...row.cells]);
  }
  return { header, rows, emphasis };
}

/** The schedule: a row per session in course order. */
export function scheduleTable(c: Curriculum, catalog: Catalog): Table {
  const header = ["No.", "Date", "Start", "End", "Session", "Method", "Practical", "Minutes", "Scenario"];
  const rows = c.sessions.map((s, i) => [
    i + 1,
    s.date,
    s.start,
    s.end,
    s.title,
    METHOD_LABELS[s.method],
    s.practical ? "Yes" : "No",
    s.minutes,
    s.scenarioIds.map((id) => catalog.scenario(id)?.title ?? id).join("; "),
  ]);
  return { header, rows, emphasis: new Set() };
}

const round = (n: number, places: number) => Math.round(n * 10 ** places) / 10 ** places;

/** The totals: contact and practical time, the practical share, minutes by method and competencies covered. */
export function totalsTable(c: Curriculum, catalog: Catalog, view: CurriculumView = curriculumView(c, catalog)): Table {
  const { contactMinutes, practicalMinutes, practicalShare, byMethod, supporterTurnsPerParticipant } = c.totals;
  const methods = [...METHODS.filter((m) => m in byMethod), ...Object.keys(byMethod).filter((m) => !(METHODS as readonly string[]).includes(m))];
  const rows: TableCell[][] = [
    ["Contact minutes", contactMinutes],
    ["Contact hours", round(contactMinutes / 60, 2)],
    ["Practical minutes", practicalMinutes],
    ["Practical share (%)", round(practicalShare * 100, 1)],
    ...methods.map((m) => [`Minutes of ${METHOD_LABELS[m as keyof typeof METHOD_LABELS] ?? m}`, byMethod[m] ?? 0]),
    ["Competencies covered", view.coveredCount],
    ["Competencies in the framework", view.competencyCount],
    ...(supporterTurnsPerParticipant === undefined ? [] : [["Supporter turns per participant", supporterTurnsPerParticipant]]),
  ];
  return { header: ["Measure", "Value"], rows, emphasis: new Set() };
}

const csvOf = (table: Table) => Buffer.from(csvDocument([table.header, ...table.rows]), "utf8");

function curriculumOf(context: ExportContext, format: string): Curriculum {
  if (!context.curriculum) throw new Error(`The ${format} export needs a curriculum.`);
  return context.curriculum;
}

// ---------------------------------------------------------------------------------------------------------------
// The workbook

const BOLD = { bold: true } as const;
const HEADING_FILL: ExcelJS.Fill = { type: "pattern", pattern: "solid", fgColor: { argb: "FFE7E6E6" } };
const CELL_FILLS: Record<string, ExcelJS.Fill> = {
  I: { type: "pattern", pattern: "solid", fgColor: { argb: "FFDDEBF7" } },
  P: { type: "pattern", pattern: "solid", fgColor: { argb: "FFE2EFDA" } },
};

/**
 * Writes a table: header bold and frozen, widths set. Every cell is a plain value: strings stay strings (ExcelJS
 * only writes a formula for a `{ formula }` value), so a title starting with "=" is text, never run.
 */
function addSheet(workbook: ExcelJS.Workbook, name: string, table: Table, frozenColumns: number, widths: number[]): ExcelJS.Worksheet {
  const sheet = workbook.addWorksheet(name, { views: [{ state: "frozen", xSplit: frozenColumns, ySplit: 1 }] });
  sheet.columns = table.header.map((_, i) => ({ width: widths[Math.min(i, widths.length - 1)] }));
  const header = sheet.addRow(table.header);
  header.font = BOLD;
  table.rows.forEach((cells, i) => {
    // An empty field is an empty cell, not an empty string.
    const row = sheet.addRow(cells.map((v) => (v === "" ? null : v)));
    if (table.emphasis.has(i)) {
      row.font = BOLD;
      for (let col = 1; col <= table.header.length; col++) row.getCell(col).fill = HEADING_FILL;
    }
  });
  return sheet;
}

async function workbookOf(c: Curriculum, catalog: Catalog): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  workbook.creator = "Peer Support Curriculum Builder";
  workbook.title = c.title;
  workbook.created = new Date(c.createdAt);
  workbook.modified = new Date(c.updatedAt);

  const view = curriculumView(c, catalog);
  const matrix = matrixTable(c, catalog, view);
  const matrixSheet = addSheet(workbook, "Matrix", matrix, 2, [12, 48, 6]);
  const headerRow = matrixSheet.getRow(1);
  headerRow.height = 180;
  for (let col = 3; col <= matrix.header.length; col++) headerRow.getCell(col).alignment = { textRotation: 90, vertical: "bottom", horizontal: "center", wrapText: true };
  matrixSheet.eachRow((row, number) => {
    if (number === 1) return;
    for (let col = 3; col <= matrix.header.length; col++) {
      const cell = row.getCell(col);
      cell.alignment = { horizontal: "center" };
      const fill = CELL_FILLS[String(cell.value ?? "")];
      if (fill) cell.fill = fill;
    }
  });

  addSheet(workbook, "Schedule", scheduleTable(c, catalog), 1, [6, 12, 8, 8, 60, 20, 10, 10, 50]);

  const totals = addSheet(workbook, "Totals", totalsTable(c, catalog, view), 1, [36, 12]);
  totals.getColumn(1).font = BOLD;

  return Buffer.from(await workbook.xlsx.writeBuffer());
}

const CSV = "text/csv; charset=utf-8";

export const spreadsheetExport: ExportFormat = {
  id: "spreadsheet",
  scope: "curriculum",
  title: "Spreadsheet (Excel .xlsx)",
  purpose: "The coverage matrix, the schedule and the totals as sheets of one workbook, for planning and reporting.",
  audience: "facilitator",
  contentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
  extension: "xlsx",
  build: async (context) => workbookOf(curriculumOf(context, "spreadsheet"), context.catalog),
};

export const matrixCsv: ExportFormat = {
  id: "matrix-csv",
  scope: "curriculum",
  title: "Coverage matrix (CSV)",
  purpose: "Which session introduces (I) or practises (P) each competency, by domain, as a CSV table.",
  audience: "facilitator",
  contentType: CSV,
  extension: "csv",
  build: async (context) => csvOf(matrixTable(curriculumOf(context, "matrix CSV"), context.catalog)),
};

export const scheduleCsv: ExportFormat = {
  id: "schedule-csv",
  scope: "curriculum",
  title: "Schedule (CSV)",
  purpose: "Every session with its date, times, method, minutes and scenario, as a CSV table.",
  audience: "participant",
  contentType: CSV,
  extension: "csv",
  build: async (context) => csvOf(scheduleTable(curriculumOf(context, "schedule CSV"), context.catalog)),
};

export const totalsCsv: ExportFormat = {
  id: "totals-csv",
  scope: "curriculum",
  title: "Totals (CSV)",
  purpose: "Contact and practical time, the practical share, minutes by method and competencies covered, as a CSV table.",
  audience: "facilitator",
  contentType: CSV,
  extension: "csv",
  build: async (context) => csvOf(totalsTable(curriculumOf(context, "totals CSV"), context.catalog)),
};

export const spreadsheetExports: readonly ExportFormat[] = [spreadsheetExport, matrixCsv, scheduleCsv, totalsCsv];
