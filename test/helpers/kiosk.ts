// The kiosk as browser tests meet it: the preview server on a user-data folder of its own
// (`openPreview`), and with its first-run set-up finished and locked, open in headless Chromium
// with a clip as the camera (`openKiosk`).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { type PreviewOptions, type PreviewServer, startPreviewServer } from '../../src/cli/preview-server';
import { finishSetup, launchChromium } from './browser';

export interface OpenPreview {
  server: PreviewServer;
  userData: string;
  /** Closes the server and removes the user-data folder. */
  close(): Promise<void>;
}

/**
 * The preview server on a user-data folder of its own, first-run set-up not yet done. `prepare`
 * fills the folder (settings, a log) before the server starts; the folder is removed on close, and
 * at once if the server does not start.
 */
export async function openPreview(
  options: Omit<PreviewOptions, 'userDataDir'> & {
    /** A folder the test has already filled; one is made otherwise. */
    userDataDir?: string;
    prepare?: (userData: string) => void | Promise<void>;
  } = {},
): Promise<OpenPreview> {
  const { userDataDir, prepare, ...preview } = options;
  const userData = userDataDir ?? mkdtempSync(join(tmpdir(), 'kiosk-e2e-'));
  let server: PreviewServer | undefined;
  const close = async (): Promise<void> => {
    await server?.close();
    rmSync(userData, { recursive: true, force: true });
  };
  try {
    await prepare?.(userData);
    server = await startPreviewServer({ log: () => {}, ...preview, userDataDir: userData });
    return { server, userData, close };
  } catch (e) {
    await close();
    throw e;
  }
}

export interface OpenKiosk {
  server: PreviewServer;
  browser: Browser;
  page: Page;
  userData: string;
  /** Closes the browser and the server and removes the user-data folder. */
  close(): Promise<void>;
}

export async function openKiosk(options: {
  /** The camera: a y4m clip (test/helpers/video.ts). */
  fakeVideo: string;
  /** Written as settings.json before the server starts. */
  settings?: unknown;
  onEvents?: PreviewOptions['onEvents'];
  /** A user-data folder the test has already filled; one is made otherwise. Removed on close either way. */
  userData?: string;
}): Promise<OpenKiosk> {
  const { settings, onEvents, userData } = options;
  const preview = await openPreview({
    ...(userData ? { userDataDir: userData } : {}),
    ...(onEvents ? { onEvents } : {}),
    prepare: (dir) => {
      if (settings !== undefined) writeFileSync(join(dir, 'settings.json'), JSON.stringify(settings));
    },
  });
  let browser: Browser | undefined;
  const close = async (): Promise<void> => {
    await browser?.close();
    await preview.close();
  };
  try {
    await finishSetup(preview.server);
    browser = await launchChromium({ fakeVideo: options.fakeVideo });
    const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    return { server: preview.server, browser, page, userData: preview.userData, close };
  } catch (e) {
    await close();
    throw e;
  }
}

/** The paths of the sound files the page fetches from now on, in the order it fetches them. */
export function soundsFetched(page: Page): string[] {
  const paths: string[] = [];
  page.on('request', (r) => {
    if (r.url().endsWith('.wav')) paths.push(new URL(r.url()).pathname);
  });
  return paths;
}
