/**
 * Prometheus metrics in the text exposition format, without a client
 * library: counters, gauges and histograms with labels, plus gauges read at
 * scrape time. Label sets per series are capped so that caller-chosen paths
 * cannot grow memory without bound.
 */

import { addProcessMetrics } from './process-metrics.js';

type Labels = readonly string[];
const MAX_SERIES = 2000;

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function labelText(names: Labels, values: Labels, extra = ''): string {
  const parts = names.map((n, i) => `${n}="${escapeLabel(values[i] ?? '')}"`);
  if (extra) parts.push(extra);
  return parts.length ? `{${parts.join(',')}}` : '';
}

function num(v: number): string {
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return Number.isFinite(v) ? String(v) : 'NaN';
}

interface Metric {
  render(out: string[]): void;
}

abstract class Series<T> implements Metric {
  protected readonly series = new Map<string, { values: Labels; data: T }>();
  constructor(readonly name: string, readonly help: string, readonly type: string, readonly labelNames: Labels) {}

  protected slot(values: Labels, init: () => T): T {
    const key = values.join('\u0000');
    let s = this.series.get(key);
    if (!s) {
      if (this.series.size >= MAX_SERIES) values = this.labelNames.map(() => 'other');
      const k2 = values.join('\u0000');
      s = this.series.get(k2) ?? { values: [...values], data: init() };
      this.series.set(k2, s);
    }
    return s.data;
  }

  reset(): void {
    this.series.clear();
  }

  render(out: string[]): void {
    out.push(`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} ${this.type}`);
    for (const s of this.series.values()) this.renderOne(out, s.values, s.data);
  }

  protected abstract renderOne(out: string[], values: Labels, data: T): void;
}

export class Counter extends Series<{ v: number }> {
  constructor(name: string, help: string, labelNames: Labels = []) { super(name, help, 'counter', labelNames); }
  inc(values: Labels = [], n = 1): void { this.slot(values, () => ({ v: 0 })).v += n; }
  protected renderOne(out: string[], values: Labels, d: { v: number }): void {
    out.push(`${this.name}${labelText(this.labelNames, values)} ${num(d.v)}`);
  }
}

export class Gauge extends Series<{ v: number }> {
  constructor(name: string, help: string, labelNames: Labels = []) { super(name, help, 'gauge', labelNames); }
  set(values: Labels, v: number): void { this.slot(values, () => ({ v: 0 })).v = v; }
  protected renderOne(out: string[], values: Labels, d: { v: number }): void {
    out.push(`${this.name}${labelText(this.labelNames, values)} ${num(d.v)}`);
  }
}

interface HistogramData { counts: number[]; sum: number; count: number }

export class Histogram extends Series<HistogramData> {
  constructor(name: string, help: string, labelNames: Labels, readonly buckets: readonly number[]) {
    super(name, help, 'histogram', labelNames);
  }

  observe(values: Labels, v: number): void {
    const d = this.slot(values, () => ({ counts: new Array(this.buckets.length).fill(0), sum: 0, count: 0 }));
    let i = 0;
    while (i < this.buckets.length && v > this.buckets[i]) i++;
    if (i < this.buckets.length) d.counts[i]++;
    d.sum += v;
    d.count++;
  }

  protected renderOne(out: string[], values: Labels, d: HistogramData): void {
    let cumulative = 0;
    this.buckets.forEach((b, i) => {
      cumulative += d.counts[i];
      out.push(`${this.name}_bucket${labelText(this.labelNames, values, `le="${num(b)}"`)} ${cumulative}`);
    });
    out.push(`${this.name}_bucket${labelText(this.labelNames, values, 'le="+Inf"')} ${d.count}`);
    out.push(`${this.name}_sum${labelText(this.labelNames, values)} ${num(d.sum)}`);
    out.push(`${this.name}_count${labelText(this.labelNames, values)} ${d.count}`);
  }
}

/** A gauge computed when scraped. */
export class GaugeFn implements Metric {
  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: Labels,
    private readonly read: () => Array<[Labels, number]>,
    /** A value that only grows, kept by something else (CPU seconds), is a counter read at scrape time. */
    readonly type: 'gauge' | 'counter' = 'gauge',
  ) {}
  render(out: string[]): void {
    out.push(`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} ${this.type}`);
    for (const [values, v] of this.read()) out.push(`${this.name}${labelText(this.labelNames, values)} ${num(v)}`);
  }
}

export class Registry {
  private readonly metrics: Metric[] = [];
  add<M extends Metric>(m: M): M {
    this.metrics.push(m);
    return m;
  }
  render(): string {
    const out: string[] = [];
    for (const m of this.metrics) m.render(out);
    return out.join('\n') + '\n';
  }
}

const LATENCY_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/** The asynchronous ledger's figures (decisions/spill.ts). */
export interface SpillFigures {
  spilled: number;
  drained: number;
  spillBytes: number;
}

export interface LedgerGauges {
  queueDepth(): number;
  /** The asynchronous mode's figures; undefined in durable mode. */
  spill?(): SpillFigures | undefined;
}

