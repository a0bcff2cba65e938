/**
 * Evidence reports over HTTP: POST /v1/reports starts a job, GET
 * /v1/reports/{id} polls it, GET /v1/reports/{id}/{file} downloads a file.
 * The tenant is the credential's (platform credentials may name one, or
 * none for a platform-wide report); a report of another tenant, or outside
 * an auditor's window, is answered as if it did not exist.
 */
import type Koa from 'koa';
import { getReportJob, PeriodError, readReportFile, startReportJob, type ReportJob, type ReportJobContext } from '../../evidence/index.js';
import { UnknownFrameworkError } from '../../controls/index.js';
import { RObject, type Value } from '../../rego/index.js';
import { HttpError, badRequest, notFound } from '../errors.js';
import { identityOf, scopeTenant } from '../identity.js';
import { reply } from '../json.js';
import { decodeParam, type Router } from '../router.js';
import type { ServerState } from '../state.js';

function jobs(state: ServerState): ReportJobContext {
  if (!state.reports) throw new HttpError(404, 'resource_not_found', 'this server keeps no ledger, so it makes no reports');
  try {
    return state.reports();
  } catch (e) {
    throw new HttpError(503, 'internal_error', `the report signing key is not available: ${(e as Error).message}`);
  }
}

function text(body: RObject, key: string, required: boolean): string | undefined {
  const v = body.get(key);
  if (v === undefined || v === null) {
    if (required) throw badRequest(`"${key}" is required`);
    return undefined;
  }
  if (typeof v !== 'string') throw badRequest(`"${key}" must be a string`);
  return v;
}

/** Whether the caller may see this job (tenant and window). */
function visible(ctx: Koa.Context, job: ReportJob): boolean {
  const who = identityOf(ctx);
  const scope = scopeTenant(who);
  if (scope !== undefined && job.tenant !== scope) return false;
  const w = who.client?.window;
  return !w || (job.period.from >= w.from && job.period.to <= w.to);
}

function jobJson(job: ReportJob): Record<string, unknown> {
  return { ...job, links: job.status === 'done' ? Object.keys(job.files ?? {}).map((f) => `/v1/reports/${job.id}/${f}`) : [] };
}

export function reportRoutes(router: Router, state: ServerState): void {
  router.post('/v1/reports', async (ctx) => {
    const body = ctx.state.body as Value | undefined;
    if (!(body instanceof RObject)) throw badRequest('request body must be a JSON object {"framework": …, "from": …, "to": …}');
    const framework = text(body, 'framework', true) as string;
    const from = text(body, 'from', true) as string;
    const to = text(body, 'to', true) as string;
    const asked = text(body, 'tenant', false);
    const scope = scopeTenant(identityOf(ctx));
    if (scope !== undefined && asked !== undefined && asked !== scope) throw notFound(`tenant "${asked}" is not yours`);
    const tenant = scope ?? asked ?? null;
    const ctxJobs = jobs(state);
    try {
      const job = await startReportJob(ctxJobs, { framework, from, to, tenant, requestedBy: identityOf(ctx).caller });
      ctx.set('Location', `/v1/reports/${job.id}`);
      reply(ctx, 202, { result: jobJson(job) });
    } catch (e) {
      if (e instanceof PeriodError || e instanceof UnknownFrameworkError) throw badRequest(e.message);
      throw e;
    }
  });

  router.get('/v1/reports/:id', async (ctx, p) => {
    const id = decodeParam(p.id);
    const job = await getReportJob(jobs(state), id);
    if (!job || !visible(ctx, job)) throw notFound(`report ${id} does not exist`);
    reply(ctx, 200, { result: jobJson(job) });
  });

  router.get('/v1/reports/:id/:file', async (ctx, p) => {
    const id = decodeParam(p.id);
    const file = decodeParam(p.file);
    const c = jobs(state);
    const job = await getReportJob(c, id);
    if (!job || !visible(ctx, job)) throw notFound(`report ${id} does not exist`);
    const f = await readReportFile(c, id, file);
    if (!f) throw notFound(job.status === 'done' ? `report ${id} has no file "${file}"` : `report ${id} is ${job.status}`);
    ctx.status = 200;
    ctx.type = f.contentType;
    ctx.set('Content-Disposition', `attachment; filename="${f.filename}"`);
    ctx.body = f.body;
  });
}
