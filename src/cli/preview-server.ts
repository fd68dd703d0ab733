// Serves the built renderer on 127.0.0.1 and binds `window.kiosk` to the real core over a
// loopback WebSocket, so the kiosk runs in any Chromium without Electron. The WebSocket needs a
// random token and our own origin; every call goes through the same validated dispatch as IPC.

import { randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { type RawData, WebSocketServer } from 'ws';
import { type CoreOptions, createKioskCore, type KioskCore } from '../main/core/core';
import type { DispatchStats } from '../main/core/ipc-dispatch';
import { forkEngine } from '../main/vision/engine-process';
import { decodeMessage, encodeMessage, type WireCall } from '../shared/wire';
import { REPO_ROOT } from './model-paths';

export interface PreviewOptions {
  /** Folder of the built renderer (electron-vite build output). */
  rendererDir?: string;
  /** The vision engine's entry; by default the built one beside the app's main (out/main/engine-entry.js). */
  visionEngine?: URL;
  port?: number;
  userDataDir: string;
  modelsDir?: string;
  log?: CoreOptions['log'];
  onEvents?: CoreOptions['onEvents'];
  classifySchedule?: CoreOptions['classifySchedule'];
}

export interface PreviewServer {
  url: string;
  core: KioskCore;
  stats: DispatchStats;
  close(): Promise<void>;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.wav': 'audio/wav',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};
/** Frames are at most full HD RGBA plus a small header. */
const MAX_MESSAGE = 1920 * 1080 * 4 + 64 * 1024;
/** A kiosk screen and a few test or staff tabs; more is an attack or a leak. */
export const MAX_CONNECTIONS = 4;

async function bundleBridge(): Promise<string> {
  const out = await build({
    entryPoints: [join(REPO_ROOT, 'src', 'preload', 'preview-bridge.ts')],
    bundle: true,
    write: false,
    format: 'iife',
    target: 'chrome120',
    minify: true,
  });
  return out.outputFiles[0]!.text;
}

function tokenMatches(req: IncomingMessage, token: string): boolean {
  const given = new URL(req.url ?? '/', 'http://localhost').searchParams.get('token') ?? '';
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

export async function startPreviewServer(options: PreviewOptions): Promise<PreviewServer> {
  const rendererDir = resolve(options.rendererDir ?? join(REPO_ROOT, 'out', 'renderer'));
  if (!existsSync(join(rendererDir, 'index.html'))) {
    throw new Error(`No built renderer at ${rendererDir}: run \`npm run build\` first.`);
  }
  const engineEntry = options.visionEngine ?? pathToFileURL(join(REPO_ROOT, 'out', 'main', 'engine-entry.js'));
  if (!existsSync(engineEntry)) {
    throw new Error(`No built vision engine at ${fileURLToPath(engineEntry)}: run \`npm run build\` first.`);
  }
  const token = randomBytes(24).toString('base64url');
  const bridge = await bundleBridge();
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE });
  const core = await createKioskCore({
    modelsDir: options.modelsDir ?? join(REPO_ROOT, 'models'),
    visionEngine: forkEngine(engineEntry),
    userDataDir: options.userDataDir,
    // A browser has no save dialog that main can drive: exports land in <user data>/exports.
    chooseSavePath: async (name) => {
      const dir = join(options.userDataDir, 'exports');
      await mkdir(dir, { recursive: true });
      return join(dir, name);
    },
    productName: 'Mask Kiosk',
    version: 'preview',
    ...(options.log ? { log: options.log } : {}),
    ...(options.onEvents ? { onEvents: options.onEvents } : {}),
    ...(options.classifySchedule === undefined ? {} : { classifySchedule: options.classifySchedule }),
    // Every connected page hears the kiosk's events, as the Electron window does.
    emit: (event, payload) => {
      const message = encodeMessage({ event, payload });
      for (const client of wss.clients) if (client.readyState === client.OPEN) client.send(message);
    },
  });
  const stats = core.stats;
  let origin = '';

  // Only our own address: a page elsewhere that rebinds its DNS name to 127.0.0.1 sends its own Host.
  const hostAllowed = (req: IncomingMessage): boolean =>
    req.headers.host === `127.0.0.1:${port}` || req.headers.host === `localhost:${port}`;
  let port = 0;

  const server: Server = createServer((req, res) => {
    if (!hostAllowed(req)) {
      res.writeHead(421);
      res.end('misdirected request');
      return;
    }
    void (async () => {
      const path = new URL(req.url ?? '/', 'http://localhost').pathname;
      if (path === '/preview-bridge.js') {
        res.writeHead(200, { 'content-type': TYPES['.js']!, 'cache-control': 'no-store' });
        return res.end(bridge);
      }
      const file = normalize(join(rendererDir, path === '/' ? 'index.html' : decodeURIComponent(path)));
      if (!file.startsWith(rendererDir + sep) || !existsSync(file)) {
        res.writeHead(404);
        return res.end('not found');
      }
      let body: Buffer | string = await readFile(file);
      if (file.endsWith('index.html')) {
        // The bridge must define window.kiosk before the app's module script runs.
        body = body.toString('utf8').replace('<head>', '<head>\n    <script src="/preview-bridge.js"></script>');
      }
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
      res.end(body);
    })().catch(() => {
      res.writeHead(500);
      res.end();
    });
  });

  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== '/kiosk' || !hostAllowed(req) || !tokenMatches(req, token) || req.headers.origin !== origin) {
      socket.write('HTTP/1.1 403 Forbidden\r\n\r\n');
      socket.destroy();
      return;
    }
    if (wss.clients.size >= MAX_CONNECTIONS) {
      socket.write('HTTP/1.1 503 Service Unavailable\r\n\r\n');
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      // A frame ws cannot accept (text that is not UTF-8, over the size limit) closes this
      // connection only; without a listener it would take the whole process down.
      ws.on('error', (err) => {
        stats.rejected++;
        options.log?.('warn', `preview: connection closed: ${err.message}`);
      });
      ws.on('message', (data: RawData, isBinary: boolean) => {
        void (async () => {
          let call: Partial<WireCall> = {};
          let result: unknown;
          try {
            if (!isBinary) throw new Error('binary messages only');
            const bytes = Buffer.isBuffer(data) ? data : Buffer.concat(data as Buffer[]);
            call = decodeMessage(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)) as Partial<WireCall>;
            if (typeof call !== 'object' || call === null || !Number.isInteger(call.id) || !Array.isArray(call.args))
              throw new Error('not a call');
            result = await core.dispatch(call.channel, call.args);
          } catch (err) {
            stats.rejected++;
            result = { ok: false, code: 'invalid_input', message: `malformed message: ${(err as Error).message}` };
          }
          if (ws.readyState === ws.OPEN) ws.send(encodeMessage({ id: Number.isInteger(call.id) ? call.id! : 0, result }));
        })();
      });
    });
  });

  try {
    await new Promise<void>((ok, fail) => {
      server.once('error', fail);
      server.listen(options.port ?? 0, '127.0.0.1', () => ok());
    });
  } catch (err) {
    // The core has started its vision engine: left running, it would keep the process alive.
    await core.dispose();
    wss.close();
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE')
      throw new Error(`port ${options.port} on 127.0.0.1 is in use (another preview?); --port 0 picks a free one`);
    throw err;
  }
  const address = server.address();
  port = typeof address === 'object' && address ? address.port : 0;
  origin = `http://127.0.0.1:${port}`;
  return {
    url: `${origin}/?token=${token}`,
    core,
    stats,
    close: async () => {
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((ok) => wss.close(() => ok()));
      await new Promise<void>((ok) => server.close(() => ok()));
      await core.dispose();
    },
  };
}
