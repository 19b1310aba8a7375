import type { z } from "zod";
import {
  auditEventSchema,
  signInFlowSchema,
  type ApiToken,
  type AuditEvent,
  type Invitation,
  type Organisation,
  type Role,
  type Session,
  type ShareLink,
  type SignInFlow,
  type User,
} from "../../domain/index.js";
import { formatPath } from "../../content/content-error.js";
import { AlreadySetUpError, DuplicateEmailError, type AccountDump, type AccountRepository, type AuditQuery, type LoadCounts } from "../account-repository.js";
import { RECORD_SCHEMAS, storable, type AccountData, type Collection } from "../memory-account-repository.js";
import { DamagedRecordError, InvalidRecordError } from "../store-errors.js";
import type { Database } from "./database.js";

/** A row's body through its schema, as every record read from any store; a damaged one is never served. */
function read<T>(table: string, schema: z.ZodType<T>, body: unknown): T {
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const id = (body as { id?: string; idHash?: string } | null)?.id ?? (body as { idHash?: string } | null)?.idHash ?? "?";
    throw new DamagedRecordError(`${table}/${id}`, `${formatPath(issue.path) || "(record)"}: ${issue.message}`);
  }
  return parsed.data;
}

const json = (value: unknown) => JSON.stringify(value);

/** The unique constraint a failed insert or update broke, if any. */
function uniqueViolation(error: unknown): string | undefined {
  const e = error as { code?: string; constraint?: string };
  return e?.code === "23505" ? (e.constraint ?? "") : undefined;
}

/** The set-up's lock: two browsers submitting the set-up page at once take turns, and the second finds an account. */
const SETUP_LOCK = 727_274_002;

/**
 * Accounts in PostgreSQL, for several instances on one database. Each record is kept whole (jsonb) and validated
 * with the domain schemas on the way in (the same `storable` as the embedded store) and out; uniqueness (emails, the
 * hashes secrets are found by) is the database's own constraints, so it holds across instances; read-modify-write
 * steps (set-up, memberships) run in transactions.
 */
export class PostgresAccountRepository implements AccountRepository {
  constructor(private readonly db: Database) {}

  private async all<K extends Collection>(collection: K, sql: string, params: unknown[] = []): Promise<AccountData[K]> {
    const { rows } = await this.db.query<{ body: unknown }>(sql, params);
    return rows.map((r) => read(collection, RECORD_SCHEMAS[collection], r.body)) as AccountData[K];
  }

  private async one<K extends Collection>(collection: K, sql: string, params: unknown[]): Promise<AccountData[K][number] | undefined> {
    return (await this.all(collection, sql, params))[0];
  }

  async countUsers(): Promise<number> {
    const { rows } = await this.db.query<{ n: string }>("SELECT count(*) AS n FROM users");
    return Number(rows[0]!.n);
  }

  async setUp(organisation: Organisation, admin: User): Promise<void> {
    const org = storable("organisations", organisation);
    const user = storable("users", admin);
    await this.db.transaction(async (client) => {
      await client.query("SELECT pg_advisory_xact_lock($1)", [SETUP_LOCK]);
      const { rows } = await client.query<{ n: string }>("SELECT count(*) AS n FROM users");
      if (Number(rows[0]!.n) > 0) throw new AlreadySetUpError();
      await client.query("INSERT INTO organisations (id, body) VALUES ($1, $2)", [org.id, json(org)]);
      await client.query("INSERT INTO users (id, email, body) VALUES ($1, $2, $3)", [user.id, user.email, json(user)]);
    });
  }

  async createOrganisation(organisation: Organisation): Promise<void> {
    const org = storable("organisations", organisation);
    const done = await this.db.query("INSERT INTO organisations (id, body) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING", [org.id, json(org)]);
    if (done.rowCount === 0) throw new Error(`Organisation ${org.id} already exists`);
  }

  getOrganisation(id: string): Promise<Organisation | undefined> {
    return this.one("organisations", "SELECT body FROM organisations WHERE id = $1", [id]);
  }

  async listOrganisations(): Promise<Organisation[]> {
    return (await this.all("organisations", "SELECT body FROM organisations")).sort((a, b) => a.name.localeCompare(b.name));
  }

