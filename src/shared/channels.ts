// The IPC surface, once: each channel's name and the `window.kiosk` method that calls it.
// Payload and result types live beside the schemas in ./contract.ts. This file has no runtime
// dependencies so the sandboxed preload can import it as is.
// How to add a channel: docs in CONTRIBUTING.md.
import type { Message } from './messages';
export const CHANNELS = {
  'app:status': 'getStatus',
  'frame:analyze': 'analyzeFrame',
  'camera:report': 'reportCamera',
  'admin:state': 'getAdminState',
  'admin:setPin': 'setAdminPin',
  'admin:unlock': 'unlockAdmin',
  'admin:lock': 'lockAdmin',
  'app:exitKiosk': 'exitKiosk',
  'log:page': 'getLogPage',
  'log:perDay': 'getLogPerDay',
  'log:asked': 'getLogAsked',
  'log:update': 'updateLogEntry',
  'log:delete': 'deleteLogEntries',
  'log:snapshot': 'getSnapshot',
  'log:exportCsv': 'exportLogCsv',
  'log:exportDaysCsv': 'exportLogDaysCsv',
  'log:appLog': 'getAppLog',
  'renderer:error': 'reportRendererError',
  'settings:get': 'getSettings',
  'settings:set': 'saveSettings',
  'site:page': 'getSitePage',
  'site:perDay': 'getSitePerDay',
  'site:health': 'getSiteHealth',
  'site:exportDaysCsv': 'exportSiteDaysCsv',
} as const;

export type Channel = keyof typeof CHANNELS;

/**
 * Main-to-renderer events: main pushes these when something changes, so the screen need not ask.
 * Payload schemas are in ./contract.ts beside the channels'; `window.kiosk.subscribe` listens.
 */
export const EVENTS = ['status'] as const;
export type EventName = (typeof EVENTS)[number];
/** The IPC channel an event travels on in Electron. */
export const eventChannel = (event: EventName): string => `event:${event}`;

/** Results, not throws, cross the process boundary. */
/** `message` is for logs and developers; `notice`, when given, is what the screen says (translated). */
export type Result<T> = { ok: true; value: T } | { ok: false; code: ErrorCode; message: string; notice?: Message };
export type ErrorCode = 'invalid_input' | 'forbidden' | 'unavailable' | 'busy' | 'internal';
