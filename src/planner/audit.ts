import type { Catalog } from "../content/index.js";
import { DIFFICULTY_RANK, mandatoryApplies, scenarioMinutes, type AuditEntry, type Curriculum, type OrderEnd, type Scenario, type ScheduledSession, type SessionTemplate } from "../domain/index.js";
import { toMinutes } from "./clock.js";
import { MIN_PRACTICAL_SHARE } from "./constants.js";
import { coversTopic, scenarioFits, trainerPlaysColleague } from "./course-topics.js";
import { staffingFor, turnTarget } from "./practice.js";
import { daysAskedFor } from "./schedule.js";

/** What the audit reads of a curriculum. */
export type AuditInput = Pick<Curriculum, "spec" | "sessions" | "days" | "totals"> & Partial<Pick<Curriculum, "staffing">>;

const hm = (minutes: number) => `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, "0")} min`;

/**
 * The course audit: every rule of content/course-rules.json and of a sound curriculum, with how this curriculum
 * stands against it (met, not met, or not applicable at its length and sector) and a detail a designer can act on.
 * The planner plans to meet every rule; a designer's edit that breaks a required rule is refused. Pure.
 */
export function auditCurriculum(c: AuditInput, catalog: Catalog): AuditEntry[] {
  const { spec, sessions, days, totals } = c;
  const rules = catalog.rules;
  const entries: AuditEntry[] = [];
  const template = (s: ScheduledSession): SessionTemplate | undefined => catalog.session(s.templateId);
  const scenarioOf = (s: ScheduledSession): Scenario | undefined => (s.scenarioIds[0] ? catalog.scenario(s.scenarioIds[0]) : undefined);
  const add = (rule: string, label: string, required: boolean, status: AuditEntry["status"], detail: string) => entries.push({ rule, label, required, status, detail });
  const check = (rule: string, label: string, required: boolean, failures: readonly string[], met: string) =>
    add(rule, label, required, failures.length === 0 ? "met" : "not-met", failures.length === 0 ? met : failures.slice(0, 3).join(" ") + (failures.length > 3 ? ` (and ${failures.length - 3} more)` : ""));
  const matches = (s: ScheduledSession, end: OrderEnd) => {
    const t = template(s);
    if (!t) return false;
    if ("anyPractice" in end) return s.practical;
    return coversTopic(t, scenarioOf(s), end.topic, end.as);
  };
  const title = (s: ScheduledSession) => `"${s.title}"`;
  const contactBefore = (index: number) => sessions.slice(0, index).reduce((sum, s) => sum + s.minutes, 0);

  // The curriculum's own soundness.
  const contact = spec.totalHours * 60;
  const difference = totals.contactMinutes - contact;
  check(
    "contact-time",
    "contact time is the hours asked for",
    true,
    difference === 0 ? [] : [`The sessions add up to ${hm(totals.contactMinutes)}, not ${hm(contact)}: ${difference > 0 ? "shorten or remove" : "lengthen or add"} sessions by ${Math.abs(difference)} minutes.`],
    `${hm(contact)} of contact time.`,
  );
  check(
    "practical-share",
    `at least ${MIN_PRACTICAL_SHARE * 100}% practical`,
    true,
    totals.practicalShare + 1e-9 >= MIN_PRACTICAL_SHARE ? [] : [`Practical work is ${Math.round(totals.practicalShare * 100)}% of contact time.`],
    `${Math.round(totals.practicalShare * 100)}% practical.`,
  );
  for (const method of ["role-play", "simulation"] as const) {
    check(`needs-${method}`, `at least one ${method}`, true, sessions.some((s) => s.method === method) ? [] : [`The course has no ${method}.`], `${sessions.filter((s) => s.method === method).length} ${method} session(s).`);
  }
  const scenarioSessions = sessions.filter((s) => s.method === "role-play" || s.method === "simulation");
  check(
    "scenario-sector",
    "every role-play and simulation runs a scenario of the course's sector",
    true,
    scenarioSessions.filter((s) => scenarioOf(s)?.sector !== spec.sector || scenarioOf(s)?.method !== s.method).map((s) => `${title(s)} needs a ${spec.sector} ${s.method} scenario.`),
    "Every scenario is of the course's sector and method.",
  );
  const introduced = new Set(sessions.flatMap((s) => s.introduces));
  const practised = new Set(sessions.flatMap((s) => s.practises));
  const core = catalog.competencies.filter((x) => x.core);
  check("core-introduced", "every core competency introduced", true, core.filter((x) => !introduced.has(x.id)).map((x) => `No session introduces "${x.name}".`), `All ${core.length} core competencies introduced.`);
  if (spec.totalHours < rules.core.practisedFromHours) {
    add("core-practised", "every core competency practised after its introduction", true, "not-applicable", `Required from ${rules.core.practisedFromHours} h; ${core.filter((x) => practised.has(x.id)).length} of ${core.length} practised.`);
  } else {
    check(
      "core-practised",
      "every core competency practised after its introduction",
      true,
      core.filter((x) => introduced.has(x.id) && !practised.has(x.id)).map((x) => `No practice after its input (with a scenario that practises it) covers "${x.name}".`),
      `All ${core.length} core competencies practised.`,
    );
  }
  check(
    "levels",
    "every chosen ERNST level has sessions",
    true,
    spec.tiers.filter((tier) => !sessions.some((s) => s.tiers.includes(tier))).map((tier) => `No session covers "${catalog.tier(tier)?.name ?? tier}".`),
    "Every chosen level has sessions.",
  );
  check("opening", "the course opens with the opening session", true, template(sessions[0]!)?.purpose === "opening" ? [] : ["The course must open with the opening session."], "Opens with the opening session.");
  check("closing", "the course ends with the closing session", true, template(sessions.at(-1)!)?.purpose === "closing" ? [] : ["The course must end with the closing session."], "Ends with the closing session.");
  const deroling: string[] = [];
  sessions.forEach((s, i) => {
    if (!template(s)?.heavy) return;
    const next = sessions[i + 1];
    const nextTemplate = next && template(next);
    if (!next || !(nextTemplate?.purpose === "deroling" || nextTemplate?.method === "reflection")) deroling.push(`${title(s)} is not followed directly by de-roling.`);
    else if (next.date !== s.date || next.start !== s.end) deroling.push(`A break or a day falls between ${title(s)} and its de-roling.`);
  });
  check("deroling", "heavy practice followed directly by de-roling, with no break between", true, deroling, "Every heavy practice runs straight into de-roling.");

  // Mandatory content by length and sector.
  for (const m of rules.mandatory) {
    const rule = `content.${m.id}`;
    if (!mandatoryApplies(m, spec)) {
      add(rule, m.label, true, "not-applicable", spec.totalHours < m.fromHours ? `Required from ${m.fromHours} h.` : `Not a rule for the ${spec.sector} sector.`);
      continue;
    }
    const covering = sessions.filter((s) => {
      const t = template(s);
      return t !== undefined && coversTopic(t, scenarioOf(s), m.topic, m.as) && (!m.trainerPlays || trainerPlaysColleague(scenarioOf(s)));
    });
    check(rule, m.label, true, covering.length > 0 ? [] : [`Required from ${m.fromHours} h; no session covers it.`], `${covering.map(title).slice(0, 3).join(", ")}.`);
  }

  // Order: the ordering rules of the course rules.
  const firstDay = days[0]?.date;
  for (const o of rules.order) {
    const rule = `order.${o.id}`;
    const thenIndex = sessions.findIndex((s) => matches(s, o.then));
    if (thenIndex < 0) {
      add(rule, o.label, o.required, "not-applicable", "The course has no session this rule orders.");
      continue;
    }
    const firstIndex = sessions.findIndex((s) => matches(s, o.first));
    const failures: string[] = [];
    if (firstIndex < 0) failures.push(`${title(sessions[thenIndex]!)} comes, but nothing before it teaches what it needs.`);
    else if (firstIndex > thenIndex) failures.push(`${title(sessions[thenIndex]!)} comes before ${title(sessions[firstIndex]!)}.`);
    check(rule, o.label, o.required, failures, firstIndex >= 0 ? `${title(sessions[firstIndex]!)} comes first.` : "");
    // The day is a rule of its own: on courses of short sittings the first day may not hold it.
    if (o.onFirstDay && firstIndex >= 0) {
      const onDayOne = sessions[firstIndex]!.date === firstDay;
      check(`${rule}.first-day`, `${o.label}: on the first day`, false, onDayOne ? [] : [`${title(sessions[firstIndex]!)} is on ${sessions[firstIndex]!.date}, not the first day.`], "On the first day.");
    }
  }

  // The arc.
  const earlyLimit = rules.arc.early.share * contact;
  const early: string[] = [];
  for (const phase of rules.arc.early.phases) {
    const i = sessions.findIndex((s) => s.phase === phase || template(s)?.phase === phase);
    if (i < 0 || contactBefore(i) > earlyLimit) early.push(`The ${rules.phases.find((p) => p.id === phase)?.name ?? phase} phase does not start in the first ${Math.round(rules.arc.early.share * 100)}% of the course.`);
  }
  for (const topic of rules.arc.early.topics) {
    const i = sessions.findIndex((s) => template(s)?.topics.includes(topic));
    if (i < 0 || contactBefore(i) > earlyLimit) early.push(`${rules.topics.find((t) => t.id === topic)?.name ?? topic} does not come in the first ${Math.round(rules.arc.early.share * 100)}% of the course.`);
  }
  check("arc.early", `orientation and the second-victim phenomenon in the first ${Math.round(rules.arc.early.share * 100)}%`, false, early, "Both come early.");
  const firstPractical = sessions.find((s) => s.practical);
  check(
    "arc.first-practice",
    "the first practice is an introductory first conversation",
    false,
    !firstPractical || matches(firstPractical, { topic: rules.arc.firstPractice, as: "practised" }) ? [] : [`The first practice is ${title(firstPractical)}.`],
    firstPractical ? `${title(firstPractical)}.` : "",
  );
  const difficulty: string[] = [];
  for (const method of ["role-play", "simulation"] as const) {
    let highest = -1;
    for (const s of sessions.filter((x) => x.method === method)) {
      const sc = scenarioOf(s);
      if (!sc) continue;
      const rank = DIFFICULTY_RANK[sc.difficulty];
      if (rank < highest) difficulty.push(`${title(s)} (${sc.difficulty}) follows a harder ${method}.`);
      highest = Math.max(highest, rank);
    }
  }
  check("arc.difficulty", "practice from easy to hard (scenario difficulty never goes down within a method)", false, difficulty, "Difficulty rises or holds within each method.");
  const checkIns: string[] = [];
  for (const day of days.slice(1)) {
    const firstOfDay = sessions.find((s) => s.date === day.date);
    if (!firstOfDay || template(firstOfDay)?.purpose !== "check-in") checkIns.push(`${day.date} does not open with a check-in.`);
  }
  check("arc.check-in", "a check-in opens every day after the first", false, checkIns, days.length > 1 ? "Every later day opens with a check-in." : "A one-day course.");

  // Scenarios.
  const fit: string[] = [];
  const sameDay: string[] = [];
  const reuse: string[] = [];
  const used = new Map<string, ScheduledSession[]>();
  for (const s of scenarioSessions) {
    const sc = scenarioOf(s);
    const t = template(s);
    if (!sc || !t) continue;
    if (!scenarioFits(t, sc, spec.tiers)) fit.push(`"${sc.title}" does not fit ${title(s)}.`);
    used.set(sc.id, [...(used.get(sc.id) ?? []), s]);
  }
  // Where each session stands in easy to hard: the difficulties it may take without going down within its method
  // (from the hardest before it to the easiest after it), and the first practice only an introductory one.
  const window = new Map<ScheduledSession, [number, number]>();
  for (const method of ["role-play", "simulation"] as const) {
    const ranked = scenarioSessions.filter((s) => s.method === method && scenarioOf(s)).map((s) => ({ s, rank: DIFFICULTY_RANK[scenarioOf(s)!.difficulty] }));
    ranked.forEach(({ s }, i) => {
      const lo = Math.max(-1, ...ranked.slice(0, i).map((x) => x.rank));
      const hi = Math.min(Infinity, ...ranked.slice(i + 1).map((x) => x.rank));
      window.set(s, s === firstPractical ? [lo, 0] : [lo, hi]);
    });
  }
  const takesHere = (s: ScheduledSession, x: Scenario) => {
    const [lo, hi] = window.get(s) ?? [-1, Infinity];
    return DIFFICULTY_RANK[x.difficulty] >= lo && DIFFICULTY_RANK[x.difficulty] <= hi;
  };
  // The station's scenario is kept back for the assessment: it counts as used.
  const stationScenarioId = sessions.find((s) => template(s)?.purpose === "station")?.scenarioIds[0];
  for (const [id, uses] of used) {
    if (uses.length < 2) continue;
    const dates = uses.map((s) => s.date);
    if (new Set(dates).size < dates.length) sameDay.push(`"${catalog.scenario(id)!.title}" runs twice on ${dates.find((d, i) => dates.indexOf(d) !== i)}.`);
    // Any session of a replayed scenario could have taken one that is still unplayed: the first as much as the rest.
    for (const s of uses) {
      const t = template(s)!;
      // One that fits the session as it runs: its brief, play and debrief within the session's minutes, and its
      // difficulty where the session stands (a harder scenario cannot open the practice).
      const unused = catalog.scenarios.find(
        (x) => x.sector === spec.sector && !used.has(x.id) && x.id !== stationScenarioId && scenarioFits(t, x, spec.tiers) && Math.ceil(scenarioMinutes(x) / 5) * 5 <= s.minutes && takesHere(s, x),
      );
      if (unused) reuse.push(`${title(s)} reuses "${catalog.scenario(id)!.title}" while "${unused.title}" fits and is unused.`);
    }
  }
  check("scenario.fit", "every scenario fits its session (method, content, levels, at least half of what it practises)", false, fit, "Every scenario fits its session.");
  check("scenario.same-day", "no scenario twice on one day", false, sameDay, "No scenario runs twice on a day.");
  check("scenario.reuse", "no scenario reused while one that fits the session (and its place from easy to hard) is unused", false, reuse, "No needless reuse.");

  // Practice for the group, and staffing.
  const target = turnTarget(spec.totalHours, rules);
  const turns = totals.supporterTurnsPerParticipant ?? 0;
  const sized = sessions.filter((s) => s.practical && !s.practice).map((s) => `${title(s)} does not say how it runs for the group.`);
  check("practice.sized", "every practical session states its format, rounds and supporter turns", false, sized, "Every practical session is sized for the group.");
  if (target === 0) add("practice.turns", "supporter turns for each participant", false, "not-applicable", "No target below the first length with one.");
  else check("practice.turns", `at least ${target} supporter turns for each participant`, false, turns + 1e-9 >= target ? [] : [`Each participant gets ${turns} supporter turns; a course of ${spec.totalHours} h should give ${target}.`], `${turns} supporter turns each.`);
  const scenarios = [...used.keys()].map((id) => catalog.scenario(id)!);
  const station = sessions.find((s) => template(s)?.purpose === "station");
  const stationScenario = station && scenarioOf(station);
  const needed = staffingFor(spec.groupSize, stationScenario ? [...scenarios, stationScenario] : scenarios, rules);
  const staffing = c.staffing;
  check(
    "staffing",
    "trainers and actors for the group and the scenarios",
    false,
    !staffing ? ["The course does not state its staffing."] : staffing.trainers < needed.trainers || staffing.actors < needed.actors ? [`It needs ${needed.trainers} trainer(s) and ${needed.actors} actor(s).`] : [],
    staffing ? staffing.note : "",
  );

  // Days as asked.
  const asked = daysAskedFor(spec);
  check("days.count", "no more days than the hours at the daily cap need", false, days.length <= asked ? [] : [`${days.length} days where ${asked} were asked for.`], `${days.length} day(s).`);
  const dayContact = days.map((d) => sessions.filter((s) => s.date === d.date).reduce((sum, s) => sum + s.minutes, 0));
  const shortest = Math.min(rules.schedule.minDayMinutes, Math.floor(contact / Math.max(1, days.length)));
  check(
    "days.shortest",
    `no day under ${hm(rules.schedule.minDayMinutes)} of contact`,
    false,
    days.flatMap((d, i) => (dayContact[i]! < shortest ? [`${d.date} has ${hm(dayContact[i]!)}.`] : [])),
    "Days are balanced.",
  );
  const breakProblems: string[] = [];
  for (const d of days) {
    const daySessions = sessions.filter((s) => s.date === d.date);
    // Contact runs between breaks: none longer than the block limit.
    let run = 0;
    let clock = toMinutes(d.start);
    for (const s of daySessions) {
      if (toMinutes(s.start) !== clock) run = 0;
      run += s.minutes;
      clock = toMinutes(s.end);
      if (run > rules.schedule.maxBlockMinutes && !template(s)?.heavy && template(s)?.purpose !== "deroling") breakProblems.push(`${d.date}: ${hm(run)} without a break.`);
    }
    const meals = d.breaks.filter((b) => b.label !== "Break");
    const contactMinutes = daySessions.reduce((sum, s) => sum + s.minutes, 0);
    if (contactMinutes > rules.schedule.lunch.afterContactMinutes) {
      const meal = meals[0];
      if (meals.length !== 1) breakProblems.push(`${d.date}: ${meals.length} meal breaks on a long day.`);
      else if (toMinutes(meal!.end) - toMinutes(meal!.start) > rules.schedule.lunch.minutes) breakProblems.push(`${d.date}: a meal break longer than ${rules.schedule.lunch.minutes} minutes.`);
      // Lunch in the window on days that start by the rules' time and run through it; other days eat mid-day.
      else if (toMinutes(d.start) <= toMinutes(rules.schedule.lunch.dayStartsBy) && d.end > rules.schedule.lunch.latest && (meal!.start < rules.schedule.lunch.earliest || meal!.start > rules.schedule.lunch.latest)) {
        breakProblems.push(`${d.date}: lunch at ${meal!.start}, outside ${rules.schedule.lunch.earliest}-${rules.schedule.lunch.latest}.`);
      }
    } else if (meals.length > 0) breakProblems.push(`${d.date}: a meal break on a short day.`);
  }
  check("days.breaks", `breaks after at most ${rules.schedule.maxBlockMinutes} minutes, lunch between ${rules.schedule.lunch.earliest} and ${rules.schedule.lunch.latest} on long days`, false, breakProblems, "Breaks and lunch as a trainer would set them.");

  // Assessment.
  if (spec.totalHours < rules.assessment.stationFromHours) add("assessment.station", "a scheduled final practical station", false, "not-applicable", `Certifying courses from ${rules.assessment.stationFromHours} h.`);
  else {
    const failures: string[] = [];
    if (!station) failures.push("The course does not schedule the final practical station.");
    else if (!stationScenario || stationScenario.sector !== spec.sector) failures.push("The station names no scenario of the sector.");
    else if (used.has(stationScenario.id)) failures.push(`The station's scenario "${stationScenario.title}" is also played in the course.`);
    check("assessment.station", "a scheduled final practical station on a scenario the course did not use", false, failures, station && stationScenario ? `"${stationScenario.title}" at ${station.date} ${station.start}.` : "");
  }
  return entries;
}

/** The required rules a curriculum does not meet. */
export function unmetRequired(audit: readonly AuditEntry[]): AuditEntry[] {
  return audit.filter((e) => e.required && e.status === "not-met");
}
