// Start at login. Electron's setLoginItemSettings covers Windows and macOS; on Linux it does
// nothing, so the Linux builds write a freedesktop.org autostart entry instead. Plain Node.
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export const AUTOSTART_FILE = 'mask-kiosk.desktop';

/** $XDG_CONFIG_HOME/autostart, or ~/.config/autostart. */
export function autostartDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'autostart');
}

/** Desktop entries quote an argument containing spaces or specials with double quotes, escaping \ " ` $. */
function execArg(path: string): string {
  return /[\s"'\\`$]/.test(path) ? `"${path.replace(/[\\"`$]/g, (c) => `\\${c}`)}"` : path;
}

/**
 * Writes or removes the autostart entry. `executable` is the installed app (the AppImage when
 * run from one, process.env.APPIMAGE, else the app binary).
 */
export function setLinuxAutostart(enabled: boolean, executable: string, env: NodeJS.ProcessEnv = process.env): string {
  const file = join(autostartDir(env), AUTOSTART_FILE);
  if (!enabled) {
    if (existsSync(file)) rmSync(file);
    return file;
  }
  mkdirSync(autostartDir(env), { recursive: true });
  writeFileSync(
    file,
    [
      '[Desktop Entry]',
      'Type=Application',
      'Name=Mask Kiosk',
      'Comment=Face-mask compliance kiosk',
      `Exec=${execArg(executable)}`,
      'Terminal=false',
      'X-GNOME-Autostart-enabled=true',
      '',
    ].join('\n'),
  );
  return file;
}
