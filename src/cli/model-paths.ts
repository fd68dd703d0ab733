// Where the CLI finds its models when not told: the repository's models/ folder.
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const DEFAULT_DETECTOR_DIR = join(REPO_ROOT, 'models', 'face-detector');
/** MediaPipe's BlazeFace as published (fetched by `npm run setup`): what the shipped classifier's and nose check's training crops were cut with. */
export const PUBLISHED_DETECTOR_DIR = join(REPO_ROOT, 'models', 'blazeface');
export const DEFAULT_CLASSIFIER_DIR = join(REPO_ROOT, 'models', 'facemask-default');
export const DEFAULT_NOSE_CHECK_DIR = join(REPO_ROOT, 'models', 'nose-check');

/** The nose check folder a `--nose-check` option names: "off" for none, the shipped one when not given. */
export function noseCheckFolder(option: string | undefined): string | null {
  if (option === 'off') return null;
  return option ?? DEFAULT_NOSE_CHECK_DIR;
}
/** The vision engine run from source (the built app starts out/main/engine-entry.js instead). */
export const VISION_ENGINE_SOURCE = pathToFileURL(join(REPO_ROOT, 'src', 'main', 'vision', 'engine', 'engine-entry.ts'));
