import { beforeAll, describe, expect, test } from "@jest/globals";
import type { Catalog } from "../../../src/content/index.js";
import { INPUT_METHODS, PRACTICAL_METHODS, scenarioMinutes } from "../../../src/domain/index.js";
import { realCatalog } from "../../support/catalog.js";

let catalog: Catalog;
beforeAll(async () => {
  catalog = await realCatalog();
});

const practisedBy = (scenario: Catalog["scenarios"][number]) =>
  new Set([...scenario.objectives.flatMap((o) => o.competencies), ...scenario.checklist.map((c) => c.competency)]);

describe("the session library", () => {
  test("when counted, then it holds at least 60 templates with opening, closing, check-in and de-roling sessions", () => {
    expect(catalog.sessions.length).toBeGreaterThanOrEqual(60);
    for (const purpose of ["opening", "closing", "check-in", "deroling"]) {
      expect(catalog.sessions.some((s) => s.purpose === purpose && s.sectors === "all")).toBe(true);
    }
  });

  test("when every specific competency is looked up, then an input session introduces it", () => {
    const introduced = new Set(catalog.sessions.filter((s) => INPUT_METHODS.includes(s.method)).flatMap((s) => s.introduces));
    expect(catalog.competencies.map((c) => c.id).filter((id) => !introduced.has(id))).toEqual([]);
  });

  test("when every core competency is looked up, then at least two practical sessions practise it", () => {
    for (const core of catalog.competencies.filter((c) => c.core)) {
      const count = catalog.sessions.filter((s) => PRACTICAL_METHODS.includes(s.method) && s.practises.includes(core.id)).length;
      expect({ core: core.id, enough: count >= 2 }).toEqual({ core: core.id, enough: true });
    }
  });

  test("when a practical template is read, then it has a debrief, and role-plays and simulations name their kind of scenario", () => {
    for (const s of catalog.sessions.filter((x) => PRACTICAL_METHODS.includes(x.method))) {
      expect(s.debrief?.questions.length).toBeGreaterThanOrEqual(2);
      if (s.method !== "supervised-practice") expect(s.scenario?.method).toBe(s.method);
    }
  });

  test("when a template's minutes are read, then they are 5-minute steps of at most 90, and its plan adds up", () => {
    for (const s of catalog.sessions) {
      for (const m of [s.minutes.min, s.minutes.default, s.minutes.max]) expect(m % 5 === 0 && m <= 90).toBe(true);
      expect(s.plan.reduce((sum, step) => sum + step.minutes, 0)).toBe(s.minutes.default);
      expect(s.objectives.length).toBeGreaterThanOrEqual(2);
    }
  });

  test("when the topics the course must cover are searched, then a session exists for each", () => {
    const text = catalog.sessions.map((s) => `${s.id} ${s.title} ${s.summary}`.toLowerCase()).join("\n");
    for (const topic of [/recovery stages|scott/, /stress continuum/, /look, listen|look-listen-link/, /rapid/, /safer-r/, /stress first aid/, /reframing/, /triage/, /confidentiality/, /investigation/, /mindfulness/, /resilience/, /team debrief/, /cultural/, /suicide/, /alcohol|substance/, /boundaries/, /de-rol/]) {
      expect({ topic: String(topic), found: topic.test(text) }).toEqual({ topic: String(topic), found: true });
    }
  });
});

describe("the scenario library", () => {
  test("when counted per sector, then each has at least 8, with at least 3 role-plays and 3 simulations", () => {
    for (const sector of catalog.sectors) {
      const own = catalog.scenarios.filter((s) => s.sector === sector.id);
      expect({ sector: sector.id, total: own.length >= 8 }).toEqual({ sector: sector.id, total: true });
      expect(own.filter((s) => s.method === "role-play").length).toBeGreaterThanOrEqual(3);
      expect(own.filter((s) => s.method === "simulation").length).toBeGreaterThanOrEqual(3);
    }
  });

  test("when spread over levels and difficulty, then each sector reaches beyond peer support and has every difficulty", () => {
    for (const sector of catalog.sectors) {
      const own = catalog.scenarios.filter((s) => s.sector === sector.id);
      expect(new Set(own.map((s) => s.difficulty))).toEqual(new Set(["introductory", "intermediate", "advanced"]));
      expect(new Set(own.flatMap((s) => s.tiers)).size).toBeGreaterThanOrEqual(3);
    }
  });

  test("when a sector's emphasised competencies are looked up, then one of its scenarios practises each", () => {
    for (const sector of catalog.sectors) {
      const practised = new Set(catalog.scenarios.filter((s) => s.sector === sector.id).flatMap((s) => [...practisedBy(s)]));
      for (const { competency } of sector.emphasis) expect({ sector: sector.id, competency, practised: practised.has(competency) }).toEqual({ sector: sector.id, competency, practised: true });
    }
  });

  test("when a scenario is read, then it has roles with briefs, triggers, a checklist, debrief questions and a safety note", () => {
    for (const s of catalog.scenarios) {
      const kinds = s.roles.map((r) => r.kind);
      expect(kinds).toEqual(expect.arrayContaining(["peer-supporter", "supported"]));
      expect(s.triggers.length).toBeGreaterThanOrEqual(2);
      expect(s.checklist.length).toBeGreaterThanOrEqual(3);
      expect(s.debrief.length).toBeGreaterThanOrEqual(3);
      expect(s.minutes.debrief).toBeGreaterThanOrEqual(s.minutes.play);
      expect(scenarioMinutes(s)).toBeLessThanOrEqual(90);
      expect(s.safetyNote.length).toBeGreaterThan(20);
    }
  });

  test("when a scenario discloses suicidal thoughts, then it expects triage and referral", () => {
    const disclosing = catalog.scenarios.filter((s) => s.triggers.some((t) => /suicid/i.test(`${t.cue} ${t.escalation} ${t.expectedResponse}`)));
    expect(disclosing.length).toBeGreaterThanOrEqual(3);
    for (const s of disclosing) {
      const named = practisedBy(s);
      expect({ id: s.id, triage: named.has("triage-decision") || named.has("suicide-risk-recognition") || named.has("knowing-when-to-refer") }).toEqual({ id: s.id, triage: true });
    }
  });
});
