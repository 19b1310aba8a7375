import type { z } from "zod";
import { formatPath } from "../content/content-error.js";

/** One field-level problem in an error body: where (a JSON path into the request) and which rule it broke. */
export interface FieldIssue {
  path: string;
  message: string;
}

/**
 * An error with a stable code and HTTP status; the error handler turns it into the contract's body
 * `{ error: { code, message, issues } }`. Create them with the factories below.
 */
export class HttpError extends Error {
  /** At most MAX_ISSUES field issues, then one that counts the rest: an error body stays small whatever was sent. */
  readonly issues: readonly FieldIssue[];

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    issues: readonly FieldIssue[] = [],
    /** Extra response headers, e.g. Retry-After on 503. */
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = "HttpError";
    this.issues = boundIssues(issues);
  }
}

/** How many field issues an error body lists before it only counts the rest. */
export const MAX_ISSUES = 50;

function boundIssues(issues: readonly FieldIssue[]): readonly FieldIssue[] {
  if (issues.length <= MAX_ISSUES) return issues;
  const rest = issues.length - MAX_ISSUES;
  return [...issues.slice(0, MAX_ISSUES), { path: "(more)", message: `${rest} more ${rest === 1 ? "issue was" : "issues were"} found; fix the ones above and send the request again to see them.` }];
}

export function issuesFromZod(error: z.ZodError, prefix: readonly PropertyKey[] = []): FieldIssue[] {
  return error.issues.map((issue) => ({ path: formatPath([...prefix, ...issue.path]) || "(body)", message: issue.message }));
}

export const validationFailed = (issues: readonly FieldIssue[], message = "The request is not valid.") =>
  new HttpError(400, "validation_failed", message, issues);
export const malformedRequest = (message: string) => new HttpError(400, "malformed_request", message);
export const notFound = (what = "The page or resource") => new HttpError(404, "not_found", `${what} was not found.`);
export const conflict = (message: string) => new HttpError(409, "conflict", message);
export const payloadTooLarge = (limit: string) => new HttpError(413, "payload_too_large", `The request body is larger than ${limit}.`);
export const unsupportedMediaType = (expected: string) =>
  new HttpError(415, "unsupported_media_type", `The request body must be sent as ${expected}.`);
export const unprocessable = (message: string, issues: readonly FieldIssue[] = []) => new HttpError(422, "unprocessable", message, issues);
export const busy = (message: string, retryAfterSeconds: number) =>
  new HttpError(503, "busy", message, [], { "Retry-After": String(retryAfterSeconds) });
