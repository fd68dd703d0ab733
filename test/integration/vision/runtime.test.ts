import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  checkProvider,
  createSession,
  defaultProviderOrder,
  describeProvider,
  ortBinaryDir,
  type ProviderEnvironment,
  parseProviderList,
} from '../../../src/main/vision/runtime';
import { DETECTOR_DIR } from '../../helpers/paths';

const model = join(DETECTOR_DIR, 'model.onnx');
const env = (platform: NodeJS.Platform, files: string[] = []): ProviderEnvironment => ({
  platform,
  binDir: '/ort/bin',
  fileExists: (p) => files.includes(p),
});

describe('execution providers', () => {
  it('orders providers per platform, always ending in cpu', () => {
    expect(defaultProviderOrder('win32')).toEqual(['dml', 'cpu']);
    expect(defaultProviderOrder('linux')).toEqual(['cuda', 'cpu']);
    expect(defaultProviderOrder('darwin')).toEqual(['coreml', 'cpu']);
    expect(defaultProviderOrder('freebsd')).toEqual(['cpu']);
  });

  it('rejects an unknown provider name and lists the allowed ones', () => {
    expect(() => parseProviderList(['cuda', 'tpu'])).toThrowError('Unknown execution provider "tpu". Allowed: cuda, dml, coreml, cpu.');
    expect(parseProviderList(['CUDA'])).toEqual(['cuda', 'cpu']);
  });

  it('only offers CUDA when its provider library is present', () => {
    const lib = join('/ort/bin', 'libonnxruntime_providers_cuda.so');
    expect(checkProvider('cuda', env('linux', [lib]))).toEqual({ available: true });
    const missing = checkProvider('cuda', env('linux'));
    expect(missing.available).toBe(false);
    expect(!missing.available && missing.reason).toContain('libonnxruntime_providers_cuda.so is absent');
    expect(checkProvider('dml', env('linux')).available).toBe(false);
    expect(checkProvider('dml', env('win32', [join('/ort/bin', 'DirectML.dll')])).available).toBe(true);
  });

  it('falls back to CPU with the reason kept when the GPU provider is absent', async () => {
    const loaded = await createSession(model, { providers: ['cuda', 'dml', 'cpu'], environment: env('linux') });
    try {
      expect(loaded.provider).toBe('cpu');
      expect(loaded.skipped.map((s) => s.provider)).toEqual(['cuda', 'dml']);
      expect(describeProvider(loaded)).toMatch(/^cpu \(cuda unavailable: .*libonnxruntime_providers_cuda\.so is absent/);
    } finally {
      await loaded.session.release();
    }
  });

  it('finds the real native library folder of this platform', async () => {
    const { existsSync, readdirSync } = await import('node:fs');
    const dir = ortBinaryDir();
    expect(existsSync(dir)).toBe(true);
    expect(readdirSync(dir).some((f) => f.startsWith('onnxruntime_binding'))).toBe(true);
  });

  it('reports a model no provider can load', async () => {
    await expect(createSession(new Uint8Array([1, 2, 3]), { providers: ['cpu'] })).rejects.toThrow(
      /No execution provider could load the model: cpu:/,
    );
  });
});
