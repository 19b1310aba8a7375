import type { ErrorRequestHandler, RequestHandler } from "express";
import { DamagedRecordError, DuplicateEmailError, InvalidRecordError, StoreCorruptError, StoreUnavailableError } from "../store/index.js";
import { NotAllowedError } from "../use-cases/curricula.js";
import { forbidden } from "./auth.js";
import { HttpError, malformedRequest, notFound, payloadTooLarge, unprocessable } from "./http-error.js";

/** What Express, its router and body-parser attach to the errors they raise for a bad request. */
interface FrameworkError {
  type?: string;
  status?: number;
  statusCode?: number;
  code?: string;
  limit?: number;
}

/**
 * Errors raised below the routes: the store's refusal of an unreadable record, and those that the framework raises for a malformed request (bad JSON, a corrupt body encoding, a body cut short,
 * too many form fields, malformed percent-encoding in the path) become the contract's 4xx answers. Anything else
 * is ours and stays a 500.
 */
export function fromFrameworkError(error: unknown): HttpError | undefined {
  // The store refused a record it could not read back: nothing was written, and the request can be corrected.
  if (error instanceof InvalidRecordError) return unprocessable(`The ${error.kind} could not be saved: it breaks a rule of stored records. Nothing was saved.`, error.issues);
  // A signed-in person whose role does not allow the action (another organisation's things are 404s before this).
  if (error instanceof NotAllowedError) return forbidden(error.actor, error.action);
  // The database is down or restarting: nothing was changed, and the same request will work again shortly.
  if (error instanceof StoreUnavailableError) return new HttpError(503, "store_unavailable", "The database cannot be reached at the moment; nothing was changed. Try again shortly.", [], { "Retry-After": "5" });
  // A stored record that no longer passes its schema is never served; the operator finds it with `store check`.
  if (error instanceof DamagedRecordError || error instanceof StoreCorruptError) return new HttpError(500, "record_damaged", "This record is damaged in the store and cannot be shown. The operator has been told: `npm run cli -- store check` names it.");
  if (error instanceof DuplicateEmailError) return new HttpError(409, "conflict", error.message);
  if (error instanceof URIError) return malformedRequest("The address contains malformed percent-encoding.");
  if (typeof error !== "object" || error === null) return undefined;
  const e = error as FrameworkError;
  switch (e.type) {
    case "entity.parse.failed":
      return malformedRequest("The request body could not be parsed: it is not valid JSON or form data.");
    case "entity.too.large":
      return payloadTooLarge(`${Math.round((e.limit ?? 0) / 1024)} KiB`);
    case "parameters.too.many":
      return new HttpError(413, "payload_too_large", "The form has more fields than this server accepts.");
    case "encoding.unsupported":
    case "charset.unsupported":
      return malformedRequest("The request body's encoding is not supported: send it as identity, gzip, deflate or br, in UTF-8.");
    case "request.aborted":
    case "request.size.invalid":
      return malformedRequest("The request body was cut short or its length does not match Content-Length.");
    default:
      break;
  }
  // zlib's codes: a gzip, deflate or br body that is corrupt or truncated.
  if (e.code?.startsWith("Z_") || e.code?.startsWith("ERR_BROTLI") || e.code === "ERR__ERROR_FORMAT_PADDING_1") {
    return malformedRequest("The request body could not be decoded: it does not match its Content-Encoding (corrupt or truncated).");
  }
  const status = e.status ?? e.statusCode;
  if (typeof status === "number" && status >= 400 && status < 500) return malformedRequest("The request is malformed.");
  return undefined;
}

export const notFoundHandler: RequestHandler = (_req, _res, next) => next(notFound());

/**
 * The one error handler. Known errors keep their status and code; anything else is logged and answered with a
 * plain 500 body, never a stack trace.
 */
export function errorHandler(log: (message: string, error: unknown) => void = console.error): ErrorRequestHandler {
  return (error, req, res, _next) => {
    const known = error instanceof HttpError ? error : fromFrameworkError(error);
    const httpError = known ?? new HttpError(500, "internal_error", "Something went wrong on our side. The error was logged.");
    // Ours to fix, or the operator's to know about (a damaged record, the database down): logged.
    // An outage meets every request: one line each, without a stack trace that would bury the log.
    if (error instanceof StoreUnavailableError) log(`${req.method} ${req.originalUrl} answered 503`, error.message);
    else if (!known || httpError.status === 500) log(`${req.method} ${req.originalUrl} failed`, error);
    if (res.headersSent) return res.end();
    res.status(httpError.status).set(httpError.headers);
    // Express matches routes regardless of case, so /API/... is the API too.
    const wantsPage = !req.path.toLowerCase().startsWith("/api/") && req.accepts(["json", "html"]) === "html";
    if (wantsPage) {
      res.render("error", { title: httpError.status === 404 ? "Not found" : "Something went wrong", status: httpError.status, message: httpError.message, csrfToken: res.locals.csrfToken }, (renderError, html) => {
        if (renderError) res.type("text/plain").send(httpError.message);
        else res.send(html);
      });
      return;
    }
    res.json({ error: { code: httpError.code, message: httpError.message, issues: httpError.issues } });
  };
}
