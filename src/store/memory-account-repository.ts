import type { z } from "zod";
import {
  apiTokenSchema,
  auditEventSchema,
  invitationSchema,
  organisationSchema,
  sessionSchema,
  shareLinkSchema,
  signInFlowSchema,
  userSchema,
  type ApiToken,
  type AuditEvent,
  type Invitation,
  type Organisation,
  type Role,
  type Session,
  type ShareLink,
  type SignInFlow,
  type User,
} from "../domain/index.js";
import { formatPath } from "../content/content-error.js";
import { AlreadySetUpError, DuplicateEmailError, type AccountDump, type AccountRepository, type AuditQuery, type LoadCounts } from "./account-repository.js";
import { KeyLock } from "./key-lock.js";
import { InvalidRecordError, type RecordIssue } from "./store-errors.js";

/** The account records, by collection: what the embedded store keeps in its files. */
export interface AccountData {
  organisations: Organisation[];
  users: User[];
  tokens: ApiToken[];
  invitations: Invitation[];
  shareLinks: ShareLink[];
  sessions: Session[];
}

export type Collection = keyof AccountData;

export function emptyAccountData(): AccountData {
  return { organisations: [], users: [], tokens: [], invitations: [], shareLinks: [], sessions: [] };
}

/** The schema of each collection's records: checked on every write, and by the embedded store on every read from disk. */
export const RECORD_SCHEMAS: { [K in Collection]: z.ZodType<AccountData[K][number]> } = {
  organisations: organisationSchema,
  users: userSchema,
  tokens: apiTokenSchema,
  invitations: invitationSchema,
  shareLinks: shareLinkSchema,
  sessions: sessionSchema,
};

/** A record as its schema outputs it, or InvalidRecordError naming what is wrong: nothing invalid is ever kept. */
export function storable<K extends Collection>(collection: K, record: AccountData[K][number]): AccountData[K][number] {
  const parsed = RECORD_SCHEMAS[collection].safeParse(record);
  if (!parsed.success) throw new InvalidRecordError(parsed.error.issues.map((i) => ({ path: formatPath(i.path), message: i.message })), "account record");
  return parsed.data;
}

/**
 * The fields that must be unique within each collection: ids, the emails people sign in with, and the hashes
 * secrets are found by (two records with one hash would make a lookup pick one of them at random).
 */
const UNIQUE_FIELDS: { [K in Collection]: readonly (keyof AccountData[K][number] & string)[] } = {
  organisations: ["id"],
  users: ["id", "email"],
  tokens: ["id", "hash"],
  invitations: ["id", "hash"],
  shareLinks: ["id", "hash"],
  sessions: ["idHash"],
};

/** A collection as its schemas output it, or the first issue: a record its schema refuses, or one repeating another's unique field. */
export function collectionIssue<K extends Collection>(collection: K, records: readonly unknown[]): { issue: RecordIssue; parsed?: never } | { issue?: never; parsed: AccountData[K] } {
  const parsed: AccountData[K][number][] = [];
  for (const [i, record] of records.entries()) {
    const result = RECORD_SCHEMAS[collection].safeParse(record);
    if (!result.success) {
      const first = result.error.issues[0]!;
      return { issue: { path: formatPath([collection, i, ...first.path]), message: first.message } };
    }
    parsed.push(result.data);
  }
  for (const field of UNIQUE_FIELDS[collection]) {
    // Compared on the schema's output, so two emails differing only in case count as the same.
    const seen = new Map<unknown, number>();
    for (const [i, record] of parsed.entries()) {
      const value = (record as Record<string, unknown>)[field];
      const earlier = seen.get(value);
      if (earlier !== undefined) return { issue: { path: `${collection}[${i}].${field}`, message: `repeats ${collection}[${earlier}].${field}` } };
      seen.set(value, i);
    }
  }
  return { parsed: parsed as AccountData[K] };
}

const copy = <T>(value: T): T => structuredClone(value);

