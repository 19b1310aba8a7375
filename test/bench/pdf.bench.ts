import { readdirSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import puppeteer, { type Browser, type Page } from "puppeteer";
import { projectRoot, readConfig } from "../../src/config.js";
import { loadCatalog } from "../../src/content/index.js";
import { chromiumArgs, PdfRenderer } from "../../src/render/pdf-renderer.js";
import { PrintDocuments } from "../../src/render/print-documents.js";
import { LowdbCurriculumRepository } from "../../src/store/index.js";
import { createApp } from "../../src/web/app.js";
import { MemoryAccountRepository } from "../../src/store/index.js";
import { asBrowser, seedOrganisations } from "../support/accounts.js";
import { fmt, summary } from "./stats.js";

/** Resident memory (MiB) of a process and all its descendants, from /proc. */
function treeRssMiB(pid: number): number {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // the process ended while we looked
    }
  }
  let kib = 0;
  const walk = (p: number) => {
    try {
      const status = readFileSync(`/proc/${p}/status`, "utf8");
      kib += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    } catch {
      // gone
    }
    for (const c of children.get(p) ?? []) walk(c);
  };
  walk(pid);
  return kib / 1024;
}

async function fetchTimed(url: string): Promise<number> {
  const start = performance.now();
  const res = await fetch(url);
  const body = await res.arrayBuffer();
  if (res.status !== 200 || body.byteLength < 1000) throw new Error(`GET ${url}: ${res.status}`);
  return performance.now() - start;
}

/** What the sections of the PDF benchmark share: the app listening at `base`, its store and renderer. */
interface PdfBench {
  base: string;
  store: LowdbCurriculumRepository;
  documents: PrintDocuments;
  renderer: PdfRenderer;
  chromiumPath: string;
}

/** The renderer's page.pdf options, for the floor. */
const PDF_OPTIONS = { format: "a4", printBackground: true, tagged: true, outline: true, preferCSSPageSize: true } as const;

/** Runs `work` on every item with `workers` in parallel (each takes the next item not yet taken); the seconds it took. */
async function timedPool<T>(items: readonly T[], workers: number, work: (item: T, worker: number) => Promise<void>): Promise<number> {
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: workers }, async (_, worker) => {
      while (next < items.length) await work(items[next++]!, worker);
    }),
  );
  return (performance.now() - start) / 1000;
}

const SECTORS = ["healthcare", "police", "postal", "firefighting", "military"];
const TIER_SETS = [["self-care", "professional-support"], ["peer-support"], ["clinical-support"], ["prevention", "peer-support"]];

