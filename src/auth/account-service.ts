import { randomUUID } from "node:crypto";
import type { ApiToken, Invitation, Organisation, Role, Session, User } from "../domain/index.js";
import type { AccountRepository, CurriculumRepository } from "../store/index.js";
import type { Actor } from "./actor.js";
import { AttemptLimiter } from "./attempt-limiter.js";
import { AuditLog } from "./audit-log.js";
import { hashPassword, verifyPassword } from "./passwords.js";
import { hashSecret, isSecret, newSecret } from "./secrets.js";

export interface SessionPolicy {
  /** A session unused this long ends. */
  idleMinutes: number;
  /** A session ends this long after sign-in, however active. */
  absoluteHours: number;
}

export const DEFAULT_SESSION_POLICY: SessionPolicy = { idleMinutes: 8 * 60, absoluteHours: 7 * 24 };

/** Failed sign-ins allowed per email and per client address in SIGN_IN_WINDOW_MS before further attempts wait. */
export const SIGN_IN_LIMITS = { perAccount: 5, perAddress: 20, windowMs: 15 * 60_000 } as const;

/** Activity is written to a session at most this often (a write per request would be a write per page). */
const TOUCH_EVERY_MS = 60_000;

/** How long an invitation link stays valid. */
export const INVITATION_DAYS = 7;

export type SignInOutcome = { kind: "signed-in"; user: User; secret: string } | { kind: "refused" } | { kind: "limited"; retryAfterSeconds: number };

export interface AccountServiceDeps {
  accounts: AccountRepository;
  /** Curricula from before accounts are adopted by the organisation made at set-up. */
  curricula: CurriculumRepository;
  now: () => Date;
  sessions?: SessionPolicy;
}

/** A person's first organisation, or the one they asked for when they belong to it. */
function membershipIn(user: User, organisationId: string | undefined) {
  return user.memberships.find((m) => m.organisationId === organisationId) ?? user.memberships[0];
}

/**
 * Accounts as use cases: set-up, sign-in and out, sessions, passwords, API tokens, organisations and their members.
 * Routes and the CLI call these; each records what it did in the audit log.
 */
export class AccountService {
  readonly audit: AuditLog;
  private readonly policy: SessionPolicy;
  private readonly perAccount = new AttemptLimiter(SIGN_IN_LIMITS.perAccount, SIGN_IN_LIMITS.windowMs);
  private readonly perAddress = new AttemptLimiter(SIGN_IN_LIMITS.perAddress, SIGN_IN_LIMITS.windowMs);

  constructor(private readonly deps: AccountServiceDeps) {
    this.audit = new AuditLog(deps.accounts, deps.now);
    this.policy = deps.sessions ?? DEFAULT_SESSION_POLICY;
  }

  private get repo(): AccountRepository {
    return this.deps.accounts;
  }

  private stamp(): string {
    return this.deps.now().toISOString();
  }

  async needsSetUp(): Promise<boolean> {
    return (await this.repo.countUsers()) === 0;
  }

  /**
   * The first run: the administrator and their organisation, made together, and every curriculum kept before
   * accounts existed now belongs to that organisation. Throws AlreadySetUpError when someone else got there first.
   */
  async setUp(input: { email: string; name: string; password: string; organisationName: string }, via: { via: "web" | "cli"; ip?: string }): Promise<{ user: User; organisation: Organisation }> {
    const createdAt = this.stamp();
    const organisation: Organisation = { id: randomUUID(), name: input.organisationName, createdAt };
    const user: User = { id: randomUUID(), email: input.email, name: input.name, passwordHash: await hashPassword(input.password), memberships: [{ organisationId: organisation.id, role: "admin" }], createdAt };
    await this.repo.setUp(organisation, user);
    const adopted = await this.deps.curricula.adoptUnowned(organisation.id);
    const actor = { user, organisation, role: "admin" as const, via: via.via, ip: via.ip };
    await this.audit.record(actor, "setup", { target: { kind: "organisation", id: organisation.id, name: organisation.name }, detail: `First administrator ${user.email}` });
    if (adopted > 0) await this.audit.record(actor, "store-adopted", { detail: `${adopted} curricula from before accounts now belong to ${organisation.name}` });
    return { user, organisation };
  }

