// The browser preview's bridge under abuse: malformed frames, too many connections, a foreign
// Host header. The server must refuse each and stay up for the real kiosk page.

import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { MAX_CONNECTIONS, type PreviewServer } from '../../../src/cli/preview-server';
import { decodeMessage, encodeMessage } from '../../../src/shared/wire';
import { runCli } from '../../helpers/cli';
import { type OpenPreview, openPreview } from '../../helpers/kiosk';

let preview: OpenPreview | undefined;
let server: PreviewServer;
let origin: string;
let wsUrl: string;

beforeAll(async () => {
  preview = await openPreview();
  server = preview.server;
  const url = new URL(server.url);
  origin = url.origin;
  wsUrl = `ws://${url.host}/kiosk?token=${url.searchParams.get('token')}`;
}, 120_000);
afterAll(() => preview?.close());

function connect(headers: Record<string, string> = {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(wsUrl, { headers: { origin, ...headers }, maxPayload: 64 * 1024 * 1024 });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
  });
}

function call(ws: WebSocket, channel: string, args: unknown[] = []): Promise<unknown> {
  return new Promise((resolve) => {
    ws.once('message', (data: Buffer) => resolve((decodeMessage(new Uint8Array(data)) as { result: unknown }).result));
    ws.send(encodeMessage({ id: 1, channel, args }));
  });
}

const closed = (ws: WebSocket): Promise<number> => new Promise((r) => ws.once('close', (code) => r(code)));

describe('preview bridge under abuse', () => {
  it('closes only the connection that sends text that is not UTF-8, and keeps serving', async () => {
    const bad = await connect();
    const gone = closed(bad);
    bad.send(Buffer.from([0xc3, 0x28, 0xff]), { binary: false });
    expect(await gone).toBe(1007);
    const good = await connect();
    expect(await call(good, 'app:status')).toMatchObject({ ok: true });
    good.close();
  });

  it('closes a connection that sends a message over the size limit, and keeps serving', async () => {
    const big = await connect();
    const gone = closed(big);
    big.send(new Uint8Array(1920 * 1080 * 4 + 128 * 1024));
    expect(await gone).toBe(1009);
    const good = await connect();
    expect(await call(good, 'app:status')).toMatchObject({ ok: true });
    good.close();
  });

  it('answers a message with repeated byte references as malformed', async () => {
    const ws = await connect();
    const head = new TextEncoder().encode(
      JSON.stringify({ id: 3, channel: 'frame:analyze', args: Array.from({ length: 300 }, () => ({ $bytes: [0, 4096] })) }),
    );
    const msg = new Uint8Array(4 + head.byteLength + 4096);
    new DataView(msg.buffer).setUint32(0, head.byteLength, true);
    msg.set(head, 4);
    const reply = new Promise((resolve) => ws.once('message', (data: Buffer) => resolve(decodeMessage(new Uint8Array(data)))));
    ws.send(msg);
    expect(await reply).toMatchObject({
      result: { ok: false, code: 'invalid_input', message: expect.stringMatching(/overlap or repeat/) },
    });
    ws.close();
  });

  it(`refuses more than ${MAX_CONNECTIONS} connections at once`, async () => {
    const open = await Promise.all(Array.from({ length: MAX_CONNECTIONS }, () => connect()));
    await expect(connect()).rejects.toThrow(/503/);
    await Promise.all(
      open.map((ws) => {
        const c = closed(ws);
        ws.close();
        return c;
      }),
    );
    const again = await connect();
    again.close();
  });

  it('refuses a foreign Host header (DNS rebinding) on pages and on the socket', async () => {
    await expect(connect({ host: 'evil.example:80' })).rejects.toThrow(/403/);
    const url = new URL(server.url);
    const status = await new Promise<number>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: Number(url.port), path: '/', headers: { host: 'evil.example' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(421);
  });
});

describe('npm run preview on a port already in use', () => {
  it('says so in one line and ends, its vision engine stopped, with exit code 1', () => {
    const r = runCli('src/cli/preview.ts', ['--port', new URL(server.url).port, '--no-build'], 60_000);
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr.trim()).toMatch(/^preview: port \d+ on 127\.0\.0\.1 is in use \(another preview\?\); --port 0 picks a free one$/);
  });
});
