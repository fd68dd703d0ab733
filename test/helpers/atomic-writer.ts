// Child process for the atomic-write test: replaces one file again and again with one of two
// large contents, printing each completed write, until it is killed.
import { writeFileAtomic } from '../../src/main/config/atomic-write';

const [file] = process.argv.slice(2);
const contents = ['A', 'B'].map((c) => JSON.stringify({ fill: c.repeat(2_000_000) }));
for (let i = 0; ; i++) {
  writeFileAtomic(file!, contents[i % 2]!);
  if (i % 10 === 0) process.stdout.write(`wrote ${i}\n`);
}
