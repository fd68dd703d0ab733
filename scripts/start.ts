// npm start: build, then open the kiosk in Electron. Where Electron's binary cannot be had (it
// downloads from GitHub, outside the npm registry) say so in one line and exit non-zero.
import { spawn, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { electronBinary } from './electron-binary';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const fail = (line: string): never => {
  console.error(line);
  process.exit(1);
};

let found = electronBinary();
if ('missing' in found && process.env.ELECTRON_SKIP_BINARY_DOWNLOAD !== '1') {
  // Electron fetches its binary on first use; do it now, visibly, rather than inside the app launch.
  const install = join(dirname(createRequire(import.meta.url).resolve('electron/package.json')), 'install.js');
  console.log('Downloading the Electron binary (once)...');
  // Its own failure output is a stack trace; our one line below says what matters.
  spawnSync(process.execPath, [install], { stdio: ['ignore', 'inherit', 'ignore'] });
  found = electronBinary();
}
if ('missing' in found) {
  fail(
    `Cannot start the kiosk: the Electron binary is not available (${found.missing}); install on a machine that can download it from GitHub. ` +
      'Meanwhile `npm run preview` shows the same kiosk in Chromium or Chrome, and `npm test` and `npm run scan` work without it.',
  );
}
const binary = (found as { path: string }).path;

const build = spawnSync(process.execPath, [join(root, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'build'], {
  cwd: root,
  stdio: 'inherit',
});
if (build.status !== 0) fail('Cannot start the kiosk: the build failed (see above).');

const child = spawn(binary, [root, ...process.argv.slice(2)], { cwd: root, stdio: 'inherit' });
child.on('exit', (code) => process.exit(code ?? 1));
