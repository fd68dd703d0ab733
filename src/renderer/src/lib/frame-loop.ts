// Takes camera frames as the video produces them and sends the newest to main, one at a time:
// while an answer is outstanding, frames are skipped, so latency stays one frame deep on any CPU.

import type { Result } from '../../../shared/channels';
import type { Frame, FrameResponse } from '../../../shared/contract';

export const MAX_FRAME_WIDTH = 640;
/**
 * A verdict older than this is no longer shown: the answers have stopped (the vision engine hung,
 * until its own watchdog restarts it) and the person in front of the camera may be someone else.
 */
export const STALE_ANSWER_MS = 3000;

export interface FrameStats {
  fps: number;
  /** Median milliseconds from taking a frame to its status being applied, over recent frames. */
  latencyMs: number;
}

export class FrameLoop {
  private canvas = document.createElement('canvas');
  private ctx = this.canvas.getContext('2d', { willReadFrequently: true })!;
  private inFlight = false;
  private running = false;
  private handle = 0;
  private done: number[] = [];
  private latencies: number[] = [];
  private lastAnswerAt = performance.now();
  private minIntervalMs = 0;
  private lastSentAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly video: HTMLVideoElement,
    private readonly send: (frame: Frame) => Promise<Result<FrameResponse>>,
    private readonly apply: (result: Result<FrameResponse>, takenAt: number) => Promise<void>,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.lastAnswerAt = performance.now();
    this.handle = this.video.requestVideoFrameCallback(this.onFrame);
  }

  stop(): void {
    this.running = false;
    this.video.cancelVideoFrameCallback(this.handle);
  }

  /** Sends a frame at most this often (0: every frame the camera gives): fewer while nobody is in view. */
  setMinInterval(ms: number): void {
    this.minIntervalMs = ms;
  }

  /** Milliseconds since the last answer was applied (or since the loop started). */
  answerAge(): number {
    return performance.now() - this.lastAnswerAt;
  }

  stats(): FrameStats {
    const now = performance.now();
    this.done = this.done.filter((t) => now - t < 2000);
    const sorted = [...this.latencies].sort((a, b) => a - b);
    return { fps: this.done.length / 2, latencyMs: sorted.length ? sorted[Math.floor(sorted.length / 2)]! : 0 };
  }

  private readonly onFrame = (): void => {
    if (!this.running) return;
    this.handle = this.video.requestVideoFrameCallback(this.onFrame);
    if (this.inFlight || this.video.videoWidth === 0) return;
    const takenAt = performance.now();
    if (takenAt - this.lastSentAt < this.minIntervalMs) return;
    this.lastSentAt = takenAt;
    const frame = this.grab();
    this.inFlight = true;
    this.send(frame)
      .then((result) => this.apply(result, takenAt))
      .then(() => {
        const now = performance.now();
        this.lastAnswerAt = now;
        this.done.push(now);
        this.latencies.push(now - takenAt);
        if (this.latencies.length > 60) this.latencies.shift();
      })
      .catch((err: unknown) => console.error('frame failed', err))
      .finally(() => {
        this.inFlight = false;
      });
  };

  private grab(): Frame {
    const scale = Math.min(1, MAX_FRAME_WIDTH / this.video.videoWidth);
    const width = Math.round(this.video.videoWidth * scale);
    const height = Math.round(this.video.videoHeight * scale);
    if (this.canvas.width !== width || this.canvas.height !== height) {
      this.canvas.width = width;
      this.canvas.height = height;
    }
    this.ctx.drawImage(this.video, 0, 0, width, height);
    const image = this.ctx.getImageData(0, 0, width, height);
    return { width, height, data: new Uint8Array(image.data.buffer, image.data.byteOffset, image.data.byteLength) };
  }
}
