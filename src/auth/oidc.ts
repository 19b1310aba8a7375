import { randomBytes } from "node:crypto";
import { Router, type Request } from "express";
import {
  allowInsecureRequests,
  authorizationCodeGrant,
  buildAuthorizationUrl,
  calculatePKCECodeChallenge,
  ClientSecretBasic,
  ClientSecretPost,
  discovery,
  fetchUserInfo,
  randomNonce,
  randomPKCECodeVerifier,
  randomState,
  type ClientAuth,
  type Configuration,
} from "openid-client";
import { ConfigError } from "../config.js";
import { emailSchema } from "../domain/index.js";
import type { AccountRepository } from "../store/index.js";
import { safeReturnPath, setSessionCookie, unauthorized } from "../web/auth.js";
import { readCookie } from "../web/cookies.js";
import { HttpError } from "../web/http-error.js";
import { isLoopbackName } from "../web/request-guards.js";
import type { AccountService } from "./account-service.js";
import { SsoAccounts } from "./sso-accounts.js";
import { hashSecret } from "./secrets.js";

/** Single sign-on through an OpenID Connect provider: the app mounts its routes (start and callback). */
export interface OidcSignIn {
  /** The sign-in button's words, e.g. "Sign in with NHS Mail". */
  readonly label: string;
  routes(accounts: AccountService, sessionMaxAgeMs: number): Router;
}

export interface OpenIdConnectOptions {
  /** The provider's issuer identifier (https://...); its discovery document is read from there. */
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** The callback registered with the provider; by default this server's own /auth/oidc/callback, as the browser reached it. */
  redirectUri?: string;
  /** The sign-in button's words. */
  label: string;
  /** Where people are found, and made on their first sign-in. */
  accounts: AccountRepository;
  now?: () => Date;
  /**
   * Accepts an http:// issuer on a loopback address (a provider run on the developer's machine). On by default:
   * traffic to loopback never leaves the machine, so no one on the network can read or change it. Any other
   * issuer must be https, whatever this says.
   */
  allowHttpIssuerOnLoopback?: boolean;
  /** Where failures of the provider (discovery, the code exchange) are reported; the person only sees a short message. */
  log?: (message: string, error: unknown) => void;
}


/** The cookie naming this browser's pending sign-in; it holds only a random key to the server's own record. */
const FLOW_COOKIE = "oidc_flow";
const FLOW_COOKIE_PATH = "/auth/oidc";
/** How long someone has at their provider (signing in, a second factor, consent) before starting again. */
export const SIGN_IN_TTL_MS = 10 * 60_000;
/** What a 503 asks the browser or script to wait before trying again when the provider cannot be reached. */
const RETRY_AFTER_SECONDS = 30;
/** Discovery gives up after this long: the person is waiting on the page. */
const DISCOVERY_TIMEOUT_SECONDS = 10;

/**
 * The client's authentication at the token endpoint: HTTP Basic, the OpenID Connect default (and what a provider
 * that lists no methods supports), or the secret in the form when the provider offers only that.
 */
function clientSecretAuth(secret: string): ClientAuth {
  const basic = ClientSecretBasic(secret);
  const post = ClientSecretPost(secret);
  return (as, client, body, headers) => {
    const methods = as.token_endpoint_auth_methods_supported;
    const chosen = methods === undefined || methods.includes("client_secret_basic") || !methods.includes("client_secret_post") ? basic : post;
    chosen(as, client, body, headers);
  };
}

/** The issuer as a URL, refused unless it is https (or http on loopback, when allowed): the provider decides who people are. */
function issuerUrl(issuer: string, allowHttpOnLoopback: boolean): { url: URL; insecure: boolean } {
  let url: URL;
  try {
    url = new URL(issuer);
  } catch {
    throw new ConfigError(`OIDC_ISSUER is not a URL: ${issuer}`);
  }
  if (url.protocol === "https:") return { url, insecure: false };
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
  if (url.protocol === "http:" && allowHttpOnLoopback && isLoopbackName(host)) return { url, insecure: true };
  throw new ConfigError(`OIDC_ISSUER must be an https:// address (http:// is accepted only for a provider on this machine, such as http://127.0.0.1:8080): ${issuer}`);
}