/** The series attest exports. */
export class ServerMetrics {
  readonly registry = new Registry();
  readonly httpDuration = this.registry.add(new Histogram('http_request_duration_seconds', 'A histogram of duration for requests.', ['code', 'handler', 'method'], LATENCY_BUCKETS));
  readonly decisions = this.registry.add(new Counter('attest_decisions_total', 'Decisions made, by data path and outcome.', ['path', 'outcome']));
  readonly decisionDuration = this.registry.add(new Histogram('attest_decision_duration_seconds', 'Time from request to recorded decision, by data path.', ['path'], LATENCY_BUCKETS));
  readonly evalDuration = this.registry.add(new Histogram('attest_decision_eval_duration_seconds', 'Time spent in the policy engine per decision.', [], LATENCY_BUCKETS));
  readonly ledgerCommits = this.registry.add(new Histogram('attest_ledger_commit_duration_seconds', 'Duration of ledger transactions (group commits).', [], LATENCY_BUCKETS));
  readonly ledgerBatch = this.registry.add(new Histogram('attest_ledger_batch_size', 'Decisions per ledger transaction.', [], [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048]));
  readonly ledgerFailures = this.registry.add(new Counter('attest_ledger_failures_total', 'Decisions withheld because the ledger could not record them (503).'));
  readonly reloads = this.registry.add(new Counter('attest_policy_reloads_total', 'Policy snapshot reloads, by result.', ['result']));
  readonly reloadOk = this.registry.add(new Gauge('attest_policy_last_reload_success', '1 when the latest policy reload succeeded, 0 when it failed (the previous snapshot keeps serving).'));
  readonly reloadTime = this.registry.add(new Gauge('attest_policy_last_reload_timestamp_seconds', 'When the latest policy reload was attempted.'));
  readonly snapshotInfo = this.registry.add(new Gauge('attest_policy_snapshot_info', 'The serving policy snapshot (value 1), labelled by revision.', ['revision']));
  readonly epFired = this.registry.add(new Counter('attest_enforcement_point_fired_total', 'Decisions in which an enforcement point fired.', ['enforcement_point']));
  readonly epLastFired = this.registry.add(new Gauge('attest_enforcement_point_last_fired_timestamp_seconds', 'When each enforcement point last fired (Unix time).', ['enforcement_point']));
  readonly authzDenials = this.registry.add(new Counter('attest_authz_denials_total', 'Requests refused by authentication (401) or data.system.authz (403), by status and reason.', ['code', 'reason']));
  readonly limitExceeded = this.registry.add(new Counter('attest_limit_exceeded_total', 'Requests answered with a limit error, by limit (body_size, json_depth, eval_steps, eval_time, eval_collection, rate, timeout).', ['limit']));
  private readonly paths = new Set<string>();
  private readonly stopProcessMetrics: () => void;

  constructor(ledger?: LedgerGauges) {
    if (ledger) this.registry.add(new GaugeFn('attest_ledger_queue_depth', 'Decisions waiting for the next ledger transaction.', [], () => [[[], ledger.queueDepth()]]));
    const spill = ledger?.spill;
    if (spill) {
      // Present only in the asynchronous mode (--ledger-mode async).
      const read = (pick: (s: SpillFigures) => number) => (): Array<[Labels, number]> => {
        const s = spill();
        return s ? [[[], pick(s)]] : [];
      };
      this.registry.add(new GaugeFn('attest_ledger_spilled_total', 'Decisions written to the spill file (asynchronous mode).', [], read((s) => s.spilled), 'counter'));
      this.registry.add(new GaugeFn('attest_ledger_spill_drained_total', 'Decisions written from the spill file to the ledger (asynchronous mode).', [], read((s) => s.drained), 'counter'));
      this.registry.add(new GaugeFn('attest_ledger_spill_bytes', 'Bytes of the spill file not yet in the ledger (asynchronous mode).', [], read((s) => s.spillBytes)));
    }
    this.stopProcessMetrics = addProcessMetrics(this.registry);
  }

  /** Stops sampling the event loop and garbage collection. */
  close(): void {
    this.stopProcessMetrics();
  }

  /** Caller-chosen paths as labels, capped at 200 distinct values. */
  pathLabel(path: string): string {
    if (this.paths.has(path)) return path;
    if (this.paths.size >= 200) return 'other';
    this.paths.add(path);
    return path;
  }

  decided(path: string, outcome: string, seconds: number, evalSeconds: number, points: readonly string[]): void {
    const label = this.pathLabel(path);
    this.decisions.inc([label, outcome]);
    this.decisionDuration.observe([label], seconds);
    this.evalDuration.observe([], evalSeconds);
    if (points.length > 0) {
      const now = Date.now() / 1000;
      for (const p of points) {
        this.epFired.inc([p]);
        this.epLastFired.set([p], now);
      }
    }
  }

  render(): string {
    return this.registry.render();
  }
}
