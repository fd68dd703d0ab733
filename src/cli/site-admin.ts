// Setting up a site database: the versioned schema (site/migrations/NNN_*.sql, each applied once,
// in order, in its own transaction) and the logins of kiosks and reviewers (site/add-*.sql).
import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { REPO_ROOT } from './model-paths';

export const SITE_DIR = join(REPO_ROOT, 'site');

export function migrationFiles(): { version: number; file: string }[] {
  return readdirSync(join(SITE_DIR, 'migrations'))
    .filter((f) => /^\d{3}_.+\.sql$/.test(f))
    .sort()
    .map((f) => ({ version: Number(f.slice(0, 3)), file: join(SITE_DIR, 'migrations', f) }));
}

/** Brings the schema up to the newest migration (or to `upTo`); returns the versions applied. */
export async function migrateSite(client: pg.Client, upTo = Number.POSITIVE_INFINITY): Promise<number[]> {
  const exists = await client.query(`SELECT pg_catalog.to_regclass('public.site_schema') IS NOT NULL AS present`);
  let current = 0;
  if (exists.rows[0].present)
    current = (await client.query<{ version: number }>('SELECT version FROM public.site_schema')).rows[0]?.version ?? 0;
  const files = migrationFiles();
  const newest = files.at(-1)?.version ?? 0;
  if (current > newest) throw new Error(`the database has schema ${current}, newer than these migrations (${newest})`);
  const applied: number[] = [];
  for (const { version, file } of files) {
    if (version <= current || version > upTo) continue;
    await client.query('BEGIN');
    try {
      // The migrations create their tables in public; connections otherwise pin pg_catalog alone.
      await client.query('SET LOCAL search_path = public');
      await client.query(readFileSync(file, 'utf8'));
      await client.query('UPDATE public.site_schema SET version = $1', [version]);
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK');
      throw new Error(`migration ${file} failed: ${(err as Error).message}`);
    }
    applied.push(version);
  }
  return applied;
}

/**
 * The SCRAM-SHA-256 verifier PostgreSQL stores for `password` (RFC 5802 and 7677, in the
 * server's `SCRAM-SHA-256$iterations:salt$StoredKey:ServerKey` form). Sent instead of the
 * password, it lets the login work while the password itself never reaches the server or its log.
 */
export function scramVerifier(password: string, salt: Buffer = randomBytes(16), iterations = 4096): string {
  // The server runs non-ASCII passwords through SASLprep first; ours are ASCII, which it leaves as is.
  if (!/^[\x20-\x7e]+$/.test(password)) throw new Error('the password must be printable ASCII');
  const salted = pbkdf2Sync(password, salt, iterations, 32, 'sha256');
  const hmac = (text: string) => createHmac('sha256', salted).update(text).digest();
  const storedKey = createHash('sha256').update(hmac('Client Key')).digest();
  return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${storedKey.toString('base64')}:${hmac('Server Key').toString('base64')}`;
}

/**
 * Runs site/add-kiosk.sql or site/add-reviewer.sql with the login and the password's SCRAM
 * verifier filled in the way psql's :"name" and :'value' would (quoted by the client library,
 * never pasted raw).
 */
export async function addLogin(client: pg.Client, kind: 'kiosk' | 'reviewer', login: string, password: string): Promise<void> {
  if (!/^[a-z][a-z0-9_]{0,62}$/.test(login))
    throw new Error(`login "${login}" must be lower-case letters, digits and _ (a PostgreSQL role name)`);
  const sql = readFileSync(join(SITE_DIR, `add-${kind}.sql`), 'utf8')
    .split('\n')
    .filter((l) => !l.startsWith('--'))
    .join('\n')
    // Replacer functions: a replacement string would read `$` in the verifier as a pattern.
    .replaceAll(':"login"', () => client.escapeIdentifier(login))
    .replaceAll(":'login'", () => client.escapeLiteral(login))
    .replaceAll(":'password'", () => client.escapeLiteral(scramVerifier(password)));
  await client.query(sql);
}

/**
 * A fresh site database on a cluster the caller owns (tests, the benchmark): created, migrated,
 * with the given kiosk and reviewer logins (login -> password).
 */
export async function createSiteDatabase(
  cluster: { url(options?: { database?: string }): string },
  database: string,
  logins: { kiosks?: Record<string, string>; reviewers?: Record<string, string> },
): Promise<void> {
  const admin = new pg.Client({ connectionString: cluster.url() });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(database)}`);
  } finally {
    await admin.end();
  }
  const owner = new pg.Client({ connectionString: cluster.url({ database }) });
  await owner.connect();
  try {
    await migrateSite(owner);
    for (const [login, password] of Object.entries(logins.kiosks ?? {})) await addLogin(owner, 'kiosk', login, password);
    for (const [login, password] of Object.entries(logins.reviewers ?? {})) await addLogin(owner, 'reviewer', login, password);
  } finally {
    await owner.end();
  }
}
