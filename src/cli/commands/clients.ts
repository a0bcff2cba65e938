import { databaseUrlFromEnv, migrateLatest, openDatabase, type Database } from '../../db/index.js';
import { ClientError, KNOWN_ROLES, createClient, listClients, revokeClient, rotateClient, type ApiClient } from '../../server/auth/clients.js';
import { parseDuration } from '../../server/auth/tokens.js';
import { flagBool, flagList, flagString, parseArgs, UsageError, type ParsedArgs } from '../args.js';
import type { Command } from '../command.js';
import { printJSON } from '../output.js';

export const command: Command = {
  summary: 'Manage API clients and their bearer tokens: create, list, revoke, rotate',
  usage: `Usage: attest clients create --tenant T --roles ROLE[,ROLE…] [ROLE…] [--name N] [--id ID]
                              [--expires 90d|12h|never] [--window-from TIME --window-to TIME]
       attest clients list [--tenant T] [--all]
       attest clients revoke ID
       attest clients rotate ID [--grace 10m] [--expires 90d]

  create   a client of tenant T (* = platform: company staff and platform
           services, every tenant) with roles service, security, auditor,
           admin or monitoring. Prints the token once, on standard output
           (the details go to standard error), so TOKEN=$(npx attest clients
           create …) works. Only a salted hash is stored. Default expiry 90d.
           Auditors may get a window: they then see decisions and reports of
           that period only.
  list     active clients (--all: revoked ones too); tokens are never shown
  revoke   the token (and the client's certificates) stop working at once
           (within a second on running servers)
  rotate   a new token; the old one keeps working for --grace (default 0)

Every change is recorded in the admin audit log. Flags: --database URL
(default $DATABASE_URL, else sqlite:./data/attest.db), --json.`,
  async run(argv) {
    const [sub, ...rest] = argv;
    if (!['create', 'list', 'revoke', 'rotate'].includes(sub)) throw new UsageError('a subcommand is required: create, list, revoke or rotate');
    const args = parseArgs(rest, [
      { name: 'database', kind: 'string' },
      { name: 'tenant', kind: 'string' },
      { name: 'roles', kind: 'multi' },
      { name: 'role', kind: 'multi' },
      { name: 'name', kind: 'string' },
      { name: 'id', kind: 'string' },
      { name: 'expires', kind: 'string' },
      { name: 'window-from', kind: 'string' },
      { name: 'window-to', kind: 'string' },
      { name: 'grace', kind: 'string' },
      { name: 'all', kind: 'boolean' },
      { name: 'json', kind: 'boolean' },
    ]);
    const db = await openDatabase(flagString(args, 'database') ?? databaseUrlFromEnv());
    try {
      await migrateLatest(db);
      if (sub === 'create') return await create(db, args);
      if (sub === 'list') return await list(db, args);
      const id = args.positionals[0];
      if (!id || args.positionals.length > 1) throw new UsageError(`attest clients ${sub} takes one client id`);
      const by = actor();
      if (sub === 'revoke') {
        const c = await revokeClient(db, id, by);
        if (flagBool(args, 'json')) printJSON(c);
        else console.error(`client ${c.id} revoked at ${c.revoked_at}`);
        return 0;
      }
      const r = await rotateClient(db, id, { by, graceMs: duration(args, 'grace'), expiresInMs: duration(args, 'expires') });
      return shown(args, r.client, r.token, 'rotated');
    } catch (e) {
      if (e instanceof UsageError) throw e;
      if (e instanceof ClientError || e instanceof RangeError) {
        console.error(`attest clients ${sub}: ${e.message}`);
        return 1;
      }
      throw e;
    } finally {
      await db.close();
    }
  },
};

function actor(): string {
  return `cli:${process.env.USER ?? process.env.USERNAME ?? 'unknown'}`;
}

function duration(args: ParsedArgs, name: string): number | undefined {
  const v = flagString(args, name);
  return v === undefined ? undefined : parseDuration(v);
}

async function create(db: Database, args: ParsedArgs): Promise<number> {
  const tenant = flagString(args, 'tenant');
  if (!tenant) throw new UsageError('--tenant is required (use * for a platform client)');
  const roles = [...flagList(args, 'roles'), ...flagList(args, 'role'), ...args.positionals].flatMap((r) => r.split(',')).map((r) => r.trim()).filter((r) => r !== '');
  if (roles.length === 0) throw new UsageError(`--roles is required: ${KNOWN_ROLES.join(', ')}`);
  const unknown = roles.filter((r) => !(KNOWN_ROLES as readonly string[]).includes(r));
  if (unknown.length) console.error(`attest clients create: warning: role(s) ${unknown.join(', ')} are not known to the shipped data.system.authz`);
  const from = flagString(args, 'window-from');
  const to = flagString(args, 'window-to');
  if ((from === undefined) !== (to === undefined)) throw new UsageError('--window-from and --window-to go together');
  const expires = flagString(args, 'expires') ?? '90d';
  const { client, token } = await createClient(db, {
    tenant, roles, name: flagString(args, 'name'), id: flagString(args, 'id'), expiresInMs: parseDuration(expires),
    window: from !== undefined && to !== undefined ? { from, to } : undefined, by: actor(),
  });
  return shown(args, client, token, 'created');
}

function shown(args: ParsedArgs, client: ApiClient, token: string, what: string): number {
  if (flagBool(args, 'json')) {
    printJSON({ client, token });
    return 0;
  }
  console.error(`client ${client.id} ${what}: tenant ${client.tenant}, roles ${client.roles.join(', ')}, expires ${client.expires_at ?? 'never'}${client.window ? `, window ${client.window.from} – ${client.window.to}` : ''}`);
  console.error('the token below is shown once; store it in your secret store (send it as Authorization: Bearer <token>)');
  console.log(token);
  return 0;
}

async function list(db: Database, args: ParsedArgs): Promise<number> {
  const clients = await listClients(db, { tenant: flagString(args, 'tenant'), includeRevoked: flagBool(args, 'all') });
  if (flagBool(args, 'json')) {
    printJSON(clients);
    return 0;
  }
  if (clients.length === 0) {
    console.log('no API clients (create one: npx attest clients create --tenant T --roles service)');
    return 0;
  }
  const now = new Date().toISOString();
  for (const c of clients) {
    const state = c.revoked_at ? `revoked ${c.revoked_at}` : c.expires_at && c.expires_at < now ? `EXPIRED ${c.expires_at}` : `expires ${c.expires_at ?? 'never'}`;
    console.log(`${c.id.padEnd(16)} tenant ${c.tenant.padEnd(12)} roles ${c.roles.join(',').padEnd(24)} ${state}${c.name ? `  (${c.name})` : ''}`);
  }
  return 0;
}
