import puppeteer, { type Browser, type CDPSession, type HTTPRequest, type Page, type PaperFormat } from "puppeteer";

/** The queue is full: the caller should answer 503 with Retry-After. */
export class RendererBusyError extends Error {
  constructor(readonly retryAfterSeconds: number) {
    super("The PDF renderer is busy; try again shortly.");
    this.name = "RendererBusyError";
  }
}

/**
 * Chromium could not be started, or died under the same document twice in a row: the caller should answer 503 with
 * Retry-After (a fresh browser is launched for the next document).
 */
export class RendererUnavailableError extends Error {
  constructor(
    readonly retryAfterSeconds: number,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = "RendererUnavailableError";
  }
}

/** Chromium (the browser, or the document's page) died while a document was being rendered; never leaves the renderer. */
class ChromiumLostError extends Error {
  constructor(options?: ErrorOptions) {
    super("Chromium died while rendering the document.", options);
    this.name = "ChromiumLostError";
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
  /**
   * Documents one client may have waiting (half of `maxQueue` by default); one more from that client is refused
   * with RendererBusyError, so a single client cannot fill the queue and lock everyone else out.
   */
  maxQueuePerClient?: number;
  timeoutMs?: number;
  /** A fresh browser after this many documents, so Chromium's memory cannot creep. */
  recycleAfter?: number;
  /** Documents one page prints before it is closed and replaced by a fresh one (with a fresh renderer process). */
  documentsPerPage?: number;
}

export interface PdfRequest {
  html: string;
  paper?: "a4" | "letter";
  /** Who asks (the route passes the client's IP address): waiting documents are served in turn across clients. */
  client?: string;
}

/**
 * Chromium's launch flags: no GPU, /tmp instead of /dev/shm, no background traffic; no sandbox only as root. And no
 * network at all, beneath the request interception: some requests never reach it (a <link rel=prefetch> is fetched
 * in full, a preconnect or a blocked frame still opens a connection), so every http(s) request, loopback included,
 * goes to a proxy whose name cannot resolve, and no name resolves (no DNS query either).
 */
export function chromiumArgs(): string[] {
  const args = [
    "--disable-dev-shm-usage",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--proxy-server=http://no-network.invalid:9",
    "--proxy-bypass-list=<-loopback>",
    "--host-resolver-rules=MAP * ~NOTFOUND",
  ];
  if (process.getuid?.() === 0) args.push("--no-sandbox");
  return args;
}

/** A locked-down page of the pool: it prints one document at a time, at most `documentsPerPage` of them. */
interface PooledPage {
  page: Page;
  /** A session of our own on the page, for Page.stopLoading between documents. */
  session: CDPSession;
  printed: number;
  /** The page's renderer crashed (perhaps while it waited for a document): it is closed, never used again. */
  crashed: boolean;
}

interface Generation {
  browser: Browser;
  active: number;
  rendered: number;
  retired: boolean;
  /** Locked-down pages waiting for a document (or being opened, or being made ready after their last one). */
  idle: Promise<PooledPage>[];
  /** Pages of this browser that exist or are being opened: idle, printing or being made ready. */
  pages: number;
}

/**
 * Waiting documents, one FIFO per client, served in rotation: a client with many documents waiting holds back
 * another client's document by at most one of its own.
 */
class FairQueue<T> {
  /** A Map iterates in insertion order: the first entry is the client whose turn it is. */
  private readonly queues = new Map<string, T[]>();
  private count = 0;

  get size(): number {
    return this.count;
  }

  sizeOf(client: string): number {
    return this.queues.get(client)?.length ?? 0;
  }

  push(client: string, item: T): void {
    const queue = this.queues.get(client);
    if (queue) queue.push(item);
    else this.queues.set(client, [item]);
    this.count += 1;
  }