/** Creates a 16-hour curriculum through the API (the `i`th of a series: sectors and levels vary with it); its id. */
async function createCourse(base: string, title: string, i: number): Promise<string> {
  const res = await fetch(`${base}/api/curricula`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ title, sector: SECTORS[i % SECTORS.length], tiers: TIER_SETS[i % TIER_SETS.length], totalHours: 16, startDate: "2027-01-04", maxHoursPerDay: 8 }),
  });
  if (res.status !== 201) throw new Error(`POST /api/curricula: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { id: string }).id;
}

/**
 * Cold throughput against Chromium's own: `perRound` different 16-hour syllabi, each fetched exactly once through
 * HTTP by 8 concurrent clients (so no cache in front of the renderer can hit), against the same documents' HTML
 * printed with page.pdf on two already open pages of a separately launched browser (two workers, each setContent +
 * pdf). `rounds` rounds, each with its own curricula, the floor and the app alternating; the median ratio.
 */
async function benchColdThroughput(bench: PdfBench, opts: { rounds: number; perRound: number }): Promise<void> {
  const { base, store, documents } = bench;
  const browser: Browser = await puppeteer.launch({ executablePath: bench.chromiumPath, headless: true, args: chromiumArgs() });
  const pages: Page[] = [];
  // Two open pages, warmed up with a document that is not measured.
  const warmUp = documents.syllabus((await store.get(await createCourse(base, "Cold bench warm-up", 0)))!, "a4");
  for (let i = 0; i < 2; i++) {
    const page = await browser.newPage();
    await page.setJavaScriptEnabled(false);
    await page.setContent(warmUp, { waitUntil: "load" });
    await page.pdf(PDF_OPTIONS);
    pages.push(page);
  }
  console.log(`cold throughput: ${opts.perRound} different 16 h syllabi a round, each printed once; floor = page.pdf on 2 open pages (2 workers), app = HTTP with 8 clients`);
  console.log("round  floor docs/s  app docs/s  ratio");
  const ratios: number[] = [];
  const floors: number[] = [];
  const apps: number[] = [];
  for (let round = 1; round <= opts.rounds; round++) {
    const ids: string[] = [];
    for (let i = 0; i < opts.perRound; i++) ids.push(await createCourse(base, `Cold bench round ${round} course ${i + 1}: peer support after adverse events`, i));
    const htmls: string[] = [];
    for (const id of ids) htmls.push(documents.syllabus((await store.get(id))!, "a4"));
    const floorSeconds = await timedPool(htmls, 2, async (html, worker) => {
      const page = pages[worker]!;
      await page.setContent(html, { waitUntil: "load" });
      const pdf = await page.pdf(PDF_OPTIONS);
      if (pdf.byteLength < 1000) throw new Error("the floor printed an empty PDF");
    });
    const appSeconds = await timedPool(ids, 8, async (id) => {
      await fetchTimed(`${base}/curricula/${id}/syllabus.pdf`);
    });
    const floor = opts.perRound / floorSeconds;
    const app = opts.perRound / appSeconds;
    floors.push(floor);
    apps.push(app);
    ratios.push(app / floor);
    console.log(`${String(round).padStart(5)}  ${fmt(floor).padStart(12)}  ${fmt(app).padStart(10)}  ${fmt(app / floor).padStart(5)}`);
  }
  console.log(`cold throughput, median of ${opts.rounds}: floor ${fmt(summary(floors).median)} documents/s, app ${fmt(summary(apps).median)} documents/s, ratio ${fmt(summary(ratios).median)}`);
  await browser.close();
}

/**
 * Latency of one document through HTTP against the floor (page.pdf of the same HTML on an already open page, in a
 * separate browser), sequential, then throughput with 8 concurrent clients asking for the same document (which a
 * document cache in front of the renderer may answer).
 */
async function benchLatency(bench: PdfBench, rounds: number): Promise<void> {
  const { base, store, documents } = bench;
  const ids: Record<string, string> = {};
  for (const hours of [16, 40]) {
    const res = await fetch(`${base}/api/curricula`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ title: `Bench ${hours} h`, sector: "healthcare", tiers: ["self-care", "professional-support"], totalHours: hours, startDate: "2027-01-04", maxHoursPerDay: 8 }),
    });
    ids[hours] = ((await res.json()) as { id: string }).id;
  }

  // The floor: the same HTML, already loaded in an open page, printed again and again.
  const floorBrowser = await puppeteer.launch({ executablePath: bench.chromiumPath, headless: true, args: chromiumArgs() });
  console.log(`PDF: ${rounds} documents per size, sequential, after warm-up (Node ${process.version})`);
  console.log("syllabus  pages  floor median ms  HTTP median ms  HTTP p95 ms  ratio");
  for (const hours of [16, 40]) {
    const curriculum = (await store.get(ids[hours]!))!;
    const html = documents.syllabus(curriculum, "a4");
    const page = await floorBrowser.newPage();
    await page.setJavaScriptEnabled(false);
    await page.setContent(html, { waitUntil: "load" });
    const floor: number[] = [];
    const http: number[] = [];
    let pages = 0;
    for (let i = 0; i < 3; i++) {
      await page.pdf(PDF_OPTIONS);
      await fetchTimed(`${base}/curricula/${ids[hours]}/syllabus.pdf`);
    }
    for (let i = 0; i < rounds; i++) {
      const start = performance.now();
      const pdf = await page.pdf(PDF_OPTIONS);
      floor.push(performance.now() - start);
      pages = (Buffer.from(pdf).toString("latin1").match(/\/Type\s*\/Page[^s]/g) ?? []).length;
      http.push(await fetchTimed(`${base}/curricula/${ids[hours]}/syllabus.pdf`));
    }
    await page.close();
    const f = summary(floor);
    const h = summary(http);
    console.log(`${String(hours).padStart(5)} h  ${String(pages).padStart(5)}  ${fmt(f.median, 0).padStart(15)}  ${fmt(h.median, 0).padStart(14)}  ${fmt(h.p95, 0).padStart(11)}  ${fmt(h.median / f.median).padStart(5)}`);
  }
  await floorBrowser.close();

  // Throughput: 8 clients asking for the 16-hour syllabus back to back for 10 seconds.
  const url16 = `${base}/curricula/${ids[16]}/syllabus.pdf`;
  let done = 0;
  const until = performance.now() + 10_000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (performance.now() < until) {
        await fetchTimed(url16);
        done += 1;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  console.log(`throughput, 8 concurrent clients, 16 h syllabus: ${done} documents in ${fmt(seconds, 1)} s = ${fmt(done / seconds)} documents/s`);
}

/**
 * Chromium's resident set (all its processes) every 50 documents up to 200, each a different curriculum printed
 * once, so that every one is rendered (a document cache in front of the renderer cannot answer it).
 */
async function benchMemory(bench: PdfBench): Promise<void> {
  const fresh: string[] = [];
  for (let n = 1; n <= 200; n++) fresh.push(await createCourse(bench.base, `Memory bench course ${n}`, n));
  const pid = bench.renderer.browserPid()!;
  const series = [`0: ${fmt(treeRssMiB(pid), 0)} MiB`];
  for (const [i, id] of fresh.entries()) {
    await fetchTimed(`${bench.base}/curricula/${id}/syllabus.pdf`);
    if ((i + 1) % 50 === 0) series.push(`${i + 1}: ${fmt(treeRssMiB(pid), 0)} MiB`);
  }
  console.log(`Chromium resident memory after N more documents (same browser, each document different): ${series.join(", ")}`);
}

/**
 * The PDF benchmark: latency against the floor and throughput with 8 clients, cold throughput against page.pdf's
 * (24 different documents each printed once), and Chromium's resident memory over 200 documents. `sections` picks
 * some of them (all by default).
 */
export async function benchPdf(rounds = 15, sections: { latency?: boolean; cold?: boolean; memory?: boolean } = { latency: true, cold: true, memory: true }): Promise<void> {
  const config = readConfig();
  const catalog = await loadCatalog(config.contentDir);
  const dir = await mkdtemp(join(tmpdir(), "bench-pdf-"));
  const store = await LowdbCurriculumRepository.open(dir);
  const renderer = new PdfRenderer({ executablePath: config.chromiumPath, concurrency: 2, maxQueue: 16, recycleAfter: 1_000_000 });
  await renderer.start();
  const accounts = new MemoryAccountRepository();
  const [org] = await seedOrganisations({ accounts, store });
  const app = asBrowser(createApp({ catalog, store, accounts, pdf: renderer, log: () => {} }), org!.people.designer);
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, "127.0.0.1", () => resolve(s));
  });
  const bench: PdfBench = {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    store,
    documents: new PrintDocuments(catalog, join(projectRoot(), "templates")),
    renderer,
    chromiumPath: config.chromiumPath,
  };

  if (sections.latency) await benchLatency(bench, rounds);
  if (sections.cold) await benchColdThroughput(bench, { rounds: 3, perRound: 24 });
  if (sections.memory) await benchMemory(bench);

  await new Promise((resolve) => server.close(resolve));
  await renderer.close();
  await store.close();
  await rm(dir, { recursive: true, force: true });
}
