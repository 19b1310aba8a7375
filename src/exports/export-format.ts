import type { z } from "zod";
import type { Catalog } from "../content/index.js";
import type { Curriculum } from "../domain/index.js";
import type { Paper, PrintDocuments } from "../render/print-documents.js";

/**
 * The exports: a course (or the competency framework) in the formats other tools read. Each format is one
 * `ExportFormat`, registered in `registry.ts`; the API, the curriculum page, share links and the CLI all list and
 * build exports through the registry, so a format added there is offered everywhere with the same permissions.
 */

/** Who an export is for: participant-facing ones are offered through share links too; facilitator ones are not. */
export type ExportAudience = "participant" | "facilitator";

/** What an export is of: one curriculum, or the whole competency framework (which depends on content only). */
export type ExportScope = "curriculum" | "framework";

export interface ExportContext {
  catalog: Catalog;
  /** The print documents' HTML (the same the PDFs are made from). */
  documents: PrintDocuments;
  /** Renders print HTML to a PDF, for exports that carry PDFs inside (an IMS Common Cartridge). */
  pdf(html: string, paper: Paper): Promise<Buffer>;
  /** The curriculum, for curriculum-scoped exports. */
  curriculum?: Curriculum;
  /** The format's options, parsed with its `options` schema (defaults applied). */
  options: Record<string, unknown>;
}

export interface ExportFormat {
  /** The id in URLs and the CLI: `/api/curricula/{id}/exports/{id}`. Lower-case words and hyphens. */
  id: string;
  scope: ExportScope;
  /** A short name: "IMS Common Cartridge 1.1 (Moodle, Canvas)". */
  title: string;
  /** One line on what it is for, shown in the Export menu and listed by GET /api/exports. */
  purpose: string;
  audience: ExportAudience;
  /** The media type of the answer, e.g. "application/vnd.ims.imsccv1p1". */
  contentType: string;
  /** The file extension, without the dot: "imscc", "csv", "json", "docx", "ics", "xlsx". */
  extension: string;
  /** Query options this format takes (e.g. `?events=sessions|blocks`), with defaults; none when absent. */
  options?: z.ZodType<Record<string, unknown>>;
  build(context: ExportContext): Promise<Buffer>;
}