  shift(): T | undefined {
    const turn = this.queues.entries().next();
    if (turn.done) return undefined;
    const [client, queue] = turn.value;
    const item = queue.shift();
    // Re-inserting moves the client to the back of the rotation; a client with nothing left waiting leaves it.
    this.queues.delete(client);
    if (queue.length > 0) this.queues.set(client, queue);
    this.count -= 1;
    return item;
  }
}

/** Only the page itself and inline data may load: a document can never fetch from the network or read a file. */
function allowOnlyInline(request: HTTPRequest): void {
  const url = request.url();
  if (url === "about:blank" || url.startsWith("data:")) void request.continue();
  else void request.abort("blockedbyclient");
}

/**
 * Whether the document in a page could affect the next one printed in it, so that the page must not be reused.
 * `setContent` replaces a document's content (document.open) but keeps the Document, and what a <meta http-equiv> set
 * outlives its element: a Content-Security-Policy (the next document's styles or images blocked), a refresh (the next
 * document navigated away), a default style sheet set, a content language. So any <meta> but `<meta charset>` counts.
 * So does a frame (iframe, frame, object): after one, a blocked request from the next document's frame has crashed
 * the whole browser. Evaluated in the page with Runtime.evaluate, as setContent itself is (the page's JavaScript
 * stays off); a string, so that no transform of this module (coverage counters) can change what runs there.
 */
const LEAVES_STATE_BEHIND = `window.length > 0 || Array.from(document.querySelectorAll("meta")).some((meta) => meta.attributes.length !== 1 || !meta.hasAttribute("charset"))`;

/**
 * Renders HTML to PDF in one shared Chromium without network (see chromiumArgs), in a small pool of locked-down pages
 * (JavaScript off, every request but about:blank and data: blocked), each printing one document at a time and reused
 * for up to `documentsPerPage` documents. `setContent` replaces the whole document, so a document sees nothing of the
 * one before; between the two, what the last one left pending is cancelled (Page.stopLoading: no meta refresh can fire
 * into the next one), and a page is closed rather than reused when its document failed, timed out, crashed it, or had
 * a <meta> or a frame, which could leave state behind (see LEAVES_STATE_BEHIND). With JavaScript off and no network a
 * document can store nothing (no cookie, no storage, nothing cached), so pages share the browser's default context. At
 * most `concurrency` documents at once and `maxQueue` waiting (more is refused, so a burst cannot pile up memory), at
 * most `maxQueuePerClient` of them from one client, served in turn across clients; a per-document timeout; a new
 * browser after a crash and after every `recycleAfter` documents. A document that was being rendered when Chromium
 * died is rendered once more, on the new browser.
 */
export class PdfRenderer {
  private readonly concurrency: number;
  private readonly maxQueue: number;
  private readonly maxQueuePerClient: number;
  private readonly timeoutMs: number;
  private readonly recycleAfter: number;
  private readonly documentsPerPage: number;
  private current: Generation | undefined;
  private launching: Promise<Generation> | undefined;
  private readonly generations = new Set<Generation>();
  private active = 0;
  private opened = 0;
  private readonly waiting = new FairQueue<() => void>();
  private closed = false;

  constructor(private readonly options: PdfRendererOptions) {
    this.concurrency = options.concurrency ?? 2;
    this.maxQueue = options.maxQueue ?? 16;
    this.maxQueuePerClient = options.maxQueuePerClient ?? Math.max(1, Math.ceil(this.maxQueue / 2));
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.recycleAfter = options.recycleAfter ?? 200;
    this.documentsPerPage = Math.max(1, options.documentsPerPage ?? 50);
  }

  /** Starts Chromium now rather than on the first document. */
  async start(): Promise<void> {
    await this.generation();
  }

  /** The process id of the current Chromium (for tests and monitoring). */
  browserPid(): number | undefined {
    return this.current?.browser.process()?.pid;
  }

  /** How many pages were opened so far, over every browser (for tests and monitoring: pages are reused). */
  pagesOpened(): number {
    return this.opened;
  }