/** One query parameter as a single string; a repeated or missing one is undefined. */
function single(params: URLSearchParams, name: string): string | undefined {
  const values = params.getAll(name);
  return values.length === 1 ? values[0] : undefined;
}

const startAgain = "Start again from the sign-in page.";

/** The words for a provider's refusal; its own description is not shown (anyone can write one into a callback link). */
function refusal(error: string): HttpError {
  const message =
    error === "access_denied"
      ? "You cancelled the sign-in, or your provider did not let you sign in to this application. Try again, or ask your provider's administrator for access."
      : `Your provider did not sign you in (${/^[A-Za-z0-9_.-]{1,64}$/.test(error) ? error : "an unrecognised error"}). Try again; if it keeps happening, tell your administrator.`;
  return new HttpError(401, "sso_refused", message, [], unauthorized().headers);
}

/**
 * Single sign-on with OpenID Connect, for one provider: the authorization code flow with PKCE (S256), state and
 * nonce. The provider's metadata is discovered on first use (a provider that is down must not stop the app from
 * starting) and kept; a failed discovery is a 503 and is tried again by the next sign-in.
 *
 * People are matched by their email, which the provider must say it has verified: an existing account signs in as
 * it is, a new person gets an account (see SsoAccounts).
 */
export class OpenIdConnectSignIn implements OidcSignIn {
  readonly label: string;
  private readonly issuer: URL;
  private readonly insecure: boolean;
  private readonly now: () => Date;
  private readonly log: (message: string, error: unknown) => void;
  private readonly people: SsoAccounts;
  private discovered: Promise<Configuration> | undefined;

  constructor(private readonly options: OpenIdConnectOptions) {
    const { url, insecure } = issuerUrl(options.issuer, options.allowHttpIssuerOnLoopback ?? true);
    this.issuer = url;
    this.insecure = insecure;
    this.label = options.label;
    this.now = options.now ?? (() => new Date());
    this.log = options.log ?? console.error;
    this.people = new SsoAccounts(options.accounts, this.now);
  }

  /** The provider's configuration, discovered once; a failure is forgotten, so the next request tries again. */
  private configuration(): Promise<Configuration> {
    this.discovered ??= discovery(this.issuer, this.options.clientId, { client_secret: this.options.clientSecret }, clientSecretAuth(this.options.clientSecret), {
      execute: this.insecure ? [allowInsecureRequests] : [],
      timeout: DISCOVERY_TIMEOUT_SECONDS,
    }).catch((error: unknown) => {
      this.discovered = undefined;
      this.log(`OpenID Connect discovery at ${this.issuer.href} failed`, error);
      throw new HttpError(503, "sso_unavailable", "Single sign-on is unavailable: your organisation's identity provider cannot be reached. Try again in a minute.", [], { "Retry-After": String(RETRY_AFTER_SECONDS) });
    });
    return this.discovered;
  }

  /** Before set-up, a first SSO account would take the installation with no admin in it: the set-up page comes first. */
  private async refuseBeforeSetUp(accounts: AccountService): Promise<void> {
    if (await accounts.needsSetUp()) {
      throw new HttpError(409, "setup_required", "This installation is not set up yet: its first administrator must open /setup before anyone signs in through single sign-on.");
    }
  }

  private flowCookie(req: Request) {
    return { httpOnly: true, sameSite: "lax" as const, secure: req.secure, path: FLOW_COOKIE_PATH };
  }