  /**
   * Checks an email and password. Refusals never say whether the email has an account, and take as long either way.
   * Each email and each client address may fail a few times in a window; then they wait (`limited`).
   */
  async signIn(email: string, password: string, ip: string | undefined): Promise<SignInOutcome> {
    const now = this.deps.now().getTime();
    const accountKey = email.trim().toLowerCase();
    const addressKey = ip ?? "unknown";
    const wait = Math.max(this.perAccount.retryAfterSeconds(accountKey, now), this.perAddress.retryAfterSeconds(addressKey, now));
    if (wait > 0) return { kind: "limited", retryAfterSeconds: wait };
    const user = await this.repo.findUserByEmail(accountKey);
    const ok = await verifyPassword(user?.passwordHash, password);
    if (!ok || !user) {
      this.perAccount.fail(accountKey, now);
      this.perAddress.fail(addressKey, now);
      await this.recordForEachOrganisation(user, "sign-in-failed", { email: accountKey, via: "web", ip }, "Wrong email or password");
      return { kind: "refused" };
    }
    this.perAccount.clear(accountKey);
    const secret = await this.startSession(user, "password");
    await this.recordForEachOrganisation(user, "sign-in", { email: user.email, via: "web", ip }, "With a password");
    return { kind: "signed-in", user, secret };
  }

  /** A sign-in belongs to every organisation of the person (each admin sees their members' sign-ins). */
  private async recordForEachOrganisation(user: User | undefined, action: "sign-in" | "sign-in-failed", who: { email: string; via: "web" | "sso"; ip?: string }, detail: string): Promise<void> {
    const organisations = user?.memberships.map((m) => m.organisationId) ?? [];
    if (organisations.length === 0) return this.audit.record(who, action, { detail, target: user && { kind: "user", id: user.id, name: user.email } });
    for (const organisationId of organisations) await this.audit.record(who, action, { organisationId, detail, target: user && { kind: "user", id: user.id, name: user.email } });
  }

  /** A new session (always a new id: a session fixed before sign-in is never carried over). Resolves with the cookie's secret. */
  async startSession(user: User, method: Session["method"]): Promise<string> {
    const secret = newSecret("session");
    const at = this.stamp();
    await this.repo.createSession({ idHash: hashSecret(secret), userId: user.id, organisationId: membershipIn(user, undefined)?.organisationId, createdAt: at, lastSeenAt: at, method });
    return secret;
  }

  /** Records an SSO sign-in (the OIDC flow has checked the person). */
  async signInWithSso(user: User, ip: string | undefined): Promise<string> {
    const secret = await this.startSession(user, "sso");
    await this.recordForEachOrganisation(user, "sign-in", { email: user.email, via: "sso", ip }, "Through single sign-on");
    return secret;
  }

  private expired(session: Session, now: number): boolean {
    return now - Date.parse(session.lastSeenAt) > this.policy.idleMinutes * 60_000 || now - Date.parse(session.createdAt) > this.policy.absoluteHours * 3_600_000;
  }

  /** The person behind a session cookie, or undefined when it is unknown, expired or predates a password change. */
  async actorFromSession(secret: string, ip: string | undefined): Promise<Actor | undefined> {
    if (!isSecret("session", secret)) return undefined;
    const session = await this.repo.getSession(hashSecret(secret));
    if (!session) return undefined;
    const now = this.deps.now().getTime();
    const user = await this.repo.getUser(session.userId);
    if (!user || this.expired(session, now) || (user.passwordChangedAt && Date.parse(user.passwordChangedAt) > Date.parse(session.createdAt))) {
      await this.repo.deleteSession(session.idHash);
      return undefined;
    }
    const membership = membershipIn(user, session.organisationId);
    if (membership?.organisationId !== session.organisationId || now - Date.parse(session.lastSeenAt) > TOUCH_EVERY_MS) {
      session.organisationId = membership?.organisationId;
      session.lastSeenAt = new Date(now).toISOString();
      await this.repo.updateSession(session);
    }
    return this.actorFor(user, membership?.organisationId, { via: "web", session, ip });
  }

  /** The person and organisation behind an API token, or undefined. */
  async actorFromToken(secret: string, ip: string | undefined): Promise<Actor | undefined> {
    if (!isSecret("token", secret)) return undefined;
    const token = await this.repo.findTokenByHash(hashSecret(secret));
    if (!token) return undefined;
    const user = await this.repo.getUser(token.userId);
    // A token acts in its own organisation only, and only while its person still belongs to it.
    if (!user || !user.memberships.some((m) => m.organisationId === token.organisationId)) return undefined;
    const now = this.deps.now();
    if (!token.lastUsedAt || now.getTime() - Date.parse(token.lastUsedAt) > TOUCH_EVERY_MS) await this.repo.touchToken(token.id, now.toISOString());
    return this.actorFor(user, token.organisationId, { via: "api", tokenId: token.id, ip });
  }

