import { Router, type Response } from "express";
import { z } from "zod";
import type { Catalog } from "../../content/index.js";
import { matchesScenarioFilter, type Curriculum } from "../../domain/index.js";
import { RendererBusyError, RendererUnavailableError, RenderTimeoutError, type PdfRequest } from "../../render/pdf-renderer.js";
import type { Paper, PrintDocuments } from "../../render/print-documents.js";
import type { DocumentCache } from "../../render/document-cache.js";
import { sendCurriculumDocument, sendDocument, type CurriculumDocument } from "../send-document.js";
import type { CurriculumHead, CurriculumRepository } from "../../store/index.js";
import type { Action } from "../../auth/policy.js";
import { findCurriculum, reachCurriculum, recordCertificates, type CurriculumInReach } from "../../use-cases/curricula.js";
import type { AuditLog } from "../../auth/audit-log.js";
import { authorize, currentActor } from "../auth.js";
import { busy, HttpError, notFound } from "../http-error.js";
import { requireJson } from "../require-json.js";
import { parsedInput, validate } from "../validate.js";
import { curriculumId } from "./curricula.js";

/** Renders PDFs; the app works without one (the PDF routes then answer 503). */
export interface PdfService {
  render(request: PdfRequest): Promise<Buffer>;
}

export interface PrintDeps {
  catalog: Catalog;
  store: CurriculumRepository;
  documents: PrintDocuments;
  pdf?: PdfService;
  audit: AuditLog;
  cache: DocumentCache;
}

/** A participant's name, kept exactly as typed: only empty names and control characters are refused. */
const participantName = z
  .string({ error: "must be a name" })
  .max(200, "must be at most 200 characters")
  .refine((n) => n.trim().length > 0, "must not be empty")
  // eslint-disable-next-line no-control-regex -- matching control characters is the point of this rule
  .refine((n) => !/[\u0000-\u001f\u007f]/.test(n), "must not contain control characters");

export const certificateRequestSchema = z.strictObject({
  participants: z.array(participantName).min(1, "must name at least one participant").max(500, "must name at most 500 participants"),
  paper: z.enum(["a4", "letter"], { error: "must be a4 or letter" }).default("a4"),
});
type CertificateRequest = z.infer<typeof certificateRequestSchema>;

/** The web form: one name per line in a text area. */
const certificateFormSchema = z
  .object({ names: z.string({ error: "must list the participants, one per line" }), paper: z.enum(["a4", "letter"]).default("a4") })
  .transform((form, ctx) => {
    const result = certificateRequestSchema.safeParse({ participants: form.names.split(/\r?\n/).filter((n) => n.trim().length > 0), paper: form.paper });
    if (result.success) return result.data;
    for (const issue of result.error.issues) ctx.addIssue({ code: "custom", path: ["names", ...issue.path.slice(1)], message: issue.message });
    return z.NEVER;
  });

const paperQuery = z.object({ paper: z.enum(["a4", "letter"], { error: "must be a4 or letter" }).default("a4") });

/** The print HTML carries its own inline style sheet and no script: allow exactly that. */
const PRINT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** A file name from a title: ASCII letters and digits only. */
export function fileName(prefix: string, title: string): string {
  const slug = title.normalize("NFKD").replace(/[^A-Za-z0-9]+/g, "-").replace(/^-|-$/g, "").slice(0, 60).toLowerCase();
  return `${prefix}${slug ? `-${slug}` : ""}.pdf`;
}

/**
 * Sends a document as a PDF, answering 503 with Retry-After when the renderer is busy, down or too slow.
 * Shared by the signed-in routes and the share links.
 */
export function pdfRenderer(pdfService: PdfService | undefined) {
  return async (html: string, paper: Paper, client?: string): Promise<Buffer> => {
    if (!pdfService) throw new HttpError(503, "pdf_unavailable", "PDF rendering is not available on this server.");
    try {
      // The client's address, so that the renderer serves waiting documents in turn across clients.
      return await pdfService.render({ html, paper, client });
    } catch (error) {
      if (error instanceof RendererBusyError) throw busy("The PDF renderer is busy; try again in a moment.", error.retryAfterSeconds);
      if (error instanceof RendererUnavailableError) throw busy("The PDF renderer is not available at the moment; try again shortly.", error.retryAfterSeconds);
      if (error instanceof RenderTimeoutError) throw busy(error.message, 5);
      throw error;
    }
  };
}

