// npm run site -- migrate --url postgres://owner@host/db [--tls verify-full|require|off] [--ca FILE]
// npm run site -- add-kiosk --url … --login kiosk_north        (prints the new password once)
// npm run site -- add-reviewer --url … --login review_desk
// Run by the IT person who owns the site database; kiosks never change the schema. TLS is
// verify-full unless --tls or the URL's sslmode says otherwise; the owner's password goes to
// SCRAM only, as the kiosk's does.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { describeFailure, type SiteConnection, siteClient, sslOptions } from '../main/site/connection';
import { exitWithUsage, parseCommandLine } from './command-line';
import { addLogin, migrateSite } from './site-admin';

const USAGE =
  'Usage: npm run site -- migrate --url URL | add-kiosk --url URL --login NAME | add-reviewer --url URL --login NAME\n' +
  "       [--tls verify-full|require|off] (default verify-full, or the URL's sslmode) [--ca FILE] (CA of the server's certificate)";
const TLS_MODES = ['verify-full', 'require', 'off'] as const;

function fail(message: string): never {
  return exitWithUsage('site', USAGE, message);
}

const { positionals, values } = parseCommandLine('site', USAGE, {
  allowPositionals: true,
  options: { url: { type: 'string' }, login: { type: 'string' }, tls: { type: 'string' }, ca: { type: 'string' } },
});
const command = positionals[0];
if (!values.url || !['migrate', 'add-kiosk', 'add-reviewer'].includes(command ?? '') || (command !== 'migrate' && !values.login))
  fail('missing or unknown arguments');
if (values.tls !== undefined && !(TLS_MODES as readonly string[]).includes(values.tls))
  fail(`--tls must be one of ${TLS_MODES.join(', ')}`);
if (values.ca !== undefined && !existsSync(values.ca)) fail(`--ca ${values.ca}: no such file`);

/** libpq's sslmode names, as the URL may carry them, in the kiosk's three modes. */
function tlsFromSslmode(mode: string | null): SiteConnection['tls'] | null {
  if (mode === null) return null;
  if (mode === 'disable') return 'off';
  if (['allow', 'prefer', 'require'].includes(mode)) return 'require';
  if (['verify-ca', 'verify-full'].includes(mode)) return 'verify-full';
  fail(`unknown sslmode "${mode}" in --url`);
}

let url: URL;
try {
  url = new URL(values.url!);
} catch {
  fail('--url must be a URL like postgres://owner@db.example.org/maskkiosk');
}
const tls = (values.tls as SiteConnection['tls'] | undefined) ?? tlsFromSslmode(url.searchParams.get('sslmode')) ?? 'verify-full';
const client = siteClient({
  host: url.searchParams.get('host') ?? (decodeURIComponent(url.hostname) || 'localhost'),
  port: Number(url.port || 5432),
  user: decodeURIComponent(url.username) || undefined,
  database: decodeURIComponent(url.pathname.slice(1)) || undefined,
  password: url.password ? decodeURIComponent(url.password) : (process.env.PGPASSWORD ?? null),
  ssl: sslOptions({ tls, caFile: values.ca ?? null }),
  connectionTimeoutMillis: 10_000,
});
client.on('error', () => undefined);
try {
  await client.connect();
  if (command === 'migrate') {
    const applied = await migrateSite(client);
    console.log(applied.length ? `applied schema ${applied.join(', ')}` : 'schema already up to date');
  } else {
    const password = randomBytes(18).toString('base64url');
    await addLogin(client, command === 'add-kiosk' ? 'kiosk' : 'reviewer', values.login!, password);
    console.log(`created ${values.login} with password ${password} (shown once; enter it in the kiosk's site settings)`);
  }
} catch (err) {
  console.error(`site: ${describeFailure(err)}`);
  process.exitCode = 1;
} finally {
  await client.end().catch(() => undefined);
}