/**
 * The accounts in memory: the in-memory twin used by tests, and the core of the embedded store, which keeps the
 * same data in files (see LowdbAccountRepository: it overrides `persist` and `persistAudit`).
 *
 * Every change runs under one lock and is copy-on-write: the changed collection is built anew, persisted, and only
 * then takes the old one's place, so a failed write leaves memory as it was on disk.
 */
export class MemoryAccountRepository implements AccountRepository {
  protected data: AccountData = emptyAccountData();
  protected audit: AuditEvent[] = [];
  private readonly lock = new KeyLock();
  protected closed = false;

  /** Writes the given collections' new contents; the in-memory twin keeps nothing elsewhere. */
  protected async persist(_changes: Partial<AccountData>): Promise<void> {}

  /** Appends one audit event to durable storage. */
  protected async persistAudit(_event: AuditEvent): Promise<void> {}

  /** Runs a change of some collections: `apply` gets fresh copies to change, and returns a result. */
  protected change<K extends Collection, R>(collections: readonly K[], apply: (draft: Pick<AccountData, K>) => R): Promise<R> {
    return this.lock.run("accounts", async () => {
      if (this.closed) throw new Error("the account store is closed");
      const draft = {} as Pick<AccountData, K>;
      for (const c of collections) draft[c] = copy(this.data[c]);
      const result = apply(draft);
      // Every changed collection is checked whole, as start-up checks the files: each record against its schema
      // (a caller may set fields the schemas never saw, e.g. a token's lastUsedAt) and the unique fields.
      const issues: RecordIssue[] = [];
      for (const c of collections) {
        const checked = collectionIssue(c, draft[c]);
        if (checked.issue) issues.push(checked.issue);
      }
      if (issues.length > 0) throw new InvalidRecordError(issues, "account record");
      await this.persist(draft as Partial<AccountData>);
      Object.assign(this.data, draft);
      return result;
    });
  }

  async countUsers(): Promise<number> {
    return this.data.users.length;
  }

  async setUp(organisation: Organisation, admin: User): Promise<void> {
    const org = storable("organisations", organisation);
    const user = storable("users", admin);
    await this.change(["organisations", "users"], (d) => {
      if (d.users.length > 0) throw new AlreadySetUpError();
      d.organisations.push(org);
      d.users.push(user);
    });
  }

  async createOrganisation(organisation: Organisation): Promise<void> {
    const org = storable("organisations", organisation);
    await this.change(["organisations"], (d) => {
      if (d.organisations.some((o) => o.id === org.id)) throw new Error(`Organisation ${org.id} already exists`);
      d.organisations.push(org);
    });
  }

  async getOrganisation(id: string): Promise<Organisation | undefined> {
    const found = this.data.organisations.find((o) => o.id === id);
    return found && copy(found);
  }

  async listOrganisations(): Promise<Organisation[]> {
    return copy(this.data.organisations).sort((a, b) => a.name.localeCompare(b.name));
  }

  async updateOrganisation(organisation: Organisation): Promise<void> {
    const org = storable("organisations", organisation);
    await this.change(["organisations"], (d) => {
      const i = d.organisations.findIndex((o) => o.id === org.id);
      if (i !== -1) d.organisations[i] = org;
    });
  }

  async createUser(user: User): Promise<void> {
    const record = storable("users", user);
    await this.change(["users"], (d) => {
      if (d.users.some((u) => u.email === record.email)) throw new DuplicateEmailError(record.email);
      if (d.users.some((u) => u.id === record.id)) throw new Error(`Account ${record.id} already exists`);
      d.users.push(record);
    });
  }

  async getUser(id: string): Promise<User | undefined> {
    const found = this.data.users.find((u) => u.id === id);
    return found && copy(found);
  }

  async findUserByEmail(email: string): Promise<User | undefined> {
    const wanted = email.trim().toLowerCase();
    const found = this.data.users.find((u) => u.email === wanted);
    return found && copy(found);
  }

  async updateUser(user: User): Promise<void> {
    const record = storable("users", user);
    await this.change(["users"], (d) => {
      if (d.users.some((u) => u.email === record.email && u.id !== record.id)) throw new DuplicateEmailError(record.email);
      const i = d.users.findIndex((u) => u.id === record.id);
      if (i !== -1) d.users[i] = record;
    });
  }

