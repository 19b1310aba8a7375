import type { Curriculum } from "../domain/index.js";
import { inScope, StaleVersionError, summarise, type ListScope, type CurriculumHead, type CurriculumRepository, type CurriculumSummary } from "./curriculum-repository.js";
import { storableCurriculum } from "./storable-record.js";

/**
 * The in-memory twin of the embedded store, for tests. Stores copies so callers cannot change stored data by accident,
 * and refuses what the embedded store refuses (InvalidRecordError), so tests see the same behaviour.
 */
export class MemoryCurriculumRepository implements CurriculumRepository {
  private readonly items = new Map<string, Curriculum>();

  async create(curriculum: Curriculum): Promise<void> {
    if (this.items.has(curriculum.id)) throw new Error(`Curriculum ${curriculum.id} already exists`);
    this.items.set(curriculum.id, storableCurriculum(curriculum));
  }

  async get(id: string): Promise<Curriculum | undefined> {
    const found = this.items.get(id);
    return found && structuredClone(found);
  }

  async head(id: string): Promise<CurriculumHead | undefined> {
    const found = this.items.get(id);
    return found && { id: found.id, version: found.version, organisationId: found.organisationId, title: found.title };
  }

  async list(scope: ListScope): Promise<CurriculumSummary[]> {
    return [...this.items.values()]
      .filter((c) => inScope(scope, c.organisationId))
      .map(summarise).sort((a, b) => b.updatedAt.localeCompare(a.updatedAt) || a.id.localeCompare(b.id));
  }

  async update(curriculum: Curriculum, expectedVersion: number): Promise<Curriculum | undefined> {
    const stored = this.items.get(curriculum.id);
    if (!stored) return undefined;
    if (stored.version !== expectedVersion) throw new StaleVersionError(curriculum.id, expectedVersion, stored.version);
    const saved = storableCurriculum({ ...curriculum, version: stored.version + 1 });
    this.items.set(curriculum.id, saved);
    return structuredClone(saved);
  }

  async adoptUnowned(organisationId: string): Promise<number> {
    let adopted = 0;
    for (const [id, c] of this.items) {
      if (c.organisationId !== undefined) continue;
      this.items.set(id, storableCurriculum({ ...c, organisationId }));
      adopted++;
    }
    return adopted;
  }

  async delete(id: string): Promise<boolean> {
    return this.items.delete(id);
  }

  async close(): Promise<void> {}
}
