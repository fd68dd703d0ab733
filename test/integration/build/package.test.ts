// Packages the app with electron-builder against a stand-in Electron (CI machines cannot download
// Electron's binary) and checks what would ship: the contents, the size, the fuses, the native
// files' format, CPU and ABI, and that the packaged vision engine, run under Node with the
// packaged models, answers a frame. The stand-in is a small ELF named `electron` carrying
// Electron's fuse wire, which electron-builder flips exactly as it would in the real binary.

import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { extractAll } from '@electron/asar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { MAX_RESOURCE_BYTES } from '../../../scripts/dist';
import type { PackageReport } from '../../../scripts/package-check';
import { RUNTIME_PACKAGES, SHIPPED_MODELS } from '../../../scripts/package-check';
import { forkEngine } from '../../../src/main/vision/engine-process';
import { VisionPipeline } from '../../../src/main/vision/pipeline';
import { VisionEngine } from '../../../src/main/vision/vision-engine';
import { packWithStandin } from '../../helpers/electron-standin';
import { DETECTOR_DIR, REPO_ROOT, SCRATCH_DIR, sample } from '../../helpers/paths';
import { cameraFrame } from '../../helpers/vision';

const WORK = join(SCRATCH_DIR, 'package');
const EXTRACTED = join(WORK, 'app');
const config = parse(readFileSync(join(REPO_ROOT, 'electron-builder.yml'), 'utf8')) as { electronFuses: Record<string, boolean> };

let status: number;
let report: PackageReport;
let unpacked: string;
let logged: string[];
beforeAll(async () => {
  ({ status, report, unpacked, errors: logged } = await packWithStandin(WORK, 'linux'));
}, 180_000);
afterAll(() => rmSync(WORK, { recursive: true, force: true }));

describe('the packaged app (Linux x64, stand-in Electron)', () => {
  it('holds only what the app loads, within the size budget', () => {
    expect(report.packages.filter((p) => !p.startsWith('@img/sharp-'))).toEqual([...RUNTIME_PACKAGES].sort());
    expect(report.packages).toEqual(expect.arrayContaining(['@img/sharp-linux-x64', '@img/sharp-libvips-linux-x64']));
    // 208 MiB before other platforms' ONNX Runtime, SQLite's sources and install-time helpers went.
    expect(report.resourceBytes).toBeLessThan(MAX_RESOURCE_BYTES.linux);
    console.info(`Linux x64 package: resources/ ${(report.resourceBytes / 1048576).toFixed(1)} MiB`);
  });

  it("ships each model folder whole: the weights with their card and their origins' licences", () => {
    for (const model of SHIPPED_MODELS) {
      const packaged = readdirSync(join(unpacked, 'resources', 'models', model)).sort();
      expect(packaged).toEqual(readdirSync(join(REPO_ROOT, 'models', model)).sort());
      expect(packaged).toEqual(expect.arrayContaining(['MODEL_CARD.md', 'model.onnx']));
    }
    // MediaPipe's face mesh (Apache 2.0) and face-api's SSD MobileNet (MIT) weights ship inside these.
    expect(readdirSync(join(unpacked, 'resources', 'models', 'nose-check'))).toContain('LICENSE-face-mesh');
    expect(readdirSync(join(unpacked, 'resources', 'models', 'facemask-default'))).toEqual(
      expect.arrayContaining(['LICENSE-face-mesh', 'LICENSE-face-api', 'NOTICE.md']),
    );
  });

  it('ships only Linux x64 native files: every .node, .so and the executable is an x86-64 ELF', () => {
    const files = report.binaries.map((b) => b.file);
    expect(files).toEqual(
      expect.arrayContaining([
        'mask-kiosk',
        'resources/app.asar.unpacked/node_modules/better-sqlite3/build/Release/better_sqlite3.node',
        'resources/app.asar.unpacked/node_modules/onnxruntime-node/bin/napi-v6/linux/x64/libonnxruntime.so.1',
      ]),
    );
    expect(report.binaries.filter((b) => b.format !== 'ELF' || b.arch !== 'x64')).toEqual([]);
  });

  it("carries the fuses electron-builder.yml sets, flipped from Electron's defaults", () => {
    expect(report.fuses).toEqual(config.electronFuses);
    expect(report.fuses.runAsNode).toBe(false);
  });

  it('finds the one thing a stand-in build gets wrong: better-sqlite3 built for Node, not Electron, and fails the build for it', () => {
    expect(report.problems).toEqual(
      [
        "node_modules/better-sqlite3/build/Release/better_sqlite3.node is built for ABI 115 (Node's), not Electron's 150: rebuild it for Electron",
      ].map((p) => p.replace('115', process.versions.modules)),
    );
    expect(status).toBe(1);
    expect(logged.some((l) => l.includes('is built for ABI'))).toBe(true);
  });

  it("leaves the developer's own better-sqlite3 working under Node", () => {
    const Database = createRequire(import.meta.url)('better-sqlite3') as new (
      path: string,
    ) => { prepare(sql: string): { get(): unknown }; close(): void };
    const db = new Database(':memory:');
    expect(db.prepare('select 1 as one').get()).toEqual({ one: 1 });
    db.close();
  });

  it('answers a frame from the packaged vision engine with the packaged models, run under Node', async () => {
    extractAll(join(unpacked, 'resources', 'app.asar'), EXTRACTED);
    const models = join(unpacked, 'resources', 'models');
    const entry = join(EXTRACTED, 'out', 'main', 'engine-entry.js');
    expect(existsSync(entry)).toBe(true);
    const pipeline = { detectorFolder: join(models, 'face-detector'), classifierFolder: join(models, 'facemask-default') };
    const engine = await VisionEngine.start({ launch: forkEngine(pathToFileURL(entry)), pipeline });
    const direct = await VisionPipeline.load({
      detectorFolder: DETECTOR_DIR,
      classifierFolder: join(REPO_ROOT, 'models', 'facemask-default'),
    });
    try {
      const frame = await cameraFrame(sample('test', 'without_mask', 1)[0]!.path, { side: 300 });
      const packaged = await engine.analyzeFrame(frame);
      const source = await direct.analyzeFrame(frame);
      expect(packaged.faces.length).toBeGreaterThan(0);
      expect(packaged.faces.map((f) => f.verdict)).toEqual(source.faces.map((f) => f.verdict));
      expect(packaged.faces[0]!.confidence).toBeCloseTo(source.faces[0]!.confidence, 5);
    } finally {
      await engine.dispose();
      await direct.dispose();
    }
  });
});