  async updateOrganisation(organisation: Organisation): Promise<void> {
    const org = storable("organisations", organisation);
    await this.db.query("UPDATE organisations SET body = $2 WHERE id = $1", [org.id, json(org)]);
  }

  async createUser(user: User): Promise<void> {
    const record = storable("users", user);
    try {
      await this.db.query("INSERT INTO users (id, email, body) VALUES ($1, $2, $3)", [record.id, record.email, json(record)]);
    } catch (error) {
      const constraint = uniqueViolation(error);
      if (constraint?.includes("email")) throw new DuplicateEmailError(record.email);
      if (constraint !== undefined) throw new Error(`Account ${record.id} already exists`, { cause: error });
      throw error;
    }
  }

  getUser(id: string): Promise<User | undefined> {
    return this.one("users", "SELECT body FROM users WHERE id = $1", [id]);
  }

  findUserByEmail(email: string): Promise<User | undefined> {
    return this.one("users", "SELECT body FROM users WHERE email = $1", [email.trim().toLowerCase()]);
  }

  async updateUser(user: User): Promise<void> {
    const record = storable("users", user);
    try {
      await this.db.query("UPDATE users SET email = $2, body = $3 WHERE id = $1", [record.id, record.email, json(record)]);
    } catch (error) {
      if (uniqueViolation(error) !== undefined) throw new DuplicateEmailError(record.email);
      throw error;
    }
  }

  async listMembers(organisationId: string): Promise<User[]> {
    const members = await this.all("users", "SELECT body FROM users WHERE body->'memberships' @> $1::jsonb", [json([{ organisationId }])]);
    return members.sort((a, b) => a.name.localeCompare(b.name) || a.email.localeCompare(b.email));
  }

  async setMembership(userId: string, organisationId: string, role: Role | undefined): Promise<User | undefined> {
    return this.db.transaction(async (client) => {
      const { rows } = await client.query<{ body: unknown }>("SELECT body FROM users WHERE id = $1 FOR UPDATE", [userId]);
      if (!rows[0]) return undefined;
      const user = read("users", RECORD_SCHEMAS.users, rows[0].body);
      const others = user.memberships.filter((m) => m.organisationId !== organisationId);
      const updated = storable("users", { ...user, memberships: role ? [...others, { organisationId, role }] : others });
      await client.query("UPDATE users SET body = $2 WHERE id = $1", [userId, json(updated)]);
      return updated;
    });
  }

  async createSession(session: Session): Promise<void> {
    const record = storable("sessions", session);
    await this.db.query("INSERT INTO sessions (id_hash, user_id, body) VALUES ($1, $2, $3)", [record.idHash, record.userId, json(record)]);
  }

  getSession(idHash: string): Promise<Session | undefined> {
    return this.one("sessions", "SELECT body FROM sessions WHERE id_hash = $1", [idHash]);
  }

  async updateSession(session: Session): Promise<void> {
    const record = storable("sessions", session);
    await this.db.query("UPDATE sessions SET body = $2 WHERE id_hash = $1", [record.idHash, json(record)]);
  }

  async deleteSession(idHash: string): Promise<void> {
    await this.db.query("DELETE FROM sessions WHERE id_hash = $1", [idHash]);
  }

  async deleteSessionsOf(userId: string, exceptIdHash?: string): Promise<void> {
    await this.db.query("DELETE FROM sessions WHERE user_id = $1 AND id_hash <> $2", [userId, exceptIdHash ?? ""]);
  }

  async pruneSessions(isExpired: (session: Session) => boolean): Promise<number> {
    const expired = (await this.all("sessions", "SELECT body FROM sessions")).filter(isExpired).map((s) => s.idHash);
    if (expired.length === 0) return 0;
    return (await this.db.query("DELETE FROM sessions WHERE id_hash = ANY($1::text[])", [expired])).rowCount ?? 0;
  }

  async createToken(token: ApiToken): Promise<void> {
    const record = storable("tokens", token);
    await this.db.query("INSERT INTO api_tokens (id, hash, user_id, body) VALUES ($1, $2, $3, $4)", [record.id, record.hash, record.userId, json(record)]);
  }

