import type { AccountRepository } from "./account-repository.js";
import type { CurriculumRepository } from "./curriculum-repository.js";
import { LowdbAccountRepository } from "./lowdb-account-repository.js";
import { LowdbCurriculumRepository } from "./lowdb-repository.js";
import { PostgresStore } from "./postgres/postgres-store.js";

/** The store the app runs on, whichever it is: the server, the CLI and the tests open it the same way. */
export interface OpenStore {
  kind: "embedded" | "postgres";
  curricula: CurriculumRepository;
  accounts: AccountRepository;
  /** Is the store reachable now? (Always for the embedded store: it is files in this process.) */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

/**
 * PostgreSQL when a database URL is given (migrated on the way), otherwise the embedded store in `dir`, which takes
 * its single-writer locks (another process on the same folder gets StoreLockedError).
 */
export async function openStore(where: { databaseUrl?: string; dir: string; onDamaged?: (error: Error) => void }): Promise<OpenStore & { migrations?: string[] }> {
  if (where.databaseUrl) {
    const { store, applied } = await PostgresStore.open(where.databaseUrl);
    return { kind: "postgres", curricula: store.curricula, accounts: store.accounts, ping: () => store.ping(), close: () => store.close(), migrations: applied };
  }
  const curricula = await LowdbCurriculumRepository.open(where.dir, { onDamaged: where.onDamaged });
  let accounts: LowdbAccountRepository;
  try {
    accounts = await LowdbAccountRepository.open(where.dir);
  } catch (error) {
    await curricula.close();
    throw error;
  }
  return {
    kind: "embedded",
    curricula,
    accounts,
    ping: async () => true,
    close: async () => {
      await Promise.all([curricula.close(), accounts.close()]);
    },
  };
}
