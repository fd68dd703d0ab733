// Opens the chosen camera and keeps it open: a denied, absent or unplugged camera is reported
// and retried with backoff, and plugging one in retries at once, so no restart is ever needed.
import type { CameraReport } from '../../../shared/contract';

export type CameraState = CameraReport['state'];

export interface CameraEvents {
  onState(state: CameraState, detail?: { message?: string; label?: string }): void;
}

const BACKOFF_MS = [1000, 2000, 4000, 8000, 15000, 30000];

export function classifyError(err: unknown): CameraState {
  const name = (err as { name?: string })?.name ?? '';
  if (name === 'NotAllowedError' || name === 'SecurityError') return 'denied';
  if (name === 'NotFoundError' || name === 'OverconstrainedError' || name === 'DevicesNotFoundError') return 'absent';
  return 'error';
}

export class CameraController {
  private stream: MediaStream | null = null;
  private attempt = 0;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private stopped = false;
  private readonly onDeviceChange = (): void => {
    if (!this.stream) this.retryNow();
  };

  constructor(
    private readonly video: HTMLVideoElement,
    private readonly deviceId: string | null,
    private readonly events: CameraEvents,
  ) {}

  start(): void {
    this.stopped = false;
    navigator.mediaDevices?.addEventListener?.('devicechange', this.onDeviceChange);
    void this.open();
  }

  stop(): void {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    navigator.mediaDevices?.removeEventListener?.('devicechange', this.onDeviceChange);
    this.release();
  }

  private release(): void {
    for (const t of this.stream?.getTracks() ?? []) t.stop();
    this.stream = null;
  }

  private retryNow(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    void this.open();
  }

  private scheduleRetry(): void {
    if (this.stopped) return;
    const delay = BACKOFF_MS[Math.min(this.attempt, BACKOFF_MS.length - 1)]!;
    this.attempt++;
    this.retryTimer = setTimeout(() => this.retryNow(), delay);
  }

  private async open(): Promise<void> {
    if (this.stopped || this.stream) return;
    this.events.onState('starting');
    if (!navigator.mediaDevices?.getUserMedia) {
      this.events.onState('error', { message: 'this browser has no camera API' });
      return;
    }
    try {
      const stream = await this.request(this.deviceId);
      if (this.stopped) {
        for (const t of stream.getTracks()) t.stop();
        return;
      }
      const [track] = stream.getVideoTracks();
      if (!track) throw Object.assign(new Error('no video track'), { name: 'NotFoundError' });
      this.stream = stream;
      track.addEventListener('ended', () => {
        this.release();
        this.events.onState('lost', { message: 'the camera stopped sending video', label: track.label });
        this.attempt = 0;
        this.scheduleRetry();
      });
      this.video.srcObject = stream;
      await this.video.play().catch(() => undefined);
      this.attempt = 0;
      this.events.onState('live', { label: track.label });
    } catch (err) {
      this.events.onState(classifyError(err), { message: (err as Error)?.message ?? String(err) });
      this.scheduleRetry();
    }
  }

  /** The configured camera, or the first one when it is gone or none is configured. */
  private async request(deviceId: string | null): Promise<MediaStream> {
    const video: MediaTrackConstraints = { width: { ideal: 640 }, height: { ideal: 480 }, frameRate: { ideal: 15, max: 30 } };
    if (deviceId) {
      try {
        return await navigator.mediaDevices.getUserMedia({ audio: false, video: { ...video, deviceId: { exact: deviceId } } });
      } catch (err) {
        if (classifyError(err) !== 'absent') throw err;
      }
    }
    return navigator.mediaDevices.getUserMedia({ audio: false, video });
  }
}
