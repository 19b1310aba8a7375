import { hash, verify } from "@node-rs/argon2";

/**
 * argon2id with OWASP's baseline parameters (19 MiB, 2 passes, 1 lane): memory-hard, so a stolen store costs an
 * attacker memory as well as time per guess, while a sign-in stays around 20-40 ms on these machines.
 */
const PARAMS = { algorithm: 2 /* Algorithm.Argon2id: a const enum, which this build cannot import */, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export function hashPassword(password: string): Promise<string> {
  return hash(password, PARAMS);
}

/** A hash of nothing anyone knows: checked when the email is unknown, so the answer takes as long as for a real account. */
let decoy: Promise<string> | undefined;

/** True when `password` matches `passwordHash`; with no hash (unknown account, SSO-only account) it spends the same time and says no. */
export async function verifyPassword(passwordHash: string | undefined, password: string): Promise<boolean> {
  if (!passwordHash) {
    decoy ??= hashPassword("decoy password that matches no account");
    await verify(await decoy, password).catch(() => false);
    return false;
  }
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}
