/**
 * Counts failed sign-ins in a sliding window, per key (an email address, a client address). When a key reaches its
 * limit, further attempts are refused until its oldest failure leaves the window; a success clears the key.
 * The key is counted whether or not an account has that email, so the limit reveals nothing about who has one.
 */
export class AttemptLimiter {
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    /** Bounds memory under a spray of distinct keys: the oldest keys are forgotten first. */
    private readonly maxKeys = 50_000,
  ) {}

  private recent(key: string, now: number): number[] {
    const kept = (this.failures.get(key) ?? []).filter((t) => now - t < this.windowMs);
    if (kept.length === 0) this.failures.delete(key);
    else this.failures.set(key, kept);
    return kept;
  }

  /** Seconds until the key may try again; 0 when it may try now. */
  retryAfterSeconds(key: string, now: number): number {
    const kept = this.recent(key, now);
    if (kept.length < this.limit) return 0;
    return Math.max(1, Math.ceil((kept[kept.length - this.limit]! + this.windowMs - now) / 1000));
  }

  fail(key: string, now: number): void {
    const kept = this.recent(key, now);
    this.failures.delete(key);
    this.failures.set(key, [...kept, now].slice(-this.limit));
    if (this.failures.size > this.maxKeys) this.failures.delete(this.failures.keys().next().value as string);
  }

  clear(key: string): void {
    this.failures.delete(key);
  }
}
