// Builds `window.kiosk` from the channel table. Shared by the Electron preload (over ipcRenderer)
// and the browser preview (over a WebSocket), so both expose exactly the same API.
import { CHANNELS, type Channel, EVENTS, type EventName } from '../shared/channels';
import type { ArgsOf, EventOf, ResultOf } from '../shared/contract';

export type Invoke = (channel: Channel, args: unknown[]) => Promise<unknown>;
/** Starts listening to a main-to-renderer event; returns the function that stops it. */
export type Listen = (event: EventName, listener: (payload: unknown) => void) => () => void;
export type Subscribe = <E extends EventName>(event: E, listener: (payload: EventOf<E>) => void) => () => void;

type MethodOf<C extends Channel> = (...args: ArgsOf<C>) => Promise<ResultOf<C>>;

export type KioskApi = {
  [C in Channel as (typeof CHANNELS)[C]]: MethodOf<C>;
} & { subscribe: Subscribe };

export function buildKioskApi(invoke: Invoke, listen: Listen): KioskApi {
  const api: Record<string, unknown> = {};
  for (const [channel, method] of Object.entries(CHANNELS) as [Channel, string][]) {
    api[method] = (...args: unknown[]) => invoke(channel, args);
  }
  api.subscribe = (event: unknown, listener: unknown): (() => void) => {
    // Only declared events, and only functions: the page cannot make the preload listen to anything else.
    if (!(EVENTS as readonly unknown[]).includes(event) || typeof listener !== 'function') throw new TypeError('unknown event or listener');
    return listen(event as EventName, listener as (payload: unknown) => void);
  };
  return Object.freeze(api) as unknown as KioskApi;
}