  async render(request: PdfRequest): Promise<Buffer> {
    if (this.closed) throw new Error("the PDF renderer is closed");
    await this.acquire(request.client ?? "");
    try {
      // A crash is most likely not the document's fault (memory pressure, an operator, a Chromium bug), so it gets
      // one more try on a fresh browser; a second one in a row is reported as unavailable, not as a server error.
      for (let attempt = 1; ; attempt += 1) {
        try {
          return await this.renderNow(request);
        } catch (error) {
          if (!(error instanceof ChromiumLostError)) throw error;
          if (attempt === 2) throw new RendererUnavailableError(this.retryAfterSeconds(), "Chromium died twice while rendering the document.", { cause: error });
        }
      }
    } finally {
      this.release();
    }
  }

  /** What to tell a refused client: about a third of the longest a document may take. */
  private retryAfterSeconds(): number {
    return Math.max(1, Math.ceil(this.timeoutMs / 10_000));
  }

  private acquire(client: string): Promise<void> {
    if (this.active < this.concurrency) {
      this.active += 1;
      return Promise.resolve();
    }
    if (this.waiting.size >= this.maxQueue || this.waiting.sizeOf(client) >= this.maxQueuePerClient) throw new RendererBusyError(this.retryAfterSeconds());
    return new Promise((resolve) => this.waiting.push(client, resolve));
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.active -= 1;
  }

