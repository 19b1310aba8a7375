import { Router, type Request, type Response } from "express";
import type { z } from "zod";
import type { AccountService } from "../../auth/account-service.js";
import { AlreadySetUpError } from "../../store/index.js";
import { currentActor, actorOf, safeReturnPath, setSessionCookie, SESSION_COOKIE } from "../auth.js";
import { changePasswordForm, fieldErrors, newAccountForm, setUpForm, signInForm, switchOrganisationForm, tokenForm } from "../forms/account-forms.js";
import { HttpError, notFound } from "../http-error.js";

export interface AccountPagesDeps {
  accounts: AccountService;
  /** The session cookie lives as long as the longest a session may. */
  sessionMaxAgeMs: number;
  /** With single sign-on configured, the sign-in page offers it with these words. */
  ssoLabel?: string;
}

/** A form's fields back for re-display, without any password. */
function keep(body: unknown): Record<string, unknown> {
  const { password: _p, confirm: _c, current: _cur, _csrf, ...rest } = (body ?? {}) as Record<string, unknown>;
  return Object.fromEntries(Object.entries(rest).filter(([, v]) => typeof v === "string"));
}

function parse<S extends z.ZodType>(schema: S, body: unknown): { data: z.infer<S> } | { errors: Record<string, string> } {
  const result = schema.safeParse(body ?? {});
  return result.success ? { data: result.data } : { errors: fieldErrors(result.error) };
}

