import Handlebars from "handlebars";
import { readFileSync, readdirSync } from "node:fs";
import { basename, join } from "node:path";
import type { Catalog } from "../content/index.js";
import { METHOD_LABELS, type Curriculum, type Method, type Scenario } from "../domain/index.js";
import { buildKit, type Kit } from "../kit/build-kit.js";
import { courseData, scenarioView } from "./course-data.js";
import { formatMinutes } from "./format.js";

export type Paper = "a4" | "letter";
export type Edition = "trainer" | "participant";
export type KitEdition = "facilitator" | "participant";

/** The kit with each quiz answer as a letter, for print. */
function printableKit(kit: Kit) {
  return { ...kit, quiz: { items: kit.quiz.items.map((q) => ({ ...q, answerLetter: String.fromCharCode(65 + q.answer) })) } };
}

/**
 * Escapes text for a CSS string: everything but letters, digits and spaces becomes a hex escape, so no title can end
 * the string or the style sheet. Every escape ends with a space, which CSS consumes as the escape's terminator:
 * without it, the escape would swallow the real space after it (", " would print as ",").
 */
export function cssString(text: string): string {
  return [...text].map((ch) => (/[A-Za-z0-9 ]/.test(ch) ? ch : `\\${ch.codePointAt(0)!.toString(16)} `)).join("");
}

/**
 * The print documents (templates/print): a private Handlebars instance whose templates are compiled once. Every
 * value is written with `{{ }}` (escaped); the print CSS gets the course title through `cssString`.
 */
export class PrintDocuments {
  private readonly hbs = Handlebars.create();
  private readonly templates = new Map<string, Handlebars.TemplateDelegate>();

  constructor(
    private readonly catalog: Catalog,
    templatesDir: string,
  ) {
    const printDir = join(templatesDir, "print");
    this.hbs.registerHelper({
      eq: (a: unknown, b: unknown) => a === b,
      minutes: (m: number) => formatMinutes(m),
      percent: (share: number) => `${Math.round(share * 100)}%`,
      method: (m: Method) => METHOD_LABELS[m] ?? m,
      join: (list: unknown, separator: unknown) => (Array.isArray(list) ? list.join(typeof separator === "string" ? separator : ", ") : ""),
      cssString: (text: unknown) => cssString(String(text ?? "")),
    });
    // print/partials, and shared/: the partials the web pages use too (the course audit).
    for (const dir of [join(printDir, "partials"), join(templatesDir, "shared")]) {
      for (const file of readdirSync(dir).filter((f) => f.endsWith(".hbs"))) this.hbs.registerPartial(basename(file, ".hbs"), readFileSync(join(dir, file), "utf8"));
    }
    for (const file of readdirSync(printDir).filter((f) => f.endsWith(".hbs"))) {
      this.templates.set(basename(file, ".hbs"), this.hbs.compile(readFileSync(join(printDir, file), "utf8"), { strict: false }));
    }
  }

  private render(name: string, data: object): string {
    const template = this.templates.get(name);
    if (!template) throw new Error(`no print template ${name}`);
    return template(data);
  }

  private scenarioView(s: Scenario) {
    return scenarioView(s, this.catalog);
  }

  /** What the syllabus and the guide share, with what the page frame needs. */
  private courseData(c: Curriculum, paper: Paper, documentLabel: string) {
    return { ...courseData(c, this.catalog), paper, documentLabel, runningTitle: c.title };
  }

  /** The participant syllabus: the exact HTML the PDF is printed from. */
  syllabus(c: Curriculum, paper: Paper = "a4"): string {
    return this.render("syllabus", this.courseData(c, paper, "Participant syllabus"));
  }

  /** The facilitator guide: the syllabus plus timing, DO/SAY notes, scenarios in full and a preparation checklist. */
  facilitatorGuide(c: Curriculum, paper: Paper = "a4"): string {
    const data = this.courseData(c, paper, "Facilitator guide");
    const sessions = data.c.sessions.map((s) => {
      const template = this.catalog.session(s.templateId);
      const scenario = s.scenarioIds[0] ? this.catalog.scenario(s.scenarioIds[0]) : undefined;
      return { ...s, planMinutes: template?.minutes.default, debrief: template?.debrief, scenarioFull: scenario && this.scenarioView(scenario) };
    });
    return this.render("facilitator-guide", { ...data, c: { ...data.c, sessions }, kit: printableKit(buildKit(c, this.catalog)), facilitator: true });
  }

  /** The programme kit on its own: the facilitator edition has answer keys, checklists, rubric and interview guide. */
  kit(c: Curriculum, edition: KitEdition, paper: Paper = "a4"): string {
    const label = edition === "facilitator" ? "Programme kit, facilitator edition" : "Programme kit, participant edition";
    const data = this.courseData(c, paper, label);
    return this.render("kit", { ...data, kit: printableKit(buildKit(c, this.catalog)), facilitator: edition === "facilitator" });
  }

  /** One certificate a page, each name exactly as typed (escaped like all text). */
  certificates(c: Curriculum, names: readonly string[], paper: Paper = "a4"): string {
    const data = this.courseData(c, paper, "Certificates");
    const rescueCodes = buildKit(c, this.catalog).certification.rescue.map((r) => r.code).join(", ");
    return this.render("certificates", { ...data, names, rescueCodes });
  }

  /** A sector's scenario pack: the trainer edition in full, or the participant edition as one role card a page. */
  scenarioPack(sector: string, scenarios: readonly Scenario[], edition: Edition, paper: Paper = "a4", filterLabel?: string): string {
    const sectorName = this.catalog.sector(sector)?.name ?? sector;
    const editionLabel = edition === "trainer" ? "Trainer edition" : "Participant edition";
    const cards = scenarios.flatMap((s) =>
      s.roles.map((role) => ({ scenarioTitle: s.title, method: s.method, setting: s.setting, role, opening: s.opening.role === role.id ? s.opening.line : undefined })),
    );
    return this.render("scenario-pack", {
      sectorName,
      editionLabel,
      trainer: edition === "trainer",
      scenarios: scenarios.map((s) => this.scenarioView(s)),
      cards,
      filterLabel,
      paper,
      documentLabel: `${sectorName} scenario pack, ${editionLabel.toLowerCase()}`,
      runningTitle: `${sectorName} scenario pack`,
    });
  }
}