  private async launch(): Promise<Generation> {
    const browser = await puppeteer.launch({ executablePath: this.options.executablePath, headless: true, args: chromiumArgs() });
    const generation: Generation = { browser, active: 0, rendered: 0, retired: false, idle: [], pages: 0 };
    this.generations.add(generation);
    this.refill(generation);
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
        throw new RendererUnavailableError(this.retryAfterSeconds(), error instanceof Error ? error.message : String(error), { cause: error });
      },
    );
    return this.launching;
  }

  /** A new blank page with JavaScript off and every request but about:blank and data: blocked. */
  private async lockedDownPage(generation: Generation): Promise<PooledPage> {
    const page = await generation.browser.newPage();
    try {
      await Promise.all([page.setJavaScriptEnabled(false), page.setRequestInterception(true)]);
      page.on("request", allowOnlyInline);
      const pooled: PooledPage = { page, session: await page.createCDPSession(), printed: 0, crashed: false };
      page.once("error", () => {
        pooled.crashed = true;
      });
      return pooled;
    } catch (error) {
      await page.close().catch(() => undefined);
      throw error;
    }
  }

  /** Starts opening a page for the generation; it is counted from now until it is discarded. */
  private openPage(generation: Generation): Promise<PooledPage> {
    generation.pages += 1;
    this.opened += 1;
    const opening = this.lockedDownPage(generation);
    opening.catch(() => {
      generation.pages -= 1;
    });
    return opening;
  }

  /** Closes a page for good. */
  private discard(generation: Generation, pooled: PooledPage): void {
    generation.pages -= 1;
    void pooled.page.close().catch(() => undefined);
  }

  /**
   * Keeps `concurrency` pages open, opening the missing ones ahead of time, so that opening a page (about a fifth
   * of a document's time) is not on a document's path.
   */
  private refill(generation: Generation): void {
    while (!generation.retired && generation.browser.connected && generation.pages < this.concurrency) generation.idle.push(this.openPage(generation));
  }

  private async takePage(generation: Generation): Promise<PooledPage> {
    while (generation.idle.length > 0) {
      try {
        const pooled = await generation.idle.shift()!;
        if (!pooled.crashed && !pooled.page.isClosed()) return pooled;
        this.discard(generation, pooled);
      } catch {
        // The page died with its browser, failed to open or is not to be reused: try the next, or make one.
      }
    }
    return this.openPage(generation);
  }

  /**
   * After a document printed: cancels whatever it left pending (a meta refresh would navigate the next document
   * away), and refuses the page (rejects) if the document set state that would outlive it.
   */
  private async readyForNext(pooled: PooledPage): Promise<PooledPage> {
    await pooled.session.send("Page.stopLoading");
    // Anything but a clear "no" (false) closes the page.
    if ((await pooled.page.evaluate(LEAVES_STATE_BEHIND)) !== false) throw new Error("the document may leave state behind");
    return pooled;
  }

  /** Where a page goes after a document: back to the pool, or closed and replaced by a fresh one. */
  private returnPage(generation: Generation, pooled: PooledPage, reusable: boolean): void {
    const fit = !pooled.crashed && !pooled.page.isClosed() && pooled.printed < this.documentsPerPage;
    if (reusable && fit && !generation.retired && generation.browser.connected && generation.pages <= this.concurrency) {
      const ready = this.readyForNext(pooled);
      ready.catch(() => {
        this.discard(generation, pooled);
        this.refill(generation);
      });
      generation.idle.push(ready);
    } else {
      this.discard(generation, pooled);
      this.refill(generation);
    }
  }

  /** One attempt at a document; ChromiumLostError if the browser or the page died meanwhile. */
  private async renderNow(request: PdfRequest): Promise<Buffer> {
    const generation = await this.generation();
    generation.active += 1;
    generation.rendered += 1;
    if (generation.rendered >= this.recycleAfter) generation.retired = true;
    let pooled: PooledPage | undefined;
    let printed = false;
    /** The answer is out (a PDF, or an error such as the timeout): a page the work takes only now is closed at once. */
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    // Rejects as soon as the browser disconnects or the page crashes, rather than when the timeout runs out.
    let chromiumLost = () => {};
    const lost = new Promise<never>((_, reject) => {
      chromiumLost = () => reject(new ChromiumLostError());
    });
    generation.browser.once("disconnected", chromiumLost);
    try {
      const work = (async () => {
        const taken = await this.takePage(generation);
        if (settled) {
          this.discard(generation, taken);
          this.refill(generation);
          throw new RenderTimeoutError(this.timeoutMs);
        }
        pooled = taken;
        taken.printed += 1;
        taken.page.once("error", chromiumLost);
        await taken.page.setContent(request.html, { waitUntil: "load", timeout: this.timeoutMs });
        const format: PaperFormat = request.paper === "letter" ? "letter" : "a4";
        const pdf = await taken.page.pdf({ format, printBackground: true, tagged: true, outline: true, preferCSSPageSize: true, timeout: this.timeoutMs });
        printed = true;
        return pdf;
      })();
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new RenderTimeoutError(this.timeoutMs)), this.timeoutMs);
      });
      return Buffer.from(await Promise.race([work, timeout, lost]));
    } catch (error) {
      // Puppeteer reports a dead browser as whichever call was pending ("Target closed", "Protocol error", ...).
      const died = error instanceof ChromiumLostError || !generation.browser.connected;
      if (!died) throw error;
      // The retry must get a fresh browser, also when only the page crashed.
      generation.retired = true;
      throw error instanceof ChromiumLostError ? error : new ChromiumLostError({ cause: error });
    } finally {
      settled = true;
      generation.browser.off("disconnected", chromiumLost);
      clearTimeout(timer);
      // Readying or closing the page happens after the answer, not before it. A page whose document failed, timed
      // out or is still being printed is closed: only a page that finished its document cleanly is reused.
      const used = pooled as PooledPage | undefined;
      if (used) {
        used.page.off("error", chromiumLost);
        this.returnPage(generation, used, printed);
      }
      generation.active -= 1;
      // A retired browser is closed once its last document is done.
      if (generation.retired && generation.active === 0) void generation.browser.close().catch(() => undefined);
    }
  }

  /** Waits for documents in flight, then closes every Chromium it started. */
  async close(): Promise<void> {
    this.closed = true;
    const busy = () => this.active > 0 || [...this.generations].some((g) => g.active > 0);
    while (busy()) await new Promise((resolve) => setTimeout(resolve, 20));
    await this.launching?.catch(() => undefined);
    await Promise.all([...this.generations].map((g) => g.browser.close().catch(() => undefined)));
    this.generations.clear();
    this.current = undefined;
  }
}
