import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KioskCore } from '../../../src/main/core/core';
import { runSmokeTest } from '../../../src/main/core/smoke-test';
import { decodeImage } from '../../../src/main/vision/image';
import { CHANNELS } from '../../../src/shared/channels';
import type { AppStatus } from '../../../src/shared/contract';
import type { Settings } from '../../../src/shared/settings';
import { startCore } from '../../helpers/core';
import { fillDatabase } from '../../helpers/full-database';
import { CONTRACT_MODEL_DIR, REPO_ROOT, sample } from '../../helpers/paths';
import { violationRow } from '../../helpers/violations';
import { cameraFrame, crashEngine, rgbaFrame } from '../../helpers/vision';

let dir: string;
let core: KioskCore;
const logs: string[] = [];
/** The status events the core pushed to the screen, in order. */
const pushed: AppStatus[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'core-'));
  writeFileSync(join(dir, 'settings.json'), JSON.stringify({ model: { folder: CONTRACT_MODEL_DIR } }));
  core = await startCore(dir, {
    version: 'test',
    log: (level, m) => logs.push(`${level} ${m}`),
    emit: (event, payload) => {
      if (event === 'status') pushed.push(payload);
    },
  });
});
afterAll(async () => {
  await core.dispose();
  rmSync(dir, { recursive: true, force: true });
});

const call = (channel: string, ...args: unknown[]) => core.dispatch(channel, args);

async function portraitFrame(): Promise<{ width: number; height: number; data: Uint8Array }> {
  const [row] = sample('test', 'without_mask', 1);
  return rgbaFrame(sharp(row!.path).resize(320, 240, { fit: 'contain', background: '#445566' }));
}