  private async actorFor(user: User, organisationId: string | undefined, how: Pick<Actor, "via" | "session" | "tokenId" | "ip">): Promise<Actor> {
    const membership = user.memberships.find((m) => m.organisationId === organisationId);
    const organisation = membership && (await this.repo.getOrganisation(membership.organisationId));
    return { user, organisation, role: organisation ? membership.role : undefined, ...how };
  }

  async signOut(actor: Actor): Promise<void> {
    if (actor.session) await this.repo.deleteSession(actor.session.idHash);
    await this.audit.record(actor, "sign-out");
  }

  /** Changes a password after checking the current one; every other session of the person ends. */
  async changePassword(actor: Actor, current: string, next: string): Promise<boolean> {
    const user = await this.repo.getUser(actor.user.id);
    if (!user || !(await verifyPassword(user.passwordHash, current))) return false;
    await this.repo.updateUser({ ...user, passwordHash: await hashPassword(next), passwordChangedAt: this.stamp() });
    await this.repo.deleteSessionsOf(user.id, actor.session?.idHash);
    if (actor.session) {
      // This session stays: move its start past the change, or the change would end it too.
      await this.repo.updateSession({ ...actor.session, createdAt: this.stamp(), lastSeenAt: this.stamp() });
    }
    await this.audit.record(actor, "password-changed");
    return true;
  }

  /** Ends every other session of the person (a lost laptop, a shared computer left signed in). */
  async signOutElsewhere(actor: Actor): Promise<void> {
    await this.repo.deleteSessionsOf(actor.user.id, actor.session?.idHash);
    await this.audit.record(actor, "sign-out", { detail: "Every other session of this account" });
  }

  /** Works in another of the person's organisations from now on. False when they do not belong to it. */
  async switchOrganisation(actor: Actor, organisationId: string): Promise<boolean> {
    if (!actor.session || !actor.user.memberships.some((m) => m.organisationId === organisationId)) return false;
    await this.repo.updateSession({ ...actor.session, organisationId, lastSeenAt: this.stamp() });
    const organisation = await this.repo.getOrganisation(organisationId);
    await this.audit.record({ ...actor, organisation }, "organisation-switched", { target: organisation && { kind: "organisation", id: organisation.id, name: organisation.name } });
    return true;
  }

  /** The organisations a person belongs to, with their role in each. */
  async organisationsOf(user: User): Promise<{ organisation: Organisation; role: Role }[]> {
    const found = [];
    for (const m of user.memberships) {
      const organisation = await this.repo.getOrganisation(m.organisationId);
      if (organisation) found.push({ organisation, role: m.role });
    }
    return found.sort((a, b) => a.organisation.name.localeCompare(b.organisation.name));
  }

  /** A new API token for the person in their current organisation. The secret is returned once and never stored. */
  async createToken(actor: Actor, label: string): Promise<{ token: ApiToken; secret: string }> {
    if (!actor.organisation) throw new Error("an API token needs an organisation to act in");
    const secret = newSecret("token");
    const token: ApiToken = { id: randomUUID(), hash: hashSecret(secret), userId: actor.user.id, organisationId: actor.organisation.id, label, createdAt: this.stamp() };
    await this.repo.createToken(token);
    await this.audit.record(actor, "token-created", { target: { kind: "token", id: token.id, name: label } });
    return { token, secret };
  }

  listTokens(user: User): Promise<ApiToken[]> {
    return this.repo.listTokens(user.id);
  }

  async revokeToken(actor: Actor, tokenId: string): Promise<boolean> {
    const token = (await this.repo.listTokens(actor.user.id)).find((t) => t.id === tokenId);
    if (!token || !(await this.repo.deleteToken(tokenId, actor.user.id))) return false;
    await this.audit.record(actor, "token-revoked", { organisationId: token.organisationId, target: { kind: "token", id: token.id, name: token.label } });
    return true;
  }

  // --- Organisations and members -------------------------------------------------------------------------------

  listMembers(organisationId: string): Promise<User[]> {
    return this.repo.listMembers(organisationId);
  }

  getOrganisation(id: string): Promise<Organisation | undefined> {
    return this.repo.getOrganisation(id);
  }

