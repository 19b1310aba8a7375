import express, { type Express } from "express";
import helmet from "helmet";
import { join } from "node:path";
import { projectRoot } from "../config.js";
import type { Catalog } from "../content/index.js";
import type { AccountRepository, CurriculumRepository } from "../store/index.js";
import { AccountService, DEFAULT_SESSION_POLICY, type SessionPolicy } from "../auth/account-service.js";
import { actorCan } from "../auth/actor.js";
import { ACTIONS } from "../auth/policy.js";
import { identify, requireSignIn, actorOf } from "./auth.js";
import { accountPages } from "./routes/account-pages.js";
import { adminPages } from "./routes/admin-pages.js";
import { shareRoutes } from "./routes/share-routes.js";
import { accountApi } from "./routes/account-api.js";
import type { OidcSignIn } from "../auth/oidc.js";
import { csrfProtection } from "./csrf.js";
import { allowedHostsOnly, refuseCrossSite, refuseMalformedPath, strictTransportSecurity, type HostPolicy } from "./request-guards.js";
import { errorHandler, notFoundHandler } from "./error-handler.js";
import { catalogRoutes } from "./routes/catalog.js";
import { curriculaRoutes } from "./routes/curricula.js";
import { libraryPages } from "./routes/library-pages.js";
import { curriculumPages } from "./routes/pages.js";
import { printRoutes, type PdfService } from "./routes/print.js";
import { PrintDocuments } from "../render/print-documents.js";
import { DocumentCache } from "../render/document-cache.js";
import { EXPORT_FORMATS } from "../exports/registry.js";
import type { ExportFormat } from "../exports/export-format.js";
import { exportRoutes } from "./routes/export-routes.js";
import { scenarioRoutes } from "./routes/scenarios.js";
import { useViewEngine } from "./view-engine.js";

/** What the app is built from; tests pass their own (an in-memory store, a fixed clock). */
export interface AppDeps {
  catalog: Catalog;
  store: CurriculumRepository;
  /** People, organisations, sessions, tokens, share links and the audit log. */
  accounts: AccountRepository;
  /** How long sessions last (idle and absolute); 8 hours idle and 7 days at most by default. */
  sessions?: SessionPolicy;
  /** Built documents and exports, kept per version (DOCUMENT_CACHE_MB; 64 MB by default). */
  documentCache?: DocumentCache;
  /** The export formats (all of them by default). */
  formats?: readonly ExportFormat[];
  /** Whether the store is reachable, for /healthz (the embedded store always is). */
  health?: () => Promise<{ store: string; up: boolean }>;
  /** Single sign-on through the organisation's OpenID provider, when configured. */
  oidc?: OidcSignIn;
  /** The clock, injected so that tests and the planner stay deterministic. */
  now?: () => Date;
  /** Makes ids for new curricula (random UUIDs by default). */
  newId?: () => string;
  log?: (message: string, error: unknown) => void;
  /** Where templates/ is (the project's own by default). */
  templatesDir?: string;
  /** The PDF renderer; without one the PDF routes answer 503. */
  pdf?: PdfService;
  /** The host names the app answers to (server.ts derives it from HOST and ALLOWED_HOSTS); every name by default. */
  hosts?: HostPolicy;
  /** Express's "trust proxy" setting (TRUST_PROXY): which proxies may say the request came over HTTPS, and for whom. */
  trustProxy?: boolean | number | string;
}

/** The body size limit for JSON and forms; larger bodies get a 413. */
export const BODY_LIMIT = "100kb";

