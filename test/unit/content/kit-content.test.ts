import { beforeAll, describe, expect, test } from "@jest/globals";
import type { Catalog } from "../../../src/content/index.js";
import { realCatalog } from "../../support/catalog.js";

let catalog: Catalog;
beforeAll(async () => {
  catalog = await realCatalog();
});

describe("the quiz item bank", () => {
  test("when counted per competency, then every specific competency has at least two items", () => {
    for (const c of catalog.competencies) {
      const n = catalog.quiz.filter((q) => q.competency === c.id).length;
      expect({ competency: c.id, enough: n >= 2 }).toEqual({ competency: c.id, enough: true });
    }
  });

  test("when an item is read, then it has 3-5 distinct options, a valid answer and a rationale", () => {
    for (const q of catalog.quiz) {
      expect(q.options.length).toBeGreaterThanOrEqual(3);
      expect(q.options.length).toBeLessThanOrEqual(5);
      expect(new Set(q.options).size).toBe(q.options.length);
      expect(q.answer).toBeLessThan(q.options.length);
      expect(q.rationale.length).toBeGreaterThan(20);
    }
  });

  test("when the answers are tallied, then the right option is not always in the same place", () => {
    const positions = new Map<number, number>();
    for (const q of catalog.quiz) positions.set(q.answer, (positions.get(q.answer) ?? 0) + 1);
    expect(positions.size).toBeGreaterThanOrEqual(3);
    expect(Math.max(...positions.values()) / catalog.quiz.length).toBeLessThan(0.5);
  });
});

describe("the kit content", () => {
  test("when read, then screening covers every selection criterion and evaluation covers Kirkpatrick levels 1-4", () => {
    const screened = new Set(catalog.kit.screening.questions.map((q) => q.criterion));
    for (const c of catalog.programme.selectionCriteria) expect(screened.has(c.id)).toBe(true);
    expect(catalog.kit.evaluation.levels.map((l) => l.level)).toEqual([1, 2, 3, 4]);
    const instruments = catalog.kit.evaluation.levels.flatMap((l) => l.instruments.map((i) => i.name)).join(" ");
    expect(instruments).toMatch(/SVEST/);
    expect(instruments).toMatch(/quiz/i);
  });
});
