// A child process that writes violations as fast as it can and says after each commit how many
// are committed; the reliability test kills it with SIGKILL mid-burst.
import { ViolationStore } from '../../src/main/log/store';
import { violationRow } from './violations';

const dir = process.argv[2]!;
const { store } = ViolationStore.open(dir);
let n = 0;
for (;;) {
  store.recordCheck(Date.now(), 60, violationRow(n));
  n++;
  process.stdout.write(`committed ${n}\n`);
}
