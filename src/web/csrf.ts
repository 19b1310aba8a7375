import { randomBytes, timingSafeEqual } from "node:crypto";
import type { RequestHandler } from "express";
import { readCookie } from "./cookies.js";
import { HttpError } from "./http-error.js";

const COOKIE = "csrf_token";

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * CSRF protection for the HTML forms (double-submit token): every page gets a random token in a SameSite=Strict
 * cookie and in `res.locals.csrfToken` for the forms' hidden `_csrf` field; a form post whose field does not match
 * its cookie is refused with 403. JSON routes need no token: a cross-site page cannot send a JSON body without
 * a CORS preflight, which this app never grants. Nor do requests signed with an API token: a browser never adds
 * an Authorization header on its own, so another site cannot make one carry it.
 */
export function csrfProtection(): RequestHandler {
  return (req, res, next) => {
    let token = readCookie(req.headers.cookie, COOKIE);
    if (!token || !/^[0-9a-f]{64}$/.test(token)) {
      token = randomBytes(32).toString("hex");
      res.cookie(COOKIE, token, { httpOnly: true, sameSite: "strict", secure: req.secure, path: "/" });
    }
    res.locals.csrfToken = token;
    const isFormPost = req.method === "POST" && req.is("application/x-www-form-urlencoded") && res.locals.actor?.via !== "api";
    if (isFormPost) {
      const sent = (req.body as Record<string, unknown> | undefined)?._csrf;
      if (typeof sent !== "string" || !same(sent, token)) {
        return next(new HttpError(403, "csrf_failed", "The form has expired or did not come from this site. Go back, reload the page and submit it again."));
      }
    }
    next();
  };
}