  findTokenByHash(hash: string): Promise<ApiToken | undefined> {
    return this.one("tokens", "SELECT body FROM api_tokens WHERE hash = $1", [hash]);
  }

  async listTokens(userId: string): Promise<ApiToken[]> {
    return (await this.all("tokens", "SELECT body FROM api_tokens WHERE user_id = $1", [userId])).sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }

  async touchToken(id: string, at: string): Promise<void> {
    const token = await this.one("tokens", "SELECT body FROM api_tokens WHERE id = $1", [id]);
    if (!token) return;
    const record = storable("tokens", { ...token, lastUsedAt: at });
    await this.db.query("UPDATE api_tokens SET body = $2 WHERE id = $1", [id, json(record)]);
  }

  async deleteToken(id: string, userId: string): Promise<boolean> {
    return ((await this.db.query("DELETE FROM api_tokens WHERE id = $1 AND user_id = $2", [id, userId])).rowCount ?? 0) > 0;
  }

  async createInvitation(invitation: Invitation): Promise<void> {
    const record = storable("invitations", invitation);
    await this.db.query("INSERT INTO invitations (id, hash, organisation_id, body) VALUES ($1, $2, $3, $4)", [record.id, record.hash, record.organisationId, json(record)]);
  }

  findInvitationByHash(hash: string): Promise<Invitation | undefined> {
    return this.one("invitations", "SELECT body FROM invitations WHERE hash = $1", [hash]);
  }

  async listInvitations(organisationId: string): Promise<Invitation[]> {
    return (await this.all("invitations", "SELECT body FROM invitations WHERE organisation_id = $1", [organisationId])).sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }

  async updateInvitation(invitation: Invitation): Promise<void> {
    const record = storable("invitations", invitation);
    await this.db.query("UPDATE invitations SET body = $2 WHERE id = $1", [record.id, json(record)]);
  }

  async createShareLink(link: ShareLink): Promise<void> {
    const record = storable("shareLinks", link);
    await this.db.query("INSERT INTO share_links (id, hash, curriculum_id, body) VALUES ($1, $2, $3, $4)", [record.id, record.hash, record.curriculumId, json(record)]);
  }

  findShareLinkByHash(hash: string): Promise<ShareLink | undefined> {
    return this.one("shareLinks", "SELECT body FROM share_links WHERE hash = $1", [hash]);
  }

  async listShareLinks(curriculumId: string): Promise<ShareLink[]> {
    return (await this.all("shareLinks", "SELECT body FROM share_links WHERE curriculum_id = $1", [curriculumId])).sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }

  async updateShareLink(link: ShareLink): Promise<void> {
    const record = storable("shareLinks", link);
    await this.db.query("UPDATE share_links SET body = $2 WHERE id = $1", [record.id, json(record)]);
  }

  async saveSignInFlow(keyHash: string, flow: SignInFlow): Promise<void> {
    const record = signInFlowSchema.parse(flow);
    // Expired flows go as new ones come: the table holds only sign-ins in progress.
    await this.db.query("DELETE FROM sign_in_flows WHERE expires_at < now()");
    await this.db.query("INSERT INTO sign_in_flows (key_hash, expires_at, body) VALUES ($1, $2, $3)", [keyHash, record.expiresAt, json(record)]);
  }

  async takeSignInFlow(keyHash: string, now: Date): Promise<SignInFlow | undefined> {
    // Taken and removed in one statement: of two callbacks with the same key, only one gets it.
    const { rows } = await this.db.query<{ body: unknown }>("DELETE FROM sign_in_flows WHERE key_hash = $1 RETURNING body", [keyHash]);
    if (!rows[0]) return undefined;
    const flow = read("sign_in_flows", signInFlowSchema, rows[0].body);
    return Date.parse(flow.expiresAt) > now.getTime() ? flow : undefined;
  }

