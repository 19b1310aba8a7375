import type { Request, Response } from "express";
import type { DocumentCache } from "../render/document-cache.js";

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
 * `private, no-cache`: a browser may keep it but asks each time (access may have been withdrawn); shared caches never keep it.
 */
export async function sendDocument(req: Request, res: Response, cache: DocumentCache, key: string, build: () => Promise<Buffer>, answer: DocumentAnswer): Promise<void> {
  res.set("Cache-Control", "private, no-cache");
  const cached = cache.peek(key);
  if (cached && matches(req, cached.etag)) {
    res.status(304).set("ETag", cached.etag).end();
    return;
  }
  const document = await cache.get(key, build);
  res.set("ETag", document.etag);
  if (matches(req, document.etag)) {
    res.status(304).end();
    return;
  }
  res.type(answer.contentType).set("Content-Disposition", `${answer.disposition}; filename="${answer.fileName}"`).send(document.body);
}