  /**
   * Gives a member another role, or removes them (role undefined). An organisation always keeps an admin: the last
   * one cannot be demoted or removed (nobody could manage it afterwards). Resolves with a problem in words, or undefined.
   */
  async setRole(actor: Actor, userId: string, role: Role | undefined): Promise<string | undefined> {
    const organisationId = actor.organisation!.id;
    const members = await this.repo.listMembers(organisationId);
    const member = members.find((m) => m.id === userId);
    if (!member) return "That person is not a member of this organisation.";
    const current = member.memberships.find((m) => m.organisationId === organisationId)!.role;
    const admins = members.filter((m) => m.memberships.some((x) => x.organisationId === organisationId && x.role === "admin"));
    if (current === "admin" && role !== "admin" && admins.length === 1) return "An organisation needs at least one admin: make someone else admin first.";
    if (current === role) return undefined;
    await this.repo.setMembership(userId, organisationId, role);
    if (!role) {
      // Sessions working in this organisation end; the person's other organisations are unaffected.
      await this.endSessionsIn(userId, organisationId);
    }
    await this.audit.record(actor, role ? "role-changed" : "member-removed", { target: { kind: "user", id: member.id, name: member.email }, detail: role ? `${current} -> ${role}` : `was ${current}` });
    return undefined;
  }

  private async endSessionsIn(userId: string, organisationId: string): Promise<void> {
    await this.repo.pruneSessions((s) => s.userId === userId && s.organisationId === organisationId);
    for (const token of await this.repo.listTokens(userId)) {
      if (token.organisationId === organisationId) await this.repo.deleteToken(token.id, userId);
    }
  }

