import { randomUUID } from "node:crypto";
import express, { type Express } from "express";
import { createApp, type AppDeps } from "../../src/web/app.js";
import { AccountService } from "../../src/auth/account-service.js";
import { hashPassword } from "../../src/auth/passwords.js";
import type { Organisation, Role, User } from "../../src/domain/index.js";
import { MemoryAccountRepository, type AccountRepository } from "../../src/store/index.js";

/** The password every test account has. */
export const TEST_PASSWORD = "a long test password";

let passwordHash: Promise<string> | undefined;

export interface TestPerson {
  user: User;
  /** `sid=...`: a signed-in browser's Cookie header. */
  cookie: string;
  /** `Bearer ...`: an API token in the person's organisation. */
  bearer: string;
}

export interface TestOrganisation {
  organisation: Organisation;
  /** One signed-in person per role. */
  people: Record<Role, TestPerson>;
}

/**
 * Organisations with one person per role, each with a live session and an API token, made through the real
 * account service (so sessions and tokens are exactly what sign-in and the CLI make).
 */
export async function seedOrganisations(deps: Pick<AppDeps, "accounts" | "store" | "now">, names: string[] = ["St Elsewhere Hospital"]): Promise<TestOrganisation[]> {
  const service = new AccountService({ accounts: deps.accounts, curricula: deps.store, now: deps.now ?? (() => new Date()) });
  passwordHash ??= hashPassword(TEST_PASSWORD);
  const hash = await passwordHash;
  const made: TestOrganisation[] = [];
  for (const [i, name] of names.entries()) {
    const organisation: Organisation = { id: randomUUID(), name, createdAt: new Date().toISOString() };
    const people = {} as Record<Role, TestPerson>;
    for (const role of ["admin", "designer", "manager", "trainer"] as const) {
      const user: User = { id: randomUUID(), email: `${role}${i}@example.org`, name: `${role[0]!.toUpperCase()}${role.slice(1)} ${i}`, passwordHash: hash, memberships: [{ organisationId: organisation.id, role }], createdAt: new Date().toISOString() };
      if (i === 0 && role === "admin") await deps.accounts.setUp(organisation, user);
      else {
        if (role === "admin") await deps.accounts.createOrganisation(organisation);
        await deps.accounts.createUser(user);
      }
      const session = await service.startSession(user, "password");
      const { secret } = await service.createToken({ user, organisation, role, via: "api" }, "tests");
      people[role] = { user, cookie: `sid=${session}`, bearer: `Bearer ${secret}` };
    }
    made.push({ organisation, people });
  }
  return made;
}

/**
 * The app as a signed-in browser of `role` uses it: every request carries that person's session cookie (next to
 * any cookie the test sets itself). The CSRF checks still apply, as they do in a browser.
 */
export function asBrowser(app: Express, person: TestPerson): Express {
  const outer = express();
  outer.use((req, _res, next) => {
    req.headers.cookie = [req.headers.cookie, person.cookie].filter(Boolean).join("; ");
    next();
  });
  outer.use(app);
  return outer;
}

/**
 * An app with an in-memory account store and one organisation, used by a signed-in `role` (admin by default): for
 * tests whose subject is not access control. `anonymous` is the same app with no one signed in.
 */
export async function signedInApp(deps: Omit<AppDeps, "accounts"> & { accounts?: AccountRepository }, role: Role = "admin") {
  const accounts = deps.accounts ?? new MemoryAccountRepository();
  const [org] = await seedOrganisations({ accounts, store: deps.store });
  const anonymous = createApp({ ...deps, accounts });
  return { app: asBrowser(anonymous, org!.people[role]), anonymous, accounts, org: org!, person: org!.people[role] };
}
