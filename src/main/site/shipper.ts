// Ships what the kiosk records to the site's PostgreSQL, off the frame path: violations from the
// outbox and closed hours in batches, and a heartbeat every 30 s. The kiosk's SQLite log stays
// the source of truth; the site database is a copy that may lag. Every insert is idempotent
// (ON CONFLICT DO NOTHING on the kiosk's own ids), so a batch retried after a crash or a lost
// answer never duplicates, and the local mark moves only after the site has the rows. Failures
// back off exponentially and say why in words (unreachable, wrong password, TLS, schema).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type pg from 'pg';
import type { Logger } from '../logger';
import { describeFailure, kioskSiteClient, type SiteConnection } from './connection';
import type { PendingEvent, PendingHour, SiteOutbox } from './outbox';

/** The site schema version this kiosk writes (site/migrations/*.sql). */
export const SITE_SCHEMA_VERSION = 3;

export interface Heartbeat {
  state: string;
  fps: number;
  model: string | null;
  provider: string | null;
  camera: string;
  version: string;
  /** Violations the kiosk holds in memory because its own log cannot be written (a full disk): waiting too. */
  unlogged?: number;
}

export interface ShipperOptions {
  outbox: SiteOutbox;
  connection: SiteConnection;
  /** This kiosk's name for people ("North entrance"). */
  kioskName: string;
  heartbeat: () => Heartbeat;
  log: Logger;
  now?: () => number;
  batchSize?: number;
  /** Pause between rounds while everything is shipped. */
  idleMs?: number;
  heartbeatMs?: number;
  backoff?: { firstMs: number; maxMs: number };
  /** Where the blurred thumbnails are, when staff allow shipping them; null: no picture leaves. */
  thumbnails?: { dir: string } | null;
  /** The state or its reason changed (for the status strip). */
  onStatus?: (status: ShipperStatus) => void;
}

export type ShipperState = 'starting' | 'shipping' | 'idle' | 'failing' | 'schema' | 'stopped';

export interface ShipperStatus {
  state: ShipperState;
  /** Violations waiting in the outbox. */
  queued: number;
  /** Why shipping fails or stopped, in words; null while it works. */
  reason: string | null;
  lastShippedAt: number | null;
  failures: number;
}

export class SiteShipper {
  private client: pg.Client | null = null;
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private round: Promise<void> = Promise.resolve();
  private lastHeartbeat = 0;
  private current: ShipperStatus = { state: 'starting', queued: 0, reason: null, lastShippedAt: null, failures: 0 };
  private readonly now: () => number;

  constructor(private readonly options: ShipperOptions) {
    this.now = options.now ?? Date.now;
  }

  status(): ShipperStatus {
    return { ...this.current, queued: this.options.outbox.queued() };
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    await this.round;
    await this.disconnect();
    this.current = { ...this.current, state: 'stopped' };
  }

  /** One round: connect if needed, check the schema, ship what waits, send a heartbeat when due. */
  async runOnce(): Promise<boolean> {
    const client = await this.connect();
    let shipped = 0;
    shipped += await this.shipEvents(client);
    shipped += await this.shipHours(client);
    if (this.now() - this.lastHeartbeat >= (this.options.heartbeatMs ?? 30_000)) await this.sendHeartbeat(client);
    if (shipped > 0) this.current.lastShippedAt = this.now();
    return shipped > 0;
  }

  private update(change: Partial<ShipperStatus>): void {
    const before = this.current;
    this.current = { ...before, ...change };
    if (before.state !== this.current.state || before.reason !== this.current.reason) this.options.onStatus?.(this.status());
  }

  private schedule(delayMs: number): void {
    if (!this.running) return;
    this.timer = setTimeout(() => {
      this.round = this.tick();
    }, delayMs);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    let next = this.options.idleMs ?? 2000;
    try {
      const more = await this.runOnce();
      if (this.current.failures > 0) this.options.log('info', `site: shipping again after ${this.current.failures} failed tries`);
      this.update({ state: more ? 'shipping' : 'idle', reason: null, failures: 0 });
      // A full batch means more is waiting: go on at once.
      if (more) next = 0;
    } catch (err) {
      await this.disconnect();
      const failures = this.current.failures + 1;
      const schema = err instanceof SchemaError;
      const reason = schema ? err.message : describeFailure(err);
      if (reason !== this.current.reason) this.options.log(schema ? 'error' : 'warn', `site: ${reason}`);
      const { firstMs, maxMs } = this.options.backoff ?? { firstMs: 1000, maxMs: 60_000 };
      next = schema ? 5 * 60_000 : Math.min(maxMs, firstMs * 2 ** (failures - 1));
      this.update({ state: schema ? 'schema' : 'failing', reason, failures });
    }
    this.schedule(next);
  }

