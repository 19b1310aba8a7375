import { Router, type Request, type Response } from "express";
import type { Catalog } from "../../content/index.js";
import type { Curriculum } from "../../domain/index.js";
import type { ExportFormat } from "../../exports/export-format.js";
import type { DocumentCache } from "../../render/document-cache.js";
import type { PrintDocuments } from "../../render/print-documents.js";
import { reachCurriculum, type CurriculaDeps, type CurriculumInReach } from "../../use-cases/curricula.js";
import { reachSharedCurriculum, type ShareLinkDeps } from "../../use-cases/share-links.js";
import { currentActor } from "../auth.js";
import { issuesFromZod, notFound, validationFailed } from "../http-error.js";
import { sendCurriculumDocument, sendDocument, type DocumentAnswer } from "../send-document.js";
import { curriculumId } from "./curricula.js";
import { documentKey, fileName, pdfRenderer, type PdfService } from "./print.js";

export interface ExportRoutesDeps extends ShareLinkDeps {
  catalog: Catalog;
  documents: PrintDocuments;
  pdf?: PdfService;
  cache: DocumentCache;
  formats: readonly ExportFormat[];
}

/** A format as GET /api/exports lists it, with the address to fetch it from. */
function describe(format: ExportFormat) {
  return {
    id: format.id,
    scope: format.scope,
    title: format.title,
    purpose: format.purpose,
    audience: format.audience,
    contentType: format.contentType,
    extension: format.extension,
    href: format.scope === "framework" ? `/api/framework/exports/${format.id}` : `/api/curricula/{id}/exports/${format.id}`,
  };
}

/** The formats of a scope, for the curriculum page's Export menu and the share page. */
export function formatsFor(formats: readonly ExportFormat[], scope: ExportFormat["scope"], audience?: ExportFormat["audience"]) {
  return formats.filter((f) => f.scope === scope && (!audience || f.audience === audience)).map(describe);
}

/**
 * Exports, through the same doors and permissions as the PDFs: participant-facing formats need what the syllabus
 * needs, facilitator ones what the facilitator guide needs; framework exports are for anyone signed in (the
 * library is). Share links offer the participant-facing ones. Every export is built once per curriculum version and
 * options, then served from the document cache with an ETag.
 */
export function exportRoutes(deps: ExportRoutesDeps): Router {
  const router = Router();
  const render = pdfRenderer(deps.pdf);
  const byId = new Map(deps.formats.map((f) => [f.id, f]));

  const format = (id: unknown, scope: ExportFormat["scope"]) => {
    const found = byId.get(String(id));
    if (!found || found.scope !== scope) throw notFound(`The export format (formats: GET /api/exports)`);
    return found;
  };

  /** The format's options from the query, parsed by its own schema; anything else in the query is a 400. */
  const optionsOf = (f: ExportFormat, req: Request): Record<string, unknown> => {
    if (!f.options) return {};
    const parsed = f.options.safeParse(req.query);
    if (!parsed.success) throw validationFailed(issuesFromZod(parsed.error), "The export's options are not valid.");
    return parsed.data;
  };

  const answer = (f: ExportFormat, title: string): DocumentAnswer => ({
    contentType: f.contentType,
    fileName: fileName(f.id, title).replace(/\.pdf$/, `.${f.extension}`),
    disposition: "attachment",
  });
  const build = (req: Request, f: ExportFormat, curriculum: Curriculum | undefined, options: Record<string, unknown>) =>
    f.build({ catalog: deps.catalog, documents: deps.documents, pdf: (html, paper) => render(html, paper, req.ip), curriculum, options });

  /** A curriculum's export, read whole only when it must be built (see sendCurriculumDocument). */
  const sendExport = (req: Request, res: Response, f: ExportFormat, reach: CurriculumInReach) => {
    const options = optionsOf(f, req);
    return sendCurriculumDocument(req, res, deps.cache, reach, {
      key: (version) => documentKey(version, `export/${f.id}`, options),
      build: (curriculum) => build(req, f, curriculum, options),
      answer: (version) => answer(f, version.title),
    });
  };

  router.get("/api/exports", (_req, res) => {
    res.json({ items: deps.formats.map(describe) });
  });

  router.get("/api/framework/exports/:format", async (req, res) => {
    currentActor(res);
    const f = format(req.params.format, "framework");
    const options = optionsOf(f, req);
    await sendDocument(req, res, deps.cache, `framework/export/${f.id}?${JSON.stringify(options)}`, () => build(req, f, undefined, options), answer(f, "framework"));
  });

  router.get("/api/curricula/:id/exports/:format", async (req, res) => {
    const f = format(req.params.format, "curriculum");
    const found = await reachCurriculum(currentActor(res), curriculumId(req.params), f.audience === "participant" ? "documents.participant" : "documents.facilitator", deps as CurriculaDeps);
    if (!found) throw notFound("The curriculum");
    await sendExport(req, res, f, found);
  });

  // Through a share link: the participant-facing formats only.
  router.get("/s/:secret/exports/:format", async (req, res) => {
    const found = await reachSharedCurriculum(String(req.params.secret), deps);
    if (!found) throw notFound("The shared curriculum (the link may have been revoked or have expired)");
    const f = byId.get(String(req.params.format));
    if (!f || f.scope !== "curriculum" || f.audience !== "participant") throw notFound("The export format (a share link offers the participant ones)");
    res.set({ "Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex" });
    await sendExport(req, res, f, found);
  });

  return router;
}
