// Runs the vision pipeline in its own process and hands camera frames to it.
//
// Why a process: ONNX Runtime's `run` is a synchronous native call. A hang there cannot be
// interrupted inside the process that makes it, and a native crash ends that whole process. In a
// process of its own the engine can be killed outright (SIGKILL) when a frame goes unanswered,
// and a crash (a GPU driver reset, an abort in native code) costs a restart, not the kiosk.
// Frames in flight are then answered "unavailable" (the screen says "One moment, please") and the
// engine comes back after a short, growing pause. The process's V8 heap is sized for its job: a
// small young generation keeps a steady stream of frames flat in memory (npm run bench -- --soak),
// and the old-generation cap turns a runaway leak into a restart.
// One file past 300 lines on purpose: start, provider fallback, watchdog, restart with back-off,
// reconfiguration and reply checks are one life cycle over the same process and pending frames.
import { performance } from 'node:perf_hooks';
import { errorMessage, UnavailableError } from '../../shared/errors';
import { message } from '../../shared/messages';
import { firstIssue } from '../../shared/zod-issue';
import type { Logger } from '../logger';
import {
  type AnalyzeRequest,
  type EngineMemory,
  type EnginePipelineOptions,
  type EngineReply,
  engineReply,
  type VisionInfo,
} from './engine-messages';
import type { EngineLauncher, EngineProcess } from './engine-process';
import type { RawImage } from './image';
import type { FrameResult } from './pipeline';

export interface VisionEngineOptions {
  launch: EngineLauncher;
  pipeline: EnginePipelineOptions;
  heap?: { semiSpaceMb: number; oldGenerationMb: number };
  restarts?: Partial<EngineRestartPolicy>;
  /** A frame not answered in this long means the engine hangs: it is killed and restarted. */
  frameTimeoutMs?: number;
  /** Loading the models (a GPU provider's set-up included) may take this long. */
  startTimeoutMs?: number;
  /** Crashes and restarts, for the app log. */
  log?: Logger;
  /** The engine went down, is restarting, or runs again (for the status the kiosk screen shows). */
  onStateChange?: (state: EngineState) => void;
}

/** Whether the engine answers frames, and if not, why and what happens next. */
export interface EngineState {
  state: 'running' | 'restarting' | 'down';
  detail: string | null;
}

export interface EngineRestartPolicy {
  /** The pause before the first restart; it doubles with each crash in the window. */
  firstDelayMs: number;
  maxDelayMs: number;
  /** More than `max` crashes within `windowMs`: rest `retryAfterMs`, then try again. */
  max: number;
  windowMs: number;
  retryAfterMs: number;
}

// Two megabytes of semi-space holds a frame's short-lived objects many times over; the engine's
// steady heap is about 11 MB, so 512 MB of old generation only stops a leak.
export const DEFAULT_ENGINE_HEAP = { semiSpaceMb: 2, oldGenerationMb: 512 };
export const DEFAULT_ENGINE_RESTARTS: EngineRestartPolicy = {
  firstDelayMs: 250,
  maxDelayMs: 8000,
  max: 5,
  windowMs: 600_000,
  retryAfterMs: 300_000,
};
// A frame takes milliseconds; even the 86 M-parameter BEiT takes about 0.2 s per face here.
export const DEFAULT_FRAME_TIMEOUT_MS = 10_000;
export const DEFAULT_START_TIMEOUT_MS = 120_000;

/** The vision engine is restarting or has stopped; the message says which and why. */
export class VisionEngineError extends UnavailableError {
  override name = 'VisionEngineError';
}

export type RestartPlan = { action: 'restart'; delayMs: number } | { action: 'rest'; delayMs: number; crashes: number };

/** What to do after a crash at `now`, given the earlier crash times (oldest first, pruned in place). */
export function planRestart(crashTimes: number[], now: number, policy: EngineRestartPolicy): RestartPlan {
  crashTimes.push(now);
  while (crashTimes[0]! <= now - policy.windowMs) crashTimes.shift();
  const n = crashTimes.length;
  if (n > policy.max) return { action: 'rest', delayMs: policy.retryAfterMs, crashes: n };
  return { action: 'restart', delayMs: Math.min(policy.maxDelayMs, policy.firstDelayMs * 2 ** (n - 1)) };
}

interface Pending {
  resolve: (result: FrameResult) => void;
  reject: (err: Error) => void;
  start: number;
}

