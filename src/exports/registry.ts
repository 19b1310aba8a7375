import { calendarExports } from "./calendar.js";
import { competencyFrameworkExports } from "./competency-frameworks.js";
import { docxExports } from "./docx.js";
import type { ExportFormat } from "./export-format.js";
import { imsccExport } from "./imscc.js";
import { spreadsheetExports } from "./spreadsheet.js";

/**
 * Every export format, in the order the Export menu lists them: the hand-off to a learning platform first, then
 * documents to edit, the calendar, spreadsheets and the competency framework files. The API (GET /api/exports), the
 * curriculum page, share links and the CLI offer exactly these.
 */
export const EXPORT_FORMATS: readonly ExportFormat[] = [imsccExport, ...docxExports, ...calendarExports, ...spreadsheetExports, ...competencyFrameworkExports];
