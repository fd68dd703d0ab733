// What the kiosk screen calls without the admin PIN: frames to analyse, what it knows of its
// camera, and its own errors. Everything from the screen is bounded and made printable before it
// reaches a log line, a violation row or the site database.
import type { CameraReport, Frame, FrameResponse } from '../../shared/contract';
import { UnavailableError } from '../../shared/errors';
import { message } from '../../shared/messages';
import { ReportLimiter, sanitiseReport } from '../log/app-log';
import type { Logger } from '../logger';
import type { Handlers } from './ipc-dispatch';

export interface ScreenDeps {
  /** Runs one frame through the pipeline and the tracker; null when the vision engine did not start. */
  analyze: ((frame: Frame) => Promise<FrameResponse>) | null;
  /** Why the engine is not running, when it is not. */
  problem: string | null;
  /** True once the first-run set-up has chosen the admin PIN. */
  setUp: () => boolean;
  /** The camera's name (for violations and the site's health list) and state, as the screen reports them. */
  onCamera: (camera: { label: string | null; state: CameraReport['state'] }) => void;
  onFrame: () => void;
  log: Logger;
  now: () => number;
}

export function createScreenHandlers(deps: ScreenDeps): Pick<Handlers, 'frame:analyze' | 'camera:report' | 'renderer:error'> {
  const rendererReports = new ReportLimiter();
  const cameraReports = new ReportLimiter(30);
  return {
    'frame:analyze': async (frame) => {
      if (!deps.analyze)
        throw new UnavailableError(deps.problem ?? 'vision pipeline not loaded', message('engine_failed', { detail: deps.problem ?? '' }));
      // Until staff have chosen the admin PIN (first-run set-up), the kiosk checks nobody.
      if (!deps.setUp()) throw new UnavailableError('set-up not finished: choose the admin PIN first', message('setup_unfinished'));
      const answer = await deps.analyze(frame);
      deps.onFrame();
      return answer;
    },
    'renderer:error': ({ message: text, source }) => {
      const dropped = rendererReports.admit(deps.now());
      if (dropped === null) return null;
      const line = `renderer: ${sanitiseReport(text, 500)}${source ? ` (${sanitiseReport(source, 200)})` : ''}`;
      deps.log('error', dropped ? `${line} [${dropped} earlier renderer reports not logged: too many]` : line);
      return null;
    },
    'camera:report': (report) => {
      // The label names the camera in every later violation row: keep it short and printable.
      const dropped = cameraReports.admit(deps.now());
      if (dropped === null) return null;
      const label = report.label ? sanitiseReport(report.label, 100) : '';
      const detail = report.message ? sanitiseReport(report.message, 300) : '';
      deps.onCamera({ label: report.state === 'live' && label ? label : null, state: report.state });
      const line = `camera: ${report.state}${label ? ` (${label})` : ''}${detail ? `: ${detail}` : ''}`;
      deps.log(report.state === 'live' || report.state === 'starting' ? 'info' : 'warn', line);
      return null;
    },
  };
}
