// Seals secrets with the operating system's key store through Electron's safeStorage (DPAPI on
// Windows, the Secret Service or KWallet on Linux). Where the OS offers none (a bare Linux
// session), the key file stands in and the app log says so.
import { safeStorage } from 'electron';
import { KeyFileSecretBox, type SecretBox } from '../config/secret-box';
import type { Logger } from '../log/logger';

export function osSecretBox(userDataDir: string, log: Logger): SecretBox {
  if (!safeStorage.isEncryptionAvailable()) {
    log('warn', 'secrets: the OS key store is not available; the site password is sealed with a key file in the data folder instead');
    return new KeyFileSecretBox(userDataDir);
  }
  return {
    kind: 'OS key store',
    seal: (plain) => `os1:${safeStorage.encryptString(plain).toString('base64')}`,
    open: (sealed) => {
      if (!sealed.startsWith('os1:')) throw new Error('not sealed with the OS key store');
      return safeStorage.decryptString(Buffer.from(sealed.slice(4), 'base64'));
    },
  };
}
