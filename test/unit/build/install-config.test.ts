// `npm install` must work on a machine that reaches only the npm registry: onnxruntime-node's
// CUDA download is off unless asked for.

import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../helpers/paths';

function npmConfig(key: string, env: NodeJS.ProcessEnv = {}): string {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^npm_config_onnxruntime|^ONNXRUNTIME_NODE_INSTALL$/i.test(k)),
  );
  const r = spawnSync('npm', ['config', 'get', key], { cwd: REPO_ROOT, encoding: 'utf8', env: { ...clean, ...env } });
  return r.stdout.trim();
}

describe('install configuration', () => {
  it('installs the CPU build of ONNX Runtime by default (the project .npmrc skips the CUDA download)', () => {
    expect(npmConfig('onnxruntime-node-install')).toBe('skip');
  });

  it('lets ONNXRUNTIME_NODE_INSTALL opt in to CUDA, as onnxruntime-node reads the environment first', async () => {
    const { readFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const utils = readFileSync(join(REPO_ROOT, 'node_modules/onnxruntime-node/script/install-utils.js'), 'utf8');
    expect(utils).toMatch(/process\.env\.ONNXRUNTIME_NODE_INSTALL \|\| process\.env\.npm_config_onnxruntime_node_install/);
  });
});
