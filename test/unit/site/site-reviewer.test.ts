// The admin screen's "All entrances" when the CA certificate the site settings name has gone
// (moved, deleted): staff read which file to choose again, not an internal error.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { KeyFileSecretBox } from '../../../src/main/config/secret-box';
import { CaFileError, describeFailure, sslOptions } from '../../../src/main/site/connection';
import { asReviewer } from '../../../src/main/site/site-reviewer';
import { UnavailableError } from '../../../src/shared/errors';
import { DEFAULT_SETTINGS } from '../../../src/shared/settings';

const dir = mkdtempSync(join(tmpdir(), 'site-reviewer-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const gone = join(dir, 'site-ca.pem');

describe('a CA certificate file that cannot be read', () => {
  it('is named, with what to do, wherever a site connection is made', () => {
    expect(() => sslOptions({ tls: 'verify-full', caFile: gone })).toThrow(CaFileError);
    let caught: unknown;
    try {
      sslOptions({ tls: 'verify-full', caFile: gone });
    } catch (err) {
      caught = err;
    }
    expect(describeFailure(caught)).toBe(`the CA certificate ${gone} cannot be read (ENOENT): choose it again`);
    // Without verification there is no CA to read.
    expect(sslOptions({ tls: 'require', caFile: gone })).toEqual({ rejectUnauthorized: false });
  });

  it("makes the reviewer's query unavailable with that reason, before anything connects", async () => {
    const box = new KeyFileSecretBox(dir);
    const site = {
      ...DEFAULT_SETTINGS.site,
      host: '127.0.0.1',
      port: 1,
      reviewUser: 'review_desk',
      reviewPasswordSealed: box.seal('review-secret'),
      caFile: gone,
    };
    let queried = false;
    const answer = asReviewer(site, box, async () => {
      queried = true;
    });
    await expect(answer).rejects.toBeInstanceOf(UnavailableError);
    await expect(answer).rejects.toMatchObject({
      notice: { code: 'site_failing', params: { detail: expect.stringContaining('site-ca.pem cannot be read (ENOENT)') } },
    });
    expect(queried).toBe(false);
  });
});
