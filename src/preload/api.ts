// Builds `window.kiosk` from the channel table. Shared by the Electron preload (over ipcRenderer)
// and the browser preview (over a WebSocket), so both expose exactly the same API.
import { CHANNELS, type Channel } from '../shared/channels';
import type { ArgsOf, ResultOf } from '../shared/contract';

export type Invoke = (channel: Channel, args: unknown[]) => Promise<unknown>;

type MethodOf<C extends Channel> = (...args: ArgsOf<C>) => Promise<ResultOf<C>>;

export type KioskApi = {
  [C in Channel as (typeof CHANNELS)[C]]: MethodOf<C>;
};

export function buildKioskApi(invoke: Invoke): KioskApi {
  const api: Record<string, (...args: unknown[]) => Promise<unknown>> = {};
  for (const [channel, method] of Object.entries(CHANNELS) as [Channel, string][]) {
    api[method] = (...args: unknown[]) => invoke(channel, args);
  }
  return Object.freeze(api) as unknown as KioskApi;
}
