// Stand-ins for Electron's executable, for packaging checks on a machine that cannot download
// Electron: electron-builder copies, renames and edits them as it would the real one, and flips
// their fuse wire. Each is a real executable of its platform (an ELF or an empty 64-bit PE with
// one version-info block in one language, which electron-builder's resource editor requires)
// carrying Electron 45's fuse wire as it ships; `packWithStandin` packages the app with one.
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NtExecutable, NtExecutableResource, Resource } from 'resedit';
import { dist } from '../../scripts/dist';
import type { PackageReport } from '../../scripts/package-check';

/** Electron 45's fuse wire as it ships, before electron-builder flips it (sentinel, version 1, 8 fuses). */
export const SHIPPED_WIRE = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX\x01\x08' + '10110001';

/** `dir/electron`: a small Linux x64 ELF (a copy of /usr/bin/true) with the fuse wire appended. */
export function linuxStandin(dir: string): void {
  mkdirSync(dir, { recursive: true });
  const exe = join(dir, 'electron');
  copyFileSync('/usr/bin/true', exe);
  writeFileSync(exe, Buffer.concat([readFileSync(exe), Buffer.from(SHIPPED_WIRE, 'latin1')]), { mode: 0o755 });
}

/** `dir/electron.exe`: an empty Windows x64 executable with a version-info block and the fuse wire in a resource. */
export function windowsStandin(dir: string, version: string): void {
  mkdirSync(dir, { recursive: true });
  const exe = NtExecutable.createEmpty(false, false);
  const resources = NtExecutableResource.from(exe);
  const info = Resource.VersionInfo.createEmpty();
  const english = { lang: 1033, codepage: 1200 };
  info.lang = english.lang;
  info.setFileVersion(version, english.lang);
  info.setProductVersion(version, english.lang);
  info.setStringValues(english, {
    CompanyName: 'GitHub, Inc.',
    FileDescription: 'Electron',
    FileVersion: version,
    InternalName: 'electron.exe',
    OriginalFilename: 'electron.exe',
    ProductName: 'Electron',
    ProductVersion: version,
  });
  info.outputToResourceEntries(resources.entries);
  // RT_RCDATA: where the fuse wire sits in this stand-in (the real binary has it in .rdata).
  resources.entries.push({
    type: 10,
    id: 1,
    lang: english.lang,
    codepage: english.codepage,
    bin: new Uint8Array(Buffer.from(SHIPPED_WIRE, 'latin1')).buffer,
  });
  resources.outputResource(exe);
  writeFileSync(join(dir, 'electron.exe'), Buffer.from(exe.generate()));
}

const STANDIN_VERSION = '45.5.0';

export interface StandinPackage {
  /** `npm run dist`'s exit status: 0 when the package check passed. */
  status: number;
  report: PackageReport;
  /** The unpacked app (`linux-unpacked` or `win-unpacked`). */
  unpacked: string;
  /** What the packaging printed on stderr, kept out of the test output. */
  errors: string[];
}

/**
 * `npm run dist` for one unpacked x64 target, in `work` (emptied first) against a stand-in Electron
 * made there. A Windows target off Windows is asked for with --cross-check, as only a check may.
 */
export async function packWithStandin(work: string, platform: 'linux' | 'win'): Promise<StandinPackage> {
  rmSync(work, { recursive: true, force: true });
  const standin = join(work, 'electron-standin');
  const output = join(work, 'dist');
  if (platform === 'linux') linuxStandin(standin);
  else windowsStandin(standin, STANDIN_VERSION);
  const errors: string[] = [];
  const error = console.error;
  console.error = (...args: unknown[]) => errors.push(args.join(' '));
  try {
    const { status, reports } = await dist([
      ...(platform === 'win' ? ['--cross-check'] : []),
      '--skip-build',
      `--${platform}`,
      'dir',
      '--x64',
      `-c.electronDist=${standin}`,
      `-c.electronVersion=${STANDIN_VERSION}`,
      '-c.npmRebuild=false',
      `-c.directories.output=${output}`,
    ]);
    const folder = `${platform}-unpacked`;
    const report = reports[folder];
    if (!report) throw new Error(`electron-builder made no ${folder} build (exit ${status})`);
    return { status, report, unpacked: join(output, folder), errors };
  } finally {
    console.error = error;
  }
}
