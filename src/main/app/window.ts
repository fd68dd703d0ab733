// The kiosk window: fullscreen, sandboxed, no Node in the page, served from app://kiosk with a
// strict CSP; only the camera is allowed; no navigation, no new windows. Policies: ./policy.ts.

import { pathToFileURL } from 'node:url';
import { BrowserWindow, net, protocol, session } from 'electron';
import { preloadPath, rendererDir } from './paths';
import {
  APP_ORIGIN,
  APP_SCHEME,
  allowNavigation,
  allowPermission,
  allowPermissionCheck,
  CONTENT_SECURITY_POLICY,
  resolveAppFile,
  WINDOW_OPEN_DENIED,
} from './policy';

/** Must run before the app is ready. */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true } },
  ]);
}

/** Serves the built renderer on app://kiosk and sets the session's permission policy. */
export function setupSession(): void {
  protocol.handle(APP_SCHEME, async (request) => {
    const file = resolveAppFile(request.url, rendererDir());
    if (!file) return new Response('not found', { status: 404 });
    const response = await net.fetch(pathToFileURL(file).toString());
    const headers = new Headers(response.headers);
    headers.set('Content-Security-Policy', CONTENT_SECURITY_POLICY);
    headers.set('X-Content-Type-Options', 'nosniff');
    return new Response(response.body, { status: response.status, headers });
  });
  const s = session.defaultSession;
  s.setPermissionRequestHandler((webContents, permission, callback, details) => {
    const mediaTypes = 'mediaTypes' in details ? (details.mediaTypes ?? []) : [];
    callback(allowPermission({ permission, mediaTypes, requestingUrl: details.requestingUrl ?? webContents?.getURL() }));
  });
  s.setPermissionCheckHandler((_webContents, permission, requestingOrigin) => allowPermissionCheck(permission, requestingOrigin));
}

export function createKioskWindow(options: { kiosk: boolean }): BrowserWindow {
  const win = new BrowserWindow({
    show: false,
    kiosk: options.kiosk,
    fullscreen: options.kiosk,
    backgroundColor: '#16202b',
    autoHideMenuBar: true,
    webPreferences: {
      preload: preloadPath(),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      spellcheck: false,
    },
  });
  const contents = win.webContents;
  contents.setWindowOpenHandler(() => WINDOW_OPEN_DENIED);
  contents.on('will-navigate', (event, url) => {
    if (!allowNavigation(url, contents.getURL())) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  win.once('ready-to-show', () => win.show());
  void win.loadURL(`${APP_ORIGIN}/index.html`);
  return win;
}
