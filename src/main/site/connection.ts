// Every connection to the site database (the kiosk shipping, the reviewer's queries, the site
// CLI) is made here, and every failure is put into words here. Two rules hold for all of them:
// - The password goes only into SCRAM-SHA-256, which never sends it and checks that the server
//   holds its verifier. A server that asks for it in clear text or as an MD5 hash (a stranger's
//   server on the network, or one that someone with the admin PIN pointed the kiosk at) is
//   refused before anything is sent.
// - search_path is pinned to pg_catalog and our queries name their tables (public.kiosk_events):
//   no function or operator that some login put into the public schema can stand in for a
//   built-in one in our queries.
import { readFileSync } from 'node:fs';
import pg from 'pg';
import type { SiteTlsMode } from '../../shared/settings';

export const SCRAM_REQUIRED = 'SCRAM_REQUIRED';

export type SiteClientConfig = Omit<pg.ClientConfig, 'password' | 'options'> & { password: string | null };

/** A pg client that gives its password to SCRAM only, with the search path pinned. Not yet connected. */
export function siteClient({ password, ...config }: SiteClientConfig): pg.Client {
  let refused: string | null = null;
  const client = new pg.Client({
    ...config,
    options: '-c search_path=pg_catalog',
    // pg asks for the password after the server has said how it wants it; the listeners below
    // have run by then, so a request for the password in clear or as MD5 fails here instead.
    password: async () => {
      if (refused) {
        throw Object.assign(
          new Error(
            `the site database server asked for the password ${refused}; only SCRAM-SHA-256 is allowed, so nothing was sent (on the server: password_encryption = scram-sha-256, and scram-sha-256 in pg_hba.conf)`,
          ),
          { code: SCRAM_REQUIRED },
        );
      }
      if (password === null) throw Object.assign(new Error('the site database asked for a password and none is set'), { code: '28P01' });
      return password;
    },
  });
  // Registered before connect(), so they run before the client's own handlers for these messages.
  client.connection.on('authenticationCleartextPassword', () => {
    refused = 'in clear text';
  });
  client.connection.on('authenticationMD5Password', () => {
    refused = 'as an MD5 hash';
  });
  return client;
}

/** Where and as whom a kiosk or reviewer connects. */
export interface SiteConnection {
  host: string;
  port: number;
  database: string;
  user: string;
  password: string;
  tls: SiteTlsMode;
  /** PEM file of the CA that signed the server's certificate (verify-full). */
  caFile?: string | null;
}

/**
 * A client the kiosk itself opens (shipping, the reviewer's queries): the saved server and TLS,
 * logged in as `user`, with the waits an unattended kiosk allows (5 s to connect, 15 s a
 * statement); `more` adds to them. Not yet connected. A connection lost while idle surfaces on
 * the next query instead of as an 'error' event, which with no listener would crash the kiosk.
 */
export function kioskSiteClient(
  c: Omit<SiteConnection, 'user' | 'password'>,
  user: string,
  password: string,
  more: Omit<SiteClientConfig, 'password'> = {},
): pg.Client {
  const client = siteClient({
    host: c.host,
    port: c.port,
    database: c.database,
    user,
    password,
    ssl: sslOptions(c),
    connectionTimeoutMillis: 5000,
    statement_timeout: 15_000,
    ...more,
  });
  client.on('error', () => undefined);
  return client;
}

/** The CA certificate file the settings name cannot be read (moved, deleted, no access). */
export class CaFileError extends Error {}

/** TLS as the settings ask: off, encrypted without checking the server, or encrypted and verified (against a CA file if given). */
export function sslOptions(c: Pick<SiteConnection, 'tls' | 'caFile'>): pg.ClientConfig['ssl'] {
  if (c.tls === 'off') return false;
  if (c.tls === 'require') return { rejectUnauthorized: false };
  if (!c.caFile) return { rejectUnauthorized: true };
  try {
    return { rejectUnauthorized: true, ca: readFileSync(c.caFile, 'utf8') };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new CaFileError(`the CA certificate ${c.caFile} cannot be read (${code}): choose it again`);
  }
}

/** Why a site database call failed, in words staff can act on. */
export function describeFailure(err: unknown): string {
  if (err instanceof CaFileError) return err.message;
  const e = err as { code?: string; message?: string };
  const code = e.code ?? '';
  const message = e.message ?? String(err);
  if (
    ['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'ECONNRESET', 'EAI_AGAIN'].includes(code) ||
    /timeout|terminated unexpectedly|Connection terminated/i.test(message)
  )
    return `site database unreachable (${code || message})`;
  if (code === SCRAM_REQUIRED) return `site database login refused by the kiosk: ${message}`;
  if (code === '28P01' || code === '28000') return `site database refused the login: wrong user or password (${message})`;
  if (
    code.startsWith('ERR_TLS') ||
    /SSL|certificate|self[- ]signed|TLS/i.test(message) ||
    code === 'DEPTH_ZERO_SELF_SIGNED_CERT' ||
    code === 'UNABLE_TO_VERIFY_LEAF_SIGNATURE'
  )
    return `TLS to the site database failed (${message})`;
  if (code === '42P01') return 'the site database has no Mask Kiosk schema yet: run `npm run site -- migrate` as its owner';
  if (code === '42501') return `the site database refused this kiosk's write (${message}): check its role (site/add-kiosk.sql)`;
  if (code === '3D000') return `no such site database (${message})`;
  return `site database error: ${message}`;
}