  async appendAudit(event: AuditEvent): Promise<void> {
    const parsed = auditEventSchema.safeParse(event);
    if (!parsed.success) throw new InvalidRecordError(parsed.error.issues.map((i) => ({ path: formatPath(i.path), message: i.message })), "audit event");
    const e = parsed.data;
    await this.db.query("INSERT INTO audit_events (id, organisation_id, action, body) VALUES ($1, $2, $3, $4)", [e.id, e.organisationId ?? null, e.action, json(e)]);
  }

  async listAudit(query: AuditQuery): Promise<AuditEvent[]> {
    const limit = query.limit ?? 200;
    const { rows } = query.action
      ? await this.db.query<{ body: unknown }>("SELECT body FROM audit_events WHERE organisation_id = $1 AND action = $2 ORDER BY seq DESC LIMIT $3", [query.organisationId, query.action, limit])
      : await this.db.query<{ body: unknown }>("SELECT body FROM audit_events WHERE organisation_id = $1 ORDER BY seq DESC LIMIT $2", [query.organisationId, limit]);
    return rows.map((r) => read("audit_events", auditEventSchema, r.body));
  }

  async dump(): Promise<AccountDump> {
    const { rows } = await this.db.query<{ body: unknown }>("SELECT body FROM audit_events ORDER BY seq");
    return {
      organisations: await this.all("organisations", "SELECT body FROM organisations"),
      users: await this.all("users", "SELECT body FROM users"),
      sessions: await this.all("sessions", "SELECT body FROM sessions"),
      tokens: await this.all("tokens", "SELECT body FROM api_tokens"),
      invitations: await this.all("invitations", "SELECT body FROM invitations"),
      shareLinks: await this.all("shareLinks", "SELECT body FROM share_links"),
      audit: rows.map((r) => read("audit_events", auditEventSchema, r.body)),
    };
  }

  async load(dump: AccountDump): Promise<LoadCounts> {
    // Every row is validated before any is written, and all go in one transaction: a copy is whole or not at all.
    const rows: { collection: keyof AccountDump; sql: string; params: unknown[] }[] = [];
    for (const o of dump.organisations.map((r) => storable("organisations", r))) rows.push({ collection: "organisations", sql: "INSERT INTO organisations (id, body) VALUES ($1, $2) ON CONFLICT DO NOTHING", params: [o.id, json(o)] });
    for (const u of dump.users.map((r) => storable("users", r))) rows.push({ collection: "users", sql: "INSERT INTO users (id, email, body) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING", params: [u.id, u.email, json(u)] });
    for (const s of dump.sessions.map((r) => storable("sessions", r))) rows.push({ collection: "sessions", sql: "INSERT INTO sessions (id_hash, user_id, body) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING", params: [s.idHash, s.userId, json(s)] });
    for (const t of dump.tokens.map((r) => storable("tokens", r))) rows.push({ collection: "tokens", sql: "INSERT INTO api_tokens (id, hash, user_id, body) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING", params: [t.id, t.hash, t.userId, json(t)] });
    for (const i of dump.invitations.map((r) => storable("invitations", r))) rows.push({ collection: "invitations", sql: "INSERT INTO invitations (id, hash, organisation_id, body) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING", params: [i.id, i.hash, i.organisationId, json(i)] });
    for (const l of dump.shareLinks.map((r) => storable("shareLinks", r))) rows.push({ collection: "shareLinks", sql: "INSERT INTO share_links (id, hash, curriculum_id, body) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING", params: [l.id, l.hash, l.curriculumId, json(l)] });
    for (const event of dump.audit) {
      const e = auditEventSchema.parse(event);
      rows.push({ collection: "audit", sql: "INSERT INTO audit_events (id, organisation_id, action, body) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING", params: [e.id, e.organisationId ?? null, e.action, json(e)] });
    }
    const counts = Object.fromEntries((Object.keys(dump) as (keyof AccountDump)[]).map((k) => [k, { added: 0, present: 0 }])) as LoadCounts;
    await this.db.transaction(async (client) => {
      for (const row of rows) {
        const result = await client.query(row.sql, row.params);
        if ((result.rowCount ?? 0) > 0) counts[row.collection].added++;
        else counts[row.collection].present++;
      }
    });
    return counts;
  }

  /** The pool belongs to the PostgresStore, which closes it. */
  async close(): Promise<void> {}
}