export class VisionEngine {
  private readonly pending = new Map<number, Pending>();
  private readonly memoryRequests = new Map<number, { resolve: (memory: EngineMemory) => void; reject: (err: Error) => void }>();
  private nextId = 0;
  private state: 'running' | 'restarting' | 'down' | 'disposed' = 'running';
  private stoppedBecause = '';
  private killedBecause: string | null = null;
  private readonly crashTimes: number[] = [];
  private readonly watchdog: NodeJS.Timeout;
  private retryTimer: NodeJS.Timeout | null = null;

  private constructor(
    private options: VisionEngineOptions,
    private proc: EngineProcess,
    private currentInfo: VisionInfo,
  ) {
    this.attach(proc);
    const timeout = options.frameTimeoutMs ?? DEFAULT_FRAME_TIMEOUT_MS;
    // One timer for all frames rather than one per frame.
    this.watchdog = setInterval(() => this.checkHung(timeout), Math.min(1000, timeout));
    this.watchdog.unref();
  }

  /** Starts the engine and loads the models; rejects with the pipeline's own message if it cannot. */
  static async start(options: VisionEngineOptions): Promise<VisionEngine> {
    const started = await startWithFallback(options);
    return new VisionEngine({ ...options, pipeline: started.pipeline }, started.proc, started.info);
  }

  get info(): VisionInfo {
    return this.currentInfo;
  }

  get engineState(): EngineState {
    return this.state === 'running'
      ? { state: 'running', detail: null }
      : this.state === 'disposed'
        ? { state: 'down', detail: 'shut down' }
        : { state: this.state, detail: this.stoppedBecause };
  }

  /** The engine process's id while it runs (for the log and for tests that end it as a crash would). */
  get pid(): number | undefined {
    return this.state === 'running' ? this.proc.pid : undefined;
  }

  /**
   * Analyses one frame. The pixels are copied into the message, so the caller keeps its frame.
   * `capturedAt` (milliseconds) is for a caller with a clock of its own, such as a simulated camera.
   */
  analyzeFrame(image: RawImage, capturedAt?: number): Promise<FrameResult> {
    if (this.state !== 'running') return Promise.reject(this.unavailable());
    const id = this.nextId++;
    const request: AnalyzeRequest = {
      type: 'analyze',
      id,
      width: image.width,
      height: image.height,
      channels: image.channels,
      data: image.data,
      ...(capturedAt === undefined ? {} : { capturedAt }),
    };
    return new Promise<FrameResult>((resolve, reject) => {
      this.pending.set(id, { resolve, reject, start: performance.now() });
      this.post(request);
    });
  }

  /**
   * Loads other models or detector settings without a relaunch: a new engine process starts with
   * `pipeline` while the current one keeps answering; once it is ready it takes over (frames in
   * flight are answered "restarting") and the old one ends. If the new one cannot load, nothing
   * changes and the promise rejects with the pipeline's own message.
   */
  async reconfigure(pipeline: EnginePipelineOptions): Promise<VisionInfo> {
    if (this.state === 'disposed') throw new VisionEngineError('the vision engine was shut down');
    const started = await startWithFallback({ ...this.options, pipeline });
    // Disposed while the new engine loaded (TypeScript cannot see the await change the state).
    if ((this.state as VisionEngine['state']) === 'disposed') {
      started.proc.kill();
      throw new VisionEngineError('the vision engine was shut down');
    }
    const old = this.state === 'running' ? this.proc : null;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.options = { ...this.options, pipeline: started.pipeline };
    this.stoppedBecause = 'new settings';
    this.failPending(
      new VisionEngineError('the vision engine is restarting (new settings)', message('engine_restarting', { detail: 'new settings' })),
    );
    this.proc = started.proc;
    this.currentInfo = started.info;
    this.attach(started.proc);
    this.state = 'running';
    if (old) {
      const timer = setTimeout(() => old.kill(), 3000);
      old.onExit(() => clearTimeout(timer));
      try {
        old.send({ type: 'dispose' });
      } catch {
        old.kill();
      }
    }
    this.options.log?.(
      'info',
      `vision: engine reloaded (pid ${started.proc.pid}); model ${started.info.modelId}; provider ${started.info.provider}`,
    );
    this.options.onStateChange?.(this.engineState);
    return started.info;
  }

