import { createHash, randomBytes } from "node:crypto";

/**
 * The secrets that act for someone: session ids, API tokens, invitation and share links. Each is 32 random bytes
 * (256 bits, unguessable), written in base64url after a prefix that says what it is (so a leaked one is
 * recognisable in logs and secret scanners). The store keeps only the SHA-256: the secrets are random, so a fast
 * hash is enough, and a copy of the store signs no one in.
 */
export const SECRET_PREFIX = { session: "pss_", token: "pst_", invitation: "psi_", share: "psl_" } as const;
export type SecretKind = keyof typeof SECRET_PREFIX;

export function newSecret(kind: SecretKind): string {
  return SECRET_PREFIX[kind] + randomBytes(32).toString("base64url");
}

/** What a secret of this kind looks like; anything else is refused before any lookup. */
export function isSecret(kind: SecretKind, value: string): boolean {
  return value.length === SECRET_PREFIX[kind].length + 43 && value.startsWith(SECRET_PREFIX[kind]) && /^[A-Za-z0-9_-]+$/.test(value.slice(4));
}

export function hashSecret(secret: string): string {
  return createHash("sha256").update(secret).digest("hex");
}
