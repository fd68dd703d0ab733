// The kiosk's core started as the app starts one, for the tests that drive it over its IPC contract.
import { join } from 'node:path';
import { type CoreOptions, createKioskCore, type KioskCore } from '../../src/main/core/core';
import { REPO_ROOT } from './paths';
import { sourceEngine } from './vision';

/** A core on `userDataDir`: the vision engine from source, the repository's models, a quiet log; `options` override any of it. */
export function startCore(userDataDir: string, options: Partial<CoreOptions> = {}): Promise<KioskCore> {
  return createKioskCore({
    visionEngine: sourceEngine(),
    modelsDir: join(REPO_ROOT, 'models'),
    userDataDir,
    productName: 'Mask Kiosk',
    version: 'test',
    log: () => {},
    ...options,
  });
}
