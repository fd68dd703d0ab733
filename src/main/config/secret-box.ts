// Secrets at rest (the site database password). The Electron app seals them with the OS key store
// (safeStorage: DPAPI on Windows, the keyring on Linux; src/main/app/safe-storage-box.ts). Outside
// Electron (the preview, tests) a key file in the data folder stands in: AES-256-GCM with a random
// key readable only by this user. That keeps the password out of settings.json in plain text, but
// anyone who can read the data folder can read the key too, which the OS key store prevents.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from './atomic-write';

export interface SecretBox {
  /** Where secrets are sealed, for the app log ("OS key store", "key file"). */
  readonly kind: string;
  seal(plain: string): string;
  /** Throws when the sealed text is not this box's (another PC, another user, a damaged file). */
  open(sealed: string): string;
}

/**
 * Why the OS key store cannot be trusted with secrets here, or null when it can. Electron's
 * safeStorage on Linux without a recognised keyring falls back to `basic_text`: encryption with a
 * fixed key that is the same in every Chromium, which protects nothing. The key file (readable
 * by this account only) is then the better choice.
 */
export function osKeyStoreProblem(store: { available: boolean; platform: NodeJS.Platform; linuxBackend?: string }): string | null {
  if (!store.available) return 'the OS key store is not available';
  if (store.platform === 'linux' && (store.linuxBackend === 'basic_text' || store.linuxBackend === 'unknown'))
    return `the Linux key store in use is "${store.linuxBackend}" (a fixed key, no protection): no keyring such as GNOME Keyring or KWallet runs in this session`;
  return null;
}

export class KeyFileSecretBox implements SecretBox {
  readonly kind = 'key file';
  private readonly keyFile: string;

  constructor(dir: string) {
    this.keyFile = join(dir, 'secret.key');
  }

  private key(): Buffer {
    if (!existsSync(this.keyFile)) writeFileAtomic(this.keyFile, randomBytes(32).toString('base64'), { mode: 0o600 });
    const key = Buffer.from(readFileSync(this.keyFile, 'utf8'), 'base64');
    if (key.length !== 32) throw new Error(`${this.keyFile} is not a key this app wrote`);
    return key;
  }

  seal(plain: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key(), iv);
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return `kf1:${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64')}`;
  }

  open(sealed: string): string {
    if (!sealed.startsWith('kf1:')) throw new Error('not sealed with the key file');
    const raw = Buffer.from(sealed.slice(4), 'base64');
    const decipher = createDecipheriv('aes-256-gcm', this.key(), raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
  }
}
