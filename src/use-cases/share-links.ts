import { randomUUID } from "node:crypto";
import type { ShareLink } from "../domain/index.js";
import type { AccountRepository } from "../store/index.js";
import type { Actor } from "../auth/actor.js";
import { hashSecret, isSecret, newSecret } from "../auth/secrets.js";
import { findCurriculum, type CurriculaDeps, type CurriculumInReach } from "./curricula.js";

export interface ShareLinkDeps extends CurriculaDeps {
  accounts: AccountRepository;
}

/** How often opening a link is written down (the list shows when it was last opened). */
const TOUCH_EVERY_MS = 60_000;

/**
 * A read-only link to a curriculum's participant documents for people without an account. The secret is in the
 * link and is shown once; the store keeps its hash. Resolves undefined when the curriculum is not the actor's.
 */
export async function createShareLink(actor: Actor, curriculumId: string, options: { label?: string; expiresAt?: string }, deps: ShareLinkDeps): Promise<{ link: ShareLink; secret: string } | undefined> {
  const curriculum = await findCurriculum(actor, curriculumId, "share.manage", deps);
  if (!curriculum) return undefined;
  const secret = newSecret("share");
  const link: ShareLink = {
    id: randomUUID(),
    hash: hashSecret(secret),
    organisationId: curriculum.organisationId!,
    curriculumId,
    label: options.label,
    createdBy: actor.user.id,
    createdAt: deps.now().toISOString(),
    expiresAt: options.expiresAt,
  };
  await deps.accounts.createShareLink(link);
  await deps.audit.record(actor, "share-created", { target: { kind: "curriculum", id: curriculum.id, name: curriculum.title }, detail: `Link ${link.id}${options.label ? ` ("${options.label}")` : ""}${options.expiresAt ? `, until ${options.expiresAt}` : ", no end date"}` });
  return { link, secret };
}

export async function listShareLinks(actor: Actor, curriculumId: string, deps: ShareLinkDeps): Promise<ShareLink[] | undefined> {
  const curriculum = await findCurriculum(actor, curriculumId, "share.manage", deps);
  return curriculum && deps.accounts.listShareLinks(curriculum.id);
}

/** Revokes a link at once: the next request with it is refused. False when there is no such live link. */
export async function revokeShareLink(actor: Actor, curriculumId: string, linkId: string, deps: ShareLinkDeps): Promise<boolean> {
  const curriculum = await findCurriculum(actor, curriculumId, "share.manage", deps);
  if (!curriculum) return false;
  const link = (await deps.accounts.listShareLinks(curriculum.id)).find((l) => l.id === linkId);
  if (!link || link.revokedAt) return false;
  await deps.accounts.updateShareLink({ ...link, revokedAt: deps.now().toISOString() });
  await deps.audit.record(actor, "share-revoked", { target: { kind: "curriculum", id: curriculum.id, name: curriculum.title }, detail: `Link ${link.id}` });
  return true;
}

/** Is the link live now? */
export function shareLinkLive(link: ShareLink, now: Date): boolean {
  return !link.revokedAt && (!link.expiresAt || Date.parse(link.expiresAt) > now.getTime());
}

/**
 * What a share link opens: its curriculum, while the link is live and the curriculum still exists in the link's
 * organisation; undefined otherwise (unknown, revoked, expired, deleted: all look alike). Only the curriculum's head is
 * read at once (a document already built from this version needs no more); `whole` reads the record and checks the
 * organisation again on it.
 */
export async function reachSharedCurriculum(secret: string, deps: ShareLinkDeps): Promise<(CurriculumInReach & { link: ShareLink }) | undefined> {
  if (!isSecret("share", secret)) return undefined;
  const link = await deps.accounts.findShareLinkByHash(hashSecret(secret));
  const now = deps.now();
  if (!link || !shareLinkLive(link, now)) return undefined;
  const head = await deps.store.head(link.curriculumId);
  if (!inLinkOrganisation(link, head)) return undefined;
  if (!link.lastOpenedAt || now.getTime() - Date.parse(link.lastOpenedAt) > TOUCH_EVERY_MS) {
    await deps.accounts.updateShareLink({ ...link, lastOpenedAt: now.toISOString() });
  }
  const whole = async () => {
    const curriculum = await deps.store.get(link.curriculumId);
    return inLinkOrganisation(link, curriculum) ? curriculum : undefined;
  };
  return { link, head: head!, whole };
}

/** A link opens its curriculum only while the curriculum is still in the link's organisation. */
function inLinkOrganisation(link: ShareLink, record: { organisationId?: string } | undefined): boolean {
  return record !== undefined && record.organisationId === link.organisationId;
}
