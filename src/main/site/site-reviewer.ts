// A short connection to the site database as the reviewer login, for one admin-screen query.
// Review is occasional, so each query connects and closes rather than holding a connection open.

import type pg from 'pg';
import { UnavailableError } from '../../shared/errors';
import { message } from '../../shared/messages';
import type { Settings } from '../../shared/settings';
import type { SecretBox } from '../config/secret-box';
import { describeFailure, kioskSiteClient } from './connection';

export async function asReviewer<T>(site: Settings['site'], box: SecretBox, query: (client: pg.Client) => Promise<T>): Promise<T> {
  if (!site.host || !site.reviewUser || !site.reviewPasswordSealed) {
    const detail = 'set the host and a reviewer login in the site settings';
    throw new UnavailableError(`site review not configured: ${detail}`, message('site_unconfigured', { detail }));
  }
  let password: string;
  try {
    password = box.open(site.reviewPasswordSealed);
  } catch (err) {
    const detail = `the saved reviewer password cannot be opened (${(err as Error).message}); enter it again`;
    throw new UnavailableError(detail, message('site_unconfigured', { detail }));
  }
  let client: pg.Client | null = null;
  try {
    client = kioskSiteClient(site, site.reviewUser, password);
    await client.connect();
    return await query(client);
  } catch (err) {
    const detail = describeFailure(err);
    throw new UnavailableError(detail, message('site_failing', { detail }));
  } finally {
    await client?.end().catch(() => undefined);
  }
}
