import type { SessionTemplate } from "../domain/index.js";

/** A template chosen for the course, with its scenario and the minutes range it may take. */
export interface Pick {
  /** The session id in the curriculum: the template id, with "-2", "-3" ... on repeats. */
  id: string;
  template: SessionTemplate;
  scenarioId?: string;
  /** For practical picks: the competencies it is credited with (what both the session and its scenario practise). */
  credits: readonly string[];
  /** Its minutes range once the scenario is known (a scenario needs its brief, play and debrief time). */
  min: number;
  /** The length it is written for (at least its scenario's length); the fill aims for this, not the minimum. */
  preferred: number;
  max: number;
}

/** Rounds up to the next 5 minutes. */
export function ceil5(minutes: number): number {
  return Math.ceil(minutes / 5) * 5;
}

/** Rounds down to the previous 5 minutes. */
export function floor5(minutes: number): number {
  return Math.floor(minutes / 5) * 5;
}

/**
 * Gives each pick its minutes so that they add up to `budget` exactly: every pick starts at its minimum, then
 * grows in 5-minute steps, first towards its preferred length, then towards its maximum, round-robin in order.
 * Returns undefined when the budget is outside [sum of minimums, sum of maximums].
 */
export function distributeMinutes(picks: readonly Pick[], budget: number): number[] | undefined {
  const minutes = picks.map((p) => p.min);
  let left = budget - minutes.reduce((a, b) => a + b, 0);
  if (left < 0 || left % 5 !== 0) return undefined;
  for (const ceiling of [(p: Pick) => p.preferred, (p: Pick) => p.max]) {
    let grew = true;
    while (left > 0 && grew) {
      grew = false;
      for (let i = 0; i < picks.length && left > 0; i++) {
        if (minutes[i]! + 5 <= ceiling(picks[i]!)) {
          minutes[i]! += 5;
          left -= 5;
          grew = true;
        }
      }
    }
  }
  return left === 0 ? minutes : undefined;
}