  async listMembers(organisationId: string): Promise<User[]> {
    return copy(this.data.users.filter((u) => u.memberships.some((m) => m.organisationId === organisationId))).sort((a, b) => a.name.localeCompare(b.name) || a.email.localeCompare(b.email));
  }

  async setMembership(userId: string, organisationId: string, role: Role | undefined): Promise<User | undefined> {
    return this.change(["users"], (d) => {
      const i = d.users.findIndex((u) => u.id === userId);
      if (i === -1) return undefined;
      const user = d.users[i]!;
      const others = user.memberships.filter((m) => m.organisationId !== organisationId);
      const updated = storable("users", { ...user, memberships: role ? [...others, { organisationId, role }] : others });
      d.users[i] = updated;
      return copy(updated);
    });
  }

  async createSession(session: Session): Promise<void> {
    const record = storable("sessions", session);
    await this.change(["sessions"], (d) => {
      d.sessions.push(record);
    });
  }

  async getSession(idHash: string): Promise<Session | undefined> {
    const found = this.data.sessions.find((s) => s.idHash === idHash);
    return found && copy(found);
  }

  async updateSession(session: Session): Promise<void> {
    const record = storable("sessions", session);
    await this.change(["sessions"], (d) => {
      const i = d.sessions.findIndex((s) => s.idHash === record.idHash);
      if (i !== -1) d.sessions[i] = record;
    });
  }

  async deleteSession(idHash: string): Promise<void> {
    await this.change(["sessions"], (d) => {
      d.sessions = d.sessions.filter((s) => s.idHash !== idHash);
    });
  }

  async deleteSessionsOf(userId: string, exceptIdHash?: string): Promise<void> {
    await this.change(["sessions"], (d) => {
      d.sessions = d.sessions.filter((s) => s.userId !== userId || s.idHash === exceptIdHash);
    });
  }

  async pruneSessions(isExpired: (session: Session) => boolean): Promise<number> {
    if (!this.data.sessions.some(isExpired)) return 0;
    return this.change(["sessions"], (d) => {
      const before = d.sessions.length;
      d.sessions = d.sessions.filter((s) => !isExpired(s));
      return before - d.sessions.length;
    });
  }

  async createToken(token: ApiToken): Promise<void> {
    const record = storable("tokens", token);
    await this.change(["tokens"], (d) => {
      d.tokens.push(record);
    });
  }

  async findTokenByHash(hash: string): Promise<ApiToken | undefined> {
    const found = this.data.tokens.find((t) => t.hash === hash);
    return found && copy(found);
  }

  async listTokens(userId: string): Promise<ApiToken[]> {
    return copy(this.data.tokens.filter((t) => t.userId === userId)).sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }

  async touchToken(id: string, at: string): Promise<void> {
    await this.change(["tokens"], (d) => {
      const token = d.tokens.find((t) => t.id === id);
      if (token) token.lastUsedAt = at;
    });
  }

  async deleteToken(id: string, userId: string): Promise<boolean> {
    return this.change(["tokens"], (d) => {
      const before = d.tokens.length;
      d.tokens = d.tokens.filter((t) => !(t.id === id && t.userId === userId));
      return d.tokens.length < before;
    });
  }

  async createInvitation(invitation: Invitation): Promise<void> {
    const record = storable("invitations", invitation);
    await this.change(["invitations"], (d) => {
      d.invitations.push(record);
    });
  }

  async findInvitationByHash(hash: string): Promise<Invitation | undefined> {
    const found = this.data.invitations.find((i) => i.hash === hash);
    return found && copy(found);
  }

  async listInvitations(organisationId: string): Promise<Invitation[]> {
    return copy(this.data.invitations.filter((i) => i.organisationId === organisationId)).sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }

  async updateInvitation(invitation: Invitation): Promise<void> {
    const record = storable("invitations", invitation);
    await this.change(["invitations"], (d) => {
      const i = d.invitations.findIndex((x) => x.id === record.id);
      if (i !== -1) d.invitations[i] = record;
    });
  }

