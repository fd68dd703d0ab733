// Shared memory for camera frames between the kiosk and its vision engine process (Linux).
//
// Why: a structured-clone message gathers a large frame by concatenating each 64 KB chunk onto
// what came before, and even a raw byte pipe wakes both processes for every chunk. A 640x480 RGBA
// frame (1.2 MB) cost 2.5 ms median and 16 ms p99 to hand over that way (npm run bench); through
// a file in /dev/shm (memory, never disk) it is one copy in and one copy out. The file lives in a
// folder only this user may open, and its name is removed as soon as the engine has opened it
// (at its first reply), so its pages are freed when both processes have closed it. The engine
// finds it by the path in its environment: a Node child process and Electron's utility process
// alike, so the app's hand-off is the one `npm run bench` measures. Requests that carry a slot
// instead of pixels are turned back into ordinary `analyze` requests on the engine side, so the
// protocol (engine-messages.ts) does not change. Elsewhere (no /dev/shm: Windows, macOS) the
// pixels go inside the message, for both kinds of engine process: a temporary file there would
// put camera frames on disk.
import { closeSync, existsSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { AnalyzeRequest, EngineRequest } from './engine-messages';

/** Names the path of the shared file in the engine's environment; absent, frames come inside the messages. */
export const FRAME_SLOTS_ENV = 'MASK_KIOSK_FRAME_SLOTS';
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

/** The kiosk's end of the shared file: which slots hold a frame the engine has not answered yet. */
export class FrameSlots {
  private readonly busy = new Map<number, number>(); // request id -> slot
  private named: string | null;

  private constructor(
    private readonly fd: number,
    folder: string,
  ) {
    this.named = folder;
  }

  /** A new shared file in /dev/shm, or null where there is none (then frames go inline). */
  static create(): FrameSlots | null {
    if (process.platform !== 'linux' || !existsSync('/dev/shm')) return null;
    let folder: string | null = null;
    try {
      folder = mkdtempSync(join('/dev/shm', 'mask-kiosk-'));
      return new FrameSlots(openSync(join(folder, 'frames'), 'w+', 0o600), folder);
    } catch {
      if (folder) rmSync(folder, { recursive: true, force: true });
      return null;
    }
  }

  /** What the engine process needs in its environment to find the file. */
  get env(): Record<string, string> {
    return this.named ? { [FRAME_SLOTS_ENV]: join(this.named, 'frames') } : {};
  }

  /** A request to send: pixels through a free slot when there is one, else inside the message. */
  encode(request: EngineRequest): unknown {
    return (request.type === 'analyze' && this.place(request)) || request;
  }

  /** The engine replied: it has opened the file (so its name can go) and read the frame answered. */
  replied(reply: unknown): void {
    this.unname();
    const id = (reply as { id?: unknown } | null)?.id;
    if (typeof id === 'number') this.busy.delete(id);
  }

  private unname(): void {
    if (this.named) rmSync(this.named, { recursive: true, force: true });
    this.named = null;
  }

  /** Writes the frame into a free slot and returns the request to send, or null when all are taken. */
  private place(request: AnalyzeRequest): z.infer<typeof slotRequest> | null {
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

  close(): void {
    this.unname();
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

  /** The shared file the kiosk named in this process's environment, or null when frames come inline. */
  static fromEnvironment(env: NodeJS.ProcessEnv = process.env): SlotReader | null {
    const path = env[FRAME_SLOTS_ENV];
    return path ? new SlotReader(openSync(path, 'r')) : null;
  }

  read(request: z.infer<typeof slotRequest>): AnalyzeRequest {
    const { id, width, height, channels, slot, byteLength, capturedAt } = request;
    let data = this.buffers[slot];
    if (data?.length !== byteLength) this.buffers[slot] = data = new Uint8Array(byteLength);
    const read = byteLength === 0 ? 0 : readSync(this.fd, data, 0, byteLength, slot * SLOT_BYTES);
    if (read !== byteLength) throw new Error(`slot ${slot} held ${read} of ${byteLength} bytes`);
    return { type: 'analyze', id, width, height, channels: channels as 3 | 4, data, ...(capturedAt === undefined ? {} : { capturedAt }) };
  }
}
