// npm run preview [-- --port N --user-data DIR]: the kiosk in any Chromium, bound to the real core.

import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseCommandLine, runTool, wholeNumberOption } from './command-line';
import { REPO_ROOT } from './model-paths';
import { startPreviewServer } from './preview-server';

const USAGE = 'Usage: npm run preview [-- --port 5417] [--user-data DIR] [--no-build]   (--port 0: any free port)';
const { port, userData, build } = parseCommandLine(
  'preview',
  USAGE,
  {
    options: {
      port: { type: 'string', default: '5417' },
      'user-data': { type: 'string', default: join(REPO_ROOT, '.tmp', 'preview-user-data') },
      'no-build': { type: 'boolean', default: false },
    },
  },
  ({ values }) => ({ port: wholeNumberOption('port', values.port, 0, 65535), userData: values['user-data'], build: !values['no-build'] }),
);

await runTool('preview', USAGE, async () => {
  if (build) {
    const built = spawnSync(process.execPath, [join(REPO_ROOT, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'build'], {
      cwd: REPO_ROOT,
      stdio: 'inherit',
    });
    if (built.status !== 0) throw new Error('the build failed (its output is above)');
  }
  mkdirSync(userData, { recursive: true });
  const server = await startPreviewServer({ port, userDataDir: userData });
  console.log(`\nMask Kiosk preview: open ${server.url}\n(loopback only; the token in the address is required. Ctrl+C stops.)`);
  const stop = (): void => void server.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
});
