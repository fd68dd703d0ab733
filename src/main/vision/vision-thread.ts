// Runs the vision pipeline in a worker thread of the main process and hands camera frames to it.
//
// Why a thread: inference no longer blocks the main thread's IPC and log writes, and the
// worker's V8 heap can be sized for its job. A pipeline that allocates a little per frame made
// V8 grow the main isolate's young generation once, about 27,000 frames into a soak (RSS +16 %,
// then flat); a worker with a small fixed young generation stays flat (+0.5 % over 100,000
// frames, npm run bench -- --soak) for about 0.2 ms more per frame. The old-generation cap turns a runaway leak into a
// restart of this thread instead of the kiosk, and an unexpected exit restarts it too (at most
// `restarts.max` times a minute; then it rests, says why, and tries again after a few minutes).
import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
import type { FrameResult } from './pipeline';
import type { RawImage } from './image';
import type { AnalyzeRequest, ThreadPipelineOptions, VisionInfo, WorkerMemory, WorkerReply } from './vision-messages';

export interface VisionThreadOptions {
  /** The worker script: the built `vision-worker.js`, or `vision-worker.ts` when run from source. */
  entry: URL;
  pipeline: ThreadPipelineOptions;
  heap?: { youngGenerationMb: number; oldGenerationMb: number };
  /** At most `max` restarts in `windowMs`; then it waits `retryAfterMs` before trying again. */
  restarts?: Partial<typeof DEFAULT_VISION_RESTARTS>;
  /** A frame not answered in this long means the worker hangs: it is ended and restarted. */
  frameTimeoutMs?: number;
  /** Crashes and restarts, for the app log. */
  log?: (level: 'info' | 'warn' | 'error', message: string) => void;
}

// Six megabytes of young generation (two 2 MB semi-spaces) holds a frame's short-lived objects
// many times over; the worker's steady heap is about 11 MB, so 512 MB of old generation only
// stops a leak.
export const DEFAULT_VISION_HEAP = { youngGenerationMb: 6, oldGenerationMb: 512 };
export const DEFAULT_VISION_RESTARTS = { max: 3, windowMs: 60_000, retryAfterMs: 300_000 };
// A frame takes milliseconds; even the 86 M-parameter BEiT takes about 0.2 s per face here.
export const DEFAULT_FRAME_TIMEOUT_MS = 10_000;

/** The vision thread is restarting or has stopped; the message says which and why. */
export class VisionThreadError extends Error {
  override name = 'VisionThreadError';
}

interface Pending {
  resolve: (result: FrameResult) => void;
  reject: (err: Error) => void;
  start: number;
}

export class VisionThread {
  private readonly pending = new Map<number, Pending>();
  private readonly memoryRequests = new Map<number, { resolve: (memory: WorkerMemory) => void; reject: (err: Error) => void }>();
  private nextId = 0;
  /** The pixel buffer that goes to the worker and comes back, reused frame after frame. */
  private spare: Uint8Array<ArrayBuffer> | null = null;
  private state: 'running' | 'restarting' | 'down' | 'disposed' = 'running';
  private stoppedBecause = '';
  private lastError: Error | null = null;
  private readonly crashTimes: number[] = [];
  private readonly watchdog: NodeJS.Timeout;
  private retryTimer: NodeJS.Timeout | null = null;

  private constructor(
    private readonly options: VisionThreadOptions,
    private worker: Worker,
    private currentInfo: VisionInfo,
  ) {
    this.attach(worker);
    const timeout = options.frameTimeoutMs ?? DEFAULT_FRAME_TIMEOUT_MS;
    // One timer for all frames rather than one per frame; a hung native call never returns, so
    // only ending the thread frees the kiosk.
    this.watchdog = setInterval(() => this.checkHung(timeout), Math.min(1000, timeout));
    this.watchdog.unref();
  }

  /** Starts the worker and loads the models; rejects with the pipeline's own message if it cannot. */
  static async start(options: VisionThreadOptions): Promise<VisionThread> {
    const { worker, info } = await spawn(options);
    return new VisionThread(options, worker, info);
  }

  get info(): VisionInfo {
    return this.currentInfo;
  }

