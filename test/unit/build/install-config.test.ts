// `npm install` must work on a machine that reaches only the npm registry, and print no warning
// of the project's own: onnxruntime-node's install script (which downloads CUDA libraries on
// Linux x64 and fails the install where it cannot) is denied by package.json's allowScripts, a
// policy npm itself knows, instead of a project .npmrc key npm does not.

import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../helpers/paths';

/** The environment of a fresh shell: nothing that would choose ONNX Runtime's install for us. */
function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_config_onnxruntime|^ONNXRUNTIME_NODE_INSTALL/i.test(k)));
}

const npm = (...args: string[]) => spawnSync('npm', args, { cwd: REPO_ROOT, encoding: 'utf8', env: cleanEnv() });

describe('install configuration', () => {
  it('skips onnxruntime-node’s CUDA download when npm runs install scripts, without being told', () => {
    // `npm rebuild` runs each package's install scripts under the same policy as `npm install`;
    // were the script allowed, it would try to reach NuGet for the CUDA provider here.
    const run = npm('rebuild', 'onnxruntime-node', '--foreground-scripts');
    expect(run.status, run.stderr).toBe(0);
    expect(`${run.stdout}${run.stderr}`).not.toMatch(/script\/install|nuget|Downloading/i);
    expect(existsSync(join(REPO_ROOT, 'node_modules/onnxruntime-node/bin/napi-v6/linux/x64/libonnxruntime_providers_cuda.so'))).toBe(false);
  });

  it('prints no warning about the project’s npm configuration', () => {
    const run = npm('config', 'get', 'registry');
    expect(run.status).toBe(0);
    expect(run.stderr).not.toMatch(/Unknown (project|env|user) config/);
  });

  it('opts in to CUDA through onnxruntime-node’s own installer, which reads the flag the script passes', () => {
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
      allowScripts: Record<string, boolean>;
    };
    expect(pkg.allowScripts['onnxruntime-node']).toBe(false);
    expect(pkg.scripts['install-cuda']).toContain('--onnxruntime-node-install=cuda12');
    const utils = readFileSync(join(REPO_ROOT, 'node_modules/onnxruntime-node/script/install-utils.js'), 'utf8');
    expect(utils).toContain("process.argv[i].startsWith('--onnxruntime-node-install=')");
  });
});
