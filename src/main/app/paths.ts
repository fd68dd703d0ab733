// Where the app finds its bundled files, in development and when packaged.

import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { app } from 'electron';

const here = dirname(fileURLToPath(import.meta.url));

/** out/main -> repository root in development; resources/ when packaged (models are extraResources). */
export function resourcesRoot(): string {
  return app.isPackaged ? process.resourcesPath : join(here, '..', '..');
}

export const modelsDir = (): string => join(resourcesRoot(), 'models');
export const preloadPath = (): string => join(here, '..', 'preload', 'index.cjs');
export const rendererDir = (): string => join(here, '..', 'renderer');
