// The browser preview's stand-in for the Electron preload: the same `window.kiosk`, built from
// the same channel table, carried over a loopback WebSocket that needs the server's token.

import type { EventName } from '../shared/channels';
import { decodeMessage, encodeMessage, type WireEvent, type WireReply } from '../shared/wire';
import { buildKioskApi } from './api';

const token = new URLSearchParams(location.search).get('token') ?? '';
const pending = new Map<number, (result: unknown) => void>();
const listeners = new Map<EventName, Set<(payload: unknown) => void>>();
let nextId = 1;
let socket: WebSocket | null = null;
let ready: Promise<WebSocket> | null = null;

function connect(): Promise<WebSocket> {
  ready ??= new Promise((resolve) => {
    const ws = new WebSocket(`ws://${location.host}/kiosk?token=${encodeURIComponent(token)}`);
    ws.binaryType = 'arraybuffer';
    ws.onopen = () => {
      socket = ws;
      resolve(ws);
    };
    ws.onmessage = (event) => {
      const message = decodeMessage(new Uint8Array(event.data as ArrayBuffer)) as WireReply | WireEvent;
      if ('event' in message) {
        for (const listener of listeners.get(message.event as EventName) ?? []) listener(message.payload);
        return;
      }
      pending.get(message.id)?.(message.result);
      pending.delete(message.id);
    };
    ws.onclose = () => {
      socket = null;
      ready = null;
      // Calls in flight get an answer rather than hanging the frame loop.
      for (const [, settle] of pending) settle({ ok: false, code: 'unavailable', message: 'preview server connection lost' });
      pending.clear();
      setTimeout(() => void connect(), 1000);
    };
  });
  return ready;
}

(window as unknown as { kiosk: unknown }).kiosk = buildKioskApi(
  async (channel, args) => {
    const ws = socket ?? (await connect());
    const id = nextId++;
    return new Promise((resolve) => {
      pending.set(id, resolve);
      ws.send(encodeMessage({ id, channel, args }));
    });
  },
  (event, listener) => {
    // Events arrive on the same connection; listening opens it if nothing has yet.
    void connect();
    const set = listeners.get(event) ?? new Set();
    listeners.set(event, set);
    set.add(listener);
    return () => set.delete(listener);
  },
);
