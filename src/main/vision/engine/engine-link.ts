// The engine process's line to the kiosk: Electron's `process.parentPort` in a utility process,
// Node's IPC channel (`process.send`) in a forked child. Both carry structured-clone messages, so
// the protocol in engine-messages.ts is the same over either.
import type { EngineReply } from '../engine-messages';
import { SlotReader, slotRequest } from '../frame-slots';

export interface ParentLink {
  send(reply: EngineReply): void;
  onMessage(listener: (message: unknown) => void): void;
  /** The kiosk went away: the engine has nobody to answer and should end. */
  onClose(listener: () => void): void;
}

/** The part of Electron's utility-process `parentPort` the engine uses (no Electron import here). */
interface UtilityParentPort {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (event: { data: unknown }) => void): void;
}

export function parentLink(): ParentLink {
  // Opened before the first reply: the kiosk removes the file's name when that reply arrives.
  const slots = SlotReader.fromEnvironment();
  const receive = (listener: (message: unknown) => void) => (message: unknown) => listener(slots ? fromSlot(slots, message) : message);
  const utilityPort = (process as unknown as { parentPort?: UtilityParentPort }).parentPort;
  if (utilityPort) {
    return {
      send: (reply) => utilityPort.postMessage(reply),
      onMessage: (listener) => {
        const deliver = receive(listener);
        utilityPort.on('message', (event) => deliver(event.data));
      },
      // Electron ends a utility process together with the app.
      onClose: () => undefined,
    };
  }
  const send = process.send?.bind(process);
  if (!send) throw new Error('the vision engine runs as a child process of the kiosk (see vision-engine.ts)');
  return {
    send: (reply) => {
      // A reply after the kiosk has gone cannot be delivered; the disconnect ends us anyway.
      if (process.connected) send(reply);
    },
    onMessage: (listener) => process.on('message', receive(listener)),
    onClose: (listener) => process.on('disconnect', listener),
  };
}

/** A request whose pixels wait in shared memory becomes the `analyze` request they belong to. */
function fromSlot(slots: SlotReader, message: unknown): unknown {
  const parsed = slotRequest.safeParse(message);
  if (!parsed.success) return message;
  try {
    return slots.read(parsed.data);
  } catch (err) {
    // Passed on without pixels, so the engine answers this frame with an error.
    return { ...parsed.data, slot: undefined, byteLength: undefined, data: `unreadable: ${(err as Error).message}` };
  }
}
