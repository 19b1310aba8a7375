import type { ApiToken, AuditAction, AuditEvent, Invitation, Organisation, Role, Session, ShareLink, SignInFlow, User } from "../domain/index.js";

/** Creating an account whose email another account already has. */
export class DuplicateEmailError extends Error {
  constructor(readonly email: string) {
    super(`An account with the email ${email} already exists.`);
    this.name = "DuplicateEmailError";
  }
}

/** The first-run set-up was asked for when accounts already exist (two browsers racing on a fresh install). */
export class AlreadySetUpError extends Error {
  constructor() {
    super("This installation is already set up.");
    this.name = "AlreadySetUpError";
  }
}

/** Everything an account store keeps: for `store copy` between stores, and backups. */
export interface AccountDump {
  organisations: Organisation[];
  users: User[];
  sessions: Session[];
  tokens: ApiToken[];
  invitations: Invitation[];
  shareLinks: ShareLink[];
  /** Oldest first. */
  audit: AuditEvent[];
}

/** Per collection: how many records a load added, and how many were there already (same id, email or hash). */
export type LoadCounts = Record<keyof AccountDump, { added: number; present: number }>;

export interface AuditQuery {
  organisationId: string;
  /** Newest first; at most this many (default 200). */
  limit?: number;
  action?: AuditAction;
}

/**
 * Where accounts live: organisations, people and their memberships, sessions, API tokens, invitations, share links
 * and the audit log. Implementations: the embedded store (lowdb files, the default), an in-memory twin for tests,
 * and PostgreSQL next. Every record is validated with its domain schema before it is written and when it is read
 * from disk, and every method returns copies (changing a result changes nothing stored).
 *
 * Secrets are never stored: sessions, tokens, invitations and share links are found by the SHA-256 of their secret.
 */
export interface AccountRepository {
  /** How many accounts exist; 0 means the installation still needs its set-up. */
  countUsers(): Promise<number>;
  /** The first-run set-up, in one step: fails with AlreadySetUpError when any account exists. */
  setUp(organisation: Organisation, admin: User): Promise<void>;

  createOrganisation(organisation: Organisation): Promise<void>;
  getOrganisation(id: string): Promise<Organisation | undefined>;
  listOrganisations(): Promise<Organisation[]>;
  updateOrganisation(organisation: Organisation): Promise<void>;

  /** Throws DuplicateEmailError when the email is taken. */
  createUser(user: User): Promise<void>;
  getUser(id: string): Promise<User | undefined>;
  findUserByEmail(email: string): Promise<User | undefined>;
  /** Replaces a stored account (same id). Throws DuplicateEmailError when the new email is another account's. */
  updateUser(user: User): Promise<void>;
  /** The accounts with a membership in the organisation, by name. */
  listMembers(organisationId: string): Promise<User[]>;
  /** Sets (or, with role undefined, removes) one membership, in one step. Resolves with the account, or undefined when unknown. */
  setMembership(userId: string, organisationId: string, role: Role | undefined): Promise<User | undefined>;

  createSession(session: Session): Promise<void>;
  getSession(idHash: string): Promise<Session | undefined>;
  /** Records activity and the current organisation; unknown sessions are ignored. */
  updateSession(session: Session): Promise<void>;
  deleteSession(idHash: string): Promise<void>;
  /** Ends every session of an account (a password change, a removal); keeps `exceptIdHash` when given. */
  deleteSessionsOf(userId: string, exceptIdHash?: string): Promise<void>;
  /** Removes sessions that `isExpired` says are over; resolves with how many. */
  pruneSessions(isExpired: (session: Session) => boolean): Promise<number>;

  createToken(token: ApiToken): Promise<void>;
  findTokenByHash(hash: string): Promise<ApiToken | undefined>;
  listTokens(userId: string): Promise<ApiToken[]>;
  /** Marks the token as used now (the list shows it). */
  touchToken(id: string, at: string): Promise<void>;
  /** Resolves true when the user's token existed and is now gone. */
  deleteToken(id: string, userId: string): Promise<boolean>;

  createInvitation(invitation: Invitation): Promise<void>;
  findInvitationByHash(hash: string): Promise<Invitation | undefined>;
  listInvitations(organisationId: string): Promise<Invitation[]>;
  updateInvitation(invitation: Invitation): Promise<void>;

  createShareLink(link: ShareLink): Promise<void>;
  findShareLinkByHash(hash: string): Promise<ShareLink | undefined>;
  listShareLinks(curriculumId: string): Promise<ShareLink[]>;
  updateShareLink(link: ShareLink): Promise<void>;

  /** Keeps a single sign-on in progress under the hash of its key (old ones are dropped: anyone may start one). */
  saveSignInFlow(keyHash: string, flow: SignInFlow): Promise<void>;
  /** The flow under this key, removed in the same step (a callback is answered once); undefined when unknown or expired at `now`. */
  takeSignInFlow(keyHash: string, now: Date): Promise<SignInFlow | undefined>;

  appendAudit(event: AuditEvent): Promise<void>;
  listAudit(query: AuditQuery): Promise<AuditEvent[]>;

  /** Every record, each validated as it is read. */
  dump(): Promise<AccountDump>;
  /**
   * Adds the records this store does not have yet, each validated as it is written; a record whose id, email or
   * hash is already here is left as it is (so a second load adds nothing).
   */
  load(dump: AccountDump): Promise<LoadCounts>;

  close(): Promise<void>;
}
