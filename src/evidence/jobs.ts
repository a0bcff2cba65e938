/**
 * Report jobs for the HTTP API: `POST /v1/reports` starts one
 * (startReportJob), `GET /v1/reports/{id}` polls it (getReportJob) and
 * `GET /v1/reports/{id}/{file}` downloads a file (readReportFile). Running
 * jobs live in memory; finished reports are found again after a restart
 * through the `reports` table and their folder under `reportsDir`.
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { loadRegistry, UnknownFrameworkError, type Registry } from '../controls/index.js';
import type { Database } from '../db/index.js';
import { generateReport } from './generate.js';
import type { KeyStore } from './keys.js';
import { parsePeriod } from './period.js';
import { REPORT_FILES, type Period, type ReportFile } from './types.js';

export interface ReportJobContext {
  db: Database;
  keyStore: KeyStore;
  /** Where report folders go: `<reportsDir>/<id>/` (default `reports`). */
  reportsDir?: string;
  controlsDir?: string;
  policiesDir?: string;
  /** A loaded registry (else `controlsDir` is read for each job). */
  registry?: Registry;
  /** Public keys (PEM) of the server's checkpoint key: reports check checkpoints with them and name them. */
  checkpointKeys?: string[];
}

export interface ReportRequest {
  framework: string;
  /** Dates (YYYY-MM-DD, `to` inclusive) or RFC 3339 times (`to` exclusive). */
  from: string;
  to: string;
  tenant?: string | null;
  /** Who asked (client id or user). */
  requestedBy: string;
}

export interface ReportJob {
  id: string;
  status: 'running' | 'done' | 'failed';
  framework: string;
  period: Period;
  tenant: string | null;
  requestedBy: string;
  createdAt: string;
  finishedAt?: string;
  /** The current step while running. */
  progress?: string;
  error?: { code: string; message: string };
  /** File name → SHA-256, once done. */
  files?: Record<string, string>;
}

const jobs = new Map<string, ReportJob>();
const MAX_KEPT = 200;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function remember(job: ReportJob): void {
  jobs.set(job.id, job);
  if (jobs.size > MAX_KEPT) {
    for (const [id, j] of jobs) {
      if (j.status !== 'running') {
        jobs.delete(id);
        break;
      }
    }
  }
}

export function reportDir(ctx: ReportJobContext, id: string): string {
  return join(resolve(ctx.reportsDir ?? 'reports'), id);
}

/**
 * Validates the request (throws `PeriodError` or `UnknownFrameworkError`,
 * both for a 400) and starts generating in the background.
 */
export async function startReportJob(ctx: ReportJobContext, req: ReportRequest): Promise<ReportJob> {
  const period = parsePeriod(req.from, req.to);
  const registry = ctx.registry ?? (await loadRegistry(ctx.controlsDir ?? 'controls')).registry;
  if (!registry.catalogue(req.framework)) throw new UnknownFrameworkError(req.framework, registry.frameworks());
  const job: ReportJob = {
    id: randomUUID(), status: 'running', framework: req.framework, period, tenant: req.tenant ?? null,
    requestedBy: req.requestedBy, createdAt: new Date().toISOString(), progress: 'queued',
  };
  remember(job);
  void generateReport({
    db: ctx.db, registry, framework: req.framework, period, tenant: job.tenant, policiesDir: ctx.policiesDir,
    requestedBy: req.requestedBy, outDir: reportDir(ctx, job.id), keyStore: ctx.keyStore, reportId: job.id, checkpointKeys: ctx.checkpointKeys,
    onProgress: (m) => { job.progress = m; },
  }).then(
    (r) => Object.assign(job, { status: 'done', files: r.files, finishedAt: new Date().toISOString(), progress: undefined }),
    (e: unknown) => {
      const code = typeof e === 'object' && e !== null && 'code' in e && typeof (e as { code: unknown }).code === 'string' ? (e as { code: string }).code : 'report_failed';
      Object.assign(job, { status: 'failed', error: { code, message: e instanceof Error ? e.message : String(e) }, finishedAt: new Date().toISOString(), progress: undefined });
    },
  );
  return { ...job };
}

/** A job by id: running or recent ones from memory, older ones from the `reports` table. */
export async function getReportJob(ctx: ReportJobContext, id: string): Promise<ReportJob | undefined> {
  const live = jobs.get(id);
  if (live) return { ...live };
  if (!UUID.test(id)) return undefined;
  const row = await ctx.db.knex('reports').where({ id }).first();
  if (!row) return undefined;
  return {
    id, status: 'done', framework: String(row.framework),
    period: { from: String(row.period_start), to: String(row.period_end) },
    tenant: row.tenant === null ? null : String(row.tenant),
    requestedBy: String(row.requested_by), createdAt: String(row.created_at), finishedAt: String(row.created_at),
    files: JSON.parse(String(row.hashes)) as Record<string, string>,
  };
}

const CONTENT_TYPES: Record<ReportFile, string> = {
  'report.pdf': 'application/pdf',
  'report.json': 'application/json',
  'controls.csv': 'text/csv; charset=utf-8',
  'oscal-assessment-results.json': 'application/json',
  'manifest.json': 'application/json',
};

/** One file of a finished report; undefined for an unknown report, an unfinished one or a name outside the five. */
export async function readReportFile(ctx: ReportJobContext, id: string, file: string): Promise<{ body: Buffer; contentType: string; filename: string } | undefined> {
  if (!UUID.test(id) || !(REPORT_FILES as readonly string[]).includes(file)) return undefined;
  const job = await getReportJob(ctx, id);
  if (!job || job.status !== 'done') return undefined;
  const path = join(reportDir(ctx, id), file);
  if (!existsSync(path)) return undefined;
  return { body: await readFile(path), contentType: CONTENT_TYPES[file as ReportFile], filename: file };
}

/** Waits until a job is no longer running (tests and the CLI). */
export async function waitForReportJob(ctx: ReportJobContext, id: string, timeoutMs = 300_000): Promise<ReportJob | undefined> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const j = await getReportJob(ctx, id);
    if (!j || j.status !== 'running' || Date.now() > end) return j;
    await new Promise((r) => setTimeout(r, 50));
  }
}
