// A kiosk's side of the site database as the site tests set it up: a connection over loopback
// without TLS (a throwaway cluster or a fake server), and a shipper over a kiosk's own log.
import type { ViolationStore } from '../../src/main/log/store';
import type { SiteConnection } from '../../src/main/site/connection';
import { SiteOutbox } from '../../src/main/site/outbox';
import { type ShipperOptions, SiteShipper } from '../../src/main/site/shipper';

export function loopbackSite(
  port: number,
  database: string,
  user: string,
  password: string,
  over: Partial<SiteConnection> = {},
): SiteConnection {
  return { host: '127.0.0.1', port, database, user, password, tls: 'off', ...over };
}

/** A shipper for `store`'s outbox, reporting a kiosk that runs and logging nothing, unless `more` says otherwise. */
export function testShipper(
  store: ViolationStore,
  connection: SiteConnection,
  kioskName: string,
  more: Partial<Omit<ShipperOptions, 'outbox' | 'connection' | 'kioskName'>> = {},
): SiteShipper {
  return new SiteShipper({
    outbox: new SiteOutbox(store.db),
    connection,
    kioskName,
    heartbeat: () => ({ state: 'running', fps: 15, model: 'm', provider: 'cpu', camera: 'cam', version: 't' }),
    log: () => undefined,
    ...more,
  });
}
