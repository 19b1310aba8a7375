import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { spawnSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import request from "supertest";
import type { Catalog } from "../../../src/content/index.js";
import { copyStore } from "../../../src/cli-store.js";
import { openStore, type OpenStore } from "../../../src/store/index.js";
import { createApp } from "../../../src/web/app.js";
import { realCatalog } from "../../support/catalog.js";
import { seedOrganisations } from "../../support/accounts.js";
import { ensureBuilt, ROOT } from "../../support/built.js";
import { postgresForTests } from "../../support/postgres.js";

const postgres = postgresForTests();
const folders: string[] = [];
let catalog: Catalog;

beforeAll(async () => {
  catalog = await realCatalog();
});
afterAll(async () => {
  await postgres.destroy();
  for (const dir of folders) await rm(dir, { recursive: true, force: true });
});

async function folder(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "copy-"));
  folders.push(dir);
  return dir;
}

/** An embedded store in use: two organisations, curricula, a share link, sessions, tokens and audit events. */
async function storeInUse(dir: string) {
  const store = await openStore({ dir });
  const orgs = await seedOrganisations({ accounts: store.accounts, store: store.curricula }, ["St Elsewhere Hospital", "County Fire Service"]);
  const app = createApp({ catalog, store: store.curricula, accounts: store.accounts, log: () => {} });
  const designer = orgs[0]!.people.designer.bearer;
  const ids: string[] = [];
  for (const sector of ["healthcare", "police", "postal"]) {
    ids.push((await request(app).post("/api/curricula").set("Authorization", designer).send({ title: `Course ${sector}`, sector, totalHours: 8, startDate: "2027-03-01" }).expect(201)).body.id);
  }
  const share = (await request(app).post(`/api/curricula/${ids[0]}/share-links`).set("Authorization", designer).send({ label: "Committee" }).expect(201)).body;
  return { store, orgs, ids, share };
}

async function contents(store: OpenStore) {
  const curricula = await Promise.all((await store.curricula.list("all")).map(async (s) => store.curricula.get(s.id)));
  const dump = await store.accounts.dump();
  const byKey = <T>(items: T[], key: (t: T) => string) => [...items].sort((a, b) => key(a).localeCompare(key(b)));
  return {
    curricula: byKey(curricula, (c) => c!.id),
    organisations: byKey(dump.organisations, (o) => o.id),
    users: byKey(dump.users, (u) => u.id),
    sessions: byKey(dump.sessions, (s) => s.idHash),
    tokens: byKey(dump.tokens, (t) => t.id),
    invitations: byKey(dump.invitations, (i) => i.id),
    shareLinks: byKey(dump.shareLinks, (l) => l.id),
    audit: dump.audit,
  };
}

describe("store copy", () => {
  if (postgres.skipReason) {
    test.skip(`between the embedded store and PostgreSQL (skipped: ${postgres.skipReason})`, () => {});
    return;
  }

  test("when an embedded store is copied to PostgreSQL and back, then everything arrives, a second copy adds nothing, and people's tokens and links work there", async () => {
    const source = await storeInUse(await folder());
    const target = await openStore({ databaseUrl: await postgres.newDatabase(), dir: "" });
    try {
      const first = await copyStore(source.store, target);
      expect(first.curricula).toEqual({ added: 3, present: 0, differs: 0 });
      expect(first.accounts.users).toEqual({ added: 8, present: 0 });
      expect(first.accounts.organisations).toEqual({ added: 2, present: 0 });
      expect(first.accounts.shareLinks).toEqual({ added: 1, present: 0 });
      expect(first.accounts.audit.added).toBeGreaterThanOrEqual(4);
      expect(await contents(target)).toEqual(await contents(source.store));

      const again = await copyStore(source.store, target);
      expect(again.curricula).toEqual({ added: 0, present: 3, differs: 0 });
      for (const counts of Object.values(again.accounts)) expect(counts.added).toBe(0);

      // What people hold still works against the copy: a token, a session, a share link.
      const app = createApp({ catalog, store: target.curricula, accounts: target.accounts, log: () => {} });
      const list = await request(app).get("/api/curricula").set("Authorization", source.orgs[0]!.people.trainer.bearer).expect(200);
      expect(list.body.items.map((i: { id: string }) => i.id).sort()).toEqual([...source.ids].sort());
      await request(app).get("/api/me").set("Cookie", source.orgs[1]!.people.admin.cookie).expect(200);
      await request(app).get(new URL(source.share.url).pathname).expect(200);

      // And back to a new embedded store (with what using the copy changed: a token's and a link's last use).
      const back = await openStore({ dir: await folder() });
      try {
        await copyStore(target, back);
        expect(await contents(back)).toEqual(await contents(target));
      } finally {
        await back.close();
      }
    } finally {
      await target.close();
      await source.store.close();
    }
  });

  test("when the target already has a curriculum of the same id with other content, then the target's is kept and counted", async () => {
    const source = await storeInUse(await folder());
    const target = await openStore({ databaseUrl: await postgres.newDatabase(), dir: "" });
    try {
      const changed = (await source.store.curricula.get(source.ids[0]!))!;
      await target.curricula.create({ ...changed, title: "Edited in the target", spec: { ...changed.spec, title: "Edited in the target" } });
      const report = await copyStore(source.store, target);
      expect(report.curricula).toEqual({ added: 2, present: 0, differs: 1 });
      expect((await target.curricula.get(source.ids[0]!))!.title).toBe("Edited in the target");
    } finally {
      await target.close();
      await source.store.close();
    }
  });

  test("when run from the command line, then it prints the counts and exits 0, and a second run copies nothing", async () => {
    ensureBuilt();
    const dir = await folder();
    const { store } = await storeInUse(dir);
    await store.close();
    const url = await postgres.newDatabase();
    const run = () => spawnSync(process.execPath, [join(ROOT, "dist", "src", "cli.js"), "store", "copy", "--from", dir, "--to", url], { cwd: ROOT, encoding: "utf8" });
    const first = run();
    expect(first.stderr).toBe("");
    expect(first.status).toBe(0);
    expect(first.stdout).toMatch(/^Curricula: 3 copied, 0 already there\.$/m);
    expect(first.stdout).toMatch(/^users: 8 copied, 0 already there\.$/m);
    const second = run();
    expect(second.stdout).toMatch(/^Curricula: 0 copied, 3 already there\.$/m);
    expect(second.stdout).toMatch(/^users: 0 copied, 8 already there\.$/m);
  });
});
