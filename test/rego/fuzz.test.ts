/**
 * Property tests: random and mutated policy text, queries and inputs never
 * crash or hang the parser, compiler or evaluator. Every run ends in a value,
 * "undefined", or a typed Rego error, within a bounded time. Seeded, so a
 * failure names the seed that reproduces it.
 */
import { expect } from 'chai';
import { CompileError, Engine, RegoError, fromJSON, parseModule, type Value } from '../../src/rego/index.js';

const SEED_POLICIES = [
  `package authz
import rego.v1
default allow := false
allow if {
  some role in input.subject.roles
  data.perms[role][_] == input.action
  not deny
}
deny contains "mfa" if { input.env == "prod"; not input.mfa }
level := "high" if input.score > 8
else := "low"
f(x) := y if { y := x * 2 }
names := {n | some u in input.users; n := lower(u.name)}
obj[k] := v if { some k, v in input.map; v > 1 }
every_ok if every x in input.xs { x >= 0 }
msg := sprintf("%v-%s", [input.score, input.env])
`,
  `package lib
import rego.v1
double(x) := x * 2
tags := [t | some t in split(input.csv, ","); t != ""]
matches if regex.match("^[a-z]+$", input.name)
when := time.parse_rfc3339_ns(input.ts)
net_ok if net.cidr_contains("10.0.0.0/8", input.ip)
j := json.unmarshal(input.raw)
`,
];

const TOKENS = ['package', 'p', 'q', 'if', 'else', 'contains', 'some', 'in', 'every', 'not', 'with', 'as', 'default', ':=', '=', '==', '!=', '<', '>', '+', '-', '*', '/', '%', '|', '&', '(', ')', '[', ']', '{', '}', ',', ';', '.', '\n', 'input', 'data', 'x', 'y', '_', '1', '2.5', '"s"', 'true', 'null', 'count(', 'sum(', 'numbers.range(', 'walk(', '[x | x := 1]', '{k: v | some k, v in input}'];

function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    return s / 2 ** 32;
  };
}

function mutate(text: string, r: () => number): string {
  let out = text;
  const edits = 1 + Math.floor(r() * 4);
  for (let i = 0; i < edits; i++) {
    const at = Math.floor(r() * out.length);
    const kind = r();
    if (kind < 0.3) out = out.slice(0, at) + out.slice(at + 1 + Math.floor(r() * 8));
    else if (kind < 0.7) out = out.slice(0, at) + ' ' + TOKENS[Math.floor(r() * TOKENS.length)] + ' ' + out.slice(at);
    else {
      const from = Math.floor(r() * out.length);
      out = out.slice(0, at) + out.slice(from, from + Math.floor(r() * 20)) + out.slice(at);
    }
  }
  return out;
}

function randomValue(r: () => number, depth: number): unknown {
  const k = r();
  if (depth <= 0 || k < 0.35) {
    const scalars = [null, true, false, 0, -1, 2.5, 1e21, 'prod', '', 'a,b,,c', '10.1.2.3', '2024-01-01T00:00:00Z', '{"a":1}', '%', 'x'.repeat(50)];
    return scalars[Math.floor(r() * scalars.length)];
  }
  if (k < 0.65) return Array.from({ length: Math.floor(r() * 4) }, () => randomValue(r, depth - 1));
  const o: Record<string, unknown> = {};
  for (const key of ['subject', 'roles', 'action', 'env', 'mfa', 'score', 'users', 'map', 'xs', 'name', 'csv', 'ts', 'ip', 'raw']) if (r() < 0.4) o[key] = randomValue(r, depth - 1);
  return o;
}

/** Evaluates every rule of every package; only typed errors may escape. */
function exercise(engine: Engine, input: Value | undefined): void {
  try {
    engine.evalRef('data', { input, limits: { maxMillis: 200, maxSteps: 200_000, maxCollectionSize: 10_000 } });
  } catch (e) {
    if (!(e instanceof RegoError)) throw e;
  }
}

function isTyped(e: unknown): boolean {
  return e instanceof CompileError || e instanceof RegoError;
}

describe('fuzz: hostile and random policy text and inputs', function () {
  this.timeout(60_000);

  it('mutated policies end in a module or a typed parse error', () => {
    for (let seed = 1; seed <= 400; seed++) {
      const r = rng(seed);
      const text = mutate(SEED_POLICIES[seed % SEED_POLICIES.length], r);
      try {
        parseModule(text, `fuzz-${seed}.rego`);
      } catch (e) {
        expect(isTyped(e), `seed ${seed}: ${String(e)}`).to.equal(true);
      }
    }
  });

  it('mutated policies that compile evaluate to a value or a typed error, within limits', () => {
    let compiled = 0;
    for (let seed = 1; seed <= 300; seed++) {
      const r = rng(seed * 7919);
      const engine = new Engine();
      try {
        engine.addModule('a.rego', mutate(SEED_POLICIES[0], r));
        engine.addModule('b.rego', SEED_POLICIES[1]);
        engine.setData({ perms: { admin: ['read', 'write'], viewer: ['read'] } });
        engine.compile();
      } catch (e) {
        expect(isTyped(e), `seed ${seed}: ${String(e)}`).to.equal(true);
        continue;
      }
      compiled++;
      const start = Date.now();
      for (let i = 0; i < 5; i++) exercise(engine, fromJSON(randomValue(r, 4)));
      expect(Date.now() - start, `seed ${seed} took too long`).to.be.lessThan(5_000);
    }
    expect(compiled, 'some mutations must still compile').to.be.greaterThan(10);
  });

  it('random token soup never crashes the parser', () => {
    for (let seed = 1; seed <= 300; seed++) {
      const r = rng(seed * 104729);
      const text = 'package t\n' + Array.from({ length: 5 + Math.floor(r() * 40) }, () => TOKENS[Math.floor(r() * TOKENS.length)]).join(' ');
      try {
        const e = new Engine();
        e.addModule('soup.rego', text);
        exercise(e, fromJSON(randomValue(r, 3)));
      } catch (e) {
        expect(isTyped(e), `seed ${seed}: ${String(e)}`).to.equal(true);
      }
    }
  });

  it('deeply nested input and policy text give typed errors, not stack overflows', () => {
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    expect(() => parseModule(`package t\np := ${deep}`, 'deep.rego')).to.throw(CompileError);
    let nested: unknown = 1;
    for (let i = 0; i < 5_000; i++) nested = { a: nested };
    const e = new Engine();
    e.addModule('walk.rego', 'package t\nn := count([p | walk(input, [p, _])])');
    exercise(e, fromJSON(nested));
  });

  it('random inputs against the seed policies only yield values or typed errors', () => {
    const engine = new Engine();
    SEED_POLICIES.forEach((p, i) => engine.addModule(`seed-${i}.rego`, p));
    engine.setData({ perms: { admin: ['read', 'write'] } });
    const r = rng(99);
    for (let i = 0; i < 500; i++) {
      exercise(engine, fromJSON(randomValue(r, 5)));
    }
  });
});