/** Builds the Express app. It starts nothing: server.ts listens, tests use supertest. */
export function createApp(deps: AppDeps): Express {
  const templatesDir = deps.templatesDir ?? join(projectRoot(), "templates");
  const now = deps.now ?? (() => new Date());
  const sessions = deps.sessions ?? DEFAULT_SESSION_POLICY;
  const accounts = new AccountService({ accounts: deps.accounts, curricula: deps.store, now, sessions });
  const curricula = { catalog: deps.catalog, store: deps.store, now, newId: deps.newId, audit: accounts.audit, accounts: deps.accounts };
  const documents = new PrintDocuments(deps.catalog, templatesDir);
  const cache = deps.documentCache ?? new DocumentCache(64 * 1024 * 1024);
  const app = express();
  app.disable("x-powered-by");
  app.set("query parser", "simple");
  app.set("trust proxy", deps.trustProxy ?? false);
  useViewEngine(app, templatesDir);
  app.use(allowedHostsOnly(deps.hosts ?? "any"));
  app.use(refuseMalformedPath);
  app.use(
    helmet({
      contentSecurityPolicy: {
        useDefaults: true,
        directives: {
          "script-src": ["'self'"],
          "style-src": ["'self'"],
          "img-src": ["'self'", "data:"],
          "form-action": ["'self'"],
          "frame-ancestors": ["'none'"],
          // Served over plain HTTP (a hospital intranet by host name), an upgrade would load no style and post no form.
          "upgrade-insecure-requests": null,
        },
      },
      hsts: false,
      // Not helmet's "no-referrer": under it a browser sends `Origin: null` even with our own form posts, and the
      // cross-site check (which refuses a null origin) would refuse them. Other sites still learn nothing.
      referrerPolicy: { policy: "same-origin" },
    }),
  );
  app.use(strictTransportSecurity);
  app.use("/static", express.static(join(templatesDir, "static"), { maxAge: "1h", index: false }));

  app.get("/healthz", async (_req, res) => {
    const health = deps.health ? await deps.health() : undefined;
    // A load balancer takes an instance whose database is down out of rotation until it answers again.
    if (health && !health.up) return res.status(503).set("Retry-After", "5").json({ status: "unavailable", store: health.store, database: "down" });
    res.json({ status: "ok", ...(health && { store: health.store, database: health.store === "postgres" ? "up" : undefined }) });
  });
  // Before the body parsers: a cross-site request is refused whatever its body.
  app.use(refuseCrossSite());
  app.use(express.json({ limit: BODY_LIMIT }));
  app.use(express.urlencoded({ extended: false, limit: BODY_LIMIT, parameterLimit: 2000 }));
  // Who is asking, then the gate: from here on every route but the public ones has someone signed in.
  app.use(identify(accounts));
  app.use(csrfProtection());
  app.use(requireSignIn(accounts));
  app.use((_req, res, next) => {
    // What the layout shows: who is signed in, and which actions their role allows (pages hide the rest).
    const actor = actorOf(res);
    if (actor) {
      res.locals.me = { name: actor.user.name, email: actor.user.email, organisation: actor.organisation?.name, role: actor.role, multiple: actor.user.memberships.length > 1 };
      res.locals.can = Object.fromEntries(ACTIONS.map((a) => [a.replace(/\.(\w)/, (_m, c: string) => c.toUpperCase()), actorCan(actor, a)]));
    }
    next();
  });
  const ssoEnabled = deps.oidc !== undefined;
  app.use(accountPages({ accounts, sessionMaxAgeMs: sessions.absoluteHours * 3_600_000, ssoLabel: deps.oidc?.label }));
  if (deps.oidc) app.use(deps.oidc.routes(accounts, sessions.absoluteHours * 3_600_000));
  app.use(adminPages({ accounts, ssoEnabled }));
  app.use(accountApi({ accounts }));
  const formats = deps.formats ?? EXPORT_FORMATS;
  app.use(shareRoutes({ ...curricula, documents, pdf: deps.pdf, cache, formats }));
  app.use(exportRoutes({ ...curricula, documents, pdf: deps.pdf, cache, formats }));
  app.use(catalogRoutes(deps.catalog));
  app.use(scenarioRoutes(deps.catalog));
  app.use(curriculaRoutes(curricula));
  app.use(printRoutes({ catalog: deps.catalog, store: deps.store, documents, pdf: deps.pdf, audit: accounts.audit, cache }));
  app.use(curriculumPages(curricula, formats));
  app.use(libraryPages(deps.catalog));

  app.use(notFoundHandler);
  app.use(errorHandler(deps.log));
  return app;
}
