import { afterEach, beforeAll, describe, expect, test } from "@jest/globals";
import { hash } from "@node-rs/argon2";
import { spawn } from "node:child_process";
import { createHash, randomUUID } from "node:crypto";
import { access, appendFile, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AuditEvent, Organisation, User } from "../../../src/domain/index.js";
import { InvalidRecordError, LowdbAccountRepository, StoreCorruptError, StoreLockedError } from "../../../src/store/index.js";

const PASSWORD = "correct horse battery";
let passwordHash: string;
beforeAll(async () => {
  passwordHash = await hash(PASSWORD, { algorithm: 2 });
});

let dir: string;
const opened: LowdbAccountRepository[] = [];
afterEach(async () => {
  for (const store of opened.splice(0)) await store.close();
  await rm(dir, { recursive: true, force: true });
});

async function openStore(): Promise<LowdbAccountRepository> {
  const store = await LowdbAccountRepository.open(dir);
  opened.push(store);
  return store;
}

/** Closes a store now (a test that reopens the folder), and forgets it for afterEach. */
async function closeStore(store: LowdbAccountRepository): Promise<void> {
  opened.splice(opened.indexOf(store), 1);
  await store.close();
}

const folder = () => join(dir, "accounts");
const accountsFile = () => join(folder(), "accounts.json");
const sessionsFile = () => join(folder(), "sessions.json");
const auditFile = () => join(folder(), "audit.jsonl");
const lockFile = () => join(dir, "accounts.lock");
const exists = (path: string) => access(path).then(() => true, () => false);

const now = () => new Date().toISOString();
const sha256 = (secret: string) => createHash("sha256").update(secret).digest("hex");
const anOrganisation = (): Organisation => ({ id: randomUUID(), name: "Riverside Hospital", createdAt: now() });
const aUser = (over: Partial<User> = {}): User => ({
  id: randomUUID(),
  email: `${randomUUID().slice(0, 8)}@riverside.example.org`,
  name: "Ada Byrne",
  passwordHash,
  memberships: [],
  createdAt: now(),
  ...over,
});
const anEvent = (organisationId: string, over: Partial<AuditEvent> = {}): AuditEvent => ({
  id: randomUUID(),
  at: now(),
  organisationId,
  action: "sign-in",
  actor: { userId: randomUUID(), email: "ada@riverside.example.org", via: "web" },
  ...over,
});

/** A fresh folder with a closed store holding an organisation, its admin, a second account and two audit events. */
async function storeWithAccounts() {
  dir = await mkdtemp(join(tmpdir(), "accounts-"));
  const store = await openStore();
  const org = anOrganisation();
  const admin = aUser({ name: "Admin Person", memberships: [{ organisationId: org.id, role: "admin" }] });
  await store.setUp(org, admin);
  const user = aUser({ memberships: [{ organisationId: org.id, role: "trainer" }] });
  await store.createUser(user);
  const events = [anEvent(org.id, { action: "setup" }), anEvent(org.id)];
  for (const e of events) await store.appendAudit(e);
  await closeStore(store);
  return { org, admin, user, events };
}

/** What open() rejects with, or undefined when it opened (the store is then registered for closing). */
async function openError(): Promise<unknown> {
  try {
    await openStore();
    return undefined;
  } catch (error) {
    return error;
  }
}

