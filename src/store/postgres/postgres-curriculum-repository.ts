import { curriculumSchema, type Curriculum } from "../../domain/index.js";
import { formatPath } from "../../content/content-error.js";
import { StaleVersionError, type CurriculumHead, type CurriculumRepository, type CurriculumSummary, type ListScope } from "../curriculum-repository.js";
import { storableCurriculum } from "../storable-record.js";
import { DamagedRecordError } from "../store-errors.js";
import type { Database } from "./database.js";

/** A curriculum read back from the database, through the same schema as every other door; damaged ones are refused. */
function readCurriculum(id: string, body: unknown): Curriculum {
  const parsed = curriculumSchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new DamagedRecordError(`curricula/${id}`, `${formatPath(issue.path) || "(record)"}: ${issue.message}`);
  }
  return parsed.data;
}

interface SummaryRow {
  id: string;
  organisation_id: string | null;
  title: string;
  sector: string;
  contact_minutes: number;
  practical_share: number;
  updated: string;
}

/**
 * Curricula in PostgreSQL: one row per curriculum, the record whole in `body` (jsonb) and its version, organisation
 * and update time in columns. Several instances share it safely: an edit is one conditional UPDATE on the version,
 * so of two racing edits exactly one wins and the other gets StaleVersionError (409).
 */
export class PostgresCurriculumRepository implements CurriculumRepository {
  constructor(private readonly db: Database) {}

  async create(curriculum: Curriculum): Promise<void> {
    const record = storableCurriculum(curriculum);
    const inserted = await this.db.query(
      "INSERT INTO curricula (id, organisation_id, version, updated_at, body) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO NOTHING",
      [record.id, record.organisationId ?? null, record.version, record.updatedAt, JSON.stringify(record)],
    );
    if (inserted.rowCount === 0) throw new Error(`Curriculum ${record.id} already exists`);
  }

  async get(id: string): Promise<Curriculum | undefined> {
    const { rows } = await this.db.query<{ body: unknown }>("SELECT body FROM curricula WHERE id = $1", [id]);
    return rows[0] && readCurriculum(id, rows[0].body);
  }

  async head(id: string): Promise<CurriculumHead | undefined> {
    // The columns and the title only: the body stays in the database (it is validated whenever it is read whole).
    const { rows } = await this.db.query<{ version: number; organisation_id: string | null; title: string | null }>("SELECT version, organisation_id, body->>'title' AS title FROM curricula WHERE id = $1", [id]);
    const row = rows[0];
    if (!row) return undefined;
    if (typeof row.title !== "string") throw new DamagedRecordError(`curricula/${id}`, "title: must be a string");
    return { id, version: row.version, organisationId: row.organisation_id ?? undefined, title: row.title };
  }

  async list(scope: ListScope): Promise<CurriculumSummary[]> {
    // Only the fields a list shows: the bodies stay in the database.
    const select = `SELECT id, organisation_id, body->>'title' AS title, body->'spec'->>'sector' AS sector,
      (body->'totals'->>'contactMinutes')::float8 AS contact_minutes, (body->'totals'->>'practicalShare')::float8 AS practical_share,
      body->>'updatedAt' AS updated FROM curricula`;
    const { rows } = scope === "all" ? await this.db.query<SummaryRow>(`${select} ORDER BY updated_at DESC, id`) : await this.db.query<SummaryRow>(`${select} WHERE organisation_id = $1 ORDER BY updated_at DESC, id`, [scope.organisationId]);
    return rows
      .map((r) => ({ id: r.id, organisationId: r.organisation_id ?? undefined, title: r.title, sector: r.sector, totalHours: r.contact_minutes / 60, practicalShare: r.practical_share, updatedAt: r.updated }))
      .sort((a, b) => b.updatedAt.localeCompare(a.updatedAt) || a.id.localeCompare(b.id));
  }

  async update(curriculum: Curriculum, expectedVersion: number): Promise<Curriculum | undefined> {
    const saved = storableCurriculum({ ...curriculum, version: expectedVersion + 1 });
    const updated = await this.db.query(
      "UPDATE curricula SET version = $3, organisation_id = $4, updated_at = $5, body = $6 WHERE id = $1 AND version = $2",
      [saved.id, expectedVersion, saved.version, saved.organisationId ?? null, saved.updatedAt, JSON.stringify(saved)],
    );
    if (updated.rowCount === 1) return saved;
    const { rows } = await this.db.query<{ version: number }>("SELECT version FROM curricula WHERE id = $1", [saved.id]);
    if (!rows[0]) return undefined;
    throw new StaleVersionError(saved.id, expectedVersion, rows[0].version);
  }

  async delete(id: string): Promise<boolean> {
    return ((await this.db.query("DELETE FROM curricula WHERE id = $1", [id])).rowCount ?? 0) > 0;
  }

  async adoptUnowned(organisationId: string): Promise<number> {
    const adopted = await this.db.query(
      "UPDATE curricula SET organisation_id = $1::text::uuid, body = jsonb_set(body, '{organisationId}', to_jsonb($1::text)) WHERE organisation_id IS NULL",
      [organisationId],
    );
    return adopted.rowCount ?? 0;
  }

  /** The pool belongs to the PostgresStore, which closes it. */
  async close(): Promise<void> {}
}
