import type { Request, RequestHandler, Response } from "express";
import type { AccountService } from "../auth/account-service.js";
import { actorCan, type Actor } from "../auth/actor.js";
import { PERMISSIONS, type Action } from "../auth/policy.js";
import { readCookie } from "./cookies.js";
import { HttpError } from "./http-error.js";

/** The session cookie. */
export const SESSION_COOKIE = "sid";

/**
 * The addresses anyone may open without signing in: sign-in, set-up, invitations (they create the account), share
 * links (their secret is the credential), single sign-on's redirects, the health check and static files. Everything
 * else needs a session or an API token: a new route is private unless it is added here.
 */
const PUBLIC_PATHS = [/^\/sign-in$/, /^\/setup$/, /^\/invitations\/[^/]+$/, /^\/s\/[^/]+(\/[^/]+|\/exports\/[^/]+)?$/, /^\/auth\/oidc\/(start|callback)$/, /^\/healthz$/];

export function isPublicPath(path: string): boolean {
  return PUBLIC_PATHS.some((pattern) => pattern.test(path));
}

/** The signed-in person, or undefined. */
export function actorOf(res: Response): Actor | undefined {
  return res.locals.actor as Actor | undefined;
}

/** The signed-in person; routes behind the gate always have one. */
export function currentActor(res: Response): Actor {
  const actor = actorOf(res);
  if (!actor) throw unauthorized();
  return actor;
}

export const unauthorized = (message = "Sign in, or send an API token as `Authorization: Bearer TOKEN`.") =>
  new HttpError(401, "unauthorized", message, [], { "WWW-Authenticate": 'Bearer realm="peer-support-curriculum-builder"' });

const ROLE_NEEDED_WORDS: Record<string, string> = { trainer: "a trainer", manager: "a manager", designer: "a designer", admin: "an admin" };

export function forbidden(actor: Actor | undefined, action: Action): HttpError {
  const needed = ROLE_NEEDED_WORDS[PERMISSIONS[action]];
  const where = actor?.organisation ? ` in ${actor.organisation.name}` : "";
  const role = actor?.role ? `Your role${where} is ${actor.role}` : "You have no role in an organisation yet";
  return new HttpError(403, "forbidden", `${role}; this needs ${needed} or above. Ask an admin of your organisation.`);
}

/** Throws 403 unless the signed-in person may do this. */
export function authorize(res: Response, action: Action): Actor {
  const actor = currentActor(res);
  if (!actorCan(actor, action)) throw forbidden(actor, action);
  return actor;
}

/** A browser asking for a page (not the API, not a script): it is sent to sign in rather than given a 401. */
export function wantsPage(req: Request): boolean {
  return !req.path.toLowerCase().startsWith("/api/") && req.accepts(["json", "html"]) === "html";
}

/** Where to come back to after signing in: only a path of this site (never `//elsewhere` or a full URL). */
export function safeReturnPath(value: unknown): string {
  if (typeof value !== "string" || !value.startsWith("/") || value.startsWith("//") || value.startsWith("/\\") || value.length > 2000) return "/";
  // eslint-disable-next-line no-control-regex -- a control character in a Location header is refused
  return /[\u0000-\u001f\u007f]/.test(value) ? "/" : value;
}

/**
 * Works out who is asking: an `Authorization: Bearer` API token, else the session cookie. A token that is
 * malformed, unknown or revoked is a 401 at once (a script should learn its token is bad, not get a sign-in page);
 * a stale session cookie is simply ignored and cleared.
 */
export function identify(accounts: AccountService): RequestHandler {
  return async (req, res, next) => {
    const authorization = req.get("authorization");
    if (authorization !== undefined) {
      const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
      const actor = match ? await accounts.actorFromToken(match[1]!, req.ip) : undefined;
      if (!actor) return next(unauthorized("The API token is not valid: it is malformed, unknown or revoked."));
      res.locals.actor = actor;
      return next();
    }
    const secret = readCookie(req.headers.cookie, SESSION_COOKIE);
    if (secret) {
      const actor = await accounts.actorFromSession(secret, req.ip);
      if (actor) res.locals.actor = actor;
      else res.clearCookie(SESSION_COOKIE, { path: "/" });
    }
    next();
  };
}

/**
 * The gate in front of every route: with no accounts yet, pages lead to the set-up page; otherwise anything but the
 * public paths needs someone signed in. Browsers are sent to sign in and brought back; the API gets a 401.
 */
export function requireSignIn(accounts: AccountService): RequestHandler {
  let setUp = false;
  return async (req, res, next) => {
    if (isPublicPath(req.path)) return next();
    // Once an account exists there is always one (accounts are not deleted): stop asking the store.
    setUp ||= !(await accounts.needsSetUp());
    if (!setUp) {
      if (wantsPage(req)) return res.redirect(303, "/setup");
      return next(unauthorized("This installation has no accounts yet: open /setup in a browser, or run `npm run cli -- users add`."));
    }
    if (actorOf(res)) return next();
    if (wantsPage(req)) return res.redirect(303, `/sign-in?next=${encodeURIComponent(req.originalUrl)}`);
    next(unauthorized());
  };
}

/** Sets the session cookie: HttpOnly, SameSite=Lax (links from mail still arrive signed in), Secure over HTTPS. */
export function setSessionCookie(req: Request, res: Response, secret: string, maxAgeMs: number): void {
  res.cookie(SESSION_COOKIE, secret, { httpOnly: true, sameSite: "lax", secure: req.secure, path: "/", maxAge: maxAgeMs });
}
