import type { CourseRules, Practice, PracticeFormat, Scenario, SessionTemplate, Staffing } from "../domain/index.js";
import { nonParticipantRoles } from "./course-topics.js";

/** Supporters at once in a format for a group: one per working pair or triad, or the format's fixed number. */
function supportersPerRound(format: PracticeFormat, groupSize: number): number {
  if (format.groupOf > 0) return Math.max(1, Math.floor(groupSize / format.groupOf));
  return Math.min(groupSize, format.supportersAtOnce);
}

const round2 = (x: number) => Math.round(x * 100) / 100;

/**
 * How a practical session runs for a group of `groupSize` in `minutes`: the template's first format that works for
 * the group (pairs and triads need enough people), as many full rounds as the minutes hold after set-up and debrief,
 * and the supporter turns each participant gets. A round under the rules' shortest worthwhile round is not a round.
 * `preferTurns` picks the allowed format that gives the most turns (used when a course is short of its target).
 */
export function sizePractice(template: SessionTemplate, minutes: number, groupSize: number, rules: CourseRules, preferTurns = false): Practice | undefined {
  const plan = template.practice;
  if (!plan) return undefined;
  const formats = plan.formats
    .map((id) => rules.practice.formats.find((f) => f.id === id))
    .filter((f): f is PracticeFormat => f !== undefined && (f.groupOf === 0 || groupSize >= f.groupOf));
  if (formats.length === 0) return undefined;
  const roundMinutes = Math.max(plan.roundMinutes, rules.practice.minRoundMinutes);
  const rounds = Math.max(1, Math.floor((minutes - plan.fixedMinutes) / roundMinutes));
  const turns = (f: PracticeFormat) => (rounds * supportersPerRound(f, groupSize)) / groupSize;
  const format = preferTurns ? [...formats].sort((a, b) => turns(b) - turns(a))[0]! : formats[0]!;
  return { format: format.id, rounds, supporterTurnsPerParticipant: round2(turns(format)) };
}

/** The supporter turns a course of `hours` should give each participant (the highest target it has reached). */
export function turnTarget(hours: number, rules: CourseRules): number {
  return rules.practice.turnTargets.filter((t) => hours >= t.fromHours).reduce((best, t) => Math.max(best, t.turns), 0);
}

/**
 * Who the course needs in the room: a trainer for every `participantsPerTrainer` participants (a second above
 * twelve), and actors for the roles in its scenarios that a participant must not play, beyond those the trainers
 * can play themselves while one of them keeps facilitating.
 */
export function staffingFor(groupSize: number, scenarios: readonly Scenario[], rules: CourseRules): Staffing {
  const trainers = Math.max(1, Math.ceil(groupSize / rules.practice.participantsPerTrainer));
  let actors = 0;
  let busiest: Scenario | undefined;
  for (const s of scenarios) {
    const roles = nonParticipantRoles(s);
    const needed = roles.actor + Math.max(0, roles.trainer - trainers);
    if (needed > actors) {
      actors = needed;
      busiest = s;
    }
  }
  const trainerNote = trainers > 1 ? `${trainers} trainers for ${groupSize} participants (one for every ${rules.practice.participantsPerTrainer})` : `one trainer for ${groupSize} participants`;
  const actorNote = busiest ? `; ${actors} trained actor${actors === 1 ? "" : "s"} for "${busiest.title}", whose roles a participant must not play` : "; no actors needed";
  return { trainers, actors, note: `${trainerNote}${actorNote}.` };
}

/** A practical session whose minutes may move within its range. */
interface Movable {
  template: SessionTemplate;
  min: number;
  max: number;
}

/**
 * When the course gives fewer supporter turns than its length calls for (a large group in a short course), moves
 * practice minutes to the sessions that turn them into rounds in pairs or triads: first the minutes that make no
 * full round where they are, then whole rounds of sessions where few sit in the supporter's chair (a whole-group
 * simulation), whenever that gains more turns than it loses. The practical minutes in total stay the same; each
 * session stays within its range. Returns the new minutes.
 */
export function favourTurns(
  picks: readonly Movable[],
  minutes: readonly number[],
  groupSize: number,
  hours: number,
  rules: CourseRules,
  /** Minutes move only between sessions of one day, when the days are set (the day's length then stays). */
  dayOf?: readonly number[],
): number[] {
  const target = turnTarget(hours, rules);
  const turnsOf = (i: number, m: number) => sizePractice(picks[i]!.template, m, groupSize, rules, true)?.supporterTurnsPerParticipant ?? 0;
  const result = [...minutes];
  const total = () => result.reduce((sum, m, i) => sum + turnsOf(i, m), 0);
  for (let guard = 0; guard < 60 && total() + 1e-9 < target; guard++) {
    // The best receiver: the most turns gained per minute it needs for one more round.
    let best: { to: number; need: number; gain: number } | undefined;
    picks.forEach((p, i) => {
      for (let need = 5; result[i]! + need <= p.max; need += 5) {
        const gain = turnsOf(i, result[i]! + need) - turnsOf(i, result[i]!);
        if (gain > 0) {
          if (!best || gain / need > best.gain / best.need) best = { to: i, need, gain };
          break;
        }
      }
    });
    if (!best) break;
    const { to, need, gain } = best;
    // Donors, cheapest first: five minutes at a time from the session that loses the fewest turns by it.
    let moved = 0;
    let lost = 0;
    const taken = [...result];
    while (moved < need) {
      let donor = -1;
      let donorLoss = Infinity;
      picks.forEach((p, i) => {
        if (i === to || taken[i]! - 5 < p.min || (dayOf && dayOf[i] !== dayOf[to])) return;
        const loss = turnsOf(i, taken[i]!) - turnsOf(i, taken[i]! - 5);
        if (loss < donorLoss) {
          donor = i;
          donorLoss = loss;
        }
      });
      if (donor < 0) break;
      taken[donor]! -= 5;
      moved += 5;
      lost += donorLoss;
    }
    if (moved < need || lost >= gain) break;
    taken[to]! += need;
    result.splice(0, result.length, ...taken);
  }
  return result;
}
