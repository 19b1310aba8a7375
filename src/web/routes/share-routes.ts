import { Router, type Response } from "express";
import { z } from "zod";
import type { ShareLink } from "../../domain/index.js";
import type { PrintDocuments } from "../../render/print-documents.js";
import { curriculumView } from "../../render/curriculum-view.js";
import { createShareLink, listShareLinks, reachSharedCurriculum, revokeShareLink, shareLinkLive, type ShareLinkDeps } from "../../use-cases/share-links.js";
import { currentActor } from "../auth.js";
import { fieldErrors, shareLinkForm, shareLinkRequest } from "../forms/account-forms.js";
import { notFound, validationFailed, issuesFromZod } from "../http-error.js";
import { requireJson } from "../require-json.js";
import { curriculumId } from "./curricula.js";
import { curriculumPdf, paperQuerySchema, sendPrintHtml, type PdfService } from "./print.js";
import { sendCurriculumDocument } from "../send-document.js";
import type { DocumentCache } from "../../render/document-cache.js";
import type { ExportFormat } from "../../exports/export-format.js";
import { formatsFor } from "./export-routes.js";
import { validate, parsedInput } from "../validate.js";

export interface ShareRoutesDeps extends ShareLinkDeps {
  documents: PrintDocuments;
  pdf?: PdfService;
  cache: DocumentCache;
  /** The export formats; the page offers the participant-facing ones. */
  formats?: readonly ExportFormat[];
}

/** A link as the API and pages show it (never its hash). */
function presentLink(l: ShareLink, now: Date) {
  return { id: l.id, label: l.label, createdAt: l.createdAt, expiresAt: l.expiresAt, revokedAt: l.revokedAt, lastOpenedAt: l.lastOpenedAt, live: shareLinkLive(l, now) };
}

/**
 * Share links: designers and managers make and revoke them (pages and API); anyone holding one reads the
 * curriculum's participant side (its syllabus page and PDF, the participant edition of the kit): no facilitator
 * material, no edit controls, nothing else of the organisation.
 */
export function shareRoutes(deps: ShareRoutesDeps): Router {
  const router = Router();
  const pdf = curriculumPdf(deps.pdf);
  const shareUrl = (res: Response, secret: string) => `${res.req.protocol}://${res.req.host}/s/${secret}`;

  // --- Managing links -------------------------------------------------------------------------------------------
  router.post("/curricula/:id/share-links", async (req, res) => {
    const actor = currentActor(res);
    const id = curriculumId(req.params);
    const parsed = shareLinkForm(deps.now()).safeParse(req.body ?? {});
    if (!parsed.success) {
      const errors = fieldErrors(parsed.error);
      throw validationFailed(Object.entries(errors).map(([path, message]) => ({ path, message })), `The share link was not made: ${Object.entries(errors).map(([f, m]) => `${f} ${m}`).join("; ")}.`);
    }
    const made = await createShareLink(actor, id, parsed.data, deps);
    if (!made) throw notFound("The curriculum");
    res.set("Cache-Control", "no-store");
    res.status(201).render("share-link-created", { title: "Share link made", url: shareUrl(res, made.secret), curriculumId: id, link: presentLink(made.link, deps.now()) });
  });

  router.post("/curricula/:id/share-links/:linkId/revoke", async (req, res) => {
    const id = curriculumId(req.params);
    if (!(await revokeShareLink(currentActor(res), id, String(req.params.linkId), deps))) throw notFound("The share link");
    res.redirect(303, `/curricula/${id}#share-links`);
  });

  router.get("/api/curricula/:id/share-links", async (req, res) => {
    const links = await listShareLinks(currentActor(res), curriculumId(req.params), deps);
    if (!links) throw notFound("The curriculum");
    res.json({ items: links.map((l) => presentLink(l, deps.now())) });
  });

  router.post("/api/curricula/:id/share-links", requireJson, async (req, res) => {
    const parsed = shareLinkRequest(deps.now()).safeParse(req.body ?? {});
    if (!parsed.success) throw validationFailed(issuesFromZod(parsed.error), "The request body is not valid.");
    const made = await createShareLink(currentActor(res), curriculumId(req.params), parsed.data, deps);
    if (!made) throw notFound("The curriculum");
    res.set("Cache-Control", "no-store");
    // The url holds the secret: this is the only answer that ever shows it.
    res.status(201).json({ ...presentLink(made.link, deps.now()), url: shareUrl(res, made.secret) });
  });

  router.delete("/api/curricula/:id/share-links/:linkId", async (req, res) => {
    if (!(await revokeShareLink(currentActor(res), curriculumId(req.params), String(req.params.linkId), deps))) throw notFound("The share link");
    res.status(204).end();
  });

  // --- Opening a link (no account) ------------------------------------------------------------------------------
  // Unknown, revoked, expired and deleted all read the same.
  const gone = () => notFound("The shared curriculum (the link may have been revoked or have expired)");
  /** The link's curriculum in reach: its head now, read whole only if a document must be built from it. */
  const reach = async (secret: unknown) => {
    const found = await reachSharedCurriculum(String(secret), deps);
    if (!found) throw gone();
    return found;
  };
  /** The link's curriculum, whole (for its page and print HTML). */
  const open = async (secret: unknown) => {
    const curriculum = await (await reach(secret)).whole();
    if (!curriculum) throw gone();
    return { curriculum };
  };
  // A shared page is for its holder: no caching by proxies, no address leaking on to other sites.
  const privateAnswer = (res: Response) => res.set({ "Cache-Control": "private, no-store", "Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex" });

  router.get("/s/:secret", async (req, res) => {
    const { curriculum } = await open(req.params.secret);
    privateAnswer(res);
    const view = curriculumView(curriculum, deps.catalog);
    const base = `/s/${encodeURIComponent(String(req.params.secret))}`;
    const exportsMenu = formatsFor(deps.formats ?? [], "curriculum", "participant").map((f) => ({ ...f, href: `${base}/exports/${f.id}` }));
    res.render("shared-curriculum", { ...view, title: curriculum.title, pageTitle: curriculum.title, base, shared: true, exportsMenu });
  });

  router.get("/s/:secret/syllabus.html", validate("query", paperQuerySchema), async (req, res) => {
    const { curriculum } = await open(req.params.secret);
    const { paper } = parsedInput<z.infer<typeof paperQuerySchema>>(res.locals, "query");
    privateAnswer(res);
    sendPrintHtml(res, deps.documents.syllabus(curriculum, paper));
  });

  router.get("/s/:secret/syllabus.pdf", validate("query", paperQuerySchema), async (req, res) => {
    const shared = await reach(req.params.secret);
    const { paper } = parsedInput<z.infer<typeof paperQuerySchema>>(res.locals, "query");
    privateAnswer(res);
    await sendCurriculumDocument(req, res, deps.cache, shared, pdf(res, "syllabus", { paper }, (c) => deps.documents.syllabus(c, paper)));
  });

  // Only the participant edition: the facilitator's is not for a share link's holders.
  const sharedKitQuery = paperQuerySchema.extend({ edition: z.literal("participant", { error: "must be participant (the facilitator edition is not shared)" }).default("participant") });
  router.get("/s/:secret/kit.pdf", validate("query", sharedKitQuery), async (req, res) => {
    const shared = await reach(req.params.secret);
    const { paper } = parsedInput<z.infer<typeof sharedKitQuery>>(res.locals, "query");
    privateAnswer(res);
    await sendCurriculumDocument(req, res, deps.cache, shared, pdf(res, "kit", { edition: "participant", paper }, (c) => deps.documents.kit(c, "participant", paper), "kit-participant"));
  });

  return router;
}

