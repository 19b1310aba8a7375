import { afterAll, afterEach, beforeAll, describe, expect, test } from "@jest/globals";
import { hash } from "@node-rs/argon2";
import { createHash, randomUUID } from "node:crypto";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ApiToken, AuditEvent, Invitation, Organisation, Session, ShareLink, User } from "../../../src/domain/index.js";
import {
  AlreadySetUpError,
  DuplicateEmailError,
  InvalidRecordError,
  LowdbAccountRepository,
  MemoryAccountRepository,
  PostgresStore,
  type AccountRepository,
} from "../../../src/store/index.js";
import { postgresForTests } from "../../support/postgres.js";

/** One argon2id hash for every account: hashing is slow on purpose, and the contract does not care whose password it is. */
let passwordHash: string;
beforeAll(async () => {
  passwordHash = await hash("a password nobody types", { algorithm: 2 });
});

const opened: { store: AccountRepository; dir?: string }[] = [];
const postgres = postgresForTests();
afterEach(async () => {
  for (const { store, dir } of opened.splice(0)) {
    await store.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  }
  await postgres.closeTracked();
});
afterAll(() => postgres.destroy());

/** Every file of an embedded store's accounts folder with its bytes, to prove a refused write changed nothing; empty in memory. */
async function filesOf(store: AccountRepository): Promise<Map<string, Buffer>> {
  const dir = opened.find((o) => o.store === store)?.dir;
  const files = new Map<string, Buffer>();
  if (!dir) return files;
  const folder = join(dir, "accounts");
  for (const name of await readdir(folder)) files.set(name, await readFile(join(folder, name)));
  return files;
}

// Realistic records: random UUIDs, ISO time stamps, SHA-256 hex hashes of random secrets.
const now = () => new Date().toISOString();
const at = (minutesAgo: number) => new Date(Date.now() - minutesAgo * 60_000).toISOString();
const secretHash = () => createHash("sha256").update(randomUUID()).digest("hex");

const anOrganisation = (over: Partial<Organisation> = {}): Organisation => ({ id: randomUUID(), name: "Riverside Hospital", createdAt: now(), ...over });
const aUser = (over: Partial<User> = {}): User => ({
  id: randomUUID(),
  email: `${randomUUID().slice(0, 8)}@riverside.example.org`,
  name: "Ada Byrne",
  passwordHash,
  memberships: [],
  createdAt: now(),
  ...over,
});
const aSession = (userId: string, over: Partial<Session> = {}): Session => ({ idHash: secretHash(), userId, createdAt: now(), lastSeenAt: now(), method: "password", ...over });
const aToken = (userId: string, organisationId: string, over: Partial<ApiToken> = {}): ApiToken => ({
  id: randomUUID(),
  hash: secretHash(),
  userId,
  organisationId,
  label: "Nightly export",
  createdAt: now(),
  ...over,
});
const anInvitation = (organisationId: string, createdBy: string, over: Partial<Invitation> = {}): Invitation => ({
  id: randomUUID(),
  hash: secretHash(),
  organisationId,
  role: "trainer",
  email: "new.trainer@riverside.example.org",
  createdBy,
  createdAt: now(),
  expiresAt: new Date(Date.now() + 7 * 86_400_000).toISOString(),
  ...over,
});
const aShareLink = (organisationId: string, createdBy: string, over: Partial<ShareLink> = {}): ShareLink => ({
  id: randomUUID(),
  hash: secretHash(),
  organisationId,
  curriculumId: randomUUID(),
  label: "For the ward managers",
  createdBy,
  createdAt: now(),
  ...over,
});
const anEvent = (organisationId: string | undefined, over: Partial<AuditEvent> = {}): AuditEvent => ({
  id: randomUUID(),
  at: now(),
  organisationId,
  action: "sign-in",
  actor: { userId: randomUUID(), email: "ada@riverside.example.org", via: "web" },
  ...over,
});

/** A store already set up: one organisation and its admin. */
async function setUpStore(open: () => Promise<AccountRepository>) {
  const store = await open();
  const org = anOrganisation();
  const admin = aUser({ name: "Admin Person", memberships: [{ organisationId: org.id, role: "admin" }] });
  await store.setUp(org, admin);
  return { store, org, admin };
}

/**
 * The behaviour every account repository must have. `open` gives a fresh, empty store each time (and registers it
 * in `opened` so it is closed and removed after the test).
 */