  routes(accounts: AccountService, sessionMaxAgeMs: number): Router {
    const router = Router();

    router.get("/auth/oidc/start", async (req, res) => {
      // The redirect carries this sign-in's state: no cache may keep it.
      res.set("Cache-Control", "no-store");
      await this.refuseBeforeSetUp(accounts);
      const config = await this.configuration();
      const redirectUri = this.options.redirectUri ?? `${req.protocol}://${req.host}/auth/oidc/callback`;
      const codeVerifier = randomPKCECodeVerifier();
      const state = randomState();
      const nonce = randomNonce();
      const url = buildAuthorizationUrl(config, {
        redirect_uri: redirectUri,
        scope: "openid email profile",
        code_challenge: await calculatePKCECodeChallenge(codeVerifier),
        code_challenge_method: "S256",
        state,
        nonce,
      });
      const expiresAt = new Date(this.now().getTime() + SIGN_IN_TTL_MS).toISOString();
      // The browser holds only a random key; the flow itself is kept in the store under the key's hash, so the
      // callback may reach any instance, and a copy of the store cannot finish anyone's sign-in.
      const key = randomBytes(32).toString("base64url");
      await this.options.accounts.saveSignInFlow(hashSecret(key), { state, nonce, codeVerifier, redirectUri, next: safeReturnPath(req.query.next), expiresAt });
      // SameSite=Lax, not Strict: the provider sends the browser back with a top-level GET from its own site.
      res.cookie(FLOW_COOKIE, key, { ...this.flowCookie(req), maxAge: SIGN_IN_TTL_MS });
      res.redirect(303, url.href);
    });

    router.get("/auth/oidc/callback", async (req, res) => {
      res.set("Cache-Control", "no-store");
      const key = readCookie(req.headers.cookie, FLOW_COOKIE);
      res.clearCookie(FLOW_COOKIE, this.flowCookie(req));
      const flow = key && /^[A-Za-z0-9_-]{43}$/.test(key) ? await this.options.accounts.takeSignInFlow(hashSecret(key), this.now()) : undefined;
      if (!flow) {
        throw new HttpError(400, "sso_state_mismatch", `This sign-in was not started in this browser, or took longer than ${SIGN_IN_TTL_MS / 60_000} minutes. ${startAgain}`);
      }
      const params = new URL(req.originalUrl, "http://callback.invalid").searchParams;
      // Checked here, before the provider's answer is read, so a forged or replayed callback (login CSRF) is a plain 400.
      if (single(params, "state") !== flow.state) {
        throw new HttpError(400, "sso_state_mismatch", `The answer from your provider does not belong to the sign-in this browser started (its state is missing or different). ${startAgain}`);
      }
      const providerError = single(params, "error");
      if (providerError !== undefined) throw refusal(providerError);
      if (single(params, "code") === undefined) throw new HttpError(400, "malformed_request", `The answer from your provider has no authorization code. ${startAgain}`);
      await this.refuseBeforeSetUp(accounts);
      const config = await this.configuration();

      let claims: Record<string, unknown>;
      try {
        // The redirect_uri sent to the token endpoint must be the one the flow started with: rebuilt from it, not from this request.
        const currentUrl = new URL(flow.redirectUri);
        currentUrl.search = params.toString();
        const tokens = await authorizationCodeGrant(config, currentUrl, { pkceCodeVerifier: flow.codeVerifier, expectedState: flow.state, expectedNonce: flow.nonce });
        const idToken = tokens.claims();
        if (!idToken) throw new Error("the token response has no ID token");
        claims = { ...idToken };
        if (claims.email === undefined && tokens.access_token) {
          // Providers may keep the scopes' claims out of the ID token when they also issue an access token (OpenID
          // Connect Core 5.4): they are then at the UserInfo endpoint, for the same subject.
          const info = await fetchUserInfo(config, tokens.access_token, idToken.sub);
          claims = { ...claims, email: info.email, email_verified: info.email_verified, name: claims.name ?? info.name };
        }
      } catch (error) {
        this.log("Single sign-on failed: the provider's answer could not be exchanged for a verified ID token", error);
        throw new HttpError(401, "sso_failed", `Single sign-on failed: your provider's answer could not be checked. ${startAgain}`, [], unauthorized().headers);
      }

      const email = emailSchema.safeParse(claims.email);
      if (claims.email_verified !== true || !email.success) {
        throw new HttpError(403, "sso_email_unverified", "Single sign-on refused: your provider did not confirm your email address, so this application cannot tell which account is yours. Ask your provider's administrator to verify it.");
      }
      const { user } = await this.people.findOrCreateSsoUser(email.data, claims.name, req.ip);
      const secret = await accounts.signInWithSso(user, req.ip);
      setSessionCookie(req, res, secret, sessionMaxAgeMs);
      res.redirect(303, flow.next);
    });

    return router;
  }
}
