// A stranger's "PostgreSQL" server: it answers the startup with a request for the password in
// clear text or as MD5 (optionally after a TLS handshake with a self-signed certificate) and
// records every byte the client sends after that.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TLSSocket } from 'node:tls';

export interface FakePostgres {
  port: number;
  /** Everything the clients sent after the password request, per connection. */
  received(): Buffer;
  close(): Promise<void>;
}

const SSL_REQUEST = 80877103;

function selfSigned(): { key: string; cert: string } {
  const dir = mkdtempSync(join(tmpdir(), 'fake-pg-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=fake-postgres',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    return { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function startFakePostgres(ask: 'cleartext' | 'md5', { tls = false } = {}): Promise<FakePostgres> {
  const credentials = tls ? selfSigned() : null;
  const after: Buffer[] = [];
  const request =
    ask === 'cleartext'
      ? Buffer.from([0x52, 0, 0, 0, 8, 0, 0, 0, 3])
      : Buffer.concat([Buffer.from([0x52, 0, 0, 0, 12, 0, 0, 0, 5]), Buffer.from([1, 2, 3, 4])]);

  /** Reads the startup message, asks for the password, then records whatever comes. */
  const converse = (socket: Socket | TLSSocket, pending: Buffer = Buffer.alloc(0)) => {
    let buffer = pending;
    let asked = false;
    const onData = (chunk: Buffer) => {
      if (asked) {
        after.push(chunk);
        return;
      }
      buffer = Buffer.concat([buffer, chunk]);
      if (buffer.length < 8) return;
      const length = buffer.readInt32BE(0);
      if (buffer.length < length) return;
      if (buffer.readInt32BE(4) === SSL_REQUEST && credentials) {
        socket.removeListener('data', onData);
        socket.write('S');
        const secure = new TLSSocket(socket, { isServer: true, ...credentials });
        converse(secure, buffer.subarray(length));
        return;
      }
      asked = true;
      socket.write(request);
      if (buffer.length > length) after.push(buffer.subarray(length));
    };
    socket.on('data', onData);
    socket.on('error', () => undefined);
    if (pending.length) onData(Buffer.alloc(0));
  };

  const server: Server = createServer((socket) => converse(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    received: () => Buffer.concat(after),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
