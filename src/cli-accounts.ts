import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import { readConfig } from "./config.js";
import { AccountService } from "./auth/account-service.js";
import { emailSchema, labelSchema, organisationNameSchema, passwordSchema, personNameSchema, roleSchema } from "./domain/index.js";
import { openStore } from "./store/index.js";
import type { z } from "zod";

/** A failure to report in one line, with the exit code (2: the command was used wrongly). */
export class CliUsageError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

export const ACCOUNT_USAGE = `  npm run cli -- users add --email E --name N --org O --role admin|designer|manager|trainer
                                                     add an account (password on standard input, or prompted), or give
                                                     an existing one a role; on a new store, the first admin (set-up)
  npm run cli -- users list [--org O]                list accounts and their roles
  npm run cli -- tokens create --email E --label L [--org O]
                                                     print a new API token (shown once) for the account
  npm run cli -- tokens list --email E               list an account's tokens (label, made, last used)
  npm run cli -- tokens revoke --email E --id ID     revoke one of them`;

/** A value parsed with the domain's own rule for it, or a usage error naming the option and the rule. */
function option<S extends z.ZodType>(name: string, schema: S, value: string | undefined): z.infer<S> {
  if (value === undefined) throw new CliUsageError(`--${name} is needed.\n\nUsage:\n${ACCOUNT_USAGE}`, 2);
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new CliUsageError(`--${name} ${parsed.error.issues[0]!.message}.`, 2);
  return parsed.data;
}

/** Reads a password: typed at a hidden prompt on a terminal, else the first line of standard input (for scripts). */
async function readPassword(prompt: string): Promise<string> {
  if (process.stdin.isTTY) {
    const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
    // Echo the prompt, not the keys typed.
    (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = (s: string) => {
      if (s.startsWith(prompt)) process.stderr.write(prompt);
    };
    const answer = await new Promise<string>((resolve) => rl.question(prompt, resolve));
    rl.close();
    process.stderr.write("\n");
    return answer;
  }
  let text = "";
  for await (const chunk of process.stdin) text += String(chunk);
  return text.split(/\r?\n/)[0] ?? "";
}

/**
 * Opens the store for a command and closes it after. The embedded store has one writer: with the server running on
 * the same folder this stops with a clear message (StoreLockedError) and changes nothing. PostgreSQL has no such limit.
 */
async function withAccounts<T>(run: (service: AccountService) => Promise<T>): Promise<T> {
  const { curriculaDir, databaseUrl } = readConfig();
  // With DATABASE_URL, the shared database (servers may keep running); otherwise the embedded store's folder.
  const store = await openStore({ databaseUrl, dir: curriculaDir });
  try {
    return await run(new AccountService({ accounts: store.accounts, curricula: store.curricula, now: () => new Date() }));
  } finally {
    await store.close();
  }
}

async function usersCommand(args: string[]): Promise<void> {
  const [sub, ...rest] = args;
  if (sub === "add") {
    const { values } = parseArgs({ args: rest, options: { email: { type: "string" }, name: { type: "string" }, org: { type: "string" }, role: { type: "string" } }, strict: true });
    const email = option("email", emailSchema, values.email);
    const name = option("name", personNameSchema, values.name);
    const organisationName = option("org", organisationNameSchema, values.org);
    const role = option("role", roleSchema, values.role);
    await withAccounts(async (service) => {
      const existing = await service.findAccount(email);
      let password: string | undefined;
      if (!existing) {
        const typed = await readPassword(`Password for ${email}: `);
        const parsed = passwordSchema.safeParse(typed);
        if (!parsed.success) throw new CliUsageError(`The password ${parsed.error.issues[0]!.message}.`, 2);
        password = parsed.data;
      }
      try {
        const { user, organisation, created } = await service.addUser({ email, name, organisationName, role, password });
        console.log(`${created ? "Added" : "Updated"} ${user.email}: ${role} in ${organisation.name}.`);
      } catch (error) {
        if (error instanceof Error && /first account|password is needed/.test(error.message)) throw new CliUsageError(`Cannot add ${email}: ${error.message}.`, 2);
        throw error;
      }
    });
    return;
  }
  if (sub === "list") {
    const { values } = parseArgs({ args: rest, options: { org: { type: "string" } }, strict: true });
    await withAccounts(async (service) => {
      for (const line of await service.describeAccounts(values.org)) console.log(line);
    });
    return;
  }
  throw new CliUsageError(`Unknown users command "${sub ?? ""}".\n\nUsage:\n${ACCOUNT_USAGE}`, 2);
}

async function tokensCommand(args: string[]): Promise<void> {
  const [sub, ...rest] = args;
  const { values } = parseArgs({ args: rest, options: { email: { type: "string" }, label: { type: "string" }, org: { type: "string" }, id: { type: "string" } }, strict: true });
  const email = option("email", emailSchema, values.email);
  await withAccounts(async (service) => {
    if (sub === "create") {
      const label = option("label", labelSchema, values.label);
      try {
        const { secret, organisation } = await service.createTokenFor(email, label, values.org);
        // The token alone on standard output, so that a script can take it: TOKEN=$(npm run -s cli -- tokens create ...)
        console.error(`API token "${label}" for ${email} in ${organisation.name}. It is shown only this once:`);
        console.log(secret);
      } catch (error) {
        if (error instanceof Error && /no account|not a member|no organisation/.test(error.message)) throw new CliUsageError(`Cannot make a token: ${error.message}.`);
        throw error;
      }
      return;
    }
    const user = await service.findAccount(email);
    if (!user) throw new CliUsageError(`No account has the email ${email}.`);
    if (sub === "list") {
      const tokens = await service.listTokens(user);
      if (tokens.length === 0) console.log(`${email} has no API tokens.`);
      for (const t of tokens) console.log(`${t.id}  ${t.label}  made ${t.createdAt}  last used ${t.lastUsedAt ?? "never"}`);
      return;
    }
    if (sub === "revoke") {
      const id = option("id", labelSchema, values.id);
      const revoked = await service.revokeToken({ user, via: "cli" }, id);
      if (!revoked) throw new CliUsageError(`${email} has no token ${id}.`);
      console.log(`Revoked token ${id} of ${email}.`);
      return;
    }
    throw new CliUsageError(`Unknown tokens command "${sub ?? ""}".\n\nUsage:\n${ACCOUNT_USAGE}`, 2);
  });
}

export async function accountCommand(command: "users" | "tokens", args: string[]): Promise<void> {
  return command === "users" ? usersCommand(args) : tokensCommand(args);
}
