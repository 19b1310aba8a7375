import type { Catalog } from "../content/index.js";
import type { Coverage, ScheduledSession, Totals } from "../domain/index.js";

/** Contact and practical minutes, the practical share and minutes by method. */
export function totalsOf(sessions: readonly ScheduledSession[]): Totals {
  const contactMinutes = sessions.reduce((sum, s) => sum + s.minutes, 0);
  const practicalMinutes = sessions.filter((s) => s.practical).reduce((sum, s) => sum + s.minutes, 0);
  const byMethod: Record<string, number> = {};
  for (const s of sessions) byMethod[s.method] = (byMethod[s.method] ?? 0) + s.minutes;
  return {
    contactMinutes,
    practicalMinutes,
    practicalShare: contactMinutes === 0 ? 0 : Math.round((practicalMinutes / contactMinutes) * 10000) / 10000,
    byMethod,
  };
}

/** Which sessions cover each competency, in framework order, and which competencies no session covers. */
export function coverageOf(sessions: readonly ScheduledSession[], catalog: Catalog): Coverage {
  const covered: Coverage["covered"] = [];
  const uncovered: string[] = [];
  for (const c of catalog.competencies) {
    const ids = sessions.filter((s) => s.competencies.includes(c.id)).map((s) => s.id);
    if (ids.length > 0) covered.push({ competency: c.id, sessions: ids });
    else uncovered.push(c.id);
  }
  return { covered, uncovered };
}
