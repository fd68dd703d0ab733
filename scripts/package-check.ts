// Checks an unpacked Electron build (dist/linux-unpacked, dist/win-unpacked) against what the kiosk
// must ship: the built app and production dependencies only, native modules unpacked for the
// target platform and built for Electron's ABI, the models beside the archive, the fuses set.
// npm run dist runs it on every build; the packaging test runs it on a build made against a
// stand-in Electron, which is how CI checks packaging without Electron's binary.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, relative, sep } from 'node:path';
import { listPackage } from '@electron/asar';
import { FuseV1Options, getCurrentFuseWire } from '@electron/fuses';
import { FORMAT_OF_PLATFORM, readBinary, resolveWindowsImport } from './binary-format';

/** An ASCII '1' in the fuse wire (@electron/fuses' FuseState.ENABLE, which its index does not export). */
const FUSE_ENABLED = 0x31;

/** Every package the app loads at run time; anything else in the archive is dead weight. */
export const RUNTIME_PACKAGES = [
  'better-sqlite3',
  'bindings',
  'file-uri-to-path',
  'onnxruntime-node',
  'onnxruntime-common',
  'sharp',
  '@img/colour',
  'detect-libc',
  'semver',
  'zod',
  // Site reporting (src/main/site): the PostgreSQL client and its pure-JavaScript helpers.
  'pg',
  'pg-cloudflare',
  'pg-connection-string',
  'pg-pool',
  'pg-protocol',
  'pg-types',
  'pg-int8',
  'postgres-array',
  'postgres-bytea',
  'postgres-date',
  'postgres-interval',
  'xtend',
  'pgpass',
  'split2',
] as const;

/** The files the kiosk starts from, inside the archive. */
export const APP_ENTRIES = [
  'package.json',
  'out/main/main.js',
  'out/main/engine-entry.js',
  'out/preload/index.cjs',
  'out/renderer/index.html',
];

/** Fuse names as electron-builder.yml spells them, and @electron/fuses' index for each. */
const FUSES: Record<string, FuseV1Options> = {
  runAsNode: FuseV1Options.RunAsNode,
  enableCookieEncryption: FuseV1Options.EnableCookieEncryption,
  enableNodeOptionsEnvironmentVariable: FuseV1Options.EnableNodeOptionsEnvironmentVariable,
  enableNodeCliInspectArguments: FuseV1Options.EnableNodeCliInspectArguments,
  enableEmbeddedAsarIntegrityValidation: FuseV1Options.EnableEmbeddedAsarIntegrityValidation,
  onlyLoadAppFromAsar: FuseV1Options.OnlyLoadAppFromAsar,
  loadBrowserProcessSpecificV8Snapshot: FuseV1Options.LoadBrowserProcessSpecificV8Snapshot,
  grantFileProtocolExtraPrivileges: FuseV1Options.GrantFileProtocolExtraPrivileges,
};

/** The model folders the app loads, each shipped whole beside the archive. */
export const SHIPPED_MODELS = ['face-detector', 'facemask-default', 'nose-check'] as const;

export interface PackageExpectations {
  platform: 'linux' | 'win32';
  arch: 'x64' | 'arm64';
  /** Electron's Node module ABI (node-abi: 150 for Electron 45). */
  electronAbi: string;
  /** electron-builder.yml's `electronFuses`. */
  fuses: Record<string, boolean>;
  /** The executable's file name inside the unpacked folder. */
  executable: string;
  /** Budget for resources/ (what the app adds to Electron's own files). */
  maxResourceBytes: number;
  /**
   * The repository's models/ folder. Every file of a shipped model's folder there ships with it:
   * the weights and their configuration, and the card and licences the weights' origins require.
   */
  modelSources: string;
}

export interface PackageReport {
  /** The whole unpacked folder, Electron's files included. */
  bytes: number;
  /** resources/: the archive, its unpacked native modules and the models. */
  resourceBytes: number;
  packages: string[];
  nativeModules: { file: string; abi: string }[];
  /** Every native file outside the archive (.node, .dll, .exe, .so, .dylib, the executable): format and CPU. */
  binaries: { file: string; format: string; arch: string }[];
  /** Windows: DLLs the app's own native files import that neither the package nor Windows has (the VC++ runtime named). */
  missingDlls: { file: string; dll: string; kind: 'vc-runtime' | 'unresolved' }[];
  fuses: Record<string, boolean | 'absent'>;
  problems: string[];
}

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...walk(path));
    else out.push(path);
  }
  return out;
}

const toPosix = (p: string): string => p.split(sep).join('/');

