// npm run site -- migrate --url postgres://owner@host/db
// npm run site -- add-kiosk --url … --login kiosk_north        (prints the new password once)
// npm run site -- add-reviewer --url … --login review_desk
// Run by the IT person who owns the site database; kiosks never change the schema.
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { addLogin, migrateSite } from './site-admin';

const { positionals, values } = parseArgs({ allowPositionals: true, options: { url: { type: 'string' }, login: { type: 'string' } } });
const command = positionals[0];
if (!values.url || !['migrate', 'add-kiosk', 'add-reviewer'].includes(command ?? '') || (command !== 'migrate' && !values.login)) {
  console.error('Usage: npm run site -- migrate --url URL | add-kiosk --url URL --login NAME | add-reviewer --url URL --login NAME');
  process.exit(2);
}
const client = new pg.Client({ connectionString: values.url });
try {
  await client.connect();
  if (command === 'migrate') {
    const applied = await migrateSite(client);
    console.log(applied.length ? `applied schema ${applied.join(', ')}` : 'schema already up to date');
  } else {
    const password = randomBytes(18).toString('base64url');
    await addLogin(client, command === 'add-kiosk' ? 'kiosk' : 'reviewer', values.login!, password);
    console.log(`created ${values.login} with password ${password} (shown once; enter it in the kiosk's site settings)`);
  }
} catch (err) {
  console.error(`site: ${(err as Error).message}`);
  process.exitCode = 1;
} finally {
  await client.end().catch(() => undefined);
}
