// Settings over the IPC contract, behind the admin PIN: the screen sees sealed passwords only as
// "set"; a new password arrives on its own and is sealed here; a saved one is never sent to a
// server other than the one it was typed for.
import { InvalidInputError } from '../../shared/errors';
import { message } from '../../shared/messages';
import { PASSWORD_SET, type Settings } from '../../shared/settings';
import type { SecretBox } from '../config/secret-box';
import { saveSettings } from '../config/settings';
import type { Logger } from '../logger';
import { orNotSaved } from './disk-refusal';
import type { Handlers } from './ipc-dispatch';

export interface SettingsDeps {
  file: string;
  box: SecretBox;
  requireAdmin: () => void;
  current: () => Settings;
  /**
   * The saved settings take effect (tracker, site reporting, start at login, the screen); with
   * `reloadEngine`, the vision engine loads the new model or detector settings. Says whether it did.
   */
  apply: (settings: Settings, reloadEngine: boolean) => Promise<{ reloaded: boolean }>;
  log: Logger;
}

/** Settings as the screen may see them: sealed passwords only as "set". */
export function publicSettings(s: Settings): Settings {
  const mark = (sealed: string | null): string | null => (sealed ? PASSWORD_SET : null);
  return {
    ...s,
    site: { ...s.site, passwordSealed: mark(s.site.passwordSealed), reviewPasswordSealed: mark(s.site.reviewPasswordSealed) },
  };
}

/** The saved site passwords (kiosk, reviewer) that a change of server leaves without a typed replacement. */
export function staleSitePasswords(
  saved: Settings['site'],
  asked: Settings['site'],
  typed: { sitePassword?: string; reviewPassword?: string } | undefined,
): string[] {
  const moved = saved.host !== asked.host || saved.port !== asked.port || saved.tls !== asked.tls || saved.caFile !== asked.caFile;
  if (!moved) return [];
  return [
    ...(asked.passwordSealed && saved.passwordSealed && !typed?.sitePassword ? ['kiosk'] : []),
    ...(asked.reviewPasswordSealed && saved.reviewPasswordSealed && !typed?.reviewPassword ? ['reviewer'] : []),
  ];
}

export function createSettingsHandlers(deps: SettingsDeps): Pick<Handlers, 'settings:get' | 'settings:set'> {
  return {
    'settings:get': () => {
      deps.requireAdmin();
      return publicSettings(deps.current());
    },
    'settings:set': async (asked, secrets) => {
      deps.requireAdmin();
      const settings = deps.current();
      // What the form sent for the password is only the marker; a new password comes on its own, sealed here.
      const seal = (typed: string | undefined, marker: string | null, kept: string | null): string | null =>
        typed ? deps.box.seal(typed) : marker ? kept : null;
      // Whoever changes where the kiosk connects (a PIN holder pointing it at a server of their own) must type it again.
      const stale = staleSitePasswords(settings.site, asked.site, secrets);
      if (stale.length)
        throw new InvalidInputError(
          `the site database's host, port or TLS changed: type the ${stale.join(' and ')} password again (nothing saved)`,
          message('site_password_again'),
        );
      const next = {
        ...asked,
        site: {
          ...asked.site,
          passwordSealed: seal(secrets?.sitePassword, asked.site.passwordSealed, settings.site.passwordSealed),
          reviewPasswordSealed: seal(secrets?.reviewPassword, asked.site.reviewPasswordSealed, settings.site.reviewPasswordSealed),
        },
      };
      // Model and detector settings need the pipeline loaded again: the engine reloads at once, or,
      // if it cannot, they apply at the next start.
      const engineChanged = JSON.stringify([next.model, next.detection]) !== JSON.stringify([settings.model, settings.detection]);
      await orNotSaved(
        'settings',
        () => saveSettings(deps.file, next),
        (m) => deps.log('warn', m),
      );
      const { reloaded } = await deps.apply(next, engineChanged);
      const restartNeeded = engineChanged && !reloaded;
      deps.log('info', `settings saved${restartNeeded ? ' (model changes apply after a restart)' : reloaded ? ' (models reloaded)' : ''}`);
      return { settings: publicSettings(next), restartNeeded };
    },
  };
}