describe('kiosk core over the IPC contract', () => {
  it('reports status with the provider and model, and logs them', async () => {
    const r = await call('app:status');
    expect(r).toMatchObject({
      ok: true,
      value: { provider: 'cpu', model: expect.stringContaining('contract-model'), problem: null, language: 'en' },
    });
    expect(logs.some((l) => /^info vision: model .*contract-model.*provider cpu/.test(l))).toBe(true);
  });

  it('checks nobody until the first-run set-up has chosen the admin PIN', async () => {
    expect(await call('admin:state')).toEqual({
      ok: true,
      value: { pinSet: false, unlocked: false, lockedUntil: 0, problem: null, refusedBefore: null },
    });
    expect(await call('frame:analyze', await portraitFrame())).toMatchObject({
      ok: false,
      code: 'unavailable',
      message: expect.stringMatching(/set-up not finished/),
    });
    expect(await call('log:page', { flag: 'all', limit: 10 })).toMatchObject({ ok: false, code: 'forbidden' });
    expect(await call('admin:setPin', { pin: '12ab' })).toMatchObject({ ok: false, code: 'invalid_input' });
    expect(await call('admin:setPin', { pin: '7391' })).toEqual({ ok: true, value: null });
    expect(await call('admin:state')).toMatchObject({ value: { pinSet: true, unlocked: true } });
    await call('admin:lock');
  });

  it('analyses a real frame into a screen state and per-face boxes', async () => {
    const r = await call('frame:analyze', await portraitFrame());
    expect(r.ok).toBe(true);
    const value = (r as { value: { state: string; faces: unknown[]; width: number } }).value;
    expect(value.state).toBe('checking');
    expect(value.faces).toHaveLength(1);
    expect(value.width).toBe(320);
  });

  it('counts a person too far away to judge, once, for the review; nothing for the log without the PIN', async () => {
    // A portrait fitted in 80 px of a 640 px frame: a face of some 40 px, asked to step closer.
    const [row] = sample('test', 'without_mask', 1);
    const far = await cameraFrame(row!.path, { side: 80 });
    const range = { from: Date.now() - 3_600_000, to: Date.now() + 3_600_000 };
    const started = Date.now();
    let last: unknown;
    while (Date.now() - started < 1500) last = await call('frame:analyze', far);
    expect(last).toMatchObject({ ok: true, value: { state: 'guidance', guidance: 'step_closer' } });
    expect(await call('log:asked', range)).toMatchObject({ ok: false, code: 'forbidden' });
    await call('admin:unlock', { pin: '7391' });
    await expect.poll(async () => call('log:asked', range)).toEqual({ ok: true, value: { step_closer: 1 } });
    await call('admin:lock');
  });

  it('rejects malformed frames with a counted error and keeps working', async () => {
    const good = await portraitFrame();
    const before = core.stats.rejected;
    const bad: unknown[] = [
      { ...good, data: good.data.subarray(4) },
      { ...good, width: 320.5 },
      { width: 5000, height: 10, data: new Uint8Array(5000 * 10 * 4) },
      { width: 320, height: 240, data: Array.from({ length: 10 }) },
      { width: 320, height: 240 },
      'frame',
      null,
    ];
    for (const frame of bad) expect(await call('frame:analyze', frame)).toMatchObject({ ok: false, code: 'invalid_input' });
    expect(await call('frame:analyze')).toMatchObject({ ok: false, code: 'invalid_input' });
    expect(core.stats.rejected - before).toBe(bad.length + 1);
    expect(await call('frame:analyze', good)).toMatchObject({ ok: true });
    expect(core.stats.failed).toBe(0);
  });

  it('answers "unavailable" while its vision worker restarts after a crash, then analyses again', async () => {
    const frame = await portraitFrame();
    crashEngine(core.vision!);
    expect(await call('frame:analyze', frame)).toMatchObject({
      ok: false,
      code: 'unavailable',
      message: expect.stringMatching(/vision engine is restarting/),
    });
    const end = Date.now() + 20_000;
    while (!(await call('frame:analyze', frame)).ok && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
    expect(await call('frame:analyze', frame)).toMatchObject({ ok: true, value: { width: 320 } });
    expect(logs.some((l) => /^warn vision: engine stopped \(ended by SIGKILL\); restarting in 250 ms/.test(l))).toBe(true);
    expect(logs.some((l) => /^info vision: engine restarted \(pid \d+\); model .*contract-model/.test(l))).toBe(true);
    // The screen heard it go and come back without asking.
    expect(pushed.map((s) => s.engine.state)).toEqual(['restarting', 'running']);
    expect(pushed[0]!.engine.detail).toBe('ended by SIGKILL');
    expect(core.stats.failed).toBe(0);
  });

  it("answers the packaged app's smoke test: the engine with its models, the log, one frame", async () => {
    expect(await runSmokeTest(core)).toMatch(
      /^smoke test: ok; model .*contract-model.* on cpu answered a 320x240 frame \(0 faces\) in [\d.]+ ms$/,
    );
  });

  it('logs camera reports and validates them', async () => {
    expect(await call('camera:report', { state: 'lost', message: 'device unplugged' })).toEqual({ ok: true, value: null });
    expect(logs.at(-1)).toBe('warn camera: lost: device unplugged');
    expect(await call('camera:report', { state: 'exploded' })).toMatchObject({ ok: false, code: 'invalid_input' });
  });
});

describe('kiosk core without the nose check', () => {
  it('judges masks with the classifier alone and says the check is missing', async () => {
    const d = mkdtempSync(join(tmpdir(), 'core-no-nose-'));
    mkdirSync(join(d, 'models'));
    for (const model of ['face-detector', 'facemask-default']) symlinkSync(join(REPO_ROOT, 'models', model), join(d, 'models', model));
    const lines: string[] = [];
    const kiosk = await startCore(d, { modelsDir: join(d, 'models'), log: (level, m) => lines.push(`${level} ${m}`) });
    try {
      expect(kiosk.problem).toBeNull();
      expect(lines).toContainEqual(
        expect.stringMatching(/^warn vision: the nose check is missing .*; masks are judged by the classifier alone$/),
      );
      const status = (await kiosk.dispatch('app:status', [])) as { value: AppStatus };
      expect(status.value.model).toMatch(/facemask-default/);
      expect(status.value.model).not.toMatch(/nose check/);
    } finally {
      await kiosk.dispose();
      rmSync(d, { recursive: true, force: true });
    }
  });
});

describe('kiosk core without a usable model', () => {
  it('says what is wrong and answers frames with "unavailable", not a crash', async () => {
    const d = mkdtempSync(join(tmpdir(), 'core-missing-'));
    mkdirSync(join(d, 'models'));
    const broken = await startCore(d, { modelsDir: join(d, 'models') });
    try {
      expect(broken.problem).toMatch(/Face detector model missing: .*model\.onnx\. Run `npm run setup`/);
      const r = await broken.dispatch('frame:analyze', [{ width: 16, height: 16, data: new Uint8Array(16 * 16 * 4) }]);
      expect(r).toMatchObject({ ok: false, code: 'unavailable', message: expect.stringMatching(/Face detector model missing/) });
      expect(broken.stats.failed).toBe(0);
    } finally {
      await broken.dispose();
      rmSync(d, { recursive: true, force: true });
    }
  });
});

describe('admin and the violation log over the IPC contract', () => {
  it('guards every log channel behind the PIN chosen at set-up', async () => {
    expect(await call('admin:state')).toMatchObject({ value: { pinSet: true, unlocked: false } });
    // Well-formed arguments for each, so that only the missing PIN can refuse them; a log channel
    // added without a line here fails the first check.
    const day = { from: Date.now() - 86_400_000, to: Date.now() };
    const wellFormed: Record<string, unknown> = {
      'log:page': { flag: 'all', limit: 10 },
      'log:perDay': day,
      'log:asked': day,
      'log:update': { id: 1, reviewed: true },
      'log:delete': { ids: [1] },
      'log:snapshot': { name: 'x.jpg' },
      'log:exportCsv': { flag: 'all' },
      'log:exportDaysCsv': day,
      'log:appLog': { lines: 10 },
    };
    expect(Object.keys(CHANNELS).filter((c) => c.startsWith('log:'))).toEqual(Object.keys(wellFormed));
    // The site database's review channels, behind the same PIN.
    wellFormed['site:page'] = { from: day.from, to: day.to };
    wellFormed['site:perDay'] = day;
    wellFormed['site:health'] = undefined;
    wellFormed['site:exportDaysCsv'] = day;
    expect(Object.keys(CHANNELS).filter((c) => c.startsWith('site:'))).toEqual(
      Object.keys(wellFormed).filter((c) => c.startsWith('site:')),
    );
    for (const [channel, args] of Object.entries(wellFormed))
      expect(await call(channel, ...(args === undefined ? [] : [args])), channel).toMatchObject({ ok: false, code: 'forbidden' });
    // A set PIN cannot be replaced without unlocking first.
    expect(await call('admin:setPin', { pin: '0000' })).toMatchObject({ ok: false, code: 'forbidden' });
    expect(await call('admin:unlock', { pin: '0000' })).toEqual({ ok: true, value: { ok: false, reason: 'wrong', triesLeft: 4 } });
    expect(await call('admin:unlock', { pin: '7391' })).toMatchObject({
      ok: true,
      value: { ok: true, since: { refused: 1, lockouts: 0 } },
    });
  });

  it('pages, flags, notes, exports and deletes real log entries; bad inputs are rejected', async () => {
    const log = core.violationLog!;
    // The real frames analysed above may have logged a check of their own.
    const before = log.store.count();
    const at = Date.UTC(2026, 10, 27, 9);
    for (let i = 0; i < 3; i++) log.store.recordCheck(at + i * 1000, 60, violationRow(i));
    const page = (await call('log:page', { flag: 'all', limit: 2 })) as {
      ok: true;
      value: { rows: { id: number }[]; total: number; next: unknown };
    };
    expect(page.value.total).toBe(before + 3);
    expect(page.value.rows).toHaveLength(2);
    const id = page.value.rows[0]!.id;
    expect(await call('log:update', { id, reviewed: true, falsePositive: true, note: '=1+1 a coat collar' })).toEqual({
      ok: true,
      value: true,
    });
    expect(await call('log:update', { id, evil: true })).toMatchObject({ ok: false, code: 'invalid_input' });
    expect(await call('log:page', { flag: 'all', limit: 1000 })).toMatchObject({ ok: false, code: 'invalid_input' });
    expect(await call('log:snapshot', { name: '../settings.json' })).toMatchObject({ ok: false, code: 'invalid_input' });
    expect(await call('log:perDay', { from: at + 1000, to: at })).toMatchObject({ ok: false, code: 'invalid_input' });
    expect(await call('log:perDay', { from: at - 86_400_000, to: at + 86_400_000 })).toMatchObject({
      ok: true,
      value: [{ day: '2026-11-27', checks: 3, violations: 3 }],
    });
    const exported = (await call('log:exportCsv', { flag: 'false_positive' })) as { ok: true; value: { cancelled: true } };
    expect(exported.value).toEqual({ cancelled: true }); // the test core has no save dialog
    expect(await call('log:delete', { ids: [id, 987_654] })).toEqual({ ok: true, value: 1 });
    expect(log.store.count()).toBe(before + 2);
    // The audit line counts rows deleted, not ids asked for.
    expect(await call('log:delete', { ids: [987_654, 987_655] })).toEqual({ ok: true, value: 0 });
  });
});

describe('a damaged admin PIN file', () => {
  it('locks admin access with a message for staff, and nobody can choose a new PIN', async () => {
    const d = mkdtempSync(join(tmpdir(), 'core-pin-'));
    writeFileSync(join(d, 'admin.json'), '{"version":1,"salt":"abc","ha');
    const c = await startCore(d);
    try {
      const callC = (channel: string, ...args: unknown[]) => c.dispatch(channel, args);
      expect(await callC('admin:state')).toMatchObject({
        ok: true,
        value: { pinSet: true, unlocked: false, problem: expect.stringMatching(/admin\.json\) is damaged .* delete admin\.json/) },
      });
      expect(await callC('admin:setPin', { pin: '1111' })).toMatchObject({ ok: false, code: 'forbidden' });
      expect(await callC('admin:unlock', { pin: '1111' })).toEqual({ ok: true, value: { ok: false, reason: 'damaged' } });
      expect(await callC('log:page', { flag: 'all', limit: 10 })).toMatchObject({ ok: false, code: 'forbidden' });
    } finally {
      await c.dispose();
      rmSync(d, { recursive: true, force: true });
    }
  });
});