function accountRepositoryContract(name: string, open: () => Promise<AccountRepository>): void {
  describe(`the ${name} account repository`, () => {
    test("when set up on an empty store, then the organisation and its admin are stored and a second set-up is refused", async () => {
      const store = await open();
      expect(await store.countUsers()).toBe(0);
      const org = anOrganisation();
      const admin = aUser({ memberships: [{ organisationId: org.id, role: "admin" }] });
      await store.setUp(org, admin);
      expect(await store.countUsers()).toBe(1);
      expect(await store.getOrganisation(org.id)).toEqual(org);
      expect(await store.getUser(admin.id)).toEqual(admin);

      const other = anOrganisation({ name: "Late Comers" });
      await expect(store.setUp(other, aUser())).rejects.toBeInstanceOf(AlreadySetUpError);
      expect(await store.countUsers()).toBe(1);
      expect(await store.getOrganisation(other.id)).toBeUndefined();
    });

    test("when two set-ups run at the same time, then exactly one succeeds and the other is refused with AlreadySetUpError", async () => {
      const store = await open();
      const attempts = [anOrganisation({ name: "First" }), anOrganisation({ name: "Second" })].map((org) =>
        store.setUp(org, aUser({ memberships: [{ organisationId: org.id, role: "admin" }] })),
      );
      const results = await Promise.allSettled(attempts);
      expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
      const refused = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
      expect(refused).toHaveLength(1);
      expect(refused[0]!.reason).toBeInstanceOf(AlreadySetUpError);
      expect(await store.countUsers()).toBe(1);
      expect(await store.listOrganisations()).toHaveLength(1);
    });

    test("when organisations are created and renamed, then they are listed by name and an id cannot be reused", async () => {
      const { store, org } = await setUpStore(open);
      const second = anOrganisation({ name: "Alder Clinic" });
      await store.createOrganisation(second);
      expect((await store.listOrganisations()).map((o) => o.name)).toEqual(["Alder Clinic", "Riverside Hospital"]);
      await store.updateOrganisation({ ...org, name: "Riverside University Hospital", ssoRole: "trainer" });
      expect(await store.getOrganisation(org.id)).toEqual({ ...org, name: "Riverside University Hospital", ssoRole: "trainer" });
      await expect(store.createOrganisation({ ...second, name: "Copy" })).rejects.toThrow(/already exists/);
      expect((await store.getOrganisation(second.id))?.name).toBe("Alder Clinic");
    });

    test("when an account is created with an email another account has in any case, then it is refused with DuplicateEmailError", async () => {
      const { store, admin } = await setUpStore(open);
      const duplicate = aUser({ email: admin.email.toUpperCase() });
      await expect(store.createUser(duplicate)).rejects.toBeInstanceOf(DuplicateEmailError);
      await expect(store.createUser(aUser({ email: `  ${admin.email}  ` }))).rejects.toBeInstanceOf(DuplicateEmailError);
      expect(await store.getUser(duplicate.id)).toBeUndefined();
      expect(await store.countUsers()).toBe(1);
    });

    test("when an account is looked up by email in another case or with spaces, then it is found", async () => {
      const { store } = await setUpStore(open);
      const user = aUser({ email: "Grace.Okafor@Riverside.Example.org" });
      await store.createUser(user);
      // The schema stores emails in lower case.
      expect((await store.getUser(user.id))?.email).toBe("grace.okafor@riverside.example.org");
      expect((await store.findUserByEmail("GRACE.OKAFOR@riverside.example.org"))?.id).toBe(user.id);
      expect((await store.findUserByEmail("  grace.okafor@riverside.example.org "))?.id).toBe(user.id);
      expect(await store.findUserByEmail("someone.else@riverside.example.org")).toBeUndefined();
    });

    test("when an account is updated, then it reads back changed; an unknown id changes nothing and another's email is refused", async () => {
      const { store, admin } = await setUpStore(open);
      const user = aUser();
      await store.createUser(user);
      const changedAt = now();
      await store.updateUser({ ...user, name: "Ada Byrne-Okafor", passwordChangedAt: changedAt });
      expect(await store.getUser(user.id)).toEqual({ ...user, name: "Ada Byrne-Okafor", passwordChangedAt: changedAt });

      await expect(store.updateUser({ ...user, email: admin.email })).rejects.toBeInstanceOf(DuplicateEmailError);
      expect((await store.getUser(user.id))?.email).toBe(user.email);

      const stranger = aUser();
      await store.updateUser(stranger);
      expect(await store.getUser(stranger.id)).toBeUndefined();
      expect(await store.countUsers()).toBe(2);
    });

    test("when memberships are added, changed and removed, then the account and the member list follow", async () => {
      const { store, org, admin } = await setUpStore(open);
      const other = anOrganisation({ name: "Alder Clinic" });
      await store.createOrganisation(other);
      const user = aUser({ name: "Bea Adams" });
      await store.createUser(user);

      const added = await store.setMembership(user.id, org.id, "trainer");
      expect(added?.memberships).toEqual([{ organisationId: org.id, role: "trainer" }]);
      await store.setMembership(user.id, other.id, "manager");
      const changed = await store.setMembership(user.id, org.id, "designer");
      expect(changed?.memberships).toEqual(expect.arrayContaining([{ organisationId: org.id, role: "designer" }, { organisationId: other.id, role: "manager" }]));
      expect(changed?.memberships).toHaveLength(2);
      expect(await store.getUser(user.id)).toEqual(changed);

      // Members of one organisation, by name; accounts with no membership there are not listed.
      await store.createUser(aUser({ name: "Outsider" }));
      expect((await store.listMembers(org.id)).map((u) => u.id)).toEqual([admin.id, user.id]);
      expect((await store.listMembers(other.id)).map((u) => u.id)).toEqual([user.id]);

      const removed = await store.setMembership(user.id, org.id, undefined);
      expect(removed?.memberships).toEqual([{ organisationId: other.id, role: "manager" }]);
      expect((await store.listMembers(org.id)).map((u) => u.id)).toEqual([admin.id]);
      expect(await store.setMembership(randomUUID(), org.id, "trainer")).toBeUndefined();
    });

    test("when sessions are created, updated and deleted, then each reads back as it was last written", async () => {
      const { store, org, admin } = await setUpStore(open);
      const session = aSession(admin.id, { createdAt: at(30), lastSeenAt: at(30) });
      await store.createSession(session);
      expect(await store.getSession(session.idHash)).toEqual(session);

      const seen = { ...session, lastSeenAt: now(), organisationId: org.id };
      await store.updateSession(seen);
      expect(await store.getSession(session.idHash)).toEqual(seen);
      // An unknown session is ignored, not created.
      const unknown = aSession(admin.id);
      await store.updateSession(unknown);
      expect(await store.getSession(unknown.idHash)).toBeUndefined();

      await store.deleteSession(session.idHash);
      expect(await store.getSession(session.idHash)).toBeUndefined();
    });

    test("when an account's sessions are ended except the current one, then only that one and other accounts' sessions remain", async () => {
      const { store, admin } = await setUpStore(open);
      const other = aUser();
      await store.createUser(other);
      const [current, second, third] = [aSession(admin.id), aSession(admin.id), aSession(admin.id)];
      const others = aSession(other.id, { method: "sso" });
      for (const s of [current!, second!, third!, others]) await store.createSession(s);

      await store.deleteSessionsOf(admin.id, current!.idHash);
      expect(await store.getSession(current!.idHash)).toEqual(current);
      expect(await store.getSession(second!.idHash)).toBeUndefined();
      expect(await store.getSession(third!.idHash)).toBeUndefined();
      expect(await store.getSession(others.idHash)).toEqual(others);

      await store.deleteSessionsOf(admin.id);
      expect(await store.getSession(current!.idHash)).toBeUndefined();
      expect(await store.getSession(others.idHash)).toEqual(others);
    });

    test("when expired sessions are pruned, then exactly those go and their number is returned", async () => {
      const { store, admin } = await setUpStore(open);
      const old = [aSession(admin.id, { lastSeenAt: at(600) }), aSession(admin.id, { lastSeenAt: at(500) })];
      const fresh = aSession(admin.id, { lastSeenAt: at(1) });
      for (const s of [...old, fresh]) await store.createSession(s);
      const cutoff = at(60);
      const isExpired = (s: Session) => s.lastSeenAt < cutoff;
      expect(await store.pruneSessions(isExpired)).toBe(2);
      expect(await store.getSession(old[0]!.idHash)).toBeUndefined();
      expect(await store.getSession(fresh.idHash)).toEqual(fresh);
      expect(await store.pruneSessions(isExpired)).toBe(0);
    });

    test("when API tokens are created, used and deleted, then they are found by hash, listed newest first and deleted only by their owner", async () => {
      const { store, org, admin } = await setUpStore(open);
      const other = aUser();
      await store.createUser(other);
      const older = aToken(admin.id, org.id, { label: "Old export", createdAt: at(60) });
      const newer = aToken(admin.id, org.id, { label: "New export", createdAt: at(5) });
      const othersToken = aToken(other.id, org.id);
      for (const t of [older, newer, othersToken]) await store.createToken(t);

      expect(await store.findTokenByHash(newer.hash)).toEqual(newer);
      expect(await store.findTokenByHash(secretHash())).toBeUndefined();
      expect((await store.listTokens(admin.id)).map((t) => t.id)).toEqual([newer.id, older.id]);

      const usedAt = now();
      await store.touchToken(older.id, usedAt);
      expect((await store.findTokenByHash(older.hash))?.lastUsedAt).toBe(usedAt);

      // Someone else's token cannot be deleted by naming its id.
      expect(await store.deleteToken(othersToken.id, admin.id)).toBe(false);
      expect(await store.findTokenByHash(othersToken.hash)).toEqual(othersToken);
      expect(await store.deleteToken(older.id, admin.id)).toBe(true);
      expect(await store.findTokenByHash(older.hash)).toBeUndefined();
      expect(await store.deleteToken(older.id, admin.id)).toBe(false);
      expect((await store.listTokens(admin.id)).map((t) => t.id)).toEqual([newer.id]);
    });

    test("when invitations are created and accepted, then they are found by hash and listed per organisation, newest first", async () => {
      const { store, org, admin } = await setUpStore(open);
      const other = anOrganisation({ name: "Alder Clinic" });
      await store.createOrganisation(other);
      const older = anInvitation(org.id, admin.id, { createdAt: at(120) });
      const newer = anInvitation(org.id, admin.id, { role: "manager", email: undefined, createdAt: at(1) });
      const elsewhere = anInvitation(other.id, admin.id);
      for (const i of [older, newer, elsewhere]) await store.createInvitation(i);

      expect(await store.findInvitationByHash(older.hash)).toEqual(older);
      expect(await store.findInvitationByHash(secretHash())).toBeUndefined();
      expect((await store.listInvitations(org.id)).map((i) => i.id)).toEqual([newer.id, older.id]);

      const accepted = { ...older, acceptedAt: now() };
      await store.updateInvitation(accepted);
      expect(await store.findInvitationByHash(older.hash)).toEqual(accepted);
      expect(await store.findInvitationByHash(elsewhere.hash)).toEqual(elsewhere);
    });

    test("when share links are created and revoked, then they are found by hash and listed per curriculum, newest first", async () => {
      const { store, org, admin } = await setUpStore(open);
      const curriculumId = randomUUID();
      const older = aShareLink(org.id, admin.id, { curriculumId, createdAt: at(90) });
      const newer = aShareLink(org.id, admin.id, { curriculumId, label: undefined, createdAt: at(2), expiresAt: new Date(Date.now() + 86_400_000).toISOString() });
      const otherCurriculum = aShareLink(org.id, admin.id);
      for (const l of [older, newer, otherCurriculum]) await store.createShareLink(l);

      expect(await store.findShareLinkByHash(newer.hash)).toEqual(newer);
      expect(await store.findShareLinkByHash(secretHash())).toBeUndefined();
      expect((await store.listShareLinks(curriculumId)).map((l) => l.id)).toEqual([newer.id, older.id]);

      const revoked = { ...older, revokedAt: now(), lastOpenedAt: at(10) };
      await store.updateShareLink(revoked);
      expect(await store.findShareLinkByHash(older.hash)).toEqual(revoked);
    });

    test("when audit events are appended, then they are listed newest first, per organisation, by action and up to the limit", async () => {
      const { store, org } = await setUpStore(open);
      const other = randomUUID();
      const events = [
        anEvent(org.id, { action: "setup", at: at(50) }),
        anEvent(org.id, { action: "sign-in", at: at(40) }),
        anEvent(other, { action: "sign-in", at: at(35) }),
        anEvent(org.id, { action: "curriculum-created", at: at(30), target: { kind: "curriculum", id: randomUUID(), name: "Depot course" } }),
        anEvent(org.id, { action: "sign-in", at: at(20), ip: "203.0.113.7" }),
        anEvent(undefined, { action: "sign-in-failed", at: at(10), actor: { email: "unknown@example.org", via: "web" } }),
      ];
      for (const e of events) await store.appendAudit(e);

      expect((await store.listAudit({ organisationId: org.id })).map((e) => e.id)).toEqual([events[4]!.id, events[3]!.id, events[1]!.id, events[0]!.id]);
      expect(await store.listAudit({ organisationId: org.id, action: "sign-in" })).toEqual([events[4], events[1]]);
      expect((await store.listAudit({ organisationId: org.id, limit: 2 })).map((e) => e.id)).toEqual([events[4]!.id, events[3]!.id]);
      expect(await store.listAudit({ organisationId: other })).toEqual([events[2]]);
      expect(await store.listAudit({ organisationId: randomUUID() })).toEqual([]);

      await expect(store.appendAudit({ ...anEvent(org.id), action: "made-up" as AuditEvent["action"] })).rejects.toBeInstanceOf(InvalidRecordError);
      expect(await store.listAudit({ organisationId: org.id })).toHaveLength(4);
    });

    test("when a returned or a passed-in record is changed afterwards, then nothing stored changes", async () => {
      const { store, org, admin } = await setUpStore(open);
      const got = (await store.getUser(admin.id))!;
      got.name = "Changed";
      got.memberships.push({ organisationId: randomUUID(), role: "trainer" });
      (await store.listMembers(org.id))[0]!.name = "Changed too";
      (await store.findUserByEmail(admin.email))!.memberships.length = 0;
      expect(await store.getUser(admin.id)).toEqual(admin);

      const passed = aUser();
      await store.createUser(passed);
      passed.name = "Changed after create";
      expect((await store.getUser(passed.id))?.name).toBe("Ada Byrne");

      const session = aSession(admin.id);
      await store.createSession(session);
      (await store.getSession(session.idHash))!.userId = randomUUID();
      expect(await store.getSession(session.idHash)).toEqual(session);

      const token = aToken(admin.id, org.id);
      await store.createToken(token);
      (await store.listTokens(admin.id))[0]!.label = "Changed";
      expect(await store.findTokenByHash(token.hash)).toEqual(token);

      const event = anEvent(org.id);
      await store.appendAudit(event);
      (await store.listAudit({ organisationId: org.id }))[0]!.actor.email = "changed@example.org";
      expect(await store.listAudit({ organisationId: org.id })).toEqual([event]);

      (await store.getOrganisation(org.id))!.name = "Changed";
      expect(await store.getOrganisation(org.id)).toEqual(org);
    });

    test("when a record is invalid, then it is refused with InvalidRecordError naming the field, and nothing is stored", async () => {
      const { store, org, admin } = await setUpStore(open);
      const before = await filesOf(store);
      const invalid = aUser({ email: "nope" });
      const refused = await store.createUser(invalid).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(refused).toBeInstanceOf(InvalidRecordError);
      expect((refused as InvalidRecordError).issues.map((i) => i.path)).toEqual(["email"]);
      expect(await store.getUser(invalid.id)).toBeUndefined();
      expect(await store.countUsers()).toBe(1);

      await expect(store.updateUser({ ...admin, name: "" })).rejects.toBeInstanceOf(InvalidRecordError);
      await expect(store.createSession({ ...aSession(admin.id), idHash: "not-a-hash" })).rejects.toBeInstanceOf(InvalidRecordError);
      await expect(store.createToken({ ...aToken(admin.id, org.id), label: "tab\there" })).rejects.toBeInstanceOf(InvalidRecordError);
      await expect(store.createInvitation({ ...anInvitation(org.id, admin.id), role: "owner" as Invitation["role"] })).rejects.toBeInstanceOf(InvalidRecordError);
      await expect(store.createShareLink({ ...aShareLink(org.id, admin.id), createdAt: "yesterday" })).rejects.toBeInstanceOf(InvalidRecordError);
      await expect(store.createOrganisation({ ...anOrganisation(), id: "42" })).rejects.toBeInstanceOf(InvalidRecordError);
      // An account with an unknown field: the schemas are strict, so nothing unchecked slips into storage.
      await expect(store.createUser({ ...aUser(), isAdmin: true } as User)).rejects.toBeInstanceOf(InvalidRecordError);

      expect(await store.getUser(admin.id)).toEqual(admin);
      expect(await store.listOrganisations()).toEqual([org]);
      expect(await filesOf(store)).toEqual(before);
    });
  });
}

accountRepositoryContract("memory", async () => {
  const store = new MemoryAccountRepository();
  opened.push({ store });
  return store;
});

accountRepositoryContract("embedded (lowdb)", async () => {
  const dir = await mkdtemp(join(tmpdir(), "accounts-"));
  const store = await LowdbAccountRepository.open(dir);
  opened.push({ store, dir });
  return store;
});

if (postgres.skipReason) test.skip(`the postgresql account repository (skipped: ${postgres.skipReason})`, () => {});
else {
  accountRepositoryContract("postgresql", async () => {
    const { store } = await PostgresStore.open(await postgres.newDatabase());
    postgres.track(store);
    opened.push({ store: store.accounts });
    return store.accounts;
  });
}
