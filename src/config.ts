import { existsSync } from "node:fs";
import { isIP } from "node:net";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { formatPath } from "./content/content-error.js";

/** The project folder (holding package.json), found from this file whether it runs from src/ or dist/src/. */
export function projectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "package.json"))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error("cannot find the project folder (no package.json above " + fileURLToPath(import.meta.url) + ")");
    dir = parent;
  }
  return dir;
}

const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default("127.0.0.1"),
  CONTENT_DIR: z.string().min(1).optional(),
  CURRICULA_DIR: z.string().min(1).optional(),
  PUPPETEER_EXECUTABLE_PATH: z.string().min(1).default("/usr/bin/chromium"),
  PDF_CONCURRENCY: z.coerce.number().int().min(1).max(16).default(2),
  PDF_MAX_QUEUE: z.coerce.number().int().min(0).max(1000).default(16),
  PDF_TIMEOUT_MS: z.coerce.number().int().min(1000).max(300_000).default(30_000),
  ALLOWED_HOSTS: z
    .string()
    .optional()
    .transform((v) => (v ?? "").split(",").map((h) => h.trim().toLowerCase()).filter((h) => h.length > 0))
    .refine((hosts) => hosts.every((h) => h === "*" || /^\.?[a-z0-9.:[\]-]+$/.test(h)), "must list host names separated by commas (e.g. training.example.org,.example.org), or *"),
  /** PostgreSQL for everything the store keeps (several instances may share it); without it, the embedded store. */
  DATABASE_URL: z
    .string()
    .optional()
    .refine((v) => v === undefined || v === "" || /^postgres(ql)?:\/\//.test(v), "must be a postgres:// URL, e.g. postgres://app:secret@db.example.org/curricula"),
  /** Memory for built documents and exports (least recently used out); 0 turns the cache off. */
  DOCUMENT_CACHE_MB: z.coerce.number().int().min(0).max(16_384).default(64),
  SESSION_IDLE_MINUTES: z.coerce.number().int().min(5).max(7 * 24 * 60).default(8 * 60),
  SESSION_MAX_HOURS: z.coerce.number().int().min(1).max(90 * 24).default(7 * 24),
  OIDC_ISSUER: z.url({ error: "must be the provider's issuer URL (https://...)" }).optional(),
  OIDC_CLIENT_ID: z.string().min(1).optional(),
  OIDC_CLIENT_SECRET: z.string().min(1).optional(),
  /** The callback address registered with the provider; by default this server's own /auth/oidc/callback. */
  OIDC_REDIRECT_URI: z.url({ error: "must be the full callback URL registered with the provider" }).optional(),
  /** The button's words, e.g. "Sign in with NHS Mail". */
  OIDC_LABEL: z.string().min(1).max(80).optional(),
  TRUST_PROXY: z
    .string()
    .optional()
    .transform((v, ctx) => parseTrustProxy(v, ctx)),
});

/**
 * TRUST_PROXY as Express takes it: `true`/`false`, a number of proxy hops, or a comma-separated list of addresses,
 * subnets (CIDR) and the names loopback, linklocal, uniquelocal.
 */
function parseTrustProxy(value: string | undefined, ctx: z.RefinementCtx): boolean | number | string {
  const v = (value ?? "").trim();
  if (v === "" || v === "false") return false;
  if (v === "true") return true;
  if (/^\d+$/.test(v)) return Number(v);
  const entries = v.split(",").map((e) => e.trim());
  const valid = entries.every((e) => ["loopback", "linklocal", "uniquelocal"].includes(e) || isIP(e.split("/")[0] ?? "") !== 0);
  if (!valid) ctx.addIssue({ code: "custom", message: "must be true, false, a number of proxies, or addresses, subnets and loopback/linklocal/uniquelocal separated by commas" });
  return entries.join(", ");
}

/** A host to listen on that only this machine can reach. */
function isLoopbackAddress(host: string): boolean {
  return host === "localhost" || host === "::1" || (isIP(host) === 4 && host.startsWith("127."));
}

export interface Config {
  port: number;
  host: string;
  /** The content folder: content/ or an organisation's own, in the same format. */
  contentDir: string;
  /** Where the embedded store keeps its files. */
  curriculaDir: string;
  chromiumPath: string;
  pdf: { concurrency: number; maxQueue: number; timeoutMs: number };
  /**
   * The host names the app answers to: ALLOWED_HOSTS when set; otherwise only loopback names when it listens on a
   * loopback address (no DNS rebinding), and any name when it listens publicly without a list.
   */
  hosts: { allowed: string[] } | "any";
  trustProxy: boolean | number | string;
  sessions: { idleMinutes: number; absoluteHours: number };
  /** Bytes of built documents kept in memory. */
  documentCacheBytes: number;
  /** PostgreSQL's URL when DATABASE_URL is set; otherwise the embedded store in curriculaDir. */
  databaseUrl?: string;
  /** Single sign-on, when OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET are all set. */
  oidc?: { issuer: string; clientId: string; clientSecret: string; redirectUri?: string; label: string };
}

export class ConfigError extends Error {}

function hostPolicy(allowed: string[], listenHost: string): Config["hosts"] {
  if (allowed.includes("*")) return "any";
  if (allowed.length > 0 || isLoopbackAddress(listenHost)) return { allowed };
  return "any";
}

/** Reads the configuration from environment variables; relative folders are taken from the project folder. */
export function readConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const result = envSchema.superRefine((e, ctx) => {
    const set = [e.OIDC_ISSUER, e.OIDC_CLIENT_ID, e.OIDC_CLIENT_SECRET].filter((v) => v !== undefined).length;
    if (set > 0 && set < 3) ctx.addIssue({ code: "custom", path: ["OIDC_ISSUER"], message: "single sign-on needs OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET together" });
  }).safeParse(env);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${formatPath(i.path)}: ${i.message}`);
    throw new ConfigError(`Invalid environment configuration:\n${lines.join("\n")}`);
  }
  const root = projectRoot();
  const folder = (value: string | undefined, fallback: string) => (value && isAbsolute(value) ? value : resolve(root, value ?? fallback));
  return {
    port: result.data.PORT,
    host: result.data.HOST,
    contentDir: folder(result.data.CONTENT_DIR, "content"),
    curriculaDir: folder(result.data.CURRICULA_DIR, "curricula"),
    chromiumPath: result.data.PUPPETEER_EXECUTABLE_PATH,
    pdf: { concurrency: result.data.PDF_CONCURRENCY, maxQueue: result.data.PDF_MAX_QUEUE, timeoutMs: result.data.PDF_TIMEOUT_MS },
    hosts: hostPolicy(result.data.ALLOWED_HOSTS, result.data.HOST),
    trustProxy: result.data.TRUST_PROXY,
    databaseUrl: result.data.DATABASE_URL || undefined,
    documentCacheBytes: result.data.DOCUMENT_CACHE_MB * 1024 * 1024,
    sessions: { idleMinutes: result.data.SESSION_IDLE_MINUTES, absoluteHours: result.data.SESSION_MAX_HOURS },
    oidc:
      result.data.OIDC_ISSUER && result.data.OIDC_CLIENT_ID && result.data.OIDC_CLIENT_SECRET
        ? { issuer: result.data.OIDC_ISSUER, clientId: result.data.OIDC_CLIENT_ID, clientSecret: result.data.OIDC_CLIENT_SECRET, redirectUri: result.data.OIDC_REDIRECT_URI, label: result.data.OIDC_LABEL ?? "Sign in with your organisation" }
        : undefined,
  };
}