  async createShareLink(link: ShareLink): Promise<void> {
    const record = storable("shareLinks", link);
    await this.change(["shareLinks"], (d) => {
      d.shareLinks.push(record);
    });
  }

  async findShareLinkByHash(hash: string): Promise<ShareLink | undefined> {
    const found = this.data.shareLinks.find((l) => l.hash === hash);
    return found && copy(found);
  }

  async listShareLinks(curriculumId: string): Promise<ShareLink[]> {
    return copy(this.data.shareLinks.filter((l) => l.curriculumId === curriculumId)).sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }

  async updateShareLink(link: ShareLink): Promise<void> {
    const record = storable("shareLinks", link);
    await this.change(["shareLinks"], (d) => {
      const i = d.shareLinks.findIndex((x) => x.id === record.id);
      if (i !== -1) d.shareLinks[i] = record;
    });
  }

  /**
   * Sign-in flows live in memory in both the twin and the embedded store: one process serves them, and a restart
   * only means starting the sign-in again. Bounded: the oldest give way when a flood of starts fills it.
   */
  private readonly flows = new Map<string, SignInFlow>();
  static readonly MAX_SIGN_IN_FLOWS = 10_000;

  async saveSignInFlow(keyHash: string, flow: SignInFlow): Promise<void> {
    const record = signInFlowSchema.parse(flow);
    const now = Date.now();
    for (const [key, f] of this.flows) {
      if (Date.parse(f.expiresAt) > now && this.flows.size < MemoryAccountRepository.MAX_SIGN_IN_FLOWS) break;
      this.flows.delete(key);
    }
    this.flows.set(keyHash, record);
  }

  async takeSignInFlow(keyHash: string, now: Date): Promise<SignInFlow | undefined> {
    const flow = this.flows.get(keyHash);
    this.flows.delete(keyHash);
    return flow && Date.parse(flow.expiresAt) > now.getTime() ? copy(flow) : undefined;
  }

  async appendAudit(event: AuditEvent): Promise<void> {
    const parsed = auditEventSchema.safeParse(event);
    if (!parsed.success) throw new InvalidRecordError(parsed.error.issues.map((i) => ({ path: formatPath(i.path), message: i.message })), "audit event");
    await this.lock.run("audit", async () => {
      if (this.closed) throw new Error("the account store is closed");
      await this.persistAudit(parsed.data);
      this.audit.push(parsed.data);
    });
  }

  async listAudit(query: AuditQuery): Promise<AuditEvent[]> {
    const limit = query.limit ?? 200;
    const found: AuditEvent[] = [];
    for (let i = this.audit.length - 1; i >= 0 && found.length < limit; i--) {
      const e = this.audit[i]!;
      if (e.organisationId === query.organisationId && (!query.action || e.action === query.action)) found.push(e);
    }
    return copy(found);
  }

  async dump(): Promise<AccountDump> {
    return copy({ ...this.data, audit: this.audit });
  }

  async load(dump: AccountDump): Promise<LoadCounts> {
    const counts = {} as LoadCounts;
    const collections = Object.keys(RECORD_SCHEMAS) as Collection[];
    await this.change(collections, (draft) => {
      for (const collection of collections) {
        const existing = draft[collection] as Record<string, unknown>[];
        let added = 0;
        for (const incoming of dump[collection] as AccountData[typeof collection]) {
          const record = storable(collection, incoming) as Record<string, unknown>;
          const clash = UNIQUE_FIELDS[collection].some((field) => existing.some((e) => e[field] === record[field]));
          if (clash) continue;
          existing.push(record);
          added++;
        }
        counts[collection] = { added, present: dump[collection].length - added };
      }
    });
    const known = new Set(this.audit.map((e) => e.id));
    let added = 0;
    for (const event of dump.audit) {
      if (known.has(event.id)) continue;
      await this.appendAudit(event);
      known.add(event.id);
      added++;
    }
    counts.audit = { added, present: dump.audit.length - added };
    return counts;
  }

  async close(): Promise<void> {
    await this.lock.idle();
    this.closed = true;
  }
}