/**
 * Sends a document as a PDF from the document cache: rendered once per key (a curriculum's id and version, the
 * document, its options), then served again from memory with an ETag (304 for a browser that has it). The HTML
 * is built only when the PDF must be rendered.
 */
export function pdfSender(pdfService: PdfService | undefined, cache: DocumentCache) {
  const render = pdfRenderer(pdfService);
  return (res: Response, key: string, html: () => string, paper: Paper, name: string) =>
    sendDocument(res.req, res, cache, key, () => render(html(), paper, res.req.ip), { contentType: "application/pdf", fileName: name, disposition: "inline" });
}

/**
 * A curriculum's PDF for sendCurriculumDocument: `document` and `options` make its cache key, `html` its print HTML
 * (built only when it must be rendered), `prefix` its file name with the course title.
 */
export function curriculumPdf(pdfService: PdfService | undefined) {
  const render = pdfRenderer(pdfService);
  return (res: Response, document: string, options: { paper: Paper } & Record<string, unknown>, html: (c: Curriculum) => string, prefix = document): CurriculumDocument => ({
    key: (version) => documentKey(version, document, options),
    build: (c) => render(html(c), options.paper, res.req.ip),
    answer: (version) => ({ contentType: "application/pdf", fileName: fileName(prefix, version.title), disposition: "inline" }),
  });
}

/** The cache key of a curriculum's document: it changes with every saved version. */
export function documentKey(c: CurriculumHead, document: string, options: Record<string, unknown> = {}): string {
  return `curriculum/${c.id}@${c.version}/${document}?${new URLSearchParams(Object.entries(options).filter(([, v]) => v !== undefined).map(([k, v]) => [k, String(v)])).toString()}`;
}

/** The print HTML as a page of its own: its inline style and nothing else may load. */
export function sendPrintHtml(res: Response, html: string): void {
  res.set("Content-Security-Policy", PRINT_CSP).type("text/html").send(html);
}

export const paperQuerySchema = paperQuery;
export const kitQuerySchema = paperQuery.extend({ edition: z.enum(["facilitator", "participant"], { error: "must be facilitator or participant" }).default("facilitator") });

