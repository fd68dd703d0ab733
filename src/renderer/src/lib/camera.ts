// Opens the chosen camera and keeps it open: a denied, absent or unplugged camera is reported
// and retried with backoff, and plugging one in retries at once, so no restart is ever needed.
// A camera whose track stays live but sends no more pictures (a USB camera's driver hanging, the
// device taken by another program) is caught too: the screen would otherwise keep its last verdict,
// a thank-you for whoever stands there next.
import type { CameraReport } from '../../../shared/contract';

export type CameraState = CameraReport['state'];

export interface CameraEvents {
  onState(state: CameraState, detail?: { message?: string; label?: string }): void;
}

const BACKOFF_MS = [1000, 2000, 4000, 8000, 15000, 30000];
/** No picture for this long from a live camera is a stall: a webcam sends 15 to 30 a second. */
const STALL_MS = 3000;
/** Some webcams take a few seconds to send their first picture after opening. */
const FIRST_PICTURE_MS = 10_000;
/** A reopened camera that sends pictures this long is well again, and its next stall retries at once. */
const RECOVERED_MS = 10_000;

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
  private watchdog: ReturnType<typeof setInterval> | null = null;
  private frameHandle = 0;
  /** Reopening after a stall: the backoff holds until the camera has sent pictures for RECOVERED_MS. */
  private stalled = false;
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
    if (this.watchdog) clearInterval(this.watchdog);
    this.watchdog = null;
    this.video.cancelVideoFrameCallback?.(this.frameHandle);
    for (const t of this.stream?.getTracks() ?? []) t.stop();
    this.stream = null;
    // The preview would otherwise keep the last picture: the previous visitor's face, frozen.
    this.video.srcObject = null;
  }

  /** Watches a live stream for pictures; none for STALL_MS releases it and opens the camera again. */
  private watch(label: string): void {
    const liveSince = performance.now();
    let lastPictureAt = liveSince;
    let pictures = 0;
    const onPicture = (): void => {
      const at = performance.now();
      lastPictureAt = at;
      pictures++;
      if (this.stalled && at - liveSince >= RECOVERED_MS) {
        this.stalled = false;
        this.attempt = 0;
      }
      this.frameHandle = this.video.requestVideoFrameCallback(onPicture);
    };
    this.frameHandle = this.video.requestVideoFrameCallback(onPicture);
    this.watchdog = setInterval(() => {
      const now = performance.now();
      // A hidden page gets no video frame callbacks (a preview tab in the background): not a stall.
      if (document.visibilityState === 'hidden') lastPictureAt = now;
      const silent = now - lastPictureAt;
      if (silent < (pictures === 0 ? FIRST_PICTURE_MS : STALL_MS)) return;
      this.release();
      this.stalled = true;
      this.events.onState('stalled', { message: `the camera sent no picture for ${(silent / 1000).toFixed(1)} s`, label });
      this.scheduleRetry();
    }, 500);
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
        if (this.stream !== stream) return;
        this.release();
        this.stalled = false;
        this.events.onState('lost', { message: 'the camera stopped sending video', label: track.label });
        this.attempt = 0;
        this.scheduleRetry();
      });
      this.video.srcObject = stream;
      await this.video.play().catch(() => undefined);
      // A camera that stalls again soon after reopening backs off like one that is absent.
      if (!this.stalled) this.attempt = 0;
      this.events.onState('live', { label: track.label });
      this.watch(track.label);
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
