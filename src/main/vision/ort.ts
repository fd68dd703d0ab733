// The one way into onnxruntime-node: every module that needs ONNX Runtime imports it from here
// (lint forbids importing the package anywhere else).
//
// ONNX Runtime 1.30's Linux and macOS builds keep a device id under ~/.cache/Microsoft and queue
// usage events (device id, CPU, memory, model file names, run counts and durations) for
// Microsoft's collector, unless ORT_DISABLE_TELEMETRY is set when its environment is created.
// That happens at the first InferenceSession, so setting it here, before any session can exist,
// covers every process that runs a model: the engine process, the CLI, the benchmarks, tests.
// The Node binding exposes no API for it (the C API's DisableTelemetryEvents is not bound).
import * as ort from 'onnxruntime-node';

export const ORT_TELEMETRY_VARIABLE = 'ORT_DISABLE_TELEMETRY';

/** Sets the switch in `env` (this process's by default); ONNX Runtime reads it when its environment starts. */
export function disableOrtTelemetry(env: NodeJS.ProcessEnv = process.env): void {
  env[ORT_TELEMETRY_VARIABLE] = '1';
}

disableOrtTelemetry();

export { ort };
