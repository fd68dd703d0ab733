// Seals secrets with the operating system's key store through Electron's safeStorage (DPAPI on
// Windows, the Secret Service or KWallet on Linux). Where the OS offers none, or only Chromium's
// fixed-key `basic_text` (a bare Linux session), the key file stands in and the app log says so.
import { safeStorage } from 'electron';
import { KeyFileSecretBox, osKeyStoreProblem, type SecretBox } from '../config/secret-box';
import type { Logger } from '../logger';

export function osSecretBox(userDataDir: string, log: Logger): SecretBox {
  const problem = osKeyStoreProblem({
    available: safeStorage.isEncryptionAvailable(),
    platform: process.platform,
    ...(process.platform === 'linux' ? { linuxBackend: safeStorage.getSelectedStorageBackend() } : {}),
  });
  if (problem) {
    log('warn', `secrets: ${problem}; the site password is sealed with a key file in the data folder instead`);
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
