import { beforeAll, describe, expect, test } from "@jest/globals";
import type { Catalog } from "../../../src/content/index.js";
import { courseSpecSchemaFor, type Curriculum, type Edit } from "../../../src/domain/index.js";
import { alternatives, plan, revise } from "../../../src/planner/index.js";
import { realCatalog } from "../../support/catalog.js";
import { brokenRules } from "../../support/invariants.js";

let catalog: Catalog;
let course: Curriculum;
const now = new Date("2026-12-01T09:00:00Z");
beforeAll(async () => {
  catalog = await realCatalog();
  const spec = courseSpecSchemaFor(catalog.ids).parse({ title: "Edits", sector: "firefighting", totalHours: 12, practicalShare: 0.4, startDate: "2027-01-04" });
  course = plan(spec, catalog, { id: "c1", now: new Date("2026-11-26T10:00:00Z") });
});

const rules = (result: ReturnType<typeof revise>) => (result.ok ? [] : result.brokenRules.map((r) => r.rule));
const theory = () => course.sessions.filter((s) => !s.practical && catalog.session(s.templateId)!.purpose === "content");

describe("revise(curriculum, edits)", () => {
  test("when there are no edits, then the curriculum comes back unchanged but for updatedAt", () => {
    const result = revise(course, [], catalog, now);
    expect(result.ok).toBe(true);
    if (result.ok) expect({ ...result.curriculum, updatedAt: course.updatedAt }).toEqual(course);
  });

  test("when two input sessions swap places, then the course is re-timed and every rule still holds", () => {
    const [a, b] = theory().slice(-2);
    const result = revise(course, [{ op: "move", session: b!.id, to: course.sessions.findIndex((s) => s.id === a!.id) }], catalog, now);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const ids = result.curriculum.sessions.map((s) => s.id);
    expect(ids.indexOf(b!.id)).toBeLessThan(ids.indexOf(a!.id));
    expect(brokenRules(result.curriculum, course.spec, catalog)).toEqual([]);
  });

  test("when one session grows by 10 minutes and another shrinks by 10, then the edit saves; one alone is refused with the difference", () => {
    const spec = courseSpecSchemaFor(catalog.ids).parse({ title: "Resize", sector: "police", totalHours: 16, startDate: "2027-01-04" });
    const roomy = plan(spec, catalog, { id: "c2", now });
    const range = (id: string) => catalog.session(roomy.sessions.find((s) => s.id === id)!.templateId)!.minutes;
    // Two input sessions (so the practical share stays put): one that can grow, one that can shrink.
    const inputs = roomy.sessions.filter((s) => !s.practical && s.scenarioIds.length === 0);
    const grow = inputs.find((g) => g.minutes + 10 <= range(g.id).max)!;
    const shrink = inputs.find((s) => s.id !== grow.id && s.minutes - 10 >= range(s.id).min)!;
    const both: Edit[] = [
      { op: "resize", session: grow.id, minutes: grow.minutes + 10 },
      { op: "resize", session: shrink.id, minutes: shrink.minutes - 10 },
    ];
    const result = revise(roomy, both, catalog, now);
    expect(result.ok ? [] : [...result.editProblems.map((p) => p.message), ...result.brokenRules.map((r) => r.message)]).toEqual([]);
    if (result.ok) expect(result.curriculum.sessions.find((s) => s.id === grow.id)!.minutes).toBe(grow.minutes + 10);

    const alone = revise(roomy, [both[0]!], catalog, now);
    expect(rules(alone)).toEqual(["contact-time"]);
    expect(alone.ok || alone.brokenRules[0]!.message).toMatch(/shorten or remove sessions by 10 minutes/);
  });

  test("when a resize leaves the template's range, then the edit itself is refused, naming the range", () => {
    const s = course.sessions[1]!;
    const t = catalog.session(s.templateId)!;
    const result = revise(course, [{ op: "resize", session: s.id, minutes: t.minutes.max + 5 }], catalog, now);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.editProblems).toEqual([{ path: "edits[0].minutes", message: expect.stringContaining(`and ${t.minutes.max} minutes`) }]);
  });

  test("when practice is replaced by a lecture, then the change is refused below 40% practical", () => {
    const practice = course.sessions.find((s) => s.practical && s.method === "supervised-practice") ?? course.sessions.filter((s) => s.practical).at(-1)!;
    const lecture = catalog.sessions.find((t) => t.method === "lecture" && t.sectors === "all" && !course.sessions.some((s) => s.templateId === t.id))!;
    const edits: Edit[] = [
      { op: "remove", session: practice.id },
      { op: "add", template: lecture.id },
    ];
    const added = revise(course, edits, catalog, now);
    expect(added.ok).toBe(false);
    expect(rules(added)).toContain("practical-share");
  });

  test("when the only simulation is removed, then the rule that a course needs one is reported", () => {
    const simulations = course.sessions.filter((s) => s.method === "simulation");
    const edits: Edit[] = simulations.map((s) => ({ op: "remove", session: s.id }));
    expect(rules(revise(course, edits, catalog, now))).toEqual(expect.arrayContaining(["needs-simulation"]));
  });

  test("when the closing is moved to the start, then opening and closing rules are reported", () => {
    const closing = course.sessions.at(-1)!;
    expect(rules(revise(course, [{ op: "move", session: closing.id, to: 0 }], catalog, now))).toEqual(expect.arrayContaining(["opening", "closing"]));
  });

  test("when heavy practice loses its de-roling, then the edit is refused", () => {
    const index = course.sessions.findIndex((s) => catalog.session(s.templateId)!.heavy);
    expect(index).toBeGreaterThan(0);
    const deroling = course.sessions[index + 1]!;
    expect(rules(revise(course, [{ op: "move", session: deroling.id, to: course.sessions.length - 2 }], catalog, now))).toContain("deroling");
  });

  test("when an unknown session or template is named, then the edit problems say which edit", () => {
    const result = revise(course, [{ op: "remove", session: "nope" }, { op: "add", template: "no-such-template" }], catalog, now);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.editProblems.map((p) => p.path)).toEqual(["edits[0].session", "edits[1].template"]);
  });

  test("when a role-play is swapped for an alternative, then the new session runs a scenario of the sector", () => {
    const rolePlay = course.sessions.find((s) => s.method === "role-play")!;
    const options = alternatives(course, rolePlay.id, catalog);
    expect(options.length).toBeGreaterThan(0);
    const swapped = revise(course, [{ op: "swap", session: rolePlay.id, template: options[0]!.id }], catalog, now);
    const sessions = swapped.ok ? swapped.curriculum.sessions : [];
    // A swap may change the length (then the contact-time rule asks for a compensating resize); check both paths.
    if (swapped.ok) {
      const replacement = sessions.find((s) => s.templateId === options[0]!.id)!;
      expect(catalog.scenario(replacement.scenarioIds[0]!)!.sector).toBe("firefighting");
    } else {
      expect(swapped.editProblems).toEqual([]);
    }
  });
});

