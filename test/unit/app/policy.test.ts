import { describe, expect, it } from 'vitest';
import {
  APP_ORIGIN,
  allowNavigation,
  allowPermission,
  allowPermissionCheck,
  CONTENT_SECURITY_POLICY,
  CrashPolicy,
  crashScreenUrl,
  errorWindowOptions,
  readRestartHistory,
  resolveAppFile,
  restartDecision,
  WINDOW_OPEN_DENIED,
  writeRestartHistory,
} from '../../../src/main/app/policy';

const page = `${APP_ORIGIN}/index.html`;

describe('permission policy', () => {
  it('grants the camera to our own page only', () => {
    expect(allowPermission({ permission: 'media', mediaTypes: ['video'], requestingUrl: page })).toBe(true);
    expect(allowPermission({ permission: 'media', mediaTypes: ['video', 'audio'], requestingUrl: page })).toBe(false);
    expect(allowPermission({ permission: 'media', mediaTypes: ['audio'], requestingUrl: page })).toBe(false);
    expect(allowPermission({ permission: 'media', mediaTypes: [], requestingUrl: page })).toBe(false);
    expect(allowPermission({ permission: 'media', mediaTypes: ['video'], requestingUrl: 'https://evil.example/' })).toBe(false);
    expect(allowPermission({ permission: 'media', mediaTypes: ['video'], requestingUrl: 'file:///C:/x.html' })).toBe(false);
  });

  it('denies everything else', () => {
    for (const permission of [
      'geolocation',
      'notifications',
      'clipboard-read',
      'display-capture',
      'openExternal',
      'fullscreen',
      'hid',
      'serial',
      'usb',
    ]) {
      expect(allowPermission({ permission, requestingUrl: page }), permission).toBe(false);
    }
    expect(allowPermissionCheck('media', APP_ORIGIN)).toBe(true);
    expect(allowPermissionCheck('geolocation', APP_ORIGIN)).toBe(false);
    expect(allowPermissionCheck('media', 'http://127.0.0.1:5417')).toBe(false);
  });
});

describe('navigation policy', () => {
  it('denies navigation away and new windows', () => {
    expect(allowNavigation('https://example.com/', page)).toBe(false);
    expect(allowNavigation('file:///etc/passwd', page)).toBe(false);
    expect(allowNavigation(`${APP_ORIGIN}/other.html`, page)).toBe(false);
    expect(allowNavigation(page, page)).toBe(true);
    expect(WINDOW_OPEN_DENIED).toEqual({ action: 'deny' });
  });
});

describe('app protocol', () => {
  it('serves files inside the renderer folder and nothing outside it', () => {
    expect(resolveAppFile(`${APP_ORIGIN}/`, '/app/out/renderer')).toBe('/app/out/renderer/index.html');
    expect(resolveAppFile(`${APP_ORIGIN}/assets/index-abc.js`, '/app/out/renderer')).toBe('/app/out/renderer/assets/index-abc.js');
    expect(resolveAppFile(`${APP_ORIGIN}/../../etc/passwd`, '/app/out/renderer')).toBe('/app/out/renderer/etc/passwd');
    expect(resolveAppFile(`${APP_ORIGIN}/%2e%2e/%2e%2e/secret`, '/app/out/renderer')).toBe('/app/out/renderer/secret');
    expect(resolveAppFile(`${APP_ORIGIN}/a%2F..%2F..%2F..%2Fsecret`, '/app/out/renderer')).toBeNull();
    expect(resolveAppFile('app://elsewhere/index.html', '/app/out/renderer')).toBeNull();
    expect(resolveAppFile(`${APP_ORIGIN}/%E0%A4%A`, '/app/out/renderer')).toBeNull();
    expect(resolveAppFile(`${APP_ORIGIN}/%`, '/app/out/renderer')).toBeNull();
    expect(resolveAppFile('https://kiosk/index.html', '/app/out/renderer')).toBeNull();
  });

  it('has a strict content security policy', () => {
    expect(CONTENT_SECURITY_POLICY).toContain("script-src 'self'");
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-eval|script-src[^;]*unsafe-inline/);
    expect(CONTENT_SECURITY_POLICY).toContain("object-src 'none'");
  });
});

