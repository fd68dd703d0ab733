// npm run bench:log [-- --rows 1000000]: how the review screen's queries scale. Builds a violation
// log with N events over a year (in a temporary folder) and times the page and chart queries.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ViolationStore } from '../main/log/store';
import { parseCommandLine, wholeNumberOption } from './command-line';

const { rows, json } = parseCommandLine(
  'bench:log',
  'Usage: npm run bench:log [-- --rows N] [--json]   (N events over a year; default 1000000)',
  { options: { rows: { type: 'string', default: '1000000' }, json: { type: 'boolean', default: false } } },
  ({ values }) => ({ rows: wholeNumberOption('rows', values.rows), json: values.json }),
);
const dir = mkdtempSync(join(tmpdir(), 'mask-kiosk-bench-log-'));
const DAY = 86_400_000;
const end = Date.UTC(2026, 10, 27);
const start = end - 365 * DAY;

try {
  const { store } = ViolationStore.open(dir);
  let t = performance.now();
  const insert = store.db.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const at = start + Math.floor((i / rows) * 365 * DAY);
      // Four compliant checks for every violation, so the chart has a realistic rate.
      for (let k = 0; k < 4; k++) store.recordCheck(at, 60, null);
      const id = store.recordCheck(at, 60, {
        trackId: i,
        verdict: 'no_mask',
        confidence: 0.9,
        modelId: 'facemask-default',
        cameraId: 'cam',
        snapshot: i % 3 ? `${i}.jpg` : null,
      })!;
      if (i % 5 === 0) store.update(id, { reviewed: true, falsePositive: i % 10 === 0 });
    }
  });
  for (let i = 0; i < rows; i += 50_000) insert(i, Math.min(rows, i + 50_000));
  const fillSeconds = (performance.now() - t) / 1000;

  const time = (f: () => unknown, runs = 20): number => {
    f();
    const ts: number[] = [];
    for (let i = 0; i < runs; i++) {
      t = performance.now();
      f();
      ts.push(performance.now() - t);
    }
    return Math.round(ts.sort((a, b) => a - b)[Math.floor(runs / 2)]! * 100) / 100;
  };
  const first = store.page({ limit: 25 });
  const month = { from: end - 30 * DAY, to: end };
  const report = {
    rows: store.count(),
    dbMegabytes: Math.round(statSync(store.file).size / 1048576),
    fillSeconds: Math.round(fillSeconds),
    medianMs: {
      firstPageAll: time(() => store.page({ limit: 25 })),
      nextPageAll: time(() => store.page({ limit: 25, before: first.next! })),
      pageUnreviewedLast30Days: time(() => store.page({ limit: 25, flag: 'unreviewed', ...month })),
      pageFalsePositivesYear: time(() => store.page({ limit: 25, flag: 'false_positive' })),
      chartYear: time(() => store.perDay(start, end)),
      chart30Days: time(() => store.perDay(month.from, month.to)),
      markReviewed: time(() => store.update(first.rows[0]!.id, { reviewed: true })),
    },
  };
  store.close();
  console.log(json ? JSON.stringify(report) : report);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
