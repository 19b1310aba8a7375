import type { Server } from "node:http";
import { readConfig, ConfigError } from "./config.js";
import { ContentError, loadCatalog } from "./content/index.js";
import { isUnavailable, MigrationError, openStore, StoreCorruptError, StoreLockedError, type OpenStore } from "./store/index.js";
import { PdfRenderer } from "./render/pdf-renderer.js";
import { createApp } from "./web/app.js";
import { DocumentCache } from "./render/document-cache.js";
import { OpenIdConnectSignIn } from "./auth/oidc.js";
import { answerClientErrors } from "./web/client-error.js";

/**
 * Opens the store; a database that is not up yet (the whole stack starting together) is waited for, up to a minute,
 * rather than failing at once.
 */
async function openWithRetry(databaseUrl: string | undefined, dir: string): Promise<OpenStore & { migrations?: string[] }> {
  const giveUpAt = Date.now() + 60_000;
  for (let attempt = 1; ; attempt++) {
    try {
      // A file found damaged after start-up (validation goes on in the background) is refused and reported here.
      return await openStore({ databaseUrl, dir, onDamaged: (error) => console.error(`${error.message} Run npm run cli -- store check to list every damaged file.`) });
    } catch (error) {
      if (!databaseUrl || !isUnavailable(error) || Date.now() > giveUpAt) throw error;
      if (attempt === 1) console.error(`The database is not reachable yet (${(error as Error).message}); waiting for it.`);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
  }
}

/** Starts the app: config, content, HTTP; stops cleanly on SIGTERM/SIGINT (in-flight requests finish first). */
async function main(): Promise<void> {
  const config = readConfig();
  const catalog = await loadCatalog(config.contentDir);
  const opened = await openWithRetry(config.databaseUrl, config.curriculaDir);
  const { curricula: store, accounts } = opened;
  if (opened.kind === "postgres") console.log(`Store: PostgreSQL${opened.migrations?.length ? ` (applied migrations ${opened.migrations.join(", ")})` : " (schema up to date)"}.`);
  const pdf = new PdfRenderer({ executablePath: config.chromiumPath, ...config.pdf });
  await pdf.start().catch((error: unknown) => {
    // The app is still useful without PDFs; the PDF routes retry the launch and say what is wrong.
    console.error(`Chromium did not start (${config.chromiumPath}): ${(error as Error).message}. Run npm run setup to install it.`);
  });
  // Made before the app listens: an issuer that is not https is a configuration error at start-up, not at first sign-in.
  const oidc = config.oidc ? new OpenIdConnectSignIn({ ...config.oidc, accounts }) : undefined;
  const app = createApp({ catalog, store, accounts, documentCache: new DocumentCache(config.documentCacheBytes), health: async () => ({ store: opened.kind, up: await opened.ping() }), sessions: config.sessions, pdf, now: () => new Date(), hosts: config.hosts, trustProxy: config.trustProxy, oidc });
  if (config.hosts === "any" && !process.env.ALLOWED_HOSTS) {
    console.warn(`Listening on ${config.host} without ALLOWED_HOSTS: every host name is answered. Set ALLOWED_HOSTS to the names this server is reached by.`);
  }

  const server: Server = await new Promise((resolveListen, rejectListen) => {
    const s = app.listen(config.port, config.host, () => resolveListen(s));
    s.once("error", rejectListen);
  });
  answerClientErrors(server);
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : config.port;
  console.log(
    `Peer-support curriculum builder listening on http://${config.host}:${port} ` +
      `(${catalog.competencies.length} competencies, ${catalog.sectors.length} sectors, ${catalog.sessions.length} session templates, ${catalog.scenarios.length} scenarios)`,
  );

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal} received: finishing in-flight requests, then stopping.`);
    server.close(() => {
      Promise.all([opened.close(), pdf.close()]).then(
        () => process.exit(0),
        (error: unknown) => {
          console.error("Closing the store failed:", error);
          process.exit(1);
        },
      );
    });
    server.closeIdleConnections();
    // A client that keeps a connection open must not hold the process forever.
    setTimeout(() => process.exit(1), 10_000).unref();
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
}

main().catch((error: unknown) => {
  if (error instanceof ContentError || error instanceof ConfigError || error instanceof StoreCorruptError || error instanceof StoreLockedError || error instanceof MigrationError) {
    console.error(error.message);
  }
  else console.error("Start-up failed:", error);
  process.exit(1);
});
