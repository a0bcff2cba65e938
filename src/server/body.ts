/**
 * Request bodies: read with a size limit (also after gzip), content type
 * checked, JSON (or YAML) parsed with big integers kept exact and a nesting
 * limit, so a hostile body cannot exhaust memory or the stack.
 */
import { gunzip } from 'node:zlib';
import { promisify } from 'node:util';
import type Koa from 'koa';
import { parse as parseYAML } from 'yaml';
import { fromJSON, parseJSON, type Value } from '../rego/index.js';
import { HttpError, badRequest } from './errors.js';

const gunzipAsync = promisify(gunzip);

export interface BodyLimits {
  /** Largest body in bytes, before and after decompression (default 1 MiB). */
  maxBytes: number;
  /** Deepest nesting of arrays and objects (default 512). */
  maxDepth: number;
}

export const DEFAULT_BODY_LIMITS: BodyLimits = { maxBytes: 1024 * 1024, maxDepth: 512 };

/** Reads the raw body (decompressed). Empty bodies give an empty buffer. */
export async function readBody(ctx: Koa.Context, limits: BodyLimits): Promise<Buffer> {
  const declared = Number(ctx.get('content-length') || NaN);
  if (declared > limits.maxBytes) throw tooLarge(limits);
  const chunks: Buffer[] = [];
  let size = 0;
  // Plain stream events: an async iterator costs a promise per chunk and several objects per request.
  await new Promise<void>((resolve, reject) => {
    const req = ctx.req;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limits.maxBytes) {
        // Answer first; the rest of the body is not read, so the connection closes after the answer.
        ctx.set('Connection', 'close');
        done(tooLarge(limits));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => done();
    const onError = (err: Error) => done(err);
    const onClose = () => done(req.complete ? undefined : new HttpError(400, 'invalid_parameter', 'the request body ended early'));
    function done(err?: Error) {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
      if (err) {
        req.pause();
        reject(err);
      } else resolve();
    }
    if (req.readableEnded) return resolve();
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
  let body = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size);
  const encoding = ctx.get('content-encoding').toLowerCase();
  if (encoding === 'gzip') {
    try {
      body = await gunzipAsync(body, { maxOutputLength: limits.maxBytes });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || e instanceof RangeError) throw badRequest('compressed request body too large');
      throw badRequest('request body is not valid gzip');
    }
  } else if (encoding !== '' && encoding !== 'identity') {
    throw new HttpError(415, 'invalid_parameter', `unsupported content encoding "${encoding}": send gzip or identity`);
  }
  return body;
}

type BodyFormat = 'json' | 'yaml';

/**
 * The body format from Content-Type. Like OPA, anything that is not YAML is
 * read as JSON, including curl's default `application/x-www-form-urlencoded`;
 * types that clearly carry something else are refused.
 */
export function bodyFormat(contentType: string): BodyFormat {
  const type = contentType.split(';')[0].trim().toLowerCase();
  if (type === '' || type === 'application/json' || type.endsWith('+json') || type === 'application/x-www-form-urlencoded' || type === 'text/plain' || type === 'text/json') return 'json';
  if (type === 'application/yaml' || type === 'application/x-yaml' || type === 'text/yaml' || type === 'text/x-yaml') return 'yaml';
  throw new HttpError(415, 'invalid_parameter', `unsupported content type "${type}": send application/json`);
}

/** Parses a body into a Rego value; undefined for an empty body. */
export function parseBody(body: Buffer, contentType: string, limits: BodyLimits): Value | undefined {
  const text = body.toString('utf8');
  if (text.trim() === '') return undefined;
  const format = bodyFormat(contentType);
  if (format === 'json') {
    checkJsonDepth(text, limits.maxDepth);
    checkNumberRange(text, 'request body');
    try {
      return parseJSON(text);
    } catch (e) {
      throw badRequest(`request body is not valid JSON: ${(e as Error).message}`);
    }
  }
  let doc: unknown;
  try {
    doc = parseYAML(text, { intAsBigInt: true, maxAliasCount: 100 });
  } catch (e) {
    throw badRequest(`request body is not valid YAML: ${(e as Error).message}`);
  }
  checkValueDepth(doc, limits.maxDepth);
  try {
    return doc === undefined ? undefined : fromJSON(doc);
  } catch (e) {
    throw badRequest(`request body is not valid YAML data: ${(e as Error).message}`);
  }
}

/** Parses a JSON text given in a query parameter (GET `?input=`). */
export function parseJsonParam(name: string, text: string, limits: BodyLimits): Value {
  checkJsonDepth(text, limits.maxDepth);
  checkNumberRange(text, `parameter "${name}"`);
  try {
    return parseJSON(text);
  } catch (e) {
    throw badRequest(`parameter "${name}" is not valid JSON: ${(e as Error).message}`);
  }
}

/**
 * Numbers beyond the double range (1e999999) would become Infinity, which is
 * not JSON and cannot be logged: refuse them up front. Only texts with a
 * long exponent are parsed a second time to find out.
 */
function checkNumberRange(text: string, what: string): void {
  if (!/[eE][+-]?\d{3,}/.test(text)) return;
  try {
    JSON.parse(text, (_k, v: unknown) => {
      if (typeof v === 'number' && !Number.isFinite(v)) throw new RangeError('out of range');
      return v;
    });
  } catch (e) {
    if (e instanceof RangeError) throw badRequest(`${what} is not valid JSON: a number is out of range`);
    // other syntax errors: reported by the real parser
  }
}

function tooDeep(max: number): HttpError {
  return badRequest(`request body nests deeper than ${max} levels`, [{ code: 'body_too_deep', message: `arrays and objects may nest at most ${max} levels` }]);
}

/** Exactly OPA's answer (its message is the stable name of this limit). */
function tooLarge(_limits: BodyLimits): HttpError {
  return badRequest('request body too large');
}

/** Bracket depth outside strings, without building anything. */
function checkJsonDepth(text: string, max: number): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++; // backslash: skip the escaped character
      else if (c === 34) inString = false;
    } else if (c === 34) {
      inString = true;
    } else if (c === 123 || c === 91) {
      if (++depth > max) throw tooDeep(max);
    } else if (c === 125 || c === 93) {
      depth--;
    }
  }
}

function checkValueDepth(root: unknown, max: number): void {
  const stack: Array<[unknown, number]> = [[root, 0]];
  while (stack.length > 0) {
    const [v, d] = stack.pop() as [unknown, number];
    if (v === null || typeof v !== 'object') continue;
    if (d + 1 > max) throw tooDeep(max);
    for (const x of Array.isArray(v) ? v : Object.values(v)) stack.push([x, d + 1]);
  }
}
