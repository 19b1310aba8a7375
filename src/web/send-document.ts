import type { Request, Response } from "express";
import type { Curriculum } from "../domain/index.js";
import type { CachedDocument, DocumentCache } from "../render/document-cache.js";
import type { CurriculumHead } from "../store/index.js";
import type { CurriculumInReach } from "../use-cases/curricula.js";
import { notFound } from "./http-error.js";

/** Does the request's If-None-Match name this validator (or `*`)? Weak and strong forms compare alike for GET. */
function matches(req: Request, etag: string): boolean {
  const header = req.get("if-none-match");
  if (!header) return false;
  const wanted = etag.replace(/^W\//, "");
  return header.split(",").some((tag) => {
    const t = tag.trim();
    return t === "*" || t.replace(/^W\//, "") === wanted;
  });
}

export interface DocumentAnswer {
  contentType: string;
  /** The file name offered to save it under: ASCII only (see fileName in print.ts). */
  fileName: string;
  /** "inline" for documents a browser shows (PDFs), "attachment" for files to save. */
  disposition: "inline" | "attachment";
}

/**
 * Answers with a built document from the cache (building it once per key), with its ETag; a request whose
 * If-None-Match names it gets 304 and no body. Callers check access before calling: a 304 tells as much as a 200.
 */
export async function sendDocument(req: Request, res: Response, cache: DocumentCache, key: string, build: () => Promise<Buffer>, answer: DocumentAnswer): Promise<void> {
  sendBuilt(req, res, await cache.get(key, build), answer);
}

/**
 * A curriculum's document. When the document of the version in reach is built, it is served on the curriculum's
 * head alone: no whole read (on PostgreSQL, a body fetched and validated; in memory, a copy). Otherwise the whole
 * curriculum is read and the document built and cached under the version read.
 */
export async function sendCurriculumDocument(req: Request, res: Response, cache: DocumentCache, reach: CurriculumInReach, document: CurriculumDocument): Promise<void> {
  const built = cache.peek(document.key(reach.head));
  if (built) return sendBuilt(req, res, built, document.answer(reach.head));
  const curriculum = await reach.whole();
  if (!curriculum) throw notFound("The curriculum");
  await sendDocument(req, res, cache, document.key(curriculum), () => document.build(curriculum), document.answer(curriculum));
}

export interface CurriculumDocument {
  /** The cache key of the document built from this version (documentKey). */
  key(version: CurriculumHead): string;
  build(curriculum: Curriculum): Promise<Buffer>;
  answer(version: CurriculumHead): DocumentAnswer;
}

/**
 * `private, no-cache`: a browser may keep it but asks each time (access may have been withdrawn); shared caches
 * never keep it.
 */
function sendBuilt(req: Request, res: Response, document: CachedDocument, answer: DocumentAnswer): void {
  res.set({ "Cache-Control": "private, no-cache", ETag: document.etag });
  if (matches(req, document.etag)) {
    res.status(304).end();
    return;
  }
  res.type(answer.contentType).set("Content-Disposition", `${answer.disposition}; filename="${answer.fileName}"`).send(document.body);
}
