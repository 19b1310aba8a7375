import type { RequestHandler } from "express";
import { unsupportedMediaType } from "./http-error.js";

/** Answers 415 unless the request body is declared as JSON, so a form post or text never reaches a JSON route. */
export const requireJson: RequestHandler = (req, _res, next) => {
  next(req.is("application/json") ? undefined : unsupportedMediaType("application/json"));
};
