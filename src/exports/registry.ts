import { calendarExports } from "./calendar.js";
import { docxExports } from "./docx.js";
import type { ExportFormat } from "./export-format.js";
import { spreadsheetExports } from "./spreadsheet.js";

/**
 * Every export format, in the order the Export menu lists them. The API (GET /api/exports), the curriculum page,
 * share links and the CLI offer exactly these.
 */
export const EXPORT_FORMATS: readonly ExportFormat[] = [...docxExports, ...calendarExports, ...spreadsheetExports];
