// ONNX Runtime sessions with an explicit, per-platform execution-provider order.
// A provider is only requested after we have checked it can load: asking ORT for CUDA when
// libonnxruntime_providers_cuda.so is absent aborts the whole process natively, which no
// try/catch can recover from.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { ort } from './ort';

export const PROVIDER_NAMES = ['cuda', 'dml', 'coreml', 'cpu'] as const;
export type ProviderName = (typeof PROVIDER_NAMES)[number];

const PLATFORM_ORDER: Partial<Record<NodeJS.Platform, ProviderName[]>> = {
  win32: ['dml', 'cpu'],
  linux: ['cuda', 'cpu'],
  darwin: ['coreml', 'cpu'],
};

export function defaultProviderOrder(platform: NodeJS.Platform = process.platform): ProviderName[] {
  return PLATFORM_ORDER[platform] ?? ['cpu'];
}

/** Validates a user-given provider list; `cpu` is always appended as the last resort. */
export function parseProviderList(names: readonly string[]): ProviderName[] {
  const out: ProviderName[] = [];
  for (const raw of names) {
    const name = raw.trim().toLowerCase();
    if (!(PROVIDER_NAMES as readonly string[]).includes(name)) {
      throw new Error(`Unknown execution provider "${raw}". Allowed: ${PROVIDER_NAMES.join(', ')}.`);
    }
    if (!out.includes(name as ProviderName)) out.push(name as ProviderName);
  }
  if (!out.includes('cpu')) out.push('cpu');
  return out;
}

/** Where onnxruntime-node keeps its native libraries for this platform (unpacked from asar when packaged). */
export function ortBinaryDir(platform: NodeJS.Platform = process.platform, arch: string = process.arch): string {
  const pkg = createRequire(import.meta.url).resolve('onnxruntime-node/package.json');
  return join(dirname(pkg).replace(/app\.asar([\\/])/, 'app.asar.unpacked$1'), 'bin', 'napi-v6', platform, arch);
}

export interface ProviderEnvironment {
  platform: NodeJS.Platform;
  binDir: string;
  fileExists: (path: string) => boolean;
}

export type ProviderCheck = { available: true } | { available: false; reason: string };

export function checkProvider(name: ProviderName, env: ProviderEnvironment): ProviderCheck {
  switch (name) {
    case 'cpu':
      return { available: true };
    case 'cuda': {
      if (env.platform !== 'linux') return { available: false, reason: 'the CUDA provider is only built for Linux' };
      const lib = join(env.binDir, 'libonnxruntime_providers_cuda.so');
      return env.fileExists(lib)
        ? { available: true }
        : { available: false, reason: `${lib} is absent (run "npm run install-cuda" for GPU)` };
    }
    case 'dml': {
      if (env.platform !== 'win32') return { available: false, reason: 'DirectML is Windows only' };
      const lib = join(env.binDir, 'DirectML.dll');
      return env.fileExists(lib) ? { available: true } : { available: false, reason: `${lib} is absent` };
    }
    case 'coreml':
      return env.platform === 'darwin' ? { available: true } : { available: false, reason: 'CoreML is macOS only' };
  }
}

export interface SkippedProvider {
  provider: ProviderName;
  reason: string;
}

export interface RuntimeOptions {
  /** Order to try; defaults to the platform's order. */
  providers?: readonly ProviderName[];
  /** Threads inside one operator. Small models on few cores run best single-threaded. */
  intraOpThreads?: number;
  environment?: ProviderEnvironment;
}

export interface LoadedSession {
  session: ort.InferenceSession;
  provider: ProviderName;
  skipped: SkippedProvider[];
}

export function defaultIntraOpThreads(): number {
  // Half the logical cores, at most 4: the detector and classifier are small, thread wake-up
  // costs more than it saves beyond that, and the UI and camera need a core too.
  return Math.max(1, Math.min(4, Math.floor(availableParallelism() / 2)));
}

export function defaultEnvironment(): ProviderEnvironment {
  return { platform: process.platform, binDir: ortBinaryDir(), fileExists: existsSync };
}

/**
 * Creates a session on the first provider in order that passes its check and initialises.
 * Every provider passed over is reported with its reason, so the status panel can say why.
 */
export async function createSession(model: string | Uint8Array, options: RuntimeOptions = {}): Promise<LoadedSession> {
  const order = options.providers ? parseProviderList(options.providers) : defaultProviderOrder();
  const env = options.environment ?? defaultEnvironment();
  const skipped: SkippedProvider[] = [];
  for (const provider of order) {
    const check = checkProvider(provider, env);
    if (!check.available) {
      skipped.push({ provider, reason: check.reason });
      continue;
    }
    const sessionOptions: ort.InferenceSession.SessionOptions = {
      executionProviders: [provider],
      intraOpNumThreads: options.intraOpThreads ?? defaultIntraOpThreads(),
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
      // Converted models carry unused initialisers that ORT warns about on every load.
      logSeverityLevel: 3,
    };
    try {
      const session =
        typeof model === 'string'
          ? await ort.InferenceSession.create(model, sessionOptions)
          : await ort.InferenceSession.create(model, sessionOptions);
      return { session, provider, skipped };
    } catch (err) {
      skipped.push({ provider, reason: (err as Error).message.split('\n')[0] ?? 'failed to initialise' });
    }
  }
  throw new Error(`No execution provider could load the model: ${skipped.map((s) => `${s.provider}: ${s.reason}`).join('; ')}`);
}

export function describeProvider(loaded: Pick<LoadedSession, 'provider' | 'skipped'>): string {
  const passed = loaded.skipped.map((s) => `${s.provider} unavailable: ${s.reason}`);
  return passed.length ? `${loaded.provider} (${passed.join('; ')})` : loaded.provider;
}