describe("the embedded account store", () => {
  test("when closed and reopened, then every record and audit event is there", async () => {
    dir = await mkdtemp(join(tmpdir(), "accounts-"));
    const store = await openStore();
    const org = anOrganisation();
    const admin = aUser({ memberships: [{ organisationId: org.id, role: "admin" }] });
    await store.setUp(org, admin);
    const sso = aUser({ passwordHash: undefined, email: "Sso.Person@Riverside.Example.org", memberships: [{ organisationId: org.id, role: "manager" }] });
    await store.createUser(sso);
    const session = { idHash: sha256(randomUUID()), userId: admin.id, organisationId: org.id, createdAt: now(), lastSeenAt: now(), method: "password" as const };
    await store.createSession(session);
    const token = { id: randomUUID(), hash: sha256(randomUUID()), userId: admin.id, organisationId: org.id, label: "Export", createdAt: now(), lastUsedAt: now() };
    await store.createToken(token);
    const invitation = {
      id: randomUUID(),
      hash: sha256(randomUUID()),
      organisationId: org.id,
      role: "designer" as const,
      email: "new.designer@riverside.example.org",
      createdBy: admin.id,
      createdAt: now(),
      expiresAt: now(),
    };
    await store.createInvitation(invitation);
    const link = { id: randomUUID(), hash: sha256(randomUUID()), organisationId: org.id, curriculumId: randomUUID(), createdBy: admin.id, createdAt: now() };
    await store.createShareLink(link);
    const events = [anEvent(org.id, { action: "setup" }), anEvent(org.id, { action: "token-created", target: { kind: "token", id: token.id, name: "Export" } })];
    for (const e of events) await store.appendAudit(e);
    await closeStore(store);
    expect(await exists(lockFile())).toBe(false);

    const again = await openStore();
    expect(await again.getOrganisation(org.id)).toEqual(org);
    expect(await again.getUser(admin.id)).toEqual(admin);
    expect(await again.findUserByEmail("sso.person@riverside.example.org")).toEqual({ ...sso, email: "sso.person@riverside.example.org" });
    expect(await again.getSession(session.idHash)).toEqual(session);
    expect(await again.findTokenByHash(token.hash)).toEqual(token);
    expect(await again.findInvitationByHash(invitation.hash)).toEqual(invitation);
    expect(await again.findShareLinkByHash(link.hash)).toEqual(link);
    expect(await again.listAudit({ organisationId: org.id })).toEqual([events[1], events[0]]);
    // And the reopened store keeps writing to the same files.
    await again.appendAudit(anEvent(org.id, { action: "sign-out" }));
    expect(await again.listAudit({ organisationId: org.id })).toHaveLength(3);
  });

  test("when a second store opens the folder while the first is open, then it is refused with StoreLockedError until the first closes", async () => {
    dir = await mkdtemp(join(tmpdir(), "accounts-"));
    const first = await openStore();
    const sameProcess = await openError();
    expect(sameProcess).toBeInstanceOf(StoreLockedError);
    expect((sameProcess as StoreLockedError).pid).toBe(process.pid);
    // Refusing the second open did not release the first one's lock.
    expect(await readFile(lockFile(), "utf8")).toBe(String(process.pid));
    await closeStore(first);
    expect(await exists(lockFile())).toBe(false);
    const second = await openStore();
    expect(await second.countUsers()).toBe(0);
  });

  test("when another live process holds the lock, then opening is refused with StoreLockedError naming it and the lock is left alone", async () => {
    dir = await mkdtemp(join(tmpdir(), "accounts-"));
    const child = spawn(process.execPath, ["-e", "setTimeout(() => {}, 60000)"], { stdio: "ignore" });
    try {
      await writeFile(lockFile(), String(child.pid));
      const error = await openError();
      expect(error).toBeInstanceOf(StoreLockedError);
      expect((error as StoreLockedError).pid).toBe(child.pid);
      expect(await readFile(lockFile(), "utf8")).toBe(String(child.pid));
    } finally {
      child.kill("SIGKILL");
      await new Promise((resolve) => (child.exitCode !== null || child.signalCode ? resolve(undefined) : child.once("exit", resolve)));
    }
  });

  test("when the lock file names a process that died, then the lock is taken over", async () => {
    dir = await mkdtemp(join(tmpdir(), "accounts-"));
    const child = spawn(process.execPath, ["-e", ""], { stdio: "ignore" });
    await new Promise((resolve) => child.once("exit", resolve));
    await writeFile(lockFile(), String(child.pid));
    const store = await openStore();
    expect(await readFile(lockFile(), "utf8")).toBe(String(process.pid));
    expect(await store.countUsers()).toBe(0);
  });

  const corruptions: [string, (text: string) => string, () => string, RegExp][] = [
    ["accounts.json is not JSON", (text) => text.slice(0, text.length / 2), accountsFile, /not valid JSON/],
    ["a user has an invalid email", (text) => { const json = JSON.parse(text); json.users[1].email = "nope"; return JSON.stringify(json); }, accountsFile, /^users\[1\]\.email: must be an email address/],
    ["two users have one email in different cases", (text) => { const json = JSON.parse(text); json.users[1].email = json.users[0].email.toUpperCase(); return JSON.stringify(json); }, accountsFile, /^users\[1\]\.email: repeats users\[0\]\.email/],
    ["two organisations have one id", (text) => { const json = JSON.parse(text); json.organisations.push({ ...json.organisations[0], name: "Twin" }); return JSON.stringify(json); }, accountsFile, /^organisations\[1\]\.id: repeats/],
    ["a collection is not a list", (text) => JSON.stringify({ ...JSON.parse(text), tokens: {} }), accountsFile, /^tokens: must be a list/],
    ["sessions.json holds accounts", (text) => text, sessionsFile, /^organisations: is not a collection of this file/],
  ];

  test.each(corruptions)("when %s, then opening fails with StoreCorruptError naming the file and record, and leaves the folder untouched", async (_what, corrupt, target, reason) => {
    await storeWithAccounts();
    const accounts = await readFile(accountsFile(), "utf8");
    // The sessions case copies the accounts file's contents into the sessions file.
    await writeFile(target(), corrupt(accounts));
    // A leftover of an interrupted write: only removed once every file validated.
    await writeFile(join(folder(), ".accounts.json.tmp"), "{ half a wri");
    const before = new Map<string, Buffer>();
    for (const name of await readdir(folder())) before.set(name, await readFile(join(folder(), name)));

    const error = await openError();
    expect(error).toBeInstanceOf(StoreCorruptError);
    expect((error as StoreCorruptError).file).toBe(target());
    expect((error as StoreCorruptError).reason).toMatch(reason);
    expect((error as Error).message).toContain(target());
    const after = new Map<string, Buffer>();
    for (const name of await readdir(folder())) after.set(name, await readFile(join(folder(), name)));
    expect(after).toEqual(before);
    // The failed start-up released its lock: the folder opens once the file is fixed.
    expect(await exists(lockFile())).toBe(false);
    await writeFile(target(), target() === accountsFile() ? accounts : JSON.stringify({ sessions: [] }));
    await openStore();
    expect(await exists(join(folder(), ".accounts.json.tmp"))).toBe(false);
  });

  test("when a crash tore the last audit line, then opening drops it and later appends work", async () => {
    const { org, events } = await storeWithAccounts();
    const complete = await readFile(auditFile());
    await appendFile(auditFile(), `{"id":"${randomUUID()}","at":"${now()}","organisationId":"${org.id}","act`);

    const store = await openStore();
    expect(await readFile(auditFile())).toEqual(complete);
    expect(await store.listAudit({ organisationId: org.id })).toEqual([events[1], events[0]]);
    const later = anEvent(org.id, { action: "sign-out" });
    await store.appendAudit(later);
    await closeStore(store);

    const again = await openStore();
    expect(await again.listAudit({ organisationId: org.id })).toEqual([later, events[1], events[0]]);
    expect((await readFile(auditFile(), "utf8")).split("\n")).toHaveLength(4);
  });

  test("when the last audit event is whole but lost its newline, then it is kept and the next append starts a new line", async () => {
    const { org, events } = await storeWithAccounts();
    const text = await readFile(auditFile(), "utf8");
    await writeFile(auditFile(), text.slice(0, -1));
    const store = await openStore();
    const later = anEvent(org.id, { action: "sign-out" });
    await store.appendAudit(later);
    await closeStore(store);
    const again = await openStore();
    expect(await again.listAudit({ organisationId: org.id })).toEqual([later, events[1], events[0]]);
  });

  test.each([
    ["is not JSON", (lines: string[]) => [lines[0]!, '{"id": "broken', lines[1]!], /^line 2: not valid JSON/],
    ["is not a valid event", (lines: string[]) => [lines[0]!, JSON.stringify({ ...JSON.parse(lines[1]!), action: "made-up" }), lines[1]!], /^line 2: action: /],
    ["is empty", (lines: string[]) => [lines[0]!, "", lines[1]!], /^line 2: not valid JSON/],
    ["repeats an event", (lines: string[]) => [lines[0]!, lines[1]!, lines[1]!], /^line 3: id: repeats/],
  ])("when an audit line before the last %s, then opening fails with StoreCorruptError and the log is untouched", async (_what, edit, reason) => {
    await storeWithAccounts();
    const lines = (await readFile(auditFile(), "utf8")).split("\n").filter(Boolean);
    await writeFile(auditFile(), `${edit(lines).join("\n")}\n`);
    const before = await readFile(auditFile());
    const error = await openError();
    expect(error).toBeInstanceOf(StoreCorruptError);
    expect((error as StoreCorruptError).file).toBe(auditFile());
    expect((error as StoreCorruptError).reason).toMatch(reason);
    expect(await readFile(auditFile())).toEqual(before);
    expect(await exists(lockFile())).toBe(false);
  });

  test("when secrets are used, then the files hold only their hashes, and the password only as its argon2 hash", async () => {
    dir = await mkdtemp(join(tmpdir(), "accounts-"));
    const store = await openStore();
    const org = anOrganisation();
    const admin = aUser({ memberships: [{ organisationId: org.id, role: "admin" }] });
    await store.setUp(org, admin);
    // Secrets as the app would hand out: random values whose SHA-256 is all the store is given.
    const secrets = { session: `sess-${randomUUID()}`, token: `pscb_${randomUUID()}`, invitation: `inv-${randomUUID()}`, share: `share-${randomUUID()}` };
    await store.createSession({ idHash: sha256(secrets.session), userId: admin.id, createdAt: now(), lastSeenAt: now(), method: "password" });
    await store.createToken({ id: randomUUID(), hash: sha256(secrets.token), userId: admin.id, organisationId: org.id, label: "Export", createdAt: now() });
    await store.createInvitation({ id: randomUUID(), hash: sha256(secrets.invitation), organisationId: org.id, role: "trainer", createdBy: admin.id, createdAt: now(), expiresAt: now() });
    await store.createShareLink({ id: randomUUID(), hash: sha256(secrets.share), organisationId: org.id, curriculumId: randomUUID(), createdBy: admin.id, createdAt: now() });
    await store.appendAudit(anEvent(org.id, { action: "share-created", actor: { userId: admin.id, email: admin.email, via: "web" } }));
    await closeStore(store);

    let everything = "";
    for (const name of await readdir(folder())) everything += await readFile(join(folder(), name), "utf8");
    expect(everything).toContain(passwordHash);
    expect(everything).not.toContain(PASSWORD);
    for (const secret of Object.values(secrets)) {
      expect(everything).toContain(sha256(secret));
      expect(everything).not.toContain(secret);
    }
  });

  test("when a write to accounts.json fails, then memory keeps the stored state, the file is unchanged and sessions still save", async () => {
    const { admin } = await storeWithAccounts();
    const store = await openStore();
    const bytes = await readFile(accountsFile());
    // The writer's temporary file cannot be created when a folder has its name: works as root, unlike a read-only folder.
    await mkdir(join(folder(), ".accounts.json.tmp"));

    const user = aUser();
    await expect(store.createUser(user)).rejects.toThrow();
    expect(await store.getUser(user.id)).toBeUndefined();
    expect(await store.countUsers()).toBe(2);
    await expect(store.updateUser({ ...admin, name: "Renamed" })).rejects.toThrow();
    expect((await store.getUser(admin.id))?.name).toBe(admin.name);
    expect(await readFile(accountsFile())).toEqual(bytes);

    // Sessions live in their own file, so they are not held up by the accounts file's trouble.
    const session = { idHash: sha256(randomUUID()), userId: admin.id, createdAt: now(), lastSeenAt: now(), method: "password" as const };
    await store.createSession(session);
    expect(await store.getSession(session.idHash)).toEqual(session);

    // Once the obstacle is gone, the same change saves, and survives a reopen.
    await rm(join(folder(), ".accounts.json.tmp"), { recursive: true });
    await store.createUser(user);
    await closeStore(store);
    const again = await openStore();
    expect(await again.getUser(user.id)).toEqual(user);
    expect(await again.getSession(session.idHash)).toEqual(session);
  });

  test("when only sessions change, then accounts.json is not rewritten", async () => {
    const { admin } = await storeWithAccounts();
    const store = await openStore();
    const before = await stat(accountsFile());
    const bytes = await readFile(accountsFile());
    const session = { idHash: sha256(randomUUID()), userId: admin.id, createdAt: now(), lastSeenAt: now(), method: "sso" as const };
    await store.createSession(session);
    await store.updateSession({ ...session, lastSeenAt: now() });
    await store.pruneSessions(() => false);
    const after = await stat(accountsFile());
    expect(after.ino).toBe(before.ino);
    expect(after.mtimeMs).toBe(before.mtimeMs);
    expect(await readFile(accountsFile())).toEqual(bytes);
    expect(JSON.parse(await readFile(sessionsFile(), "utf8"))).toEqual({ sessions: [expect.objectContaining({ idHash: session.idHash })] });
  });

  test("when a change would write a record start-up would refuse, then it is refused and nothing is written", async () => {
    const { org, admin } = await storeWithAccounts();
    const store = await openStore();
    const token = { id: randomUUID(), hash: sha256(randomUUID()), userId: admin.id, organisationId: org.id, label: "Export", createdAt: now() };
    await store.createToken(token);
    const bytes = await readFile(accountsFile());
    // touchToken takes a time stamp the schemas never see: the file would no longer open.
    await expect(store.touchToken(token.id, "yesterday")).rejects.toBeInstanceOf(InvalidRecordError);
    expect(await store.findTokenByHash(token.hash)).toEqual(token);
    expect(await readFile(accountsFile())).toEqual(bytes);
    // A second token with the same id would make the file fail its uniqueness check.
    await expect(store.createToken({ ...token, hash: sha256(randomUUID()) })).rejects.toBeInstanceOf(InvalidRecordError);
    expect(await store.listTokens(admin.id)).toEqual([token]);
    await closeStore(store);
    await openStore();
  });

  test("when a crash left the writers' temporary files, then opening removes them and only them", async () => {
    const { admin } = await storeWithAccounts();
    const bytes = await readFile(accountsFile());
    await writeFile(join(folder(), ".accounts.json.tmp"), '{"organisations": [');
    await writeFile(join(folder(), ".sessions.json.tmp"), '{"sessions": [');
    await writeFile(join(folder(), ".notes.json.tmp"), "kept");
    const store = await openStore();
    expect((await readdir(folder())).sort()).toEqual([".notes.json.tmp", "accounts.json", "audit.jsonl"]);
    expect(await readFile(accountsFile())).toEqual(bytes);
    expect(await store.getUser(admin.id)).toEqual(admin);
  });
});
