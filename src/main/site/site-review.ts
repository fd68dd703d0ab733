// Staff review across every entrance, read from the site database with a reviewer login (which
// may only read): events with an entrance filter, paged newest first by keyset; checks and
// violations per day and entrance (from the closed hours, so the compliance rate is real); and a
// health list of the kiosks from their heartbeats. Snapshots never leave a kiosk, so there are
// none here.
import type pg from 'pg';
import type { KioskHealth, SiteDayCount, SiteEvent, SitePage, SitePageQuery } from '../../shared/site-review';

export type { KioskHealth, SiteDayCount, SiteEvent };

const OFFLINE_AFTER_MS = 90_000;
// Every answer is bounded, whatever the rows hold: at most this many kiosks in the health list and
// rows in the per-day table (a year of 50 entrances), and text cut to the schema's lengths.
const MAX_KIOSKS = 1000;
const MAX_DAY_ROWS = 20_000;

export async function sitePage(client: pg.ClientBase, q: SitePageQuery & { limit: number }): Promise<SitePage> {
  const params: unknown[] = [q.from, q.to, q.limit + 1];
  let where = 'at >= to_timestamp($1 / 1000.0) AND at < to_timestamp($2 / 1000.0)';
  if (q.kioskId) {
    params.push(q.kioskId);
    where += ` AND kiosk_id = $${params.length}`;
  }
  if (q.before) {
    params.push(q.before.at, q.before.id);
    where += ` AND (at, id) < (to_timestamp($${params.length - 1} / 1000.0), $${params.length}::uuid)`;
  }
  const { rows } = await client.query(
    `SELECT id, kiosk_id, left(kiosk_name, 100) AS kiosk_name, (extract(epoch FROM at) * 1000)::float8 AS at_ms, tz_offset_min, verdict,
            confidence, left(model_id, 200) AS model_id, thumbnail
     FROM public.kiosk_events WHERE ${where} ORDER BY at DESC, id DESC LIMIT $3`,
    params,
  );
  const page: SiteEvent[] = rows.slice(0, q.limit).map((r) => ({
    id: r.id,
    kioskId: r.kiosk_id,
    kioskName: r.kiosk_name,
    at: Math.round(r.at_ms),
    tzOffsetMinutes: r.tz_offset_min,
    verdict: r.verdict,
    confidence: r.confidence,
    modelId: r.model_id,
    thumbnail: r.thumbnail ? `data:image/jpeg;base64,${(r.thumbnail as Buffer).toString('base64')}` : null,
  }));
  const last = page.at(-1);
  return { rows: page, next: rows.length > q.limit && last ? { at: last.at, id: last.id } : null };
}

/** Checks and violations per entrance and local day, from the hours each kiosk closed. */
export async function sitePerDay(client: pg.ClientBase, from: number, to: number): Promise<SiteDayCount[]> {
  const { rows } = await client.query(
    `SELECT h.kiosk_id, left(coalesce(n.kiosk_name, h.kiosk_id), 100) AS kiosk_name,
            to_char(h.hour + make_interval(mins => h.tz_offset_min), 'YYYY-MM-DD') AS day,
            sum(h.checks)::int AS checks, sum(h.violations)::int AS violations
     FROM public.kiosk_hours h
     LEFT JOIN LATERAL (SELECT kiosk_name FROM public.kiosk_heartbeats b WHERE b.kiosk_id = h.kiosk_id ORDER BY at DESC LIMIT 1) n ON true
     WHERE h.hour >= to_timestamp($1 / 1000.0) AND h.hour < to_timestamp($2 / 1000.0)
     GROUP BY 1, 2, 3 ORDER BY 3, 2 LIMIT ${MAX_DAY_ROWS}`,
    [from, to],
  );
  return rows.map((r) => ({ kioskId: r.kiosk_id, kioskName: r.kiosk_name, day: r.day, checks: r.checks, violations: r.violations }));
}

/** Every kiosk that ever sent a heartbeat, with its latest. */
export async function siteHealth(client: pg.ClientBase, now: number): Promise<KioskHealth[]> {
  const { rows } = await client.query(
    // Heartbeats pile up (two a minute per kiosk): hop from kiosk to kiosk along the index
    // instead of reading them all, then take each kiosk's latest.
    `WITH RECURSIVE k AS (
       (SELECT kiosk_id FROM public.kiosk_heartbeats ORDER BY kiosk_id LIMIT 1)
       UNION ALL
       SELECT (SELECT b.kiosk_id FROM public.kiosk_heartbeats b WHERE b.kiosk_id > k.kiosk_id ORDER BY b.kiosk_id LIMIT 1) FROM k WHERE k.kiosk_id IS NOT NULL
     )
     SELECT h.kiosk_id, left(h.kiosk_name, 100) AS kiosk_name, (extract(epoch FROM h.at) * 1000)::float8 AS at_ms, left(h.state, 40) AS state,
            left(h.camera, 200) AS camera, h.fps, left(h.model, 200) AS model, left(h.provider, 100) AS provider, h.queued, left(h.version, 50) AS version
     FROM k CROSS JOIN LATERAL (
       -- A heartbeat dated ahead of the database's clock (rows from before the schema checked it) is not the latest.
       SELECT * FROM public.kiosk_heartbeats b WHERE b.kiosk_id = k.kiosk_id AND b.at <= now() + interval '1 day' ORDER BY b.at DESC LIMIT 1
     ) h
     WHERE k.kiosk_id IS NOT NULL
     LIMIT ${MAX_KIOSKS}`,
  );
  return rows
    .map((r) => ({
      kioskId: r.kiosk_id,
      kioskName: r.kiosk_name,
      lastHeartbeat: Math.round(r.at_ms),
      offline: now - r.at_ms > OFFLINE_AFTER_MS,
      state: r.state,
      camera: r.camera,
      fps: Number.isFinite(r.fps) ? r.fps : 0,
      model: r.model,
      provider: r.provider,
      queued: r.queued,
      version: r.version,
    }))
    .sort((a, b) => a.kioskName.localeCompare(b.kioskName));
}
