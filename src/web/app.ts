import express, { type Express } from "express";
import helmet from "helmet";
import type { Catalog } from "../content/index.js";
import { errorHandler, notFoundHandler } from "./error-handler.js";
import { catalogRoutes } from "./routes/catalog.js";
import { curriculaRoutes } from "./routes/curricula.js";
import { scenarioRoutes } from "./routes/scenarios.js";
import type { CurriculumRepository } from "../store/index.js";

/** What the app is built from; tests pass their own (an in-memory store, a fixed clock). */
export interface AppDeps {
  catalog: Catalog;
  store: CurriculumRepository;
  /** Makes ids for new curricula (random UUIDs by default). */
  newId?: () => string;
  /** The clock, injected so that tests and the planner stay deterministic. */
  now?: () => Date;
  log?: (message: string, error: unknown) => void;
}

/** Builds the Express app. It starts nothing: server.ts listens, tests use supertest. */
export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable("x-powered-by");
  app.set("query parser", "simple");
  app.use(helmet());

  app.get("/healthz", (_req, res) => {
    res.json({ status: "ok" });
  });
  app.use(express.json({ limit: "100kb" }));
  app.use(catalogRoutes(deps.catalog));
  app.use(scenarioRoutes(deps.catalog));
  app.use(curriculaRoutes({ catalog: deps.catalog, store: deps.store, now: deps.now ?? (() => new Date()), newId: deps.newId }));

  app.use(notFoundHandler);
  app.use(errorHandler(deps.log));
  return app;
}
