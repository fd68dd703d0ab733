// The kiosk as a browser test meets it: the preview server on a fresh user-data folder, its
// first-run set-up finished and locked, open in headless Chromium with a clip as the camera.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { type PreviewOptions, type PreviewServer, startPreviewServer } from '../../src/cli/preview-server';
import { finishSetup, launchChromium } from './browser';

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
  const userData = options.userData ?? mkdtempSync(join(tmpdir(), 'kiosk-e2e-'));
  let server: PreviewServer | undefined;
  let browser: Browser | undefined;
  const close = async (): Promise<void> => {
    await browser?.close();
    await server?.close();
    rmSync(userData, { recursive: true, force: true });
  };
  try {
    if (options.settings !== undefined) writeFileSync(join(userData, 'settings.json'), JSON.stringify(options.settings));
    server = await startPreviewServer({
      userDataDir: userData,
      log: () => {},
      ...(options.onEvents ? { onEvents: options.onEvents } : {}),
    });
    await finishSetup(server);
    browser = await launchChromium({ fakeVideo: options.fakeVideo });
    const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    return { server, browser, page, userData, close };
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
