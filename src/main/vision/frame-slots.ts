// Shared memory for camera frames between the kiosk and a forked engine process (Linux).
//
// Why: Node's structured-clone IPC gathers a large message by concatenating each 64 KB chunk onto
// what came before, and even a raw byte pipe wakes both processes for every chunk. A 640x480 RGBA
// frame (1.2 MB) cost 2.5 ms median and 16 ms p99 to hand over that way (npm run bench); through
// a file in /dev/shm (memory, never disk) it is one copy in and one copy out. The file is unlinked
// the moment it is opened, so no other process can find it by name and its pages are freed when
// both processes have closed it. The engine process inherits the descriptor. Requests that carry
// a slot instead of pixels are turned back into ordinary `analyze` requests on the engine side, so
// the protocol (engine-messages.ts) does not change. Other platforms send the pixels in the message.
import { closeSync, existsSync, mkdtempSync, openSync, readSync, rmdirSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { AnalyzeRequest } from './engine-messages';

/** Names the engine's descriptor of the shared file; absent, frames come inside the messages. */
export const FRAME_SLOTS_ENV = 'MASK_KIOSK_FRAME_SLOTS_FD';
/** Frames in flight at once; the kiosk sends one at a time, a few more only in bursts. */
export const SLOT_COUNT = 4;
/** Room for the largest frame the protocol allows (8192 x 8192 RGBA); tmpfs stores only what is written. */
const SLOT_BYTES = 8192 * 8192 * 4;

/** An `analyze` request whose pixels wait in a slot of the shared file. */
export const slotRequest = z.strictObject({
  type: z.literal('analyze'),
  id: z.number().int().nonnegative(),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  channels: z.number().int(),
  slot: z
    .number()
    .int()
    .min(0)
    .max(SLOT_COUNT - 1),
  byteLength: z.number().int().nonnegative().max(SLOT_BYTES),
  capturedAt: z.number().finite().optional(),
});

/** An unnamed shared-memory file, or null where there is no /dev/shm (then frames go inline). */
export function openSharedFrameFile(): number | null {
  if (process.platform !== 'linux' || !existsSync('/dev/shm')) return null;
  try {
    const dir = mkdtempSync(join('/dev/shm', 'mask-kiosk-'));
    const path = join(dir, 'frames');
    const fd = openSync(path, 'w+', 0o600);
    unlinkSync(path);
    rmdirSync(dir);
    return fd;
  } catch {
    return null;
  }
}

/** The kiosk's side: which slots hold a frame the engine has not answered yet. */
export class FrameSlots {
  private readonly busy = new Map<number, number>(); // request id -> slot

  constructor(private readonly fd: number) {}

  /** Writes the frame into a free slot and returns the request to send, or null when all are taken. */
  place(request: AnalyzeRequest): z.infer<typeof slotRequest> | null {
    const taken = new Set(this.busy.values());
    let slot = 0;
    while (slot < SLOT_COUNT && taken.has(slot)) slot++;
    if (slot === SLOT_COUNT) return null;
    const { data } = request;
    writeSync(this.fd, data, 0, data.byteLength, slot * SLOT_BYTES);
    this.busy.set(request.id, slot);
    return {
      type: 'analyze',
      id: request.id,
      width: request.width,
      height: request.height,
      channels: request.channels,
      slot,
      byteLength: data.byteLength,
      ...(request.capturedAt === undefined ? {} : { capturedAt: request.capturedAt }),
    };
  }

  /** The engine answered `id`: it read the frame long before. */
  release(id: number): void {
    this.busy.delete(id);
  }

  close(): void {
    try {
      closeSync(this.fd);
    } catch {
      // already closed
    }
  }
}

/**
 * The engine's side: reads a slot's frame back into an ordinary `analyze` request. Each slot has
 * its own buffer, reused: the kiosk writes a slot again only after the engine has answered the
 * frame in it, and a fresh 1.2 MB buffer per frame kept the collector busy (p99 hand-off).
 */
export class SlotReader {
  private readonly buffers: (Uint8Array | undefined)[] = [];

  constructor(private readonly fd: number) {}

  read(request: z.infer<typeof slotRequest>): AnalyzeRequest {
    const { id, width, height, channels, slot, byteLength, capturedAt } = request;
    let data = this.buffers[slot];
    if (data?.length !== byteLength) this.buffers[slot] = data = new Uint8Array(byteLength);
    const read = byteLength === 0 ? 0 : readSync(this.fd, data, 0, byteLength, slot * SLOT_BYTES);
    if (read !== byteLength) throw new Error(`slot ${slot} held ${read} of ${byteLength} bytes`);
    return { type: 'analyze', id, width, height, channels: channels as 3 | 4, data, ...(capturedAt === undefined ? {} : { capturedAt }) };
  }
}