  private async connect(): Promise<pg.Client> {
    if (this.client) return this.client;
    const c = this.options.connection;
    const client = kioskSiteClient(c, c.user, c.password, {
      query_timeout: 20_000,
      application_name: `mask-kiosk ${this.options.kioskName}`.slice(0, 63),
    });
    try {
      await client.connect();
      const { rows } = await client.query<{ version: number }>('SELECT version FROM public.site_schema');
      const version = rows[0]?.version ?? 0;
      if (version > SITE_SCHEMA_VERSION)
        throw new SchemaError(
          `the site database has schema ${version}, newer than this kiosk knows (${SITE_SCHEMA_VERSION}): shipping stopped; update the kiosk`,
        );
      if (version < SITE_SCHEMA_VERSION)
        throw new SchemaError(
          `the site database has schema ${version}, older than this kiosk needs (${SITE_SCHEMA_VERSION}): run \`npm run site -- migrate\``,
        );
    } catch (err) {
      await client.end().catch(() => undefined);
      throw err;
    }
    this.client = client;
    return client;
  }

  private async disconnect(): Promise<void> {
    const c = this.client;
    this.client = null;
    await c?.end().catch(() => undefined);
  }

  private async shipEvents(client: pg.Client): Promise<number> {
    const batch: PendingEvent[] = this.options.outbox.events(this.options.batchSize ?? 500);
    if (batch.length === 0) return 0;
    await client.query(
      `INSERT INTO public.kiosk_events (id, kiosk_name, at, tz_offset_min, verdict, confidence, model_id, camera_id, thumbnail)
       SELECT id, $2, to_timestamp(at / 1000.0), tz, verdict, confidence, model, camera, thumbnail
       FROM unnest($1::uuid[], $3::float8[], $4::int[], $5::text[], $6::real[], $7::text[], $8::text[], $9::bytea[])
         AS t(id, at, tz, verdict, confidence, model, camera, thumbnail)
       ON CONFLICT (kiosk_id, id) DO NOTHING`,
      [
        batch.map((e) => e.id),
        this.options.kioskName,
        batch.map((e) => e.at),
        batch.map((e) => e.tzOffsetMinutes),
        batch.map((e) => e.verdict),
        batch.map((e) => e.confidence),
        batch.map((e) => e.modelId),
        batch.map((e) => e.cameraId),
        batch.map((e) => this.thumbnail(e.thumbnail)),
      ],
    );
    await confirmOwnRows(
      client,
      'kiosk_events',
      'violations',
      batch.map((e) => e.id),
    );
    this.options.outbox.shippedEvents(batch.at(-1)!.seq);
    return batch.length;
  }

  /** A blurred thumbnail's bytes where staff allow shipping them and the file still exists; else none. */
  private thumbnail(name: string | null | undefined): Buffer | null {
    const dir = this.options.thumbnails?.dir;
    if (!dir || !name || !/^[\w.-]{1,100}\.jpg$/.test(name)) return null;
    try {
      const bytes = readFileSync(join(dir, name));
      return bytes.length <= 262_144 ? bytes : null;
    } catch {
      return null; // removed by retention or by staff: the event ships without it
    }
  }

  private async shipHours(client: pg.Client): Promise<number> {
    const batch: PendingHour[] = this.options.outbox.hours(this.options.connection.user, this.now(), this.options.batchSize ?? 500);
    if (batch.length === 0) return 0;
    await client.query(
      `INSERT INTO public.kiosk_hours (id, hour, tz_offset_min, checks, violations)
       SELECT id, to_timestamp(hour / 1000.0), tz, checks, violations
       FROM unnest($1::uuid[], $2::float8[], $3::int[], $4::int[], $5::int[]) AS t(id, hour, tz, checks, violations)
       ON CONFLICT (kiosk_id, id) DO NOTHING`,
      [
        batch.map((h) => h.id),
        batch.map((h) => h.hourUtc),
        batch.map((h) => h.tzOffsetMinutes),
        batch.map((h) => h.checks),
        batch.map((h) => h.violations),
      ],
    );
    await confirmOwnRows(
      client,
      'kiosk_hours',
      'hours',
      batch.map((h) => h.id),
    );
    this.options.outbox.shippedHours(batch.at(-1)!.hourUtc);
    return batch.length;
  }

  private async sendHeartbeat(client: pg.Client): Promise<void> {
    const h = this.options.heartbeat();
    await client.query(
      `INSERT INTO public.kiosk_heartbeats (kiosk_name, at, state, fps, model, provider, camera, version, queued)
       VALUES ($1, to_timestamp($2 / 1000.0), $3, $4, $5, $6, $7, $8, $9)`,
      [
        this.options.kioskName,
        this.now(),
        h.state,
        h.fps,
        h.model,
        h.provider,
        h.camera,
        h.version,
        this.options.outbox.queued() + (h.unlogged ?? 0),
      ],
    );
    this.lastHeartbeat = this.now();
  }
}

/**
 * Nothing is marked shipped on the word of an INSERT alone: each id must be there as this kiosk's
 * own row (row-level security shows a kiosk its own ids only). Throws, so the batch is retried
 * and the status says why, when the database did not keep them.
 */
async function confirmOwnRows(client: pg.Client, table: 'kiosk_events' | 'kiosk_hours', what: string, ids: string[]): Promise<void> {
  const { rows } = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM public.${table} WHERE id = ANY($1::uuid[])`, [ids]);
  const expected = new Set(ids).size;
  if (rows[0]!.n !== expected)
    throw new Error(`the site database kept ${rows[0]!.n} of this kiosk's ${expected} ${what} (nothing marked shipped; retrying)`);
}

/** The site schema is not the one this kiosk writes: shipping stops until someone acts. */
class SchemaError extends Error {}
