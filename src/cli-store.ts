import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { readConfig } from "./config.js";
import { CliUsageError } from "./cli-accounts.js";
import { openStore, type OpenStore } from "./store/index.js";
import { copyStore, databaseCheck, storeCheck } from "./store/store-tools.js";

export { copyStore, storeCheck };

export const STORE_USAGE = `  npm run cli -- store check                         validate every stored file, curricula and accounts (read-only:
                                                     safe while the server runs); exits 1 naming each damaged file;
                                                     with DATABASE_URL, every record in PostgreSQL
  npm run cli -- store copy --from DIR|URL --to URL|DIR
                                                     copy everything (curricula, accounts, sessions, tokens, links,
                                                     audit log) between the embedded store and PostgreSQL; records
                                                     already there are kept, so running it again adds nothing`;

async function check(args: string[]): Promise<void> {
  parseArgs({ args, options: {}, strict: true });
  const config = readConfig();
  const { checked, damaged } = config.databaseUrl ? await databaseCheck(config.databaseUrl) : await storeCheck(config.curriculaDir);
  // One line per file: a JSON parser's message may quote the file's own line breaks.
  if (damaged.length > 0) throw new CliUsageError(damaged.map((d) => `${d.file}: ${d.reason.replace(/\s*[\r\n]+\s*/g, " ")}`).join("\n"), 1);
  console.log(`Checked ${checked} ${checked === 1 ? "curriculum" : "curricula"} and the account files: all valid.`);
}

/** A store named on the command line: a postgres:// URL, or the folder of an embedded store. */
async function openNamed(where: string): Promise<OpenStore> {
  if (/^postgres(ql)?:\/\//.test(where)) return openStore({ databaseUrl: where, dir: "" });
  return openStore({ dir: resolve(where) });
}

async function copy(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { from: { type: "string" }, to: { type: "string" } }, strict: true });
  if (!values.from || !values.to) throw new CliUsageError(`store copy needs --from and --to.\n\nUsage:\n${STORE_USAGE}`, 2);
  if (values.from === values.to) throw new CliUsageError("store copy: --from and --to name the same store.", 2);
  const from = await openNamed(values.from);
  let to: OpenStore | undefined;
  try {
    to = await openNamed(values.to);
    const report = await copyStore(from, to);
    const c = report.curricula;
    console.log(`Curricula: ${c.added} copied, ${c.present} already there${c.differs ? `, ${c.differs} already there with other content (kept as they were)` : ""}.`);
    for (const [collection, n] of Object.entries(report.accounts)) console.log(`${collection}: ${n.added} copied, ${n.present} already there.`);
  } finally {
    await to?.close();
    await from.close();
  }
}

/** npm run cli -- store SUBCOMMAND ... */
export async function storeCommand(args: string[]): Promise<void> {
  const [sub, ...rest] = args;
  switch (sub) {
    case "check":
      return check(rest);
    case "copy":
      return copy(rest);
    default:
      throw new CliUsageError(`${sub === undefined ? "store needs a subcommand" : `Unknown store command "${sub}"`}.\n\nUsage:\n${STORE_USAGE}`, 2);
  }
}