  /** An invitation link for the admin to pass on. The secret is returned once; the store keeps its hash. */
  async invite(actor: Actor, role: Role, email: string | undefined): Promise<{ invitation: Invitation; secret: string }> {
    const secret = newSecret("invitation");
    const now = this.deps.now();
    const invitation: Invitation = {
      id: randomUUID(),
      hash: hashSecret(secret),
      organisationId: actor.organisation!.id,
      role,
      email,
      createdBy: actor.user.id,
      createdAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + INVITATION_DAYS * 86_400_000).toISOString(),
    };
    await this.repo.createInvitation(invitation);
    await this.audit.record(actor, "member-invited", { target: { kind: "invitation", id: invitation.id, name: email }, detail: `As ${role}` });
    return { invitation, secret };
  }

  listInvitations(organisationId: string): Promise<Invitation[]> {
    return this.repo.listInvitations(organisationId);
  }

  async revokeInvitation(actor: Actor, invitationId: string): Promise<boolean> {
    const invitation = (await this.repo.listInvitations(actor.organisation!.id)).find((i) => i.id === invitationId);
    if (!invitation || invitation.acceptedAt || invitation.revokedAt) return false;
    await this.repo.updateInvitation({ ...invitation, revokedAt: this.stamp() });
    await this.audit.record(actor, "invitation-revoked", { target: { kind: "invitation", id: invitation.id, name: invitation.email } });
    return true;
  }

  /** An invitation that can still be accepted, with its organisation; undefined for unknown, used, revoked or expired ones. */
  async openInvitation(secret: string): Promise<{ invitation: Invitation; organisation: Organisation } | undefined> {
    if (!isSecret("invitation", secret)) return undefined;
    const invitation = await this.repo.findInvitationByHash(hashSecret(secret));
    if (!invitation || invitation.acceptedAt || invitation.revokedAt || Date.parse(invitation.expiresAt) <= this.deps.now().getTime()) return undefined;
    const organisation = await this.repo.getOrganisation(invitation.organisationId);
    return organisation && { invitation, organisation };
  }

  /**
   * Accepts an invitation: a new account (name and password), or the signed-in person's own account joining the
   * organisation. Resolves with the account, or a problem in words (the email already has an account: sign in first).
   */
  async acceptInvitation(secret: string, who: { actor: Actor } | { email: string; name: string; password: string }, ip: string | undefined): Promise<{ user: User } | { problem: string }> {
    const open = await this.openInvitation(secret);
    if (!open) return { problem: "This invitation is not valid any more: ask your admin for a new one." };
    const { invitation, organisation } = open;
    let user: User;
    if ("actor" in who) {
      const role = who.actor.user.memberships.find((m) => m.organisationId === organisation.id)?.role;
      user = (await this.repo.setMembership(who.actor.user.id, organisation.id, role ?? invitation.role))!;
    } else {
      if (await this.repo.findUserByEmail(who.email)) return { problem: "An account with this email already exists: sign in first, then open the invitation link again." };
      user = { id: randomUUID(), email: who.email, name: who.name, passwordHash: await hashPassword(who.password), memberships: [{ organisationId: organisation.id, role: invitation.role }], createdAt: this.stamp() };
      await this.repo.createUser(user);
    }
    await this.repo.updateInvitation({ ...invitation, acceptedAt: this.stamp() });
    await this.audit.record({ user, organisation, role: invitation.role, via: "web", ip }, "invitation-accepted", { target: { kind: "user", id: user.id, name: user.email }, detail: `Joined as ${invitation.role}` });
    return { user };
  }

  async updateOrganisation(actor: Actor, changes: Partial<Pick<Organisation, "name" | "ssoRole">>): Promise<void> {
    const organisation = await this.repo.getOrganisation(actor.organisation!.id);
    if (!organisation) return;
    const updated = { ...organisation, ...changes };
    if (changes.ssoRole === undefined && "ssoRole" in changes) delete updated.ssoRole;
    await this.repo.updateOrganisation(updated);
    await this.audit.record(actor, "settings-changed", { target: { kind: "organisation", id: organisation.id, name: updated.name }, detail: `Name: ${updated.name}; single sign-on joins as: ${updated.ssoRole ?? "nobody"}` });
  }

  /**
   * The CLI's `users add`: an account (new, or an existing one by email) gets a role in an organisation found by
   * name, made when missing. On a store with no accounts this is the set-up.
   */
  async addUser(input: { email: string; name: string; organisationName: string; role: Role; password?: string }): Promise<{ user: User; organisation: Organisation; created: boolean }> {
    if (await this.needsSetUp()) {
      if (!input.password) throw new Error("a password is needed for the first account");
      if (input.role !== "admin") throw new Error("the first account must be an admin (--role admin)");
      const made = await this.setUp({ ...input, password: input.password }, { via: "cli" });
      return { ...made, created: true };
    }
    let organisation = (await this.repo.listOrganisations()).find((o) => o.name.toLowerCase() === input.organisationName.toLowerCase() || o.id === input.organisationName);
    if (!organisation) {
      organisation = { id: randomUUID(), name: input.organisationName, createdAt: this.stamp() };
      await this.repo.createOrganisation(organisation);
    }
    const existing = await this.repo.findUserByEmail(input.email);
    let user: User;
    if (existing) {
      user = (await this.repo.setMembership(existing.id, organisation.id, input.role))!;
    } else {
      if (!input.password) throw new Error("a password is needed for a new account");
      user = { id: randomUUID(), email: input.email, name: input.name, passwordHash: await hashPassword(input.password), memberships: [{ organisationId: organisation.id, role: input.role }], createdAt: this.stamp() };
      await this.repo.createUser(user);
    }
    const cli = { email: "cli", via: "cli" as const };
    await this.audit.record(cli, "member-added", { organisationId: organisation.id, target: { kind: "user", id: user.id, name: user.email }, detail: `As ${input.role}, from the command line` });
    return { user, organisation, created: !existing };
  }

  findAccount(email: string): Promise<User | undefined> {
    return this.repo.findUserByEmail(email);
  }

  /** The CLI's `users list`: one line per account and organisation, of one organisation (by name or id) or all. */
  async describeAccounts(organisationName?: string): Promise<string[]> {
    const organisations = (await this.repo.listOrganisations()).filter((o) => organisationName === undefined || o.name.toLowerCase() === organisationName.toLowerCase() || o.id === organisationName);
    if (organisationName !== undefined && organisations.length === 0) return [`No organisation is called ${organisationName}.`];
    const lines: string[] = [];
    for (const organisation of organisations) {
      lines.push(`${organisation.name} (${organisation.id})`);
      for (const member of await this.repo.listMembers(organisation.id)) {
        lines.push(`  ${member.memberships.find((m) => m.organisationId === organisation.id)!.role.padEnd(9)} ${member.email}  ${member.name}`);
      }
    }
    return lines;
  }

  /** The CLI's `tokens create`: a token for the account, in the named organisation or its first one. */
  async createTokenFor(email: string, label: string, organisationName: string | undefined): Promise<{ token: ApiToken; secret: string; organisation: Organisation }> {
    const user = await this.repo.findUserByEmail(email);
    if (!user) throw new Error(`no account has the email ${email}`);
    const organisations = await this.organisationsOf(user);
    const chosen = organisationName === undefined ? organisations[0] : organisations.find((o) => o.organisation.name.toLowerCase() === organisationName.toLowerCase() || o.organisation.id === organisationName);
    if (!chosen) throw new Error(organisationName ? `${email} is not a member of ${organisationName}` : `${email} belongs to no organisation`);
    const made = await this.createToken({ user, organisation: chosen.organisation, role: chosen.role, via: "api" }, label);
    return { ...made, organisation: chosen.organisation };
  }
}
