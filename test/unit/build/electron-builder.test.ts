import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { REPO_ROOT } from '../../helpers/paths';

interface BuilderConfig {
  productName: string;
  files: string[];
  asarUnpack: string[];
  extraResources: { from: string; to: string }[];
  npmRebuild: boolean;
  electronFuses: Record<string, boolean>;
  win: { target: { target: string }[]; files: string[] };
  nsis: { perMachine: boolean; oneClick: boolean };
  linux: { target: { target: string; arch: string[] }[]; files: string[]; executableName: string };
}

const config = parse(readFileSync(join(REPO_ROOT, 'electron-builder.yml'), 'utf8')) as BuilderConfig;
const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
  scripts: Record<string, string>;
  productName: string;
  homepage?: string;
  desktopName?: string;
  dependencies: Record<string, string>;
};

describe('electron-builder.yml', () => {
  it('builds a per-machine NSIS installer for Windows and AppImage plus deb for Linux', () => {
    expect(config.win.target.map((t) => t.target)).toEqual(['nsis']);
    expect(config.nsis.perMachine).toBe(true);
    expect(config.nsis.oneClick).toBe(false);
    expect(config.linux.target).toEqual([
      { target: 'AppImage', arch: ['x64'] },
      { target: 'deb', arch: ['x64'] },
    ]);
    expect(config.productName).toBe(pkg.productName);
  });

  it('unpacks the native modules with their .node, .dll and .so files', () => {
    const unpack = config.asarUnpack.join('\n');
    for (const pattern of [
      'onnxruntime-node/**/*.node',
      'onnxruntime-node/bin/**/*.dll',
      'onnxruntime-node/bin/**/*.so*',
      'better-sqlite3/**/*.node',
      'sharp/**/*',
    ]) {
      expect(unpack).toContain(pattern);
    }
  });

  it('ships the three models as extra resources and rebuilds native modules for Electron', () => {
    expect(config.extraResources.map((r) => [r.from, r.to])).toEqual([
      ['models/face-detector', 'models/face-detector'],
      ['models/facemask-default', 'models/facemask-default'],
      ['models/nose-check', 'models/nose-check'],
    ]);
    expect(config.npmRebuild).toBe(true);
  });

  it('sets the Electron fuses', () => {
    expect(config.electronFuses).toMatchObject({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
    });
  });

  it('has an npm run dist that builds, packages and checks the result', () => {
    expect(pkg.scripts.dist).toBe('tsx scripts/dist.ts');
  });

  it('gives the deb what it needs: a homepage, a desktop entry name, an icon source', () => {
    // electron-builder refuses a deb without a homepage.
    expect(pkg.homepage).toMatch(/^https:\/\//);
    expect(pkg.desktopName).toBe('mask-kiosk.desktop');
    expect(config.linux.executableName).toBe('mask-kiosk');
    expect(readFileSync(join(REPO_ROOT, 'assets', 'icon.svg'), 'utf8')).toMatch(/^<svg /);
  });

  it("repeats every include in each platform's own files list, which replaces the common one", () => {
    for (const files of [config.linux.files, config.win.files]) {
      expect(files).toEqual(expect.arrayContaining(config.files));
      expect(files.some((f) => !f.startsWith('!'))).toBe(true);
    }
  });

  it('ships no development-only package as a dependency', () => {
    expect(Object.keys(pkg.dependencies).sort()).toEqual(['better-sqlite3', 'onnxruntime-node', 'pg', 'sharp', 'zod']);
  });
});
