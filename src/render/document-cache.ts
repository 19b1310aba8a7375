import { createHash } from "node:crypto";

export interface CachedDocument {
  body: Buffer;
  /** A strong validator: the SHA-256 of the bytes, quoted as HTTP writes it. */
  etag: string;
}

/**
 * Built documents (PDFs, exports, scenario packs), kept in memory and bounded by their total size: the least
 * recently used go first. A key names everything a document depends on (the curriculum's id and version, the
 * document, its options); content and templates are loaded once per process, so a key never goes stale within one.
 * Two requests for the same document while it is being built share that one build.
 */
export class DocumentCache {
  private readonly entries = new Map<string, CachedDocument>();
  private readonly building = new Map<string, Promise<CachedDocument>>();
  private bytes = 0;
  private stats = { hits: 0, misses: 0 };

  constructor(private readonly maxBytes: number) {}

  /** The cached document, counted as used now (a hit); undefined when it is not cached. */
  peek(key: string): CachedDocument | undefined {
    const found = this.entries.get(key);
    if (found) {
      this.entries.delete(key);
      this.entries.set(key, found);
      this.stats.hits++;
    }
    return found;
  }

  /** The cached document, or the one being built for this key, or a new build (a miss). */
  async get(key: string, build: () => Promise<Buffer>): Promise<CachedDocument> {
    const cached = this.peek(key);
    if (cached) return cached;
    const pending = this.building.get(key);
    if (pending) return pending;
    this.stats.misses++;
    const made = build().then((body) => {
      const document = { body, etag: `"${createHash("sha256").update(body).digest("base64url")}"` };
      this.keep(key, document);
      return document;
    });
    this.building.set(key, made);
    try {
      return await made;
    } finally {
      this.building.delete(key);
    }
  }

  private keep(key: string, document: CachedDocument): void {
    // A document larger than the whole cache is served, never kept (it would push out everything else for nothing).
    if (document.body.length > this.maxBytes) return;
    const previous = this.entries.get(key);
    if (previous) this.bytes -= previous.body.length;
    this.entries.delete(key);
    this.entries.set(key, document);
    this.bytes += document.body.length;
    for (const [oldest, entry] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(oldest);
      this.bytes -= entry.body.length;
    }
  }

  /** What the cache holds and how it has been used, for tests and the benchmark. */
  usage(): { entries: number; bytes: number; maxBytes: number; hits: number; misses: number } {
    return { entries: this.entries.size, bytes: this.bytes, maxBytes: this.maxBytes, ...this.stats };
  }
}
