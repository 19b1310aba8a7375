import type { Request, RequestHandler } from "express";
import { isIP } from "node:net";
import { HttpError, malformedRequest } from "./http-error.js";

/** Methods that change state; every one of them is refused when a browser says it comes from another site. */
const STATE_CHANGING = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/** The origin this request was addressed to, as a browser would write it in `Origin` (scheme, host, port). */
function ownOrigin(req: Request): string | undefined {
  try {
    return new URL(`${req.protocol}://${req.host}`).origin;
  } catch {
    return undefined;
  }
}

function crossSite(): HttpError {
  return new HttpError(403, "cross_site_request", "This request came from another site. Changes can only be made from this application's own pages.");
}

/**
 * CSRF by origin, for every state change on pages and API alike, whatever the body's type: a browser marks a
 * request from another site with `Sec-Fetch-Site` (anything but `same-origin` or `none`, which is a typed URL or a
 * bookmark) and with an `Origin` other than ours. Clients that send neither header (curl, scripts) are not
 * browsers acting for someone else, and pass; the forms' token check still applies to them.
 */
export function refuseCrossSite(): RequestHandler {
  return (req, _res, next) => {
    if (!STATE_CHANGING.has(req.method)) return next();
    const fetchSite = req.get("sec-fetch-site");
    if (fetchSite !== undefined && fetchSite !== "same-origin" && fetchSite !== "none") return next(crossSite());
    const origin = req.get("origin");
    if (origin !== undefined) {
      let sent: string | undefined;
      try {
        sent = new URL(origin).origin;
      } catch {
        sent = undefined;
      }
      // "null" (a sandboxed frame, a redirect across sites) and anything unparsable count as elsewhere.
      if (sent === undefined || sent === "null" || sent !== ownOrigin(req)) return next(crossSite());
    }
    next();
  };
}

/**
 * Which host names the app answers to. Loopback names always pass (the health check, a browser on the same
 * machine); `allowed` adds names (`training.example.org`) and domains (`.example.org`: it and its subdomains);
 * `"any"` answers to every name, for a server behind a proxy that already checks them.
 */
export type HostPolicy = { allowed: readonly string[] } | "any";

/** The host name of a Host header without its port; IPv6 literals keep no brackets. Lower case. */
export function hostName(header: string): string {
  const host = header.trim().toLowerCase();
  if (host.startsWith("[")) return host.slice(1, host.indexOf("]") === -1 ? undefined : host.indexOf("]"));
  const colon = host.lastIndexOf(":");
  return colon === -1 ? host : host.slice(0, colon);
}

export function isLoopbackName(name: string): boolean {
  if (name === "localhost" || name.endsWith(".localhost")) return true;
  if (isIP(name) === 4) return name.startsWith("127.");
  return name === "::1" || name === "0:0:0:0:0:0:0:1";
}

export function hostAllowed(name: string, policy: HostPolicy): boolean {
  if (policy === "any" || isLoopbackName(name)) return true;
  return policy.allowed.some((entry) => (entry.startsWith(".") ? name === entry.slice(1) || name.endsWith(entry) : name === entry));
}

/**
 * Refuses a request addressed to a host name this server does not answer to. A server on a loopback address
 * answers only to loopback names, so a web page whose DNS name was rebound to 127.0.0.1 cannot read or change
 * anything here; a public deployment lists its names in ALLOWED_HOSTS.
 */
export function allowedHostsOnly(policy: HostPolicy): RequestHandler {
  return (req, _res, next) => {
    if (policy === "any") return next();
    const header = req.host; // X-Forwarded-Host when TRUST_PROXY trusts the proxy that set it
    if (header !== undefined && hostAllowed(hostName(header), policy)) return next();
    next(new HttpError(400, "host_not_allowed", "This server does not answer to that host name. Its operator can add the name to ALLOWED_HOSTS."));
  };
}

/**
 * A path whose percent-encoding is malformed (`/curricula/%C0%AF`, `/api/curricula/%ZZ`) names nothing: it is a
 * 400 for every route alike, static files included, before any route tries to decode it.
 */
export const refuseMalformedPath: RequestHandler = (req, _res, next) => {
  try {
    decodeURIComponent(req.path);
  } catch {
    return next(malformedRequest("The address contains malformed percent-encoding."));
  }
  next();
};

/** HSTS only over HTTPS (directly, or through a proxy trusted with TRUST_PROXY): a plain-HTTP deployment must keep working. */
export const strictTransportSecurity: RequestHandler = (req, res, next) => {
  if (req.secure) res.set("Strict-Transport-Security", "max-age=31536000; includeSubDomains");
  next();
};
