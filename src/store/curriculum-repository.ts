import type { Curriculum } from "../domain/index.js";

/** The list row of a stored curriculum (GET /api/curricula). */
export interface CurriculumSummary {
  id: string;
  organisationId?: string;
  title: string;
  sector: string;
  totalHours: number;
  practicalShare: number;
  updatedAt: string;
}

export function summarise(c: Curriculum): CurriculumSummary {
  return {
    id: c.id,
    organisationId: c.organisationId,
    title: c.title,
    sector: c.spec.sector,
    totalHours: c.totals.contactMinutes / 60,
    practicalShare: c.totals.practicalShare,
    updatedAt: c.updatedAt,
  };
}

/**
 * What identifies one saved version of a curriculum and who may see it, without its sessions: enough to find a
 * document already built from that version (the document cache) and to check access, at a fraction of a full read.
 */
export interface CurriculumHead {
  id: string;
  version: number;
  organisationId?: string;
  title: string;
}

export type ListScope = { organisationId: string } | "all";

/** Does a curriculum of this organisation fall in the scope? */
export function inScope(scope: ListScope, organisationId: string | undefined): boolean {
  return scope === "all" || scope.organisationId === organisationId;
}

/** Raised when an update names a version other than the stored one (someone else saved first). */
export class StaleVersionError extends Error {
  constructor(
    readonly id: string,
    readonly expected: number,
    readonly actual: number,
  ) {
    super(`Curriculum ${id} is at version ${actual}; the edit was made against version ${expected}.`);
    this.name = "StaleVersionError";
  }
}

/**
 * Where curricula are kept. Implementations: the embedded lowdb store (default) and an in-memory twin for tests.
 * Nothing outside store/ knows how they are kept.
 */
export interface CurriculumRepository {
  /** Stores a new curriculum (its id must be new). Resolves once the write is durable. */
  create(curriculum: Curriculum): Promise<void>;
  get(id: string): Promise<Curriculum | undefined>;
  /** The stored curriculum's head (id, version, organisation, title): what `get` would answer, without reading the sessions. A damaged record is refused as by `get`. */
  head(id: string): Promise<CurriculumHead | undefined>;
  /**
   * The organisation's curricula, most recently updated first; "all" lists every organisation's (operators' tools
   * and tests only: no route may ask for it).
   */
  list(scope: ListScope): Promise<CurriculumSummary[]>;
  /** Gives every curriculum that belongs to no organisation (a store from before accounts) to this one; resolves with how many. */
  adoptUnowned(organisationId: string): Promise<number>;
  /**
   * Replaces a curriculum if the stored one is still at `expectedVersion`; the saved copy gets version + 1.
   * Throws StaleVersionError otherwise. Resolves with the saved curriculum, or undefined when the id is unknown.
   */
  update(curriculum: Curriculum, expectedVersion: number): Promise<Curriculum | undefined>;
  /** Resolves true when something was deleted. */
  delete(id: string): Promise<boolean>;
  close(): Promise<void>;
}
