// The vision engine process: loads the pipeline once and analyses the frames the kiosk sends.
// It runs in its own process (Electron's utility process in the app, a Node child process in the
// preview and tests) so that a native hang or crash inside ONNX Runtime ends only this process,
// which the kiosk can kill and restart (see vision-engine.ts).

import { parentLink } from './engine-link';
import { serveEngine } from './engine-service';

serveEngine(parentLink());