/** PDF and print-HTML routes: syllabus, facilitator guide, scenario packs. */
export function printRoutes(deps: PrintDeps): Router {
  const router = Router();
  const { catalog, documents } = deps;
  const sendPdf = pdfSender(deps.pdf, deps.cache);
  const render = pdfRenderer(deps.pdf);
  const sendHtml = sendPrintHtml;

  /** The actor's curriculum, if their role allows this document (404 for another organisation's, 403 for a role below). */
  const load = async (res: Response, params: unknown, action: Action): Promise<Curriculum> => {
    const c = await findCurriculum(currentActor(res), curriculumId(params), action, deps);
    if (!c) throw notFound("The curriculum");
    return c;
  };
  /** The same, read whole only if the document must be built (see sendCurriculumDocument). */
  const reach = async (res: Response, params: unknown, action: Action): Promise<CurriculumInReach> => {
    const found = await reachCurriculum(currentActor(res), curriculumId(params), action, deps);
    if (!found) throw notFound("The curriculum");
    return found;
  };
  const pdf = curriculumPdf(deps.pdf);

  // Each course document as its print HTML (exactly what the PDF is made from) and as a PDF.
  const courseDocuments = [
    { path: "syllabus", action: "documents.participant" as const, render: (c: Curriculum, paper: Paper) => documents.syllabus(c, paper) },
    { path: "facilitator-guide", action: "documents.facilitator" as const, render: (c: Curriculum, paper: Paper) => documents.facilitatorGuide(c, paper) },
  ];
  for (const doc of courseDocuments) {
    router.get(`/curricula/:id/${doc.path}.html`, validate("query", paperQuery), async (req, res) => {
      const { paper } = parsedInput<z.infer<typeof paperQuery>>(res.locals, "query");
      sendHtml(res, doc.render(await load(res, req.params, doc.action), paper));
    });
    router.get(`/curricula/:id/${doc.path}.pdf`, validate("query", paperQuery), async (req, res) => {
      const { paper } = parsedInput<z.infer<typeof paperQuery>>(res.locals, "query");
      await sendCurriculumDocument(req, res, deps.cache, await reach(res, req.params, doc.action), pdf(res, doc.path, { paper }, (c) => doc.render(c, paper)));
    });
  }

  const kitQuery = kitQuerySchema;
  router.get("/curricula/:id/kit.pdf", validate("query", kitQuery), async (req, res) => {
    const { paper, edition } = parsedInput<z.infer<typeof kitQuery>>(res.locals, "query");
    const found = await reach(res, req.params, edition === "participant" ? "documents.participant" : "documents.facilitator");
    await sendCurriculumDocument(req, res, deps.cache, found, pdf(res, "kit", { edition, paper }, (c) => documents.kit(c, edition, paper), `kit-${edition}`));
  });

  // The same certificates from the JSON API and from the curriculum page's form (names one per line).
  for (const [path, schema] of [["/api/curricula/:id/certificates", certificateRequestSchema], ["/curricula/:id/certificates", certificateFormSchema]] as const) {
    router.post(path, ...(path.startsWith("/api/") ? [requireJson] : []), validate("body", schema), async (req, res) => {
      const { participants, paper } = parsedInput<CertificateRequest>(res.locals, "body");
      const c = await load(res, req.params, "certificates.issue");
      // Never cached: the names are personal data, and each request's list is its own.
      const pdf = await render(documents.certificates(c, participants, paper), paper, req.ip);
      res.type("application/pdf").set({ "Content-Disposition": `inline; filename="${fileName("certificates", c.title)}"`, "Cache-Control": "no-store" }).send(pdf);
      await recordCertificates(currentActor(res), c, participants.length, deps);
    });
  }

  const packQuery = paperQuery.extend({
    edition: z.enum(["trainer", "participant"], { error: "must be trainer or participant" }).default("trainer"),
    tier: z
      .string()
      .refine((t) => catalog.ids.tiers.includes(t), `is not a known ERNST level; allowed: ${catalog.ids.tiers.join(", ")}`)
      .optional(),
    competency: z
      .string()
      .refine((c) => catalog.competency(c) !== undefined, "is not a known competency id (see GET /api/catalog)")
      .optional(),
  });

  router.get("/scenario-packs/:file", validate("query", packQuery), async (req, res) => {
    authorize(res, "documents.facilitator");
    const match = /^([a-z0-9-]+)\.pdf$/.exec(String(req.params.file));
    const sector = match && catalog.sector(match[1]!);
    if (!sector) throw notFound(`The scenario pack (sectors: ${catalog.ids.sectors.join(", ")})`);
    const { paper, edition, tier, competency } = parsedInput<z.infer<typeof packQuery>>(res.locals, "query");
    const scenarios = catalog.scenarios.filter((s) => matchesScenarioFilter(s, { sector: sector.id, tier, competency }));
    if (scenarios.length === 0) throw notFound("A scenario matching these filters");
    const filterLabel = [tier && `level: ${catalog.tier(tier)!.name}`, competency && `competency: ${catalog.competency(competency)!.name}`].filter(Boolean).join("; ");
    // A pack depends on content only (loaded once per process): cached by its filters alone.
    const key = `scenario-pack/${sector.id}?${new URLSearchParams({ edition, paper, tier: tier ?? "", competency: competency ?? "" }).toString()}`;
    await sendPdf(res, key, () => documents.scenarioPack(sector.id, scenarios, edition, paper, filterLabel || undefined), paper, fileName(`scenarios-${sector.id}-${edition}`, ""));
  });

  return router;
}