/** The package a node_modules path belongs to ("@img/colour", "zod"), or null. */
function packageOf(path: string): string | null {
  const m = /(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(path);
  return m ? m[1]! : null;
}

/** "napi" for Node-API modules (any runtime), else the ABI number a module was built for. */
export function nativeAbi(file: string): string {
  const text = readFileSync(file).toString('latin1');
  const m = /node_register_module_v(\d+)/.exec(text);
  if (m) return m[1]!;
  return text.includes('napi_register_module_v1') ? 'napi' : 'unknown';
}

export async function checkPackage(appDir: string, expect: PackageExpectations): Promise<PackageReport> {
  const problems: string[] = [];
  const resources = join(appDir, 'resources');
  const asar = join(resources, 'app.asar');
  const files = walk(appDir);
  const bytes = files.reduce((sum, f) => sum + statSync(f).size, 0);
  const resourceBytes = files.filter((f) => f.startsWith(resources + sep)).reduce((sum, f) => sum + statSync(f).size, 0);
  if (resourceBytes > expect.maxResourceBytes)
    problems.push(
      `resources/ holds ${mib(resourceBytes)} MiB, more than the ${mib(expect.maxResourceBytes)} MiB budget for ${expect.platform}`,
    );
  if (!existsSync(asar))
    return {
      bytes,
      resourceBytes,
      packages: [],
      nativeModules: [],
      binaries: [],
      missingDlls: [],
      fuses: {},
      problems: [...problems, 'no resources/app.asar'],
    };

  const listed = listPackage(asar, { isPack: false }).map((p) => toPosix(p).replace(/^\//, ''));
  // The listing names folders too; keep files only.
  const folders = new Set(
    listed.flatMap((p) =>
      p
        .split('/')
        .slice(0, -1)
        .map((_, i, parts) => parts.slice(0, i + 1).join('/')),
    ),
  );
  const inArchive = listed.filter((p) => !folders.has(p));
  const unpacked = existsSync(`${asar}.unpacked`) ? walk(`${asar}.unpacked`).map((f) => toPosix(relative(`${asar}.unpacked`, f))) : [];
  const all = [...inArchive, ...unpacked];

  for (const entry of APP_ENTRIES) if (!inArchive.includes(entry)) problems.push(`the archive lacks ${entry}`);
  const strays = inArchive.filter(
    (p) => !p.startsWith('node_modules/') && /^(src|test|training|scripts|models|\.tmp|\.ci|docs)(\/|$)/.test(p),
  );
  if (strays.length) problems.push(`sources or data in the archive: ${summary(strays)}`);
  const maps = all.filter((p) => p.endsWith('.map'));
  if (maps.length) problems.push(`source maps in the archive: ${summary(maps)}`);

  const packages = [...new Set(all.map(packageOf).filter((p): p is string => p !== null))].sort();
  const platformPackage = (p: string): boolean => p.startsWith('@img/sharp-');
  const unexpected = packages.filter((p) => !(RUNTIME_PACKAGES as readonly string[]).includes(p) && !platformPackage(p));
  if (unexpected.length) problems.push(`packages the app never loads: ${unexpected.join(', ')}`);
  const missing = RUNTIME_PACKAGES.filter((p) => !packages.includes(p));
  if (missing.length) problems.push(`runtime packages missing: ${missing.join(', ')}`);
  const foreignSharp = packages.filter(
    (p) => platformPackage(p) && !p.includes(`-${expect.platform}-${expect.arch}`) && p !== '@img/colour',
  );
  if (foreignSharp.length) problems.push(`sharp binaries for other platforms: ${foreignSharp.join(', ')}`);
  if (!packages.includes(`@img/sharp-${expect.platform}-${expect.arch}`))
    problems.push(
      `no sharp binary for ${expect.platform}-${expect.arch} (@img/sharp-${expect.platform}-${expect.arch}): npm installs only the build machine's`,
    );

  const ortDirs = new Set(
    all.map((p) => /onnxruntime-node\/bin\/napi-v\d+\/([^/]+\/[^/]+)\//.exec(p)?.[1]).filter((d): d is string => !!d),
  );
  const foreignOrt = [...ortDirs].filter((d) => d !== `${expect.platform}/${expect.arch}`);
  if (foreignOrt.length) problems.push(`onnxruntime-node binaries for other platforms: ${foreignOrt.join(', ')}`);
  if (!ortDirs.has(`${expect.platform}/${expect.arch}`)) problems.push(`no onnxruntime-node binary for ${expect.platform}/${expect.arch}`);
  const sqliteSources = all.filter(
    (p) => /better-sqlite3\/(src|deps)\//.test(p) || /better-sqlite3\/build\/(?!Release\/better_sqlite3\.node$)/.test(p),
  );
  if (sqliteSources.length) problems.push(`better-sqlite3 sources or build leftovers: ${summary(sqliteSources)}`);

  const nativeInArchive = inArchive.filter((p) => p.endsWith('.node') && !unpacked.includes(p));
  if (nativeInArchive.length)
    problems.push(`native modules packed inside the archive (they cannot load there): ${summary(nativeInArchive)}`);
  const nativeModules = unpacked
    .filter((p) => p.endsWith('.node'))
    .map((file) => ({ file, abi: nativeAbi(join(`${asar}.unpacked`, file)) }));
  for (const m of nativeModules) {
    if (m.abi !== 'napi' && m.abi !== expect.electronAbi) {
      problems.push(`${m.file} is built for ABI ${m.abi} (Node's), not Electron's ${expect.electronAbi}: rebuild it for Electron`);
    }
  }

  const { binaries, missingDlls, problems: binaryProblems } = checkBinaries(appDir, files, expect);
  problems.push(...binaryProblems);

  for (const model of SHIPPED_MODELS) {
    const dir = join(resources, 'models', model);
    const shipped = existsSync(dir) ? readdirSync(dir) : [];
    if (!shipped.some((f) => f.endsWith('.onnx'))) problems.push(`no ONNX model in resources/models/${model}`);
    const source = join(expect.modelSources, model);
    const left = existsSync(source) ? readdirSync(source).filter((f) => !shipped.includes(f)) : [];
    if (left.length) problems.push(`resources/models/${model} lacks ${left.join(', ')} (electron-builder.yml's extraResources filter)`);
  }

  const fuses: PackageReport['fuses'] = {};
  const exe = join(appDir, expect.executable);
  if (!existsSync(exe)) {
    problems.push(`no executable ${expect.executable}`);
  } else {
    try {
      const wire = await getCurrentFuseWire(exe);
      for (const [name, index] of Object.entries(FUSES)) {
        const state = wire[index];
        fuses[name] = state === undefined ? 'absent' : state === FUSE_ENABLED;
        if (name in expect.fuses && fuses[name] !== expect.fuses[name])
          problems.push(`fuse ${name} is ${fuses[name]}, electron-builder.yml says ${expect.fuses[name]}`);
      }
    } catch (err) {
      problems.push(`cannot read the fuses of ${expect.executable}: ${(err as Error).message}`);
    }
  }
  return { bytes, resourceBytes, packages, nativeModules, binaries, missingDlls, fuses, problems };
}

const NATIVE_FILE = /\.(node|dll|exe|dylib)$|\.so(\.\d+)*$/;

/**
 * Every native file must be built for the target (an ELF or PE image for the right CPU: a Linux
 * library in a Windows package fails at the first start). On Windows, what the app's own native
 * files import must be in the package beside them or part of Windows; the Visual C++ runtime,
 * which a clean Windows PC lacks, is named as such.
 */
function checkBinaries(appDir: string, files: string[], expect: PackageExpectations) {
  const problems: string[] = [];
  const wanted = FORMAT_OF_PLATFORM[expect.platform];
  const candidates = files.filter((f) => NATIVE_FILE.test(f) || relative(appDir, f) === expect.executable);
  const binaries = candidates.map((f) => ({ file: toPosix(relative(appDir, f)), ...readBinary(readFileSync(f)) }));
  for (const b of binaries) {
    if (b.format !== wanted || b.arch !== expect.arch)
      problems.push(
        `${b.file} is ${b.format === 'unknown' ? 'not a native image' : `${b.format} ${b.arch}`}, not ${wanted} ${expect.arch}`,
      );
  }
  const missingDlls: PackageReport['missingDlls'] = [];
  if (expect.platform === 'win32') {
    const dllsIn = (dir: string) =>
      new Set(files.filter((f) => dirname(f) === dir && /\.dll$/i.test(f)).map((f) => basename(f).toLowerCase()));
    const rootDlls = dllsIn(appDir);
    // Electron's own files are Electron's business; the app's native modules under resources/ are ours.
    for (const b of binaries.filter((x) => x.format === 'PE' && x.file.startsWith('resources/'))) {
      const beside = new Set([...dllsIn(join(appDir, dirname(b.file))), ...rootDlls]);
      for (const dll of b.imports) {
        const where = resolveWindowsImport(dll, beside);
        if (where === 'vc-runtime' || where === 'unresolved') missingDlls.push({ file: b.file, dll, kind: where });
      }
    }
    const vc = [...new Set(missingDlls.filter((m) => m.kind === 'vc-runtime').map((m) => m.dll))];
    if (vc.length)
      problems.push(
        `the Visual C++ runtime (${vc.join(', ')}) is imported by ${summary([...new Set(missingDlls.filter((m) => m.kind === 'vc-runtime').map((m) => m.file))])} but not shipped: a clean Windows PC lacks it`,
      );
    for (const m of missingDlls.filter((x) => x.kind === 'unresolved'))
      problems.push(`${m.file} imports ${m.dll}, which neither the package nor Windows has`);
  }
  return { binaries: binaries.map(({ file, format, arch }) => ({ file, format, arch })), missingDlls, problems };
}

const mib = (bytes: number): string => (bytes / 1048576).toFixed(1);
const summary = (paths: string[]): string => `${paths.slice(0, 3).join(', ')}${paths.length > 3 ? ` and ${paths.length - 3} more` : ''}`;