  /**
   * Analyses one frame. The caller's pixels are copied into a buffer that moves to the worker and
   * back without further copies, so the caller keeps its frame (e.g. for a snapshot).
   */
  analyzeFrame(image: RawImage): Promise<FrameResult> {
    if (this.state !== 'running') {
      return Promise.reject(new VisionThreadError(
        this.state === 'restarting' ? `the vision engine is restarting (${this.stoppedBecause})`
          : this.state === 'down' ? `the vision engine stopped: ${this.stoppedBecause}`
            : 'the vision engine was shut down',
      ));
    }
    const size = image.data.length;
    const data = this.spare?.length === size ? this.spare : new Uint8Array(size);
    this.spare = null;
    data.set(image.data);
    const id = this.nextId++;
    const request: AnalyzeRequest = { type: 'analyze', id, width: image.width, height: image.height, channels: image.channels, data };
    return new Promise<FrameResult>((resolve, reject) => {
      this.pending.set(id, { resolve, reject, start: performance.now() });
      this.worker.postMessage(request, [data.buffer]);
    });
  }

  /** The worker's heap (after a full collection when run with --expose-gc). */
  memory(): Promise<WorkerMemory> {
    if (this.state !== 'running') return Promise.reject(new VisionThreadError('the vision engine is not running'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.memoryRequests.set(id, { resolve, reject });
      this.worker.postMessage({ type: 'memory', id });
    });
  }

  async dispose(): Promise<void> {
    if (this.state === 'disposed') return;
    const running = this.state === 'running';
    this.state = 'disposed';
    clearInterval(this.watchdog);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.failPending(new VisionThreadError('the vision engine was shut down'));
    // Down or restarting: the old worker has exited and a new one, if any, ends itself on start.
    if (!running) return;
    const exited = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
    this.worker.postMessage({ type: 'dispose' });
    const timer = setTimeout(() => void this.worker.terminate(), 3000);
    await exited;
    clearTimeout(timer);
  }

  private checkHung(timeoutMs: number): void {
    if (this.state !== 'running') return;
    const now = performance.now();
    for (const p of this.pending.values()) {
      if (now - p.start > timeoutMs) {
        this.lastError = new Error(`no answer to a frame within ${duration(timeoutMs)}`);
        void this.worker.terminate();
        return;
      }
    }
  }

  private attach(worker: Worker): void {
    this.lastError = null;
    worker.on('message', (reply: WorkerReply) => this.onReply(reply));
    worker.on('error', (err) => {
      this.lastError = err;
    });
    worker.on('exit', (code) => {
      if (worker === this.worker) this.onExit(code);
    });
  }

  private onReply(reply: WorkerReply): void {
    if (reply.type === 'memory') {
      this.memoryRequests.get(reply.id)?.resolve(reply.memory);
      this.memoryRequests.delete(reply.id);
      return;
    }
    if (reply.type !== 'result' && reply.type !== 'error') return;
    if (reply.data) this.spare = reply.data;
    const pending = reply.id === null ? undefined : this.pending.get(reply.id);
    if (!pending) {
      if (reply.type === 'error') this.options.log?.('warn', `vision: ${reply.message}`);
      return;
    }
    this.pending.delete(reply.id!);
    if (reply.type === 'error') {
      pending.reject(new Error(reply.message));
      return;
    }
    const timings = reply.result.timings;
    const total = performance.now() - pending.start;
    pending.resolve({ ...reply.result, timings: { ...timings, handoff: Math.max(0, total - timings.total), total } });
  }

  private onExit(code: number): void {
    if (this.state === 'disposed') return;
    const reason = this.lastError ? this.lastError.message : `exit code ${code}`;
    const now = Date.now();
    const { max, windowMs } = this.restartPolicy;
    this.crashTimes.push(now);
    while (this.crashTimes[0]! < now - windowMs) this.crashTimes.shift();
    if (this.crashTimes.length > max) {
      const n = this.crashTimes.length;
      this.goDown(`${reason}; ${n} time${n === 1 ? '' : 's'} in ${Math.round(windowMs / 1000)} s`);
      return;
    }
    this.stoppedBecause = reason;
    this.failPending(new VisionThreadError(`the vision engine is restarting (${reason})`));
    this.options.log?.('warn', `vision: worker stopped (${reason}); restarting`);
    this.restart();
  }

