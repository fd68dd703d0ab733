import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { autostartDir, setLinuxAutostart } from '../../../src/main/app/autostart';

let home: string;
beforeEach(() => (home = mkdtempSync(join(tmpdir(), 'xdg-'))));
afterEach(() => rmSync(home, { recursive: true, force: true }));

describe('start at login on Linux (XDG autostart)', () => {
  it('writes a desktop entry that starts the installed app, and removes it when turned off', () => {
    const env = { XDG_CONFIG_HOME: join(home, 'cfg') };
    const file = setLinuxAutostart(true, '/opt/Mask Kiosk/mask-kiosk', env);
    expect(file).toBe(join(home, 'cfg', 'autostart', 'mask-kiosk.desktop'));
    const entry = readFileSync(file, 'utf8');
    expect(entry).toMatch(/^\[Desktop Entry\]\nType=Application\nName=Mask Kiosk\n/);
    expect(entry).toContain('Exec="/opt/Mask Kiosk/mask-kiosk"\n');
    setLinuxAutostart(false, '/opt/Mask Kiosk/mask-kiosk', env);
    expect(existsSync(file)).toBe(false);
    setLinuxAutostart(false, '/x', env); // off twice is fine
  });

  it('falls back to ~/.config/autostart', () => {
    expect(autostartDir({})).toMatch(/\.config[\\/]autostart$/);
  });
});
