// npm run dist [-- electron-builder arguments]
// Builds the app, packages it with electron-builder, and checks every unpacked build it made
// (scripts/package-check.ts); exits non-zero, naming each problem, when one fails.
//
// electron-builder rebuilds native modules for Electron in place, in the developer's own
// node_modules (and deletes a module whose rebuild fails), after which `npm test` under Node
// breaks. The modules it may rebuild are copied aside first and put back afterwards, whatever
// happened (unless -c.npmRebuild=false says it rebuilds nothing). `--skip-build` packages the
// existing out/ (the packaging test, which shares out/ with tests running beside it).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { getAbi } from 'node-abi';
import { parse } from 'yaml';
import { REPO_ROOT } from '../src/cli/model-paths';
import { makeIcon } from './make-icon';
import { nativeModuleDirs, withModulesRestored } from './native-modules';
import { checkPackage, type PackageExpectations, type PackageReport } from './package-check';

const BUILDER_CONFIG = join(REPO_ROOT, 'electron-builder.yml');
/**
 * What the app adds to Electron (resources/: the archive, its unpacked native modules, the
 * models), per platform, given about 10 % room over what was measured: Linux x64 99.8 MiB; Windows
 * x64 101.5 MiB cross-built without sharp's Windows binaries (about 20 MiB) and the VC++ runtime
 * (about 1.5 MiB), so about 123 MiB built on Windows. A jump past it means something unplanned
 * ships. Electron's own files are not counted: they are Electron's.
 */
export const MAX_RESOURCE_BYTES: Record<'linux' | 'win32', number> = { linux: 110 * 1048576, win32: 135 * 1048576 };

/** A Windows package needs Windows' own builds of better-sqlite3 (Electron's ABI) and sharp, which npm installs only on Windows. */
export const CROSS_BUILD_REFUSED =
  'npm run dist: a Windows package must be built on Windows (npm installs better-sqlite3 and sharp for the machine it runs on); use the release workflow or a Windows PC';

interface BuilderConfig {
  productName: string;
  electronFuses: Record<string, boolean>;
  directories?: { output?: string };
  linux?: { executableName?: string };
}

/** `-c.key=value` overrides electron-builder accepts on its command line, by key. */
function overrides(args: string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const a of args) {
    const m = /^-c\.([^=]+)=(.*)$/.exec(a);
    if (m) out.set(m[1]!, m[2]!);
  }
  return out;
}

function electronVersion(given: string | undefined): string {
  if (given) return given;
  return (JSON.parse(readFileSync(join(REPO_ROOT, 'node_modules', 'electron', 'package.json'), 'utf8')) as { version: string }).version;
}

function run(command: string, args: string[]): number {
  const r = spawnSync(command, args, { cwd: REPO_ROOT, stdio: 'inherit' });
  return r.status ?? 1;
}

export async function dist(argv: string[]): Promise<{ status: number; reports: Record<string, PackageReport> }> {
  const skipBuild = argv.includes('--skip-build');
  // --cross-check: build a Windows package elsewhere anyway, only to check it (it would not start).
  const crossCheck = argv.includes('--cross-check');
  const builderArgs = argv.filter((a) => a !== '--skip-build' && a !== '--cross-check');
  const wantsWindows = builderArgs.some((a) => /^(--win|-w|--windows)$/.test(a));
  if (wantsWindows && process.platform !== 'win32' && !crossCheck) {
    console.error(CROSS_BUILD_REFUSED);
    return { status: 2, reports: {} };
  }
  const config = parse(readFileSync(BUILDER_CONFIG, 'utf8')) as BuilderConfig;
  const set = overrides(builderArgs);
  const outputDir = resolve(REPO_ROOT, set.get('directories.output') ?? config.directories?.output ?? 'dist');

  if (!skipBuild && run(process.execPath, [join(REPO_ROOT, 'node_modules/electron-vite/bin/electron-vite.js'), 'build']) !== 0) {
    return { status: 1, reports: {} };
  }
  await makeIcon();
  const builder = join(REPO_ROOT, 'node_modules', 'electron-builder', 'cli.js');
  const pack = () => run(process.execPath, [builder, '--config', BUILDER_CONFIG, ...builderArgs]);
  // Without npmRebuild (the packaging tests' stand-in builds) electron-builder leaves node_modules
  // alone, and setting the modules aside and back would only take them away for a moment from the
  // tests running beside it.
  const status = set.get('npmRebuild') === 'false' ? pack() : withModulesRestored(nativeModuleDirs(REPO_ROOT), pack);
  if (status !== 0) return { status, reports: {} };

  const expected = (platform: 'linux' | 'win32'): PackageExpectations => ({
    platform,
    arch: 'x64',
    electronAbi: getAbi(electronVersion(set.get('electronVersion')), 'electron'),
    fuses: config.electronFuses,
    executable: platform === 'linux' ? (config.linux?.executableName ?? 'mask-kiosk') : `${config.productName}.exe`,
    maxResourceBytes: MAX_RESOURCE_BYTES[platform],
    modelSources: join(REPO_ROOT, 'models'),
  });
  const reports: Record<string, PackageReport> = {};
  let failed = false;
  for (const [folder, platform] of [
    ['linux-unpacked', 'linux'],
    ['win-unpacked', 'win32'],
  ] as const) {
    const dir = join(outputDir, folder);
    if (!existsSync(dir) || readdirSync(dir).length === 0) continue;
    const report = await checkPackage(dir, expected(platform));
    reports[folder] = report;
    console.log(
      `package check ${folder}: ${(report.resourceBytes / 1048576).toFixed(1)} MiB of the app's own (resources/), ${(report.bytes / 1048576).toFixed(1)} MiB unpacked in all; packages ${report.packages.join(', ')}`,
    );
    for (const problem of report.problems) console.error(`package check ${folder}: ${problem}`);
    failed ||= report.problems.length > 0;
  }
  mkdirSync(outputDir, { recursive: true });
  writeFileSync(join(outputDir, 'package-check.json'), `${JSON.stringify(reports, null, 2)}\n`);
  return { status: failed ? 1 : 0, reports };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { status } = await dist(process.argv.slice(2));
  process.exit(status);
}
