import type { RequestHandler } from "express";
import type { z } from "zod";
import { issuesFromZod, validationFailed } from "./http-error.js";

type Part = "body" | "query" | "params";

/**
 * Parses one part of the request with a zod schema and stores the result in `res.locals.input[part]`, so a
 * route only ever sees parsed input. A failure becomes a 400 naming each field and rule.
 */
export function validate<S extends z.ZodType>(part: Part, schema: S): RequestHandler {
  return (req, res, next) => {
    const result = schema.safeParse(req[part]);
    if (!result.success) return next(validationFailed(issuesFromZod(result.error), `The request ${part === "body" ? "body" : part} is not valid.`));
    res.locals.input = { ...(res.locals.input as object | undefined), [part]: result.data };
    next();
  };
}

/** The parsed input a `validate` middleware stored. */
export function parsedInput<T>(locals: Record<string, unknown>, part: Part): T {
  return (locals.input as Record<Part, T>)[part];
}
