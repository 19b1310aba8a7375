import type { Express } from "express";
import { engine } from "express-handlebars";
import { join } from "node:path";
import { METHOD_LABELS, type Method } from "../domain/index.js";
import { formatMinutes } from "../render/format.js";


/**
 * Handlebars for the pages: templates/layouts, templates/partials and templates/shared, templates/pages. Every value is written with
 * `{{ }}`, which escapes it; no template uses `{{{ }}}` for data.
 */
export function useViewEngine(app: Express, templatesDir: string): void {
  app.engine(
    "hbs",
    engine({
      extname: ".hbs",
      defaultLayout: "main",
      layoutsDir: join(templatesDir, "layouts"),
      // shared/: partials the printed documents use too (the course audit).
      partialsDir: [join(templatesDir, "partials"), join(templatesDir, "shared")],
      helpers: {
        eq: (a: unknown, b: unknown) => a === b,
        includes: (list: unknown, item: unknown) => Array.isArray(list) && list.includes(item),
        minutes: (m: number) => formatMinutes(m),
        percent: (share: number) => `${Math.round(share * 100)}%`,
        method: (m: Method) => METHOD_LABELS[m] ?? m,
        join: (list: unknown, separator: unknown) => (Array.isArray(list) ? list.join(typeof separator === "string" ? separator : ", ") : ""),
        inc: (n: number) => n + 1,
        // For a value inside a URL's query (a return path): the page escapes HTML, this escapes the URL.
        encode: (value: unknown) => encodeURIComponent(String(value ?? "")),
      },
    }),
  );
  app.set("view engine", "hbs");
  // Compile each template once (Express only caches views in production by default); `npm run dev` turns it off.
  app.set("view cache", process.env.NODE_ENV !== "development");
  app.set("views", join(templatesDir, "pages"));
}
