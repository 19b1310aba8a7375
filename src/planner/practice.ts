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