describe("revise and the course rules", () => {
  test("when an edit removes content that is mandatory at the course's length, then it is refused naming that rule", () => {
    // A 12-hour course must teach suicide risk (from 6 h); removing every session that does is refused.
    const teaching = course.sessions.filter((s) => !s.practical && catalog.session(s.templateId)!.topics.includes("suicide-risk"));
    expect(teaching.length).toBeGreaterThan(0);
    const result = revise(course, teaching.map((s) => ({ op: "remove" as const, session: s.id })), catalog, now);
    expect(rules(result)).toContain("content.suicide-risk-taught");
  });

  test("when an edit only breaks advice (moving the first practice later), then it is saved and the audit says so", () => {
    const first = course.sessions.findIndex((s) => s.practical);
    const second = course.sessions.findIndex((s, i) => i > first && s.practical);
    // Right after the second practice (and its de-roling, when it is heavy): its inputs still come before it.
    const after = catalog.session(course.sessions[second]!.templateId)!.heavy ? second + 1 : second;
    const result = revise(course, [{ op: "move", session: course.sessions[first]!.id, to: after }], catalog, now);
    if (!result.ok) throw new Error(JSON.stringify(result.brokenRules));
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.curriculum.audit!.find((a) => a.rule === "arc.first-practice")!.status).toBe("not-met");
  });
});