describe('crash policy', () => {
  it('reloads after a crash, and shows the error screen after three within a minute', () => {
    const p = new CrashPolicy();
    expect(p.onCrash(0)).toBe('reload');
    expect(p.onCrash(10_000)).toBe('reload');
    expect(p.onCrash(20_000)).toBe('error-screen');
    const q = new CrashPolicy();
    expect([q.onCrash(0), q.onCrash(40_000), q.onCrash(100_000), q.onCrash(130_000)]).toEqual(['reload', 'reload', 'reload', 'reload']);
  });
});

describe('main process restarts', () => {
  it('relaunches with a growing delay, then stays down on the error screen when it keeps failing', () => {
    let history: number[] = [];
    const delays: number[] = [];
    let t = 1_000_000;
    for (let i = 0; i < 5; i++) {
      const d = restartDecision(history, t);
      expect(d.action).toBe('relaunch');
      if (d.action === 'relaunch') delays.push(d.delayMs);
      history = d.history;
      t += 20_000;
    }
    expect(delays).toEqual([1000, 2000, 4000, 8000, 16000]);
    expect(restartDecision(history, t).action).toBe('stay-down');
  });

  it('forgets restarts older than the window, so a kiosk that fails once a day always comes back', () => {
    const day = 86_400_000;
    const history = [1, 2, 3, 4, 5].map((i) => i * day);
    expect(restartDecision(history, 6 * day)).toMatchObject({ action: 'relaunch', delayMs: 1000 });
  });

  it('keeps its history on disk, and reads a damaged file as none', async () => {
    const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const d = mkdtempSync(join(tmpdir(), 'restarts-'));
    const f = join(d, 'logs', 'restarts.json');
    expect(readRestartHistory(f)).toEqual([]);
    writeRestartHistory(f, [5, 6]);
    expect(readRestartHistory(f)).toEqual([5, 6]);
    writeFileSync(f, '[1, "x", null');
    expect(readRestartHistory(f)).toEqual([]);
    rmSync(d, { recursive: true, force: true });
  });
});

describe('crash screen address', () => {
  it('names the reason and values for the renderer to translate, within the app origin', () => {
    const url = new URL(crashScreenUrl('repeated_failure', { count: 5, detail: 'disk full & more', lang: 'de' }));
    expect(`${url.protocol}//${url.host}${url.pathname}`).toBe(`${APP_ORIGIN}/crash.html`);
    expect(Object.fromEntries(new URLSearchParams(url.hash.slice(1)))).toEqual({
      reason: 'repeated_failure',
      lang: 'de',
      count: '5',
      detail: 'disk full & more',
    });
    expect(resolveAppFile(url.toString(), '/r')).toBe('/r/crash.html');
  });

  it('names the second language when staff chose one', () => {
    const url = new URL(crashScreenUrl('display_failure', { lang: 'de', secondLang: 'fr' }));
    expect(Object.fromEntries(new URLSearchParams(url.hash.slice(1)))).toEqual({ reason: 'display_failure', lang: 'de', lang2: 'fr' });
  });

  it('keeps a long cause short', () => {
    const url = new URL(crashScreenUrl('display_failure', { detail: 'x'.repeat(5000), lang: 'en' }));
    expect(new URLSearchParams(url.hash.slice(1)).get('detail')).toHaveLength(300);
  });
});

describe('the error screen window', () => {
  it('is as locked down as the kiosk window: kiosk mode, fullscreen, not closable, sandboxed', () => {
    expect(errorWindowOptions(true)).toMatchObject({
      kiosk: true,
      fullscreen: true,
      closable: false,
      minimizable: false,
      webPreferences: { sandbox: true, contextIsolation: true, nodeIntegration: false },
    });
    // Windowed development runs can close it.
    expect(errorWindowOptions(false)).toMatchObject({ kiosk: false, closable: true });
  });
});
