// npm run bench:site [-- --events N] [--kiosks 50] [--json]
// The site database under load, in a throwaway PostgreSQL cluster: 50 simulated kiosks (each its
// own SQLite log, outbox and login) ship at once, then the database is filled to N events (10
// million by default) over a year and the staff review's queries are timed as the reviewer login:
// the newest page across all entrances and for one, the next page, and the per-day chart per
// entrance over two weeks.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { ViolationStore } from '../main/log/store';
import { SiteOutbox } from '../main/site/outbox';
import { SiteShipper } from '../main/site/shipper';
import { sitePage, sitePerDay } from '../main/site/site-review';
import { parseCommandLine, wholeNumberOption } from './command-line';
import { startCluster } from './pg-cluster';
import { createSiteDatabase } from './site-admin';

const { events, kiosks, perKiosk, json } = parseCommandLine(
  'bench:site',
  'Usage: npm run bench:site [-- --events N] [--kiosks 50] [--per-kiosk 2000] [--json]',
  {
    options: {
      events: { type: 'string', default: '10000000' },
      kiosks: { type: 'string', default: '50' },
      'per-kiosk': { type: 'string', default: '2000' },
      json: { type: 'boolean', default: false },
    },
  },
  ({ values }) => ({
    events: wholeNumberOption('events', values.events),
    kiosks: wholeNumberOption('kiosks', values.kiosks),
    perKiosk: wholeNumberOption('per-kiosk', values['per-kiosk']),
    json: values.json,
  }),
);
const DAY = 86_400_000;
const say = (m: string): void => {
  if (!json) console.log(m);
};
const p95 = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.ceil(0.95 * s.length) - 1)]! * 100) / 100;
};

const cluster = await startCluster();
const scratch = mkdtempSync(join(tmpdir(), 'bench-site-'));
try {
  const logins = Array.from({ length: kiosks }, (_, i) => `kiosk_${String(i + 1).padStart(2, '0')}`);
  await createSiteDatabase(cluster, 'maskkiosk', {
    kiosks: Object.fromEntries(logins.map((login) => [login, `pw-${login}`])),
    reviewers: { review_desk: 'pw-review' },
  });
  const owner = new pg.Client({ connectionString: cluster.url({ database: 'maskkiosk' }) });
  await owner.connect();

  // 1. Ingest: every kiosk ships its backlog at once, the real way (outbox, batches, ON CONFLICT).
  const now = Date.now();
  const shippers = logins.map((login, k) => {
    const { store } = ViolationStore.open(mkdtempSync(join(scratch, `${login}-`)));
    for (let i = 0; i < perKiosk; i++) {
      store.recordCheck(now - DAY + i * 1000 + k, 60, {
        trackId: i,
        verdict: i % 4 === 0 ? 'incorrect' : 'no_mask',
        confidence: 0.9,
        modelId: 'facemask-default',
        cameraId: 'cam',
        snapshot: null,
      });
    }
    return new SiteShipper({
      outbox: new SiteOutbox(store.db),
      connection: { host: '127.0.0.1', port: cluster.port, database: 'maskkiosk', user: login, password: `pw-${login}`, tls: 'off' },
      kioskName: `Entrance ${k + 1}`,
      heartbeat: () => ({ state: 'running', fps: 15, model: 'facemask-default', provider: 'cpu', camera: 'cam', version: 'bench' }),
      log: () => undefined,
    });
  });
  say(`${kiosks} kiosks ship ${kiosks * perKiosk} events at once…`);
  const t0 = performance.now();
  await Promise.all(
    shippers.map(async (s) => {
      while (await s.runOnce());
    }),
  );
  const ingestSeconds = (performance.now() - t0) / 1000;
  const eventsPerSecond = Math.round((kiosks * perKiosk) / ingestSeconds);
  say(`ingest: ${eventsPerSecond} events/s (${ingestSeconds.toFixed(1)} s)`);

  // 2. Fill to --events events over a year, with the closed hours to match, as the owner.
  const fill = Math.max(0, events - kiosks * perKiosk);
  say(`filling to ${events} events…`);
  const tFill = performance.now();
  const chunk = 1_000_000;
  for (let done = 0; done < fill; done += chunk) {
    const n = Math.min(chunk, fill - done);
    await owner.query(
      `INSERT INTO kiosk_events (id, kiosk_id, kiosk_name, at, tz_offset_min, verdict, confidence, model_id, camera_id)
       SELECT gen_random_uuid(), 'kiosk_' || lpad(((g % $3) + 1)::text, 2, '0'), 'Entrance ' || ((g % $3) + 1),
              to_timestamp($1 / 1000.0) - (random() * interval '365 days'), 60,
              CASE WHEN g % 4 = 0 THEN 'incorrect' ELSE 'no_mask' END, 0.9, 'facemask-default', 'cam'
       FROM generate_series($2::bigint, $2::bigint + $4 - 1) g`,
      [now - DAY, done, kiosks, n],
    );
  }
  await owner.query(
    `INSERT INTO kiosk_hours (id, kiosk_id, hour, tz_offset_min, checks, violations)
     SELECT gen_random_uuid(), k, h, 60, 40, 10
     FROM unnest($1::text[]) k, generate_series(date_trunc('hour', to_timestamp($2 / 1000.0)) - interval '365 days', to_timestamp($2 / 1000.0) - interval '1 day', interval '1 hour') h
     ON CONFLICT DO NOTHING`,
    [logins, now],
  );
  await owner.query('ANALYZE');
  say(`filled in ${((performance.now() - tFill) / 1000).toFixed(0)} s`);

  // 3. The review, as staff would use it: random fortnights over the year, all entrances or one.
  const reviewer = new pg.Client({ connectionString: cluster.url({ user: 'review_desk', password: 'pw-review', database: 'maskkiosk' }) });
  await reviewer.connect();
  const review: number[] = [];
  const chart: number[] = [];
  for (let i = 0; i < 60; i++) {
    const to = now - Math.floor(Math.random() * 300) * DAY;
    const from = to - 14 * DAY;
    const kioskId = i % 2 === 0 ? undefined : logins[i % kiosks]!;
    let t = performance.now();
    const first = await sitePage(reviewer, { from, to, limit: 25, ...(kioskId ? { kioskId } : {}) });
    if (first.next) await sitePage(reviewer, { from, to, limit: 25, before: first.next, ...(kioskId ? { kioskId } : {}) });
    review.push((performance.now() - t) / (first.next ? 2 : 1));
    t = performance.now();
    await sitePerDay(reviewer, from, to);
    chart.push(performance.now() - t);
  }
  await reviewer.end();
  await owner.end();
  const report = { eventsPerSecond, reviewP95Ms: p95(review), chartP95Ms: p95(chart), events, kiosks };
  console.log(json ? JSON.stringify(report) : report);
} finally {
  cluster.destroy();
  rmSync(scratch, { recursive: true, force: true });
}