  /** The engine's heap and resident memory (after a full collection when run with --expose-gc). */
  memory(): Promise<EngineMemory> {
    if (this.state !== 'running') return Promise.reject(this.unavailable());
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.memoryRequests.set(id, { resolve, reject });
      this.post({ type: 'memory', id });
    });
  }

  async dispose(): Promise<void> {
    if (this.state === 'disposed') return;
    const running = this.state === 'running';
    this.state = 'disposed';
    clearInterval(this.watchdog);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.failPending(new VisionEngineError('the vision engine was shut down'));
    // Down or restarting: the old process has ended and a new one, if any, ends itself on start.
    if (!running) return;
    const proc = this.proc;
    const exited = new Promise<void>((resolve) => proc.onExit(() => resolve()));
    try {
      proc.send({ type: 'dispose' });
    } catch {
      proc.kill();
    }
    const timer = setTimeout(() => proc.kill(), 3000);
    await exited;
    clearTimeout(timer);
  }

  private unavailable(): VisionEngineError {
    const detail = this.state === 'disposed' ? 'shut down' : this.stoppedBecause;
    return new VisionEngineError(
      this.state === 'restarting'
        ? `the vision engine is restarting (${this.stoppedBecause})`
        : this.state === 'down'
          ? `the vision engine stopped: ${this.stoppedBecause}`
          : 'the vision engine was shut down',
      message(this.state === 'restarting' ? 'engine_restarting' : 'engine_resting', { detail }),
    );
  }

  private post(request: Parameters<EngineProcess['send']>[0]): void {
    try {
      this.proc.send(request);
    } catch {
      // The process is gone; its exit (already seen or on its way) fails this request with the reason.
      if (this.state === 'running') this.kill('its message channel closed');
    }
  }

  private kill(reason: string): void {
    this.killedBecause ??= reason;
    this.proc.kill();
  }

  private checkHung(timeoutMs: number): void {
    if (this.state !== 'running') return;
    const now = performance.now();
    for (const p of this.pending.values()) {
      if (now - p.start > timeoutMs) {
        this.kill(`no answer to a frame within ${duration(timeoutMs)}`);
        return;
      }
    }
  }

  private attach(proc: EngineProcess): void {
    this.killedBecause = null;
    proc.onMessage((raw) => {
      if (proc !== this.proc) return;
      const reply = engineReply.safeParse(raw);
      if (reply.success) this.onReply(reply.data);
      else this.kill(`it sent a malformed reply (${firstIssue(reply.error, 'reply')})`);
    });
    proc.onExit((code, signal) => {
      if (proc === this.proc) this.onExit(exitReason(code, signal));
    });
  }

  private onReply(reply: EngineReply): void {
    if (reply.type === 'memory') {
      this.memoryRequests.get(reply.id)?.resolve(reply.memory);
      this.memoryRequests.delete(reply.id);
      return;
    }
    if (reply.type !== 'result' && reply.type !== 'error') return;
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

  private onExit(exit: string): void {
    if (this.state !== 'running') return;
    const reason = this.killedBecause ? `${this.killedBecause}; killed` : exit;
    const plan = planRestart(this.crashTimes, Date.now(), this.restartPolicy);
    if (plan.action === 'rest') {
      const window = Math.round(this.restartPolicy.windowMs / 1000);
      this.goDown(`${reason}; ${plan.crashes} times in ${window} s`, plan.delayMs);
      return;
    }
    this.state = 'restarting';
    this.stoppedBecause = reason;
    this.failPending(this.unavailable());
    this.options.log?.('warn', `vision: engine stopped (${reason}); restarting in ${duration(plan.delayMs)}`);
    this.options.onStateChange?.(this.engineState);
    this.scheduleStart(plan.delayMs);
  }

  private scheduleStart(delayMs: number): void {
    this.retryTimer = setTimeout(() => this.restart(), delayMs);
    this.retryTimer.unref();
  }

  private restart(): void {
    if (this.state === 'disposed') return;
    this.state = 'restarting';
    startWithFallback(this.options).then(
      ({ proc, info }) => {
        if (this.state === 'disposed') {
          proc.kill();
          return;
        }
        this.proc = proc;
        this.currentInfo = info;
        this.attach(proc);
        this.state = 'running';
        this.options.log?.('info', `vision: engine restarted (pid ${proc.pid}); model ${info.modelId}; provider ${info.provider}`);
        this.options.onStateChange?.(this.engineState);
      },
      (err: unknown) => {
        if (this.state !== 'disposed') this.goDown(`could not restart: ${errorMessage(err)}`, this.restartPolicy.retryAfterMs);
      },
    );
  }

  /**
   * Too many crashes in a row, or a restart that failed: rest rather than crash in a loop, then
   * try again, so an unattended kiosk recovers from a passing fault by itself.
   */
  private goDown(why: string, delayMs: number): void {
    this.state = 'down';
    this.stoppedBecause = `${why}; next try in ${duration(delayMs)}`;
    this.failPending(this.unavailable());
    this.options.log?.('error', `vision: ${this.stoppedBecause}`);
    this.options.onStateChange?.(this.engineState);
    this.retryTimer = setTimeout(() => {
      if (this.state !== 'down') return;
      this.options.log?.('info', 'vision: trying to start the engine again');
      this.restart();
    }, delayMs);
    this.retryTimer.unref();
  }

  private get restartPolicy(): EngineRestartPolicy {
    return { ...DEFAULT_ENGINE_RESTARTS, ...this.options.restarts };
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

function exitReason(code: number | null, signal: string | null): string {
  return signal ? `ended by ${signal}` : `exit code ${code}`;
}

/** The engine ended (crashed, was killed) before it said whether its models loaded. */
class EngineCrashedError extends Error {}

const cpuOnly = (pipeline: EnginePipelineOptions): boolean => {
  const providers = pipeline.runtime?.providers;
  return providers !== undefined && providers.length === 1 && providers[0] === 'cpu';
};

/**
 * Starts the engine. A GPU provider whose libraries are present but unusable (no driver, no
 * cuDNN) can crash natively while the session is created; only trying shows it, and here only
 * the engine process pays. Then the engine starts again on the CPU and says why.
 */
async function startWithFallback(
  options: VisionEngineOptions,
): Promise<{ proc: EngineProcess; info: VisionInfo; pipeline: EnginePipelineOptions }> {
  try {
    return { ...(await startOnce(options, options.pipeline)), pipeline: options.pipeline };
  } catch (err) {
    if (!(err instanceof EngineCrashedError) || cpuOnly(options.pipeline)) throw err;
    const pipeline: EnginePipelineOptions = { ...options.pipeline, runtime: { ...options.pipeline.runtime, providers: ['cpu'] } };
    options.log?.('warn', `vision: the engine ${err.message} while loading its models; trying the CPU only`);
    const started = await startOnce(options, pipeline);
    const providerNote = `the engine ${err.message} while loading on the platform's providers; running on the CPU`;
    return { proc: started.proc, info: { ...started.info, providerNote }, pipeline };
  }
}

/** Starts one engine process and waits until its pipeline is loaded (or could not be). */
function startOnce(options: VisionEngineOptions, pipeline: EnginePipelineOptions): Promise<{ proc: EngineProcess; info: VisionInfo }> {
  const heap = options.heap ?? DEFAULT_ENGINE_HEAP;
  const proc = options.launch({ execArgv: [`--max-semi-space-size=${heap.semiSpaceMb}`, `--max-old-space-size=${heap.oldGenerationMb}`] });
  const startTimeout = options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS;
  return new Promise((resolve, reject) => {
    let settled = false;
    let timedOut = false;
    const done = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      fn();
    };
    const timer = setTimeout(() => {
      timedOut = true;
      proc.kill();
    }, startTimeout);
    proc.onMessage((raw) => {
      const parsed = engineReply.safeParse(raw);
      if (!parsed.success) {
        done(() => reject(new Error(`the vision engine sent a malformed reply (${firstIssue(parsed.error, 'reply')})`)));
        proc.kill();
        return;
      }
      const reply = parsed.data;
      if (reply.type === 'ready') done(() => resolve({ proc, info: reply.info }));
      else if (reply.type === 'failed') done(() => reject(new Error(reply.message)));
    });
    proc.onExit((code, signal) =>
      done(() =>
        reject(
          new EngineCrashedError(
            timedOut ? `did not load its models within ${duration(startTimeout)}` : `ended (${exitReason(code, signal)})`,
          ),
        ),
      ),
    );
    try {
      proc.send({ type: 'init', pipeline });
    } catch {
      // Gone already: its exit rejects.
    }
  });
}
