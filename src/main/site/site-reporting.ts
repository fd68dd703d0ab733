// Site reporting as the core sees it: starts, restarts and stops the shipper as the site settings
// change, opens the sealed password only to connect, and sums up its state for the status strip.

import { type Message, message } from '../../shared/messages';
import type { Settings } from '../../shared/settings';
import type { SecretBox } from '../config/secret-box';
import type { Logger } from '../logger';
import type { SiteOutbox } from './outbox';
import { type Heartbeat, type ShipperState, SiteShipper } from './shipper';

export interface SiteStatus {
  state: 'off' | 'unconfigured' | ShipperState;
  queued: number;
  problem: Message | null;
}

export interface SiteReportingOptions {
  /** Null when the violation log could not be opened: then there is nothing to ship. */
  outbox: SiteOutbox | null;
  /** The violation log's snapshot folder (blurred thumbnails ship from there when allowed). */
  snapshotsDir: string | null;
  box: SecretBox;
  log: Logger;
  heartbeat: () => Heartbeat;
  /** The status changed (push it to the screen). */
  onStatus: () => void;
}

export class SiteReporting {
  private shipper: SiteShipper | null = null;
  private config = '';
  private unconfigured: string | null = null;

  constructor(private readonly options: SiteReportingOptions) {}

  /** Applies the site settings; a change restarts the shipper with the new ones. */
  async configure(site: Settings['site']): Promise<void> {
    const key = JSON.stringify(site);
    if (key === this.config) return;
    const first = this.config === '';
    this.config = key;
    await this.shipper?.stop();
    this.shipper = null;
    this.unconfigured = null;
    if (!site.enabled) {
      // Off from the start is the default and says nothing; turning it off is news.
      if (!first) {
        this.options.log('info', 'site: reporting off');
        this.options.onStatus();
      }
      return;
    }
    const missing = [
      !site.host && 'host',
      !site.user && 'user',
      !site.passwordSealed && 'password',
      !site.kioskName && 'kiosk name',
    ].filter(Boolean);
    if (!this.options.outbox) this.unconfigured = 'the violation log is not open, so there is nothing to ship';
    else if (missing.length) this.unconfigured = `missing ${missing.join(', ')}`;
    let password = '';
    if (!this.unconfigured) {
      try {
        password = this.options.box.open(site.passwordSealed!);
      } catch (err) {
        this.unconfigured = `the saved password cannot be opened (${(err as Error).message}); enter it again`;
      }
    }
    if (this.unconfigured) {
      this.options.log('warn', `site: reporting on but not running: ${this.unconfigured}`);
      this.options.onStatus();
      return;
    }
    this.options.log(
      'info',
      `site: reporting on to ${site.host}:${site.port}/${site.database} as ${site.user} (TLS ${site.tls}) as "${site.kioskName}"; ${site.shipThumbnails ? 'blurred thumbnails shipped' : 'no pictures shipped'}`,
    );
    this.shipper = new SiteShipper({
      outbox: this.options.outbox!,
      connection: {
        host: site.host,
        port: site.port,
        database: site.database,
        user: site.user,
        password,
        tls: site.tls,
        caFile: site.caFile,
      },
      kioskName: site.kioskName,
      thumbnails: site.shipThumbnails && this.options.snapshotsDir ? { dir: this.options.snapshotsDir } : null,
      heartbeat: this.options.heartbeat,
      log: this.options.log,
      onStatus: () => this.options.onStatus(),
    });
    this.shipper.start();
  }

  status(): SiteStatus {
    if (this.unconfigured)
      return {
        state: 'unconfigured',
        queued: this.options.outbox?.queued() ?? 0,
        problem: message('site_unconfigured', { detail: this.unconfigured }),
      };
    if (!this.shipper) return { state: 'off', queued: 0, problem: null };
    const s = this.shipper.status();
    const problem = s.reason ? message(s.state === 'schema' ? 'site_schema' : 'site_failing', { detail: s.reason }) : null;
    return { state: s.state, queued: s.queued, problem };
  }

  async dispose(): Promise<void> {
    await this.shipper?.stop();
    this.shipper = null;
  }
}
