// The Windows package (the usual lobby PC), built here with electron-builder against a stand-in
// win32 Electron (test/helpers/electron-standin.ts) and checked as `npm run dist` checks it on
// Windows: contents and size, fuses and asar integrity, the executable's version strings and
// icon, and every native file a PE x64 image whose DLLs are in the package or in Windows. A
// Windows package built on Linux cannot be right, and the check says exactly why; `npm run dist`
// therefore refuses a Windows target off Windows, and the release workflow builds it on Windows.
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { NtExecutable, NtExecutableResource, Resource } from 'resedit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { readBinary } from '../../../scripts/binary-format';
import { CROSS_BUILD_REFUSED, dist, MAX_RESOURCE_BYTES } from '../../../scripts/dist';
import type { PackageReport } from '../../../scripts/package-check';
import { packWithStandin } from '../../helpers/electron-standin';
import { REPO_ROOT, SCRATCH_DIR } from '../../helpers/paths';

const WORK = join(SCRATCH_DIR, 'package-win');
const config = parse(readFileSync(join(REPO_ROOT, 'electron-builder.yml'), 'utf8')) as { electronFuses: Record<string, boolean> };
const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string; productName: string };

let status: number;
let report: PackageReport;
let unpacked: string;
beforeAll(async () => {
  ({ status, report, unpacked } = await packWithStandin(WORK, 'win'));
}, 180_000);
afterAll(() => rmSync(WORK, { recursive: true, force: true }));

describe('the Windows x64 package (stand-in Electron, built off Windows to be checked)', () => {
  it('is refused by npm run dist off Windows, with one line saying where to build it', async () => {
    if (process.platform === 'win32') return;
    const said: string[] = [];
    const error = console.error;
    console.error = (...args: unknown[]) => said.push(args.join(' '));
    try {
      expect((await dist(['--skip-build', '--win', 'dir'])).status).toBe(2);
    } finally {
      console.error = error;
    }
    expect(said).toEqual([CROSS_BUILD_REFUSED]);
  });

  it('holds what the app loads and no other platform’s binaries, within the Windows budget', () => {
    expect(report.packages.filter((p) => p.startsWith('@img/sharp-'))).toEqual([]);
    expect(report.packages.filter((p) => p.includes('linux') || p.includes('darwin'))).toEqual([]);
    expect(report.resourceBytes).toBeLessThan(MAX_RESOURCE_BYTES.win32);
    console.info(
      `Windows x64 package (cross-built, without sharp's and VC++'s DLLs): resources/ ${(report.resourceBytes / 1048576).toFixed(1)} MiB`,
    );
  });

  it("carries the fuses electron-builder.yml sets, asar integrity among them, flipped from Electron's defaults", () => {
    expect(report.fuses).toEqual(config.electronFuses);
    expect(report.fuses.enableEmbeddedAsarIntegrityValidation).toBe(true);
    expect(report.fuses.onlyLoadAppFromAsar).toBe(true);
  });

  it("names the executable Mask Kiosk.exe, with the app's version strings and icon", () => {
    const exe = NtExecutable.from(readFileSync(join(unpacked, `${pkg.productName}.exe`)), { ignoreCert: true });
    const resources = NtExecutableResource.from(exe);
    const [info] = Resource.VersionInfo.fromEntries(resources.entries);
    const strings = info!.getStringValues({ lang: 1033, codepage: 1200 });
    expect(strings).toMatchObject({ ProductName: pkg.productName, FileDescription: pkg.productName, FileVersion: pkg.version });
    expect(strings.LegalCopyright).toMatch(/Mask Kiosk contributors/);
    const icons = Resource.IconGroupEntry.fromEntries(resources.entries);
    expect(icons.length).toBeGreaterThan(0);
    expect(icons[0]!.icons.map((i) => i.width || 256)).toEqual(expect.arrayContaining([16, 32, 48, 256]));
  });

  it('ships ONNX Runtime for Windows x64 only, every DLL a PE x64 image', () => {
    const ort = report.binaries.filter((b) => b.file.includes('onnxruntime-node'));
    expect(ort.map((b) => b.file.split('/').at(-1)).sort()).toEqual([
      'DirectML.dll',
      'dxcompiler.dll',
      'dxil.dll',
      'onnxruntime.dll',
      'onnxruntime_binding.node',
    ]);
    for (const b of ort) expect([b.format, b.arch]).toEqual(['PE', 'x64']);
    // ONNX Runtime's Node binding finds onnxruntime.dll beside it, and that finds DirectML.dll.
    const binding = readBinary(readFileSync(join(unpacked, ort.find((b) => b.file.endsWith('.node'))!.file)));
    expect(binding.imports).toEqual(expect.arrayContaining(['onnxruntime.dll']));
  });

  it('fails the check for exactly what a package built off Windows cannot get right: better-sqlite3 (no win32 build on npm), sharp, the VC++ runtime', () => {
    const sqlite = 'resources/app.asar.unpacked/node_modules/better-sqlite3/build/Release/better_sqlite3.node';
    expect(report.problems).toEqual([
      "no sharp binary for win32-x64 (@img/sharp-win32-x64): npm installs only the build machine's",
      `node_modules/better-sqlite3/build/Release/better_sqlite3.node is built for ABI ${process.versions.modules} (Node's), not Electron's 150: rebuild it for Electron`,
      `${sqlite} is ELF x64, not PE x64`,
      expect.stringMatching(
        /^the Visual C\+\+ runtime \(MSVCP140\.dll, MSVCP140_1\.dll, MSVCP140_ATOMIC_WAIT\.dll, VCRUNTIME140_1\.dll, VCRUNTIME140\.dll\) is imported by .*onnxruntime\.dll.* but not shipped: a clean Windows PC lacks it$/,
      ),
    ]);
    expect(report.missingDlls.every((m) => m.kind === 'vc-runtime')).toBe(true);
    expect(status).toBe(1);
  });
});
