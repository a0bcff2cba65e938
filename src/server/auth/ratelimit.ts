/**
 * A token bucket per caller (client id, or peer address for requests
 * without a credential): `rate` requests per second on average, bursts of
 * up to `burst`. Buckets that have refilled are forgotten, so memory follows
 * the callers active in the last few seconds.
 */
export interface RateLimit {
  /** Requests per second; 0 turns the limit off. */
  rate: number;
  /** Bucket size (default 2 × rate). */
  burst?: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  readonly rate: number;
  readonly burst: number;
  private sweptAt = 0;

  constructor(limit: RateLimit, private readonly now: () => number = () => performance.now()) {
    this.rate = Math.max(0, limit.rate);
    this.burst = Math.max(1, limit.burst ?? Math.ceil(this.rate * 2));
  }

  get enabled(): boolean {
    return this.rate > 0;
  }

  /** Takes one token; when none is left, the seconds until one will be. */
  take(key: string): { ok: true } | { ok: false; retryAfter: number } {
    if (!this.enabled) return { ok: true };
    const t = this.now();
    this.sweep(t);
    let b = this.buckets.get(key);
    if (!b) {
      b = { tokens: this.burst, at: t };
      this.buckets.set(key, b);
    }
    b.tokens = Math.min(this.burst, b.tokens + ((t - b.at) / 1000) * this.rate);
    b.at = t;
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return { ok: true };
    }
    return { ok: false, retryAfter: Math.max(1, Math.ceil((1 - b.tokens) / this.rate)) };
  }

  private sweep(t: number): void {
    if (t - this.sweptAt < 10_000 && this.buckets.size < 100_000) return;
    this.sweptAt = t;
    const full = (this.burst / this.rate) * 1000;
    for (const [k, b] of this.buckets) if (t - b.at >= full) this.buckets.delete(k);
  }
}
