import { describe, expect, test, beforeAll } from "@jest/globals";
import type { Catalog } from "../../../src/content/index.js";
import { realCatalog } from "../../support/catalog.js";

let catalog: Catalog;
beforeAll(async () => {
  catalog = await realCatalog();
});

const CORE = [
  "active-listening",
  "reflective-listening",
  "clear-communication",
  "empathy-through-openness",
  "stress-trauma-knowledge",
  "recognising-stress-signs",
  "psychological-assessment",
  "triage-decision",
  "non-judgmental-attitude",
  "confidentiality",
  "limits-of-confidentiality",
  "professional-credibility",
];

describe("the competency framework", () => {
  test("when counted, then it has the review's 5 domains, 30 general and 91 specific competencies", () => {
    const { domains } = catalog.framework;
    expect(domains).toHaveLength(5);
    expect(domains.flatMap((d) => d.general)).toHaveLength(30);
    expect(catalog.competencies).toHaveLength(91);
  });

  test("when the domains are listed, then they are the review's five, in order", () => {
    expect(catalog.framework.domains.map((d) => [d.number, d.id])).toEqual([
      [1, "communication"],
      [2, "emotional-support"],
      [3, "ethics-legal"],
      [4, "organisation-role"],
      [5, "self-care-motivation"],
    ]);
  });

  test("when ids and codes are compared, then none repeats", () => {
    const ids = catalog.competencies.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    const codes = catalog.competencies.map((c) => c.code);
    expect(new Set(codes).size).toBe(codes.length);
    for (const c of catalog.competencies) expect(c.code.startsWith(`${c.domainNumber}.`)).toBe(true);
  });

  test("when a competency is read, then it has a description, a kind and 2-4 observable behaviours", () => {
    for (const c of catalog.competencies) {
      expect(c.description.length).toBeGreaterThan(20);
      expect(["skill", "attitude", "knowledge"]).toContain(c.kind);
      expect(c.behaviours.length).toBeGreaterThanOrEqual(2);
      expect(c.behaviours.length).toBeLessThanOrEqual(4);
      expect(c.sources.length).toBeGreaterThan(0);
    }
    const kinds = new Set(catalog.competencies.map((c) => c.kind));
    expect(kinds).toEqual(new Set(["skill", "attitude", "knowledge"]));
  });

  test("when the core set is read, then it is exactly the review's cross-sector competencies", () => {
    expect(catalog.competencies.filter((c) => c.core).map((c) => c.id).sort()).toEqual([...CORE].sort());
  });

  test("when the review's named competencies are looked up, then each has a home in the framework", () => {
    const { review } = catalog.framework.crossReferences;
    expect(review.length).toBeGreaterThanOrEqual(18);
    for (const named of review) {
      const homes = catalog.competencies.filter((c) => c.crossReferences.review.includes(named.id));
      expect({ named: named.id, homes: homes.length > 0 }).toEqual({ named: named.id, homes: true });
    }
  });

  test("when the RESCUE codes COM01-COM14 are looked up, then each is mapped to at least one competency", () => {
    const codes = catalog.framework.crossReferences.rescue.map((r) => r.code);
    expect(codes).toEqual(Array.from({ length: 14 }, (_, i) => `COM${String(i + 1).padStart(2, "0")}`));
    for (const code of codes) {
      expect({ code, mapped: catalog.competencies.some((c) => c.crossReferences.rescue.includes(code)) }).toEqual({ code, mapped: true });
    }
  });
});

describe("the ERNST levels", () => {
  test("when listed, then they are the five levels in order and peer support is always included", () => {
    expect(catalog.tiers.map((t) => t.id)).toEqual(["prevention", "self-care", "peer-support", "professional-support", "clinical-support"]);
    expect(catalog.ids.alwaysIncludedTiers).toEqual(["peer-support"]);
    expect(catalog.tiers.map((t) => t.peerSupporterRole.stance)).toEqual(["promotes", "promotes", "delivers", "refers", "refers"]);
  });

  test("when mapped to Scott's tiers, then levels 4 and 5 split Scott's tier 3", () => {
    expect(catalog.tier("professional-support")?.scottTier).toBe(3);
    expect(catalog.tier("clinical-support")?.scottTier).toBe(3);
    expect(catalog.tier("prevention")?.scottTier).toBeNull();
  });

  test("when any level is read, then some competency is used at it", () => {
    for (const tier of catalog.tiers) expect(catalog.competencies.some((c) => c.tiers.includes(tier.id))).toBe(true);
  });
});

describe("the sector modules", () => {
  const emphasised = (sector: string) => catalog.sector(sector)?.emphasis.map((e) => e.competency) ?? [];

  test("when listed, then the five sectors of the review and the three it found missing are there, each emphasising competencies", () => {
    expect(catalog.sectors.map((s) => s.id).sort()).toEqual(["aviation", "energy", "firefighting", "healthcare", "military", "police", "postal", "rail"]);
    for (const s of catalog.sectors) {
      expect(s.emphasis.length).toBeGreaterThan(0);
      expect(s.referralRoutes.length).toBeGreaterThanOrEqual(2);
      expect(s.events.length).toBeGreaterThanOrEqual(2);
    }
  });

  test("when military and healthcare are compared with the review, then both stress the organisational structure", () => {
    expect(emphasised("military")).toContain("organisational-structure-knowledge");
    expect(emphasised("healthcare")).toContain("organisational-structure-knowledge");
  });

  test("when firefighting and military (veterans) are read, then both stress substance misuse and suicide prevention", () => {
    for (const sector of ["firefighting", "military"]) {
      expect(emphasised(sector)).toEqual(expect.arrayContaining(["substance-misuse-recognition", "suicide-risk-recognition"]));
    }
  });

  test("when healthcare is read, then self-care, resilience, mindfulness and the non-investigative approach are its own", () => {
    const healthcareOnly = ["personal-self-care", "resilience-building", "mindfulness-practice", "non-investigative-approach"];
    expect(emphasised("healthcare")).toEqual(expect.arrayContaining(healthcareOnly));
    for (const other of ["military", "police", "firefighting", "postal"]) {
      for (const id of healthcareOnly) expect(emphasised(other)).not.toContain(id);
    }
  });

  test("when a competency is emphasised by a sector, then the catalog lists that sector on the competency", () => {
    expect(catalog.competency("mindfulness-practice")?.emphasisedIn).toEqual(["healthcare"]);
    expect(catalog.competency("substance-misuse-recognition")?.emphasisedIn).toEqual(expect.arrayContaining(["firefighting", "military"]));
  });
});
