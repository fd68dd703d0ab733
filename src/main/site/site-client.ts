// Every connection to the site database (the kiosk shipping, the reviewer's queries, the site
// CLI) is made here, so that two rules hold for all of them:
// - The password goes only into SCRAM-SHA-256, which never sends it and checks that the server
//   holds its verifier. A server that asks for it in clear text or as an MD5 hash (a stranger's
//   server on the network, or one that someone with the admin PIN pointed the kiosk at) is
//   refused before anything is sent.
// - search_path is pinned to pg_catalog and our queries name their tables (public.kiosk_events):
//   no function or operator that some login put into the public schema can stand in for a
//   built-in one in our queries.
import pg from 'pg';

export const SCRAM_REQUIRED = 'SCRAM_REQUIRED';

export type SiteClientConfig = Omit<pg.ClientConfig, 'password' | 'options'> & { password: string | null };

/** A pg client that gives its password to SCRAM only, with the search path pinned. Not yet connected. */
export function siteClient({ password, ...config }: SiteClientConfig): pg.Client {
  let refused: string | null = null;
  const client = new pg.Client({
    ...config,
    options: '-c search_path=pg_catalog',
    // pg asks for the password after the server has said how it wants it; the listeners below
    // have run by then, so a request for the password in clear or as MD5 fails here instead.
    password: async () => {
      if (refused) {
        throw Object.assign(
          new Error(
            `the site database server asked for the password ${refused}; only SCRAM-SHA-256 is allowed, so nothing was sent (on the server: password_encryption = scram-sha-256, and scram-sha-256 in pg_hba.conf)`,
          ),
          { code: SCRAM_REQUIRED },
        );
      }
      if (password === null) throw Object.assign(new Error('the site database asked for a password and none is set'), { code: '28P01' });
      return password;
    },
  });
  // Registered before connect(), so they run before the client's own handlers for these messages.
  client.connection.on('authenticationCleartextPassword', () => {
    refused = 'in clear text';
  });
  client.connection.on('authenticationMD5Password', () => {
    refused = 'as an MD5 hash';
  });
  return client;
}
