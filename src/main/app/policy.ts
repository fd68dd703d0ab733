// The kiosk window's security and recovery policies as plain functions (no Electron import), so
// each is tested directly; window.ts and main.ts only wire them to Electron's hooks.

import { readFileSync } from 'node:fs';
import { join, normalize, sep } from 'node:path';
import { writeFileAtomic } from '../config/atomic-write';

/** The app is served from this custom scheme, never from file://. */
export const APP_SCHEME = 'app';
export const APP_HOST = 'kiosk';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;

/** Scripts only from our own origin; no eval, no inline script, no remote anything. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "media-src 'self' blob: mediastream:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

function originOf(url: string): string | null {
  try {
    const u = new URL(url);
    return u.protocol === `${APP_SCHEME}:` ? `${u.protocol}//${u.host}` : u.origin;
  } catch {
    return null;
  }
}

export function isOwnOrigin(url: string | undefined): boolean {
  return url !== undefined && originOf(url) === APP_ORIGIN;
}

export interface PermissionRequest {
  permission: string;
  /** For `media`: which kinds of device the page wants. */
  mediaTypes?: readonly string[];
  requestingUrl?: string;
}

/** Grants the camera (video only) to our own pages; denies every other permission to everyone. */
export function allowPermission(req: PermissionRequest): boolean {
  if (req.permission !== 'media' || !isOwnOrigin(req.requestingUrl)) return false;
  const types = req.mediaTypes ?? [];
  return types.length > 0 && types.every((t) => t === 'video');
}

/** Permission *checks* (as opposed to requests) carry no media types; allow only media for us. */
export function allowPermissionCheck(permission: string, requestingOrigin: string | undefined): boolean {
  return permission === 'media' && isOwnOrigin(requestingOrigin);
}

/** The kiosk never navigates anywhere: not to the web, not to files, not within itself by URL. */
export function allowNavigation(url: string, currentUrl: string): boolean {
  return isOwnOrigin(url) && url === currentUrl;
}

export const WINDOW_OPEN_DENIED = { action: 'deny' } as const;

/** Maps an app:// request to a file inside the built renderer, or null (404) if it leaves it. */
export function resolveAppFile(url: string, rendererDir: string): string | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  if (u.protocol !== `${APP_SCHEME}:` || u.host !== APP_HOST) return null;
  let relative: string;
  try {
    relative = decodeURIComponent(u.pathname === '/' ? '/index.html' : u.pathname);
  } catch {
    return null; // a malformed %-escape names no file of ours
  }
  const file = normalize(join(rendererDir, relative));
  return file.startsWith(normalize(rendererDir) + sep) ? file : null;
}

/**
 * Decides what to do when the renderer dies: reload, unless it has died `maxCrashes` times within
 * `windowMs`, then show the calm error screen instead of looping.
 */
export class CrashPolicy {
  private crashes: number[] = [];

  constructor(
    private readonly maxCrashes = 3,
    private readonly windowMs = 60_000,
  ) {}

  onCrash(now: number): 'reload' | 'error-screen' {
    this.crashes = [...this.crashes.filter((t) => now - t < this.windowMs), now];
    return this.crashes.length >= this.maxCrashes ? 'error-screen' : 'reload';
  }

  get count(): number {
    return this.crashes.length;
  }
}

export interface RestartPolicyOptions {
  /** Restarts within this window count toward the cap. */
  windowMs: number;
  /** After this many restarts in the window, main stays up on an error screen. */
  maxRestarts: number;
  /** Delay before the n-th restart in the window: base x 2^(n-1), capped. */
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RESTART_POLICY: RestartPolicyOptions = {
  windowMs: 10 * 60_000,
  maxRestarts: 5,
  baseDelayMs: 1000,
  maxDelayMs: 60_000,
};

export type RestartDecision = { action: 'relaunch'; delayMs: number; history: number[] } | { action: 'stay-down'; history: number[] };

/**
 * What main does after a fatal error, given when it last restarted (kept on disk across
 * restarts): relaunch with a growing delay, or, when it keeps failing (a full disk, a broken
 * install), stop relaunching and show a calm error screen that says what is wrong.
 */
export function restartDecision(
  previous: readonly number[],
  now: number,
  o: RestartPolicyOptions = DEFAULT_RESTART_POLICY,
): RestartDecision {
  const recent = previous.filter((t) => now - t < o.windowMs && t <= now);
  if (recent.length >= o.maxRestarts) return { action: 'stay-down', history: recent };
  const delayMs = Math.min(o.maxDelayMs, o.baseDelayMs * 2 ** recent.length);
  return { action: 'relaunch', delayMs, history: [...recent, now] };
}

/** The restart history file: a JSON list of times; anything unreadable counts as no history. */
export function readRestartHistory(file: string): number[] {
  try {
    const data = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    return Array.isArray(data) ? data.filter((t): t is number => typeof t === 'number' && Number.isFinite(t)) : [];
  } catch {
    return [];
  }
}

export function writeRestartHistory(file: string, history: readonly number[]): void {
  try {
    writeFileAtomic(file, JSON.stringify(history));
  } catch {
    // A full disk must not turn a restart into a crash loop of its own.
  }
}

export type CrashReason = 'repeated_failure' | 'display_failure';

/**
 * The crash screen's address: a page of the built renderer that says, in the kiosk's language,
 * why it stopped. Main passes a code and values, never a sentence.
 */
export function crashScreenUrl(
  reason: CrashReason,
  values: { count?: number; detail?: string; lang: string; secondLang?: string | null },
): string {
  const params = new URLSearchParams({ reason, lang: values.lang });
  if (values.secondLang) params.set('lang2', values.secondLang);
  if (values.count !== undefined) params.set('count', String(values.count));
  if (values.detail) params.set('detail', values.detail.slice(0, 300));
  return `${APP_ORIGIN}/crash.html#${params.toString()}`;
}

/**
 * The window for the calm error screen, when the kiosk window is gone: as locked down as the
 * kiosk window (fullscreen kiosk mode, not closable, sandboxed), so a failure never leaves a
 * desktop or a closable window in the lobby. `kiosk` false only for development (windowed).
 */
export function errorWindowOptions(kiosk: boolean) {
  return {
    kiosk,
    fullscreen: kiosk,
    closable: !kiosk,
    minimizable: !kiosk,
    alwaysOnTop: kiosk,
    autoHideMenuBar: true,
    backgroundColor: '#16202b',
    webPreferences: { sandbox: true, contextIsolation: true, nodeIntegration: false, spellcheck: false },
  } as const;
}