  private restart(): void {
    this.state = 'restarting';
    spawn(this.options).then(
      ({ worker, info }) => {
        if (this.state === 'disposed') {
          void worker.terminate();
          return;
        }
        this.worker = worker;
        this.currentInfo = info;
        this.attach(worker);
        this.state = 'running';
        this.options.log?.('info', `vision: worker restarted; model ${info.modelId}; provider ${info.provider}`);
      },
      (err: unknown) => {
        if (this.state !== 'disposed') this.goDown(`could not restart: ${err instanceof Error ? err.message : String(err)}`);
      },
    );
  }

  /**
   * Too many crashes in a row, or a restart that failed: stop for a while rather than crash in a
   * loop, then try again, so an unattended kiosk recovers from a passing fault by itself.
   */
  private goDown(why: string): void {
    const { retryAfterMs } = this.restartPolicy;
    this.state = 'down';
    this.stoppedBecause = `${why}; next try in ${duration(retryAfterMs)}`;
    this.failPending(new VisionThreadError(`the vision engine stopped: ${this.stoppedBecause}`));
    this.options.log?.('error', `vision: ${this.stoppedBecause}`);
    this.retryTimer = setTimeout(() => {
      if (this.state !== 'down') return;
      this.options.log?.('info', 'vision: trying to start the worker again');
      this.restart();
    }, retryAfterMs);
    this.retryTimer.unref();
  }

  private get restartPolicy(): typeof DEFAULT_VISION_RESTARTS {
    return { ...DEFAULT_VISION_RESTARTS, ...this.options.restarts };
  }

  private failPending(err: Error): void {
    for (const p of [...this.pending.values(), ...this.memoryRequests.values()]) p.reject(err);
    this.pending.clear();
    this.memoryRequests.clear();
  }
}

/** A duration in words for the log and the screen: "1 ms", "10 s", "5 min". */
function duration(ms: number): string {
  if (ms >= 60_000) return `${Math.round(ms / 60_000)} min`;
  if (ms >= 1000) return `${Math.round(ms / 1000)} s`;
  return `${ms} ms`;
}

/** Starts a worker and waits until its pipeline is loaded (or could not be). */
function spawn(options: VisionThreadOptions): Promise<{ worker: Worker; info: VisionInfo }> {
  const heap = options.heap ?? DEFAULT_VISION_HEAP;
  const worker = new Worker(workerScript(options.entry), {
    name: 'vision',
    workerData: options.pipeline,
    resourceLimits: { maxYoungGenerationSizeMb: heap.youngGenerationMb, maxOldGenerationSizeMb: heap.oldGenerationMb },
  });
  return new Promise((resolve, reject) => {
    let settled = false;
    let error: Error | null = null;
    const done = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      worker.off('message', onMessage);
      fn();
    };
    const onMessage = (reply: WorkerReply): void => {
      if (reply.type === 'ready') done(() => resolve({ worker, info: reply.info }));
      else if (reply.type === 'failed') done(() => reject(new Error(reply.message)));
    };
    worker.on('message', onMessage);
    worker.on('error', (err) => {
      error = err;
    });
    worker.once('exit', (code) => done(() => reject(error ?? new Error(`the vision worker exited (code ${code}) before its models loaded`))));
  });
}

/**
 * The built app starts the bundled JavaScript directly. From source (the CLI and tests run
 * under tsx or vitest, whose TypeScript hooks do not reach worker threads) a one-line bootstrap
 * registers tsx inside the worker first.
 */
function workerScript(entry: URL): URL {
  if (!entry.pathname.endsWith('.ts')) return entry;
  // tsx's ESM entry (require.resolve would give its CommonJS one, which cannot register hooks).
  const manifest = createRequire(import.meta.url).resolve('tsx/package.json');
  const api = (JSON.parse(readFileSync(manifest, 'utf8')) as { exports: Record<string, { import: { default: string } }> }).exports['./esm/api']!.import.default;
  const tsx = pathToFileURL(join(dirname(manifest), api)).href;
  const source = `import { register } from ${JSON.stringify(tsx)}; register(); await import(${JSON.stringify(entry.href)});`;
  return new URL(`data:text/javascript,${encodeURIComponent(source)}`);
}
