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
  for (const [id, n] of uses) {
    if (n < 2) continue;
    const reused = catalog.scenario(id)!;
    const maxSession = Math.max(...sessions.filter((s) => s.scenarioIds.includes(id)).map((s) => template(s.templateId).minutes.max));
    const unusedFitting = catalog.scenarios.filter(
      (s) => s.sector === spec.sector && s.method === reused.method && s.tiers.some((t) => spec.tiers.includes(t)) && !uses.has(s.id) &&
        ceil5(s.minutes.brief + s.minutes.play + s.minutes.debrief) <= maxSession,
    );
    if (unusedFitting.length > 0) fail(`scenario ${id} used twice while ${unusedFitting[0]!.id} is unused`);
  }

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
    if (!practised.has(core.id)) fail(`core ${core.id} never practised`);
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
    else if (next.date !== s.date) fail(`heavy ${s.id} and its de-roling are on different days`);
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
    if (dayContact > 240 && !day.breaks.some((b) => minutesOf(b.end) - minutesOf(b.start) >= 30)) fail(`${day.date} has no lunch break`);
  }
  const dates = c.days.map((d) => d.date);
  if ([...dates].sort().join() !== dates.join() || new Set(dates).size !== dates.length) fail("days out of order");
  if (!sessions.every((s) => dates.includes(s.date))) fail("a session falls on no listed day");
  return broken;
}
