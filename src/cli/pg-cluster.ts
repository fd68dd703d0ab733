// A throwaway PostgreSQL cluster for tests and the site benchmark: Debian's postgresql package, initdb'd into a temporary
// folder, listening on a free loopback port with password (SCRAM) authentication, removed after.
// PostgreSQL refuses to run as root, so under root (CI) it runs as the package's `postgres` user.
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

const PG_ROOT = '/usr/lib/postgresql';

function binDir(): string | null {
  if (!existsSync(PG_ROOT)) return null;
  const versions = readdirSync(PG_ROOT)
    .filter((v) => existsSync(join(PG_ROOT, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? join(PG_ROOT, versions[0], 'bin') : null;
}

/** Why PostgreSQL tests cannot run here, or null when they can. */
export function postgresMissing(): string | null {
  return binDir() ? null : `PostgreSQL is not installed (apt-get install postgresql puts initdb in ${PG_ROOT}/<version>/bin)`;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface TestCluster {
  host: '127.0.0.1';
  port: number;
  superuser: string;
  password: string;
  /** The server's log (statements land here when log_statement is set). */
  logFile: string;
  /** A connection string for a role (the superuser by default) and database. */
  url(options?: { user?: string; password?: string; database?: string }): string;
  stop(): void;
  start(): void;
  destroy(): void;
}

export function startCluster(): Promise<TestCluster> {
  return startClusterAt(freePort());
}

async function startClusterAt(portPromise: Promise<number>): Promise<TestCluster> {
  const bin = binDir();
  if (!bin) throw new Error(postgresMissing()!);
  const port = await portPromise;
  const dir = mkdtempSync(join(tmpdir(), 'pg-test-'));
  const data = join(dir, 'data');
  const sockets = join(dir, 'sock');
  mkdirSync(sockets);
  const superuser = 'siteadmin';
  const password = `pw-${Math.random().toString(36).slice(2)}`;
  const pwfile = join(dir, 'pwfile');
  writeFileSync(pwfile, `${password}\n`);
  const asRoot = userInfo().uid === 0;
  if (asRoot) {
    const pg = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const group = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    for (const path of [dir, sockets, pwfile]) chownSync(path, pg, group);
    chmodSync(dir, 0o700);
  }
  const run = (tool: string, args: string[]): void => {
    const [command, all] = asRoot ? ['runuser', ['-u', 'postgres', '--', join(bin, tool), ...args]] : [join(bin, tool), args];
    execFileSync(command as string, all as string[], { stdio: ['ignore', 'ignore', 'pipe'] });
  };
  run('initdb', ['-D', data, '-U', superuser, '--auth=scram-sha-256', `--pwfile=${pwfile}`, '-E', 'UTF8', '--locale=C']);
  const options = `-c listen_addresses=127.0.0.1 -p ${port} -c unix_socket_directories=${sockets} -c fsync=off -c max_connections=200`;
  const start = (): void => run('pg_ctl', ['-D', data, '-o', options, '-l', join(dir, 'server.log'), '-w', 'start']);
  const stop = (): void => run('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
  start();
  let running = true;
  return {
    host: '127.0.0.1',
    port,
    superuser,
    password,
    logFile: join(dir, 'server.log'),
    url: ({ user = superuser, password: pw = password, database = 'postgres' } = {}) =>
      `postgres://${encodeURIComponent(user)}:${encodeURIComponent(pw)}@127.0.0.1:${port}/${database}`,
    stop: () => {
      if (running) stop();
      running = false;
    },
    start: () => {
      if (!running) start();
      running = true;
    },
    destroy: () => {
      try {
        if (running) stop();
      } finally {
        running = false;
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
