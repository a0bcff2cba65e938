/** Shared by the controls CLI and impact tests: the CLI, the demo fixture and ways to vary it. */
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// Tests run from dist/test/controls; the CLI, fixtures and shipped registry are in the source tree.
export const root = fileURLToPath(new URL('../../../', import.meta.url));
export const bin = join(root, 'bin', 'attest.js');
export const fixture = join(root, 'test', 'controls', 'fixtures', 'registry');

export function attest(args: string[], cwd = root): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A copy of the demo fixture (controls/ and policies/) in a temporary directory. */
export async function copyFixture(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'attest-controls-'));
  await cp(fixture, dir, { recursive: true });
  return dir;
}

export async function edit(dir: string, file: string, from: string, to: string): Promise<void> {
  const path = join(dir, file);
  const text = await readFile(path, 'utf8');
  expect(text, `${file} contains ${JSON.stringify(from)}`).to.contain(from);
  await writeFile(path, text.replace(from, to));
}

/** The fixture's only test that reaches demo.mfa_required. */
export const MFA_TEST = `test_mfa_denies_without_factor if {
	"mfa required" in authz.deny with input as {"subject": {"roles": ["admin"]}, "action": "admin"}
}
`;
