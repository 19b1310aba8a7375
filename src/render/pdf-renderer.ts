import puppeteer, { type Browser, type HTTPRequest, type PaperFormat } from "puppeteer";

/** The queue is full: the caller should answer 503 with Retry-After. */
export class RendererBusyError extends Error {
  constructor(readonly retryAfterSeconds: number) {
    super("The PDF renderer is busy; try again shortly.");
    this.name = "RendererBusyError";
  }
}

/** A document took longer than the per-document timeout. */
export class RenderTimeoutError extends Error {
  constructor(timeoutMs: number) {
    super(`The PDF took longer than ${timeoutMs / 1000} s to render.`);
    this.name = "RenderTimeoutError";
  }
}

export interface PdfRendererOptions {
  executablePath: string;
  /** Documents rendered at once (each in its own page). */
  concurrency?: number;
  /** Documents that may wait; one more is refused with RendererBusyError. */
  maxQueue?: number;
  timeoutMs?: number;
  /** A fresh browser after this many documents, so Chromium's memory cannot creep. */
  recycleAfter?: number;
}

export interface PdfRequest {
  html: string;
  paper?: "a4" | "letter";
}

/** Chromium's launch flags: no GPU, /tmp instead of /dev/shm, no background traffic; no sandbox only as root. */
export function chromiumArgs(): string[] {
  const args = [
    "--disable-dev-shm-usage",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
  ];
  if (process.getuid?.() === 0) args.push("--no-sandbox");
  return args;
}

interface Generation {
  browser: Browser;
  active: number;
  rendered: number;
  retired: boolean;
}

/** Only the page itself and inline data may load: a document can never fetch from the network or read a file. */
function allowOnlyInline(request: HTTPRequest): void {
  const url = request.url();
  if (url === "about:blank" || url.startsWith("data:")) void request.continue();
  else void request.abort("blockedbyclient");
}

/**
 * Renders HTML to PDF in one shared Chromium: each document in a fresh page with JavaScript off and every request
 * but about:blank and data: blocked; at most `concurrency` at once and `maxQueue` waiting (more is refused, so a
 * burst cannot pile up memory); a per-document timeout; a new browser after a crash (on the next document) and
 * after every `recycleAfter` documents.
 */
export class PdfRenderer {
  private readonly concurrency: number;
  private readonly maxQueue: number;
  private readonly timeoutMs: number;
  private readonly recycleAfter: number;
  private current: Generation | undefined;
  private launching: Promise<Generation> | undefined;
  private readonly generations = new Set<Generation>();
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  private closed = false;

  constructor(private readonly options: PdfRendererOptions) {
    this.concurrency = options.concurrency ?? 2;
    this.maxQueue = options.maxQueue ?? 16;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.recycleAfter = options.recycleAfter ?? 200;
  }

  /** Starts Chromium now rather than on the first document. */
  async start(): Promise<void> {
    await this.generation();
  }

  /** The process id of the current Chromium (for tests and monitoring). */
  browserPid(): number | undefined {
    return this.current?.browser.process()?.pid;
  }

  async render(request: PdfRequest): Promise<Buffer> {
    if (this.closed) throw new Error("the PDF renderer is closed");
    await this.acquire();
    try {
      return await this.renderNow(request);
    } finally {
      this.release();
    }
  }

  private acquire(): Promise<void> {
    if (this.active < this.concurrency) {
      this.active += 1;
      return Promise.resolve();
    }
    if (this.waiting.length >= this.maxQueue) throw new RendererBusyError(Math.max(1, Math.ceil(this.timeoutMs / 10_000)));
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.active -= 1;
  }

  private async launch(): Promise<Generation> {
    const browser = await puppeteer.launch({ executablePath: this.options.executablePath, headless: true, args: chromiumArgs() });
    const generation: Generation = { browser, active: 0, rendered: 0, retired: false };
    this.generations.add(generation);
    browser.on("disconnected", () => {
      this.generations.delete(generation);
      if (this.current === generation) this.current = undefined;
    });
    return generation;
  }

  /** The browser to use now: launched on first use, after a crash, or after the last one was retired. */
  private async generation(): Promise<Generation> {
    if (this.current && this.current.browser.connected && !this.current.retired) return this.current;
    this.launching ??= this.launch().then(
      (g) => {
        this.current = g;
        this.launching = undefined;
        return g;
      },
      (error: unknown) => {
        this.launching = undefined;
        throw error;
      },
    );
    return this.launching;
  }

  private async renderNow(request: PdfRequest): Promise<Buffer> {
    const generation = await this.generation();
    generation.active += 1;
    generation.rendered += 1;
    if (generation.rendered >= this.recycleAfter) generation.retired = true;
    const page = await generation.browser.newPage();
    let timer: NodeJS.Timeout | undefined;
    try {
      const work = (async () => {
        await page.setJavaScriptEnabled(false);
        await page.setRequestInterception(true);
        page.on("request", allowOnlyInline);
        await page.setContent(request.html, { waitUntil: "load", timeout: this.timeoutMs });
        const format: PaperFormat = request.paper === "letter" ? "letter" : "a4";
        return page.pdf({ format, printBackground: true, tagged: true, outline: true, preferCSSPageSize: true, timeout: this.timeoutMs });
      })();
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new RenderTimeoutError(this.timeoutMs)), this.timeoutMs);
      });
      return Buffer.from(await Promise.race([work, timeout]));
    } finally {
      clearTimeout(timer);
      await page.close().catch(() => undefined);
      generation.active -= 1;
      if (generation.retired && generation.active === 0) await generation.browser.close().catch(() => undefined);
    }
  }

  /** Waits for documents in flight, then closes every Chromium it started. */
  async close(): Promise<void> {
    this.closed = true;
    while (this.active > 0) await new Promise((resolve) => setTimeout(resolve, 20));
    await this.launching?.catch(() => undefined);
    await Promise.all([...this.generations].map((g) => g.browser.close().catch(() => undefined)));
    this.generations.clear();
    this.current = undefined;
  }
}
