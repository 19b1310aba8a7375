import type { Server } from "node:http";
import { readConfig, ConfigError } from "./config.js";
import { ContentError, loadCatalog } from "./content/index.js";
import { LowdbAccountRepository, LowdbCurriculumRepository, StoreCorruptError, StoreLockedError } from "./store/index.js";
import { PdfRenderer } from "./render/pdf-renderer.js";
import { createApp } from "./web/app.js";
import { OpenIdConnectSignIn } from "./auth/oidc.js";
import { answerClientErrors } from "./web/client-error.js";

/** Starts the app: config, content, HTTP; stops cleanly on SIGTERM/SIGINT (in-flight requests finish first). */
async function main(): Promise<void> {
  const config = readConfig();
  const catalog = await loadCatalog(config.contentDir);
  const store = await LowdbCurriculumRepository.open(config.curriculaDir);
  const accounts = await LowdbAccountRepository.open(config.curriculaDir);
  const pdf = new PdfRenderer({ executablePath: config.chromiumPath, ...config.pdf });
  await pdf.start().catch((error: unknown) => {
    // The app is still useful without PDFs; the PDF routes retry the launch and say what is wrong.
    console.error(`Chromium did not start (${config.chromiumPath}): ${(error as Error).message}. Run npm run setup to install it.`);
  });
  // Made before the app listens: an issuer that is not https is a configuration error at start-up, not at first sign-in.
  const oidc = config.oidc ? new OpenIdConnectSignIn({ ...config.oidc, accounts }) : undefined;
  const app = createApp({ catalog, store, accounts, sessions: config.sessions, pdf, now: () => new Date(), hosts: config.hosts, trustProxy: config.trustProxy, oidc });
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
      Promise.all([store.close(), accounts.close(), pdf.close()]).then(
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
  if (error instanceof ContentError || error instanceof ConfigError || error instanceof StoreCorruptError || error instanceof StoreLockedError) {
    console.error(error.message);
  }
  else console.error("Start-up failed:", error);
  process.exit(1);
});
