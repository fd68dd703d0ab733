import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KeyFileSecretBox, osKeyStoreProblem } from '../../../src/main/config/secret-box';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'secret-box-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('secrets at rest', () => {
  it("does not trust Linux's fixed-key basic_text store, nor a store that is not there", () => {
    expect(osKeyStoreProblem({ available: true, platform: 'linux', linuxBackend: 'basic_text' })).toMatch(
      /"basic_text" \(a fixed key, no protection\)/,
    );
    expect(osKeyStoreProblem({ available: true, platform: 'linux', linuxBackend: 'unknown' })).toMatch(/"unknown"/);
    expect(osKeyStoreProblem({ available: false, platform: 'win32' })).toMatch(/not available/);
    expect(osKeyStoreProblem({ available: true, platform: 'linux', linuxBackend: 'gnome_libsecret' })).toBeNull();
    expect(osKeyStoreProblem({ available: true, platform: 'linux', linuxBackend: 'kwallet6' })).toBeNull();
    expect(osKeyStoreProblem({ available: true, platform: 'win32' })).toBeNull();
  });

  it('seals with a key file only this account can read, and opens only its own', () => {
    const box = new KeyFileSecretBox(dir);
    const sealed = box.seal('site-password');
    expect(sealed).not.toContain('site-password');
    expect(box.open(sealed)).toBe('site-password');
    if (process.platform !== 'win32') expect(statSync(join(dir, 'secret.key')).mode & 0o077).toBe(0);
    const other = new KeyFileSecretBox(mkdtempSync(join(tmpdir(), 'secret-box-other-')));
    expect(() => other.open(sealed)).toThrow();
  });
});
