# syntax=docker/dockerfile:1
# The curriculum builder with Debian's Chromium for PDFs. Runs as a non-root user so Chromium keeps its sandbox.
FROM node:22-bookworm-slim AS build
WORKDIR /app
ENV PUPPETEER_SKIP_DOWNLOAD=true
COPY package.json package-lock.json .npmrc ./
RUN npm ci --no-fund --no-audit
COPY tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY src ./src
COPY test/bench ./test/bench
COPY test/support ./test/support
RUN npm run build && npm prune --omit=dev

FROM node:22-bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends chromium fonts-dejavu-core fonts-liberation fonts-droid-fallback tini \
 && rm -rf /var/lib/apt/lists/*
# Set ALLOWED_HOSTS to the names the container is reached by (docker run -e ALLOWED_HOSTS=training.example.org);
# without it every host name is answered. Behind a reverse proxy that terminates TLS, set TRUST_PROXY (e.g. 1).
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    CURRICULA_DIR=/data \
    PUPPETEER_EXECUTABLE_PATH=/usr/bin/chromium \
    PUPPETEER_SKIP_DOWNLOAD=true
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# PostgreSQL's migrations (DATABASE_URL): SQL, read at start-up from beside the compiled store code.
COPY src/store/postgres/migrations ./dist/src/store/postgres/migrations
COPY package.json .puppeteerrc.cjs ./
COPY content ./content
COPY templates ./templates
COPY curricula/examples ./curricula/examples
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# tini reaps Chromium's child processes and forwards SIGTERM, so the server shuts down cleanly.
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "dist/src/server.js"]
