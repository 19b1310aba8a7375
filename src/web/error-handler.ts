import type { ErrorRequestHandler, RequestHandler } from "express";
import { HttpError, malformedRequest, notFound, payloadTooLarge } from "./http-error.js";

/** Maps body-parser's errors (bad JSON, too large) onto the contract's codes. */
function fromBodyParser(error: { type?: string; limit?: number }): HttpError | undefined {
  if (error.type === "entity.parse.failed") return malformedRequest("The request body is not valid JSON.");
  if (error.type === "entity.too.large") return payloadTooLarge(`${Math.round((error.limit ?? 0) / 1024)} KiB`);
  if (error.type === "encoding.unsupported" || error.type === "charset.unsupported") return malformedRequest("The request body's encoding is not supported.");
  return undefined;
}

export const notFoundHandler: RequestHandler = (_req, _res, next) => next(notFound());

/**
 * The one error handler. Known errors keep their status and code; anything else is logged and answered with a
 * plain 500 body, never a stack trace.
 */
export function errorHandler(log: (message: string, error: unknown) => void = console.error): ErrorRequestHandler {
  return (error, req, res, _next) => {
    const known = error instanceof HttpError ? error : fromBodyParser(error as { type?: string });
    const httpError = known ?? new HttpError(500, "internal_error", "Something went wrong on our side. The error was logged.");
    if (!known) log(`${req.method} ${req.originalUrl} failed`, error);
    if (res.headersSent) return res.end();
    res.status(httpError.status).set(httpError.headers);
    const wantsPage = !req.path.startsWith("/api/") && req.accepts(["json", "html"]) === "html";
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