/** Set-up, sign-in and out, the person's own account (password, organisation, API tokens), and invitations. */
export function accountPages(deps: AccountPagesDeps): Router {
  const router = Router();
  const { accounts } = deps;

  const signInAs = async (req: Request, res: Response, secret: string, next: string) => {
    setSessionCookie(req, res, secret, deps.sessionMaxAgeMs);
    res.redirect(303, safeReturnPath(next));
  };

  // --- First run ------------------------------------------------------------------------------------------------
  const renderSetUp = (res: Response, status: number, form: Record<string, unknown> = {}, errors: Record<string, string> = {}) =>
    res.status(status).render("setup", { title: "Set up", form, errors, errorList: Object.values(errors) });

  router.get("/setup", async (_req, res) => {
    if (!(await accounts.needsSetUp())) return res.redirect(303, "/sign-in");
    renderSetUp(res, 200);
  });

  router.post("/setup", async (req, res) => {
    if (!(await accounts.needsSetUp())) return res.redirect(303, "/sign-in");
    const parsed = parse(setUpForm, req.body);
    if ("errors" in parsed) return renderSetUp(res, 400, keep(req.body), parsed.errors);
    let user;
    try {
      ({ user } = await accounts.setUp(parsed.data, { via: "web", ip: req.ip }));
    } catch (error) {
      // Someone else finished the set-up a moment earlier: their account stands, this one is not made.
      if (error instanceof AlreadySetUpError) return res.redirect(303, "/sign-in");
      throw error;
    }
    await signInAs(req, res, await accounts.startSession(user, "password"), "/");
  });

  // --- Sign in and out ------------------------------------------------------------------------------------------
  const renderSignIn = (res: Response, status: number, form: Record<string, unknown>, message?: string) =>
    res.status(status).render("sign-in", { title: "Sign in", form, message, next: safeReturnPath(form.next), sso: deps.ssoLabel });

  router.get("/sign-in", async (req, res) => {
    if (await accounts.needsSetUp()) return res.redirect(303, "/setup");
    if (actorOf(res)) return res.redirect(303, safeReturnPath(req.query.next));
    renderSignIn(res, 200, { next: typeof req.query.next === "string" ? req.query.next : "/" });
  });

  router.post("/sign-in", async (req, res) => {
    const parsed = parse(signInForm, req.body);
    if ("errors" in parsed) return renderSignIn(res, 400, keep(req.body), "Enter your email and password.");
    const outcome = await accounts.signIn(parsed.data.email, parsed.data.password, req.ip);
    if (outcome.kind === "limited") {
      const minutes = Math.ceil(outcome.retryAfterSeconds / 60);
      res.set("Retry-After", String(outcome.retryAfterSeconds));
      return renderSignIn(res, 429, keep(req.body), `Too many failed sign-ins. Wait ${minutes} minute${minutes === 1 ? "" : "s"}, then try again.`);
    }
    // The same words whether the email has no account or the password is wrong.
    if (outcome.kind === "refused") return renderSignIn(res, 401, keep(req.body), "That email and password do not match an account.");
    await signInAs(req, res, outcome.secret, parsed.data.next ?? "/");
  });

  router.post("/sign-out", async (req, res) => {
    await accounts.signOut(currentActor(res));
    res.clearCookie(SESSION_COOKIE, { path: "/" });
    res.redirect(303, "/sign-in");
  });

  // --- The person's own account ---------------------------------------------------------------------------------
  const renderAccount = async (res: Response, status: number, extra: Record<string, unknown> = {}) => {
    const actor = currentActor(res);
    const organisations = await accounts.organisationsOf(actor.user);
    const tokens = await accounts.listTokens(actor.user);
    const names = new Map(organisations.map((o) => [o.organisation.id, o.organisation.name]));
    res.status(status).render("account", {
      title: "Your account",
      user: actor.user,
      hasPassword: actor.user.passwordHash !== undefined,
      organisations: organisations.map((o) => ({ ...o, current: o.organisation.id === actor.organisation?.id })),
      tokens: tokens.map((t) => ({ ...t, organisationName: names.get(t.organisationId) ?? "(left)" })),
      errors: {},
      ...extra,
    });
  };

  router.get("/account", async (req, res) => renderAccount(res, 200, { passwordChanged: req.query.password === "changed", othersSignedOut: req.query.others === "signed-out" }));

  router.post("/account/password", async (req, res) => {
    const actor = currentActor(res);
    const parsed = parse(changePasswordForm, req.body);
    if ("errors" in parsed) return renderAccount(res, 400, { errors: parsed.errors });
    if (!(await accounts.changePassword(actor, parsed.data.current, parsed.data.password))) return renderAccount(res, 400, { errors: { current: "is not your current password" } });
    res.redirect(303, "/account?password=changed");
  });

  router.post("/account/sessions/others/sign-out", async (_req, res) => {
    await accounts.signOutElsewhere(currentActor(res));
    res.redirect(303, "/account?others=signed-out");
  });

  router.post("/account/organisation", async (req, res) => {
    const parsed = parse(switchOrganisationForm, req.body);
    if ("errors" in parsed || !(await accounts.switchOrganisation(currentActor(res), parsed.data.organisationId))) throw notFound("The organisation");
    res.redirect(303, "/");
  });

  router.post("/account/tokens", async (req, res) => {
    const actor = currentActor(res);
    const parsed = parse(tokenForm, req.body);
    if ("errors" in parsed) return renderAccount(res, 400, { errors: parsed.errors, tokenLabel: keep(req.body).label });
    if (!actor.organisation) throw new HttpError(403, "forbidden", "An API token acts in an organisation, and you have none yet. Ask an admin to add you.");
    const { token, secret } = await accounts.createToken(actor, parsed.data.label);
    // Shown once, on this answer only: the store keeps its hash.
    res.set("Cache-Control", "no-store");
    await renderAccount(res, 201, { newToken: { label: token.label, secret } });
  });

  router.post("/account/tokens/:tokenId/revoke", async (req, res) => {
    if (!(await accounts.revokeToken(currentActor(res), String(req.params.tokenId)))) throw notFound("The token");
    res.redirect(303, "/account");
  });

  // --- Invitations ----------------------------------------------------------------------------------------------
  const renderInvitation = async (res: Response, secret: string, status: number, form: Record<string, unknown> = {}, errors: Record<string, string> = {}, problem?: string) => {
    const open = await accounts.openInvitation(secret);
    if (!open) throw notFound("The invitation (it may have been used, revoked or have expired)");
    res.set("Cache-Control", "no-store");
    res.status(status).render("invitation", {
      title: `Join ${open.organisation.name}`,
      organisation: open.organisation,
      role: open.invitation.role,
      email: form.email ?? open.invitation.email,
      form,
      errors,
      problem,
      signedIn: actorOf(res)?.user,
      // The secret goes back into the form's action only; it is never logged or stored.
      action: `/invitations/${encodeURIComponent(secret)}`,
    });
  };

  router.get("/invitations/:secret", async (req, res) => renderInvitation(res, String(req.params.secret), 200));

  router.post("/invitations/:secret", async (req, res) => {
    const secret = String(req.params.secret);
    const signedIn = actorOf(res);
    if (signedIn) {
      const outcome = await accounts.acceptInvitation(secret, { actor: signedIn }, req.ip);
      if ("problem" in outcome) return renderInvitation(res, secret, 409, {}, {}, outcome.problem);
      // Work in the organisation just joined.
      const organisationId = outcome.user.memberships.at(-1)?.organisationId;
      if (organisationId) await accounts.switchOrganisation({ ...signedIn, user: outcome.user }, organisationId);
      return res.redirect(303, "/");
    }
    const parsed = parse(newAccountForm, req.body);
    if ("errors" in parsed) return renderInvitation(res, secret, 400, keep(req.body), parsed.errors);
    const outcome = await accounts.acceptInvitation(secret, parsed.data, req.ip);
    if ("problem" in outcome) return renderInvitation(res, secret, 409, keep(req.body), {}, outcome.problem);
    await signInAs(req, res, await accounts.startSession(outcome.user, "password"), "/");
  });

  return router;
}