describe('settings, renderer errors and the app log over the IPC contract', () => {
  it('saves valid settings atomically, applies them, and rejects invalid ones', async () => {
    const current = (await call('settings:get')) as { ok: true; value: Settings };
    expect(current.ok).toBe(true);
    const next = { ...current.value, language: 'de', sound: { ...current.value.sound, muted: true } };
    expect(await call('settings:set', next)).toMatchObject({ ok: true, value: { restartNeeded: false, settings: { language: 'de' } } });
    expect(await call('app:status')).toMatchObject({ value: { language: 'de' } });
    expect(pushed.at(-1)).toMatchObject({ language: 'de', engine: { state: 'running' } });
    const { loadSettings } = await import('../../../src/main/config/settings');
    expect(loadSettings(join(dir, 'settings.json')).settings.sound.muted).toBe(true);
    expect(await call('settings:set', { ...next, sound: { ...next.sound, volume: 7 } })).toMatchObject({
      ok: false,
      code: 'invalid_input',
      message: expect.stringMatching(/sound\.volume/),
    });
    expect(await call('settings:set', { ...next, model: { folder: '/elsewhere', labelOverrides: {} } })).toMatchObject({
      ok: true,
      value: { restartNeeded: true },
    });
  });

  it('loads another model folder at once when staff save it, keeping the running one when the new one cannot load', async () => {
    const current = ((await call('settings:get')) as { value: Settings }).value;
    // '/elsewhere' (saved above) could not load: the contract model still runs, and a restart is due.
    expect(logs.some((l) => /^warn vision: the new model settings could not be loaded \(.*elsewhere/.test(l))).toBe(true);
    expect(((await call('app:status')) as { value: AppStatus }).value.model).toMatch(/contract-model/);
    const shipped = join(REPO_ROOT, 'models', 'facemask-default');
    expect(await call('settings:set', { ...current, model: { folder: shipped, labelOverrides: {} } })).toMatchObject({
      ok: true,
      value: { restartNeeded: false },
    });
    const { model_version: version } = JSON.parse(readFileSync(join(shipped, 'config.json'), 'utf8')) as { model_version: string };
    expect(((await call('app:status')) as { value: AppStatus }).value.model).toMatch(
      new RegExp(`^facemask-default ${version.replaceAll('.', '\\.')} `),
    );
    expect(pushed.at(-1)).toMatchObject({ model: expect.stringMatching(/^facemask-default/), engine: { state: 'running' } });
    const r = (await call('frame:analyze', await portraitFrame())) as { ok: boolean; value: { faces: unknown[] } };
    expect(r.ok).toBe(true);
    expect(r.value.faces).toHaveLength(1);
    expect(await call('settings:set', { ...current, model: { folder: CONTRACT_MODEL_DIR, labelOverrides: {} } })).toMatchObject({
      value: { restartNeeded: false },
    });
    expect(((await call('app:status')) as { value: AppStatus }).value.model).toMatch(/contract-model/);
  });

  it('writes renderer errors to the app log, which admins can read', async () => {
    expect(await call('renderer:error', { message: 'TypeError: x is undefined', source: 'app.js:10' })).toEqual({ ok: true, value: null });
    const tail = (await call('log:appLog', { lines: 50 })) as { ok: true; value: string[] };
    expect(tail.value.some((l) => /ERROR renderer: TypeError: x is undefined \(app\.js:10\)$/.test(l))).toBe(true);
    expect(tail.value.some((l) => /INFO {2}vision: model /.test(l))).toBe(true);
    await call('admin:lock');
    expect(await call('log:appLog', { lines: 50 })).toMatchObject({ ok: false, code: 'forbidden' });
    expect(await call('settings:get')).toMatchObject({ ok: false, code: 'forbidden' });
  });

  it('keeps admin actions in their own audit log that no flood of renderer reports can rotate away', async () => {
    for (let i = 0; i < 2000; i++) await call('renderer:error', { message: `flood ${i} ${'x'.repeat(3000)}` });
    const audit = readFileSync(join(dir, 'logs', 'audit.log'), 'utf8');
    expect(audit).toMatch(/admin: PIN set/);
    expect(audit).toMatch(/admin: unlocked/);
    expect(audit).not.toMatch(/flood/);
    const appLogText = readdirSync(join(dir, 'logs'))
      .filter((f) => f.startsWith('app'))
      .map((f) => readFileSync(join(dir, 'logs', f), 'utf8'))
      .join('');
    // Rate-limited (a few tens a minute) and truncated, so the app log keeps its history too.
    expect(appLogText.match(/ERROR renderer: flood/g)!.length).toBeLessThanOrEqual(25);
    expect(appLogText.split('\n').every((l) => l.length < 1000)).toBe(true);
  });

  it('keeps everything it has written readable by its own account only (0600 files, 0700 folders)', () => {
    if (process.platform === 'win32') return;
    const loose: string[] = [];
    const walk = (path: string): void => {
      const stat = lstatSync(path);
      if (stat.isDirectory()) {
        if ((stat.mode & 0o777) !== 0o700) loose.push(`${path} ${(stat.mode & 0o777).toString(8)}`);
        for (const name of readdirSync(path)) walk(join(path, name));
      } else if (stat.mode & 0o077) loose.push(`${path} ${(stat.mode & 0o777).toString(8)}`);
    };
    walk(dir);
    expect(readdirSync(dir)).toEqual(expect.arrayContaining(['settings.json', 'admin.json', 'logs', 'log']));
    expect(readdirSync(join(dir, 'log'))).toEqual(expect.arrayContaining(['violations.db', 'violations.db-wal']));
    expect(loose).toEqual([]);
  });

  it('keeps camera labels short and printable before they name the camera in the log', async () => {
    await call('camera:report', { state: 'live', label: 'USB Cam\r\nINFO  admin: unlocked\u0007' });
    const tail = readFileSync(join(dir, 'logs', 'app.log'), 'utf8')
      .trim()
      .split('\n')
      .at(-1)!;
    expect(tail).toMatch(/camera: live \(USB Cam INFO {2}admin: unlocked\)$/);
    // Bidirectional overrides and isolates, zero-width characters, a byte order mark: removed.
    await call('camera:report', { state: 'live', label: '\u202Egnp.exe\u202C Lobby\u2066 cam\u2069\u200B\u200D\uFEFF\u061C' });
    const last = readFileSync(join(dir, 'logs', 'app.log'), 'utf8')
      .trim()
      .split('\n')
      .at(-1)!;
    expect(last).toMatch(/camera: live \(gnp\.exe Lobby cam\)$/);
    expect(last).not.toMatch(/[\u200B-\u200F\u202A-\u202E\u2066-\u2069\uFEFF\u061C]/);
  });

  it('answers a handler that fails with "internal", counts it, and writes its stack to the app log', async () => {
    const original = core.handlers['app:status'];
    core.handlers['app:status'] = () => {
      throw new TypeError('status exploded');
    };
    try {
      const failedBefore = core.stats.failed;
      expect(await call('app:status')).toEqual({ ok: false, code: 'internal', message: 'app:status failed; the error was logged' });
      expect(core.stats.failed).toBe(failedBefore + 1);
      const text = readFileSync(join(dir, 'logs', 'app.log'), 'utf8');
      expect(text).toMatch(/ERROR IPC handler app:status failed: TypeError: status exploded \|\s+at /);
    } finally {
      core.handlers['app:status'] = original;
    }
  });
});

describe('one frame in flight', () => {
  it('refuses a second frame while one is being analysed, then takes the next', async () => {
    const frame = await portraitFrame();
    const [a, b] = await Promise.all([call('frame:analyze', frame), call('frame:analyze', frame)]);
    expect(a).toMatchObject({ ok: true });
    expect(b).toMatchObject({ ok: false, code: 'busy', message: 'a frame is already being analysed' });
    expect(await call('frame:analyze', frame)).toMatchObject({ ok: true });
  });
});

describe('damaged files at start', () => {
  it('tells staff while the violation log cannot be written, and stops once what waited is written', async () => {
    const d = mkdtempSync(join(tmpdir(), 'core-full-'));
    const statuses: AppStatus[] = [];
    const c = await startCore(d, { emit: (event, payload) => event === 'status' && statuses.push(payload) });
    try {
      const log = c.violationLog!;
      const at = Date.UTC(2026, 10, 27, 9);
      const full = fillDatabase(log.store.db, at);
      const frame = await decodeImage(sample('test', 'without_mask', 1)[0]!.path);
      const violation = {
        kind: 'violation',
        verdict: 'no_mask',
        trackId: 1,
        at,
        confidence: 0.9,
        box: { x: 0, y: 0, width: 50, height: 50 },
      } as const;
      await log.record([violation], frame);
      const notice = { code: 'log_unwritable', params: { waiting: 1, detail: 'database or disk is full' } };
      expect(statuses.at(-1)?.notices).toEqual([notice]);
      expect(await c.dispatch('app:status', [])).toMatchObject({ ok: true, value: { notices: [notice] } });

      full.raiseLimit();
      await log.record([], frame);
      expect(statuses.at(-1)?.notices).toEqual([]);
      expect(log.store.page({ limit: 1, from: at }).rows).toMatchObject([{ at, verdict: 'no_mask' }]);
    } finally {
      await c.dispose();
      rmSync(d, { recursive: true, force: true });
    }
  });

  it('keeps a broken settings file and a corrupt log aside, starts fresh, and tells staff', async () => {
    const d = mkdtempSync(join(tmpdir(), 'core-damaged-'));
    writeFileSync(join(d, 'settings.json'), '{"language": ');
    mkdirSync(join(d, 'log'));
    writeFileSync(join(d, 'log', 'violations.db'), Buffer.alloc(4096, 7));
    const c = await startCore(d);
    try {
      const status = (await c.dispatch('app:status', [])) as {
        ok: true;
        value: AppStatus;
      };
      expect(status.value.problem).toBeNull();
      // Codes the screen translates, with the technical detail for staff.
      expect(status.value.notices).toEqual([
        {
          code: 'settings_reset',
          params: { detail: expect.stringMatching(/^Settings file was unreadable .*kept as .*settings\.json\.broken-/) },
        },
        {
          code: 'log_problem',
          params: { detail: expect.stringMatching(/^The violation log was damaged .*moved to .*violations\.db\.corrupt-/) },
        },
      ]);
      expect(c.violationLog!.store.count()).toBe(0);
    } finally {
      await c.dispose();
      rmSync(d, { recursive: true, force: true });
    }
  });
});
