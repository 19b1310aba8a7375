import { DIFFICULTY_RANK, isPractical } from "../domain/index.js";
import type { Catalog } from "../content/index.js";
import type { Pick } from "./pick.js";

const METHOD_RANK: Record<string, number> = { "role-play": 0, simulation: 1, "supervised-practice": 2 };

/**
 * Puts the picks in teaching order: the opening first; then cycles of input followed by the practice that uses
 * it (each practical session preceded by the sessions that introduce what it practises, and by its
 * prerequisites), easier practice first; heavy practice directly followed by de-roling; the closing last.
 * Inputs that no practice needs are spread evenly between the cycles.
 */
export function orderPicks(picks: readonly Pick[], catalog: Catalog, structural: { opening: string; closing: string; deroling: string }): Pick[] {
  const coreCount = (ids: readonly string[]) => ids.filter((id) => catalog.competency(id)?.core).length;
  const opening = picks.find((p) => p.template.id === structural.opening)!;
  const closing = picks.find((p) => p.template.id === structural.closing)!;
  const derolings = picks.filter((p) => p.template.id === structural.deroling);
  const body = picks.filter((p) => p !== opening && p !== closing && !derolings.includes(p));
  // The essentials (most core content) come first.
  const theory = body
    .filter((p) => !isPractical(p.template.method))
    .map((p, index) => ({ p, index }))
    .sort((a, b) => coreCount(b.p.template.introduces) - coreCount(a.p.template.introduces) || a.index - b.index)
    .map(({ p }) => p);
  const practical = body
    .filter((p) => isPractical(p.template.method))
    .map((p, index) => ({ p, index }))
    .sort((a, b) => {
      const da = a.p.scenarioId ? DIFFICULTY_RANK[catalog.scenario(a.p.scenarioId)!.difficulty] : 1;
      const db = b.p.scenarioId ? DIFFICULTY_RANK[catalog.scenario(b.p.scenarioId)!.difficulty] : 1;
      return Number(a.p.template.heavy) - Number(b.p.template.heavy) || da - db || coreCount(b.p.template.practises) - coreCount(a.p.template.practises) || METHOD_RANK[a.p.template.method]! - METHOD_RANK[b.p.template.method]! || a.index - b.index;
    })
    .map(({ p }) => p);

  const sequence: Pick[] = [opening];
  const placed = new Set<Pick>([opening]);
  const introduced = new Set(opening.template.introduces);
  const byTemplate = new Map<string, Pick>();
  for (const p of picks) if (!byTemplate.has(p.template.id)) byTemplate.set(p.template.id, p);
  const spareDerolings = [...derolings];

  const place = (p: Pick): void => {
    if (placed.has(p)) return;
    placed.add(p);
    for (const pre of p.template.prerequisites) {
      const prerequisite = byTemplate.get(pre);
      if (prerequisite) place(prerequisite);
    }
    if (isPractical(p.template.method)) {
      for (const c of p.template.practises) {
        if (introduced.has(c)) continue;
        const teacher = theory.find((t) => !placed.has(t) && t.template.introduces.includes(c));
        if (teacher) place(teacher);
      }
    }
    sequence.push(p);
    for (const c of p.template.introduces) introduced.add(c);
    if (p.template.heavy) {
      const deroling = spareDerolings.shift();
      if (deroling) {
        placed.add(deroling);
        sequence.push(deroling);
      }
    }
  };

  practical.forEach((p, i) => {
    // Keep the share of inputs placed in step with the share of practice placed.
    const due = Math.floor((theory.length * i) / Math.max(1, practical.length));
    for (const t of theory) {
      if (theory.filter((x) => placed.has(x)).length >= due) break;
      place(t);
    }
    place(p);
  });
  for (const t of theory) place(t);
  for (const d of spareDerolings) if (!placed.has(d)) sequence.push(d);
  sequence.push(closing);
  return sequence;
}
