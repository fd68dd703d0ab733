// npm run replay -- <record.jsonl> [--tracker JSON]... [--json]
// Replays visits that `npm run scan -- --eval DIR --visits --record FILE` recorded (every camera
// frame's faces as the tracker got them) through the tracker with other settings, in seconds
// instead of the scan's minutes: whether a decision rule would thank more masks, and what it would
// cost in bare faces thanked. Without --tracker it replays the defaults, which must reproduce the
// recorded outcomes (a recording made by another version of the tracker may not).

import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { KIOSK_OUTCOMES } from '../main/compliance/still-decision';
import type { TrackerOptions } from '../main/compliance/tracker';
import { errorMessage } from '../shared/errors';
import { firstIssue } from '../shared/zod-issue';
import { runTool, UsageError } from './command-line';
import { EVAL_CLASSES, type EvalClass, summariseVisits, type VisitSummary } from './metrics';
import { parseTrackerChanges } from './tracker-changes';
import { visitLine } from './visit-lines';
import { decideVisit, type ObservedFrame, type VisitResult } from './visits';

const USAGE = `Usage:
  npm run replay -- <record.jsonl> [--tracker JSON]... [--json]
Options:
  --tracker JSON  tracker settings to change, e.g. '{"compliantAt": 0.65, "confirmPassMs": 500}'
                  (names as in src/main/compliance/tracker.ts); repeat to compare several.
                  noseDoubtAt overrides the line the nose check's readings were recorded with
  --json          one JSON object per setting`;

const RecordedVisit = z.object({
  file: z.string(),
  expected: z.enum(Object.keys(EVAL_CLASSES) as [EvalClass, ...EvalClass[]]),
  visit: z.object({ outcome: z.enum(KIOSK_OUTCOMES), msToVerdict: z.number().nullable() }).passthrough(),
  followsGuidance: z.boolean().optional(),
  frames: z.array(z.object({ ms: z.number(), width: z.number(), height: z.number(), faces: z.array(z.unknown()) })),
});
type RecordedVisit = Omit<z.infer<typeof RecordedVisit>, 'frames' | 'visit'> & { visit: VisitResult; frames: ObservedFrame[] };

function readRecording(path: string): RecordedVisit[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${path} (${errorMessage(err)})`);
  }
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((line, i) => {
      let raw: unknown;
      try {
        raw = JSON.parse(line);
      } catch {
        throw new UsageError(`${path}, line ${i + 1}: not JSON (a recording cut short?)`);
      }
      const parsed = RecordedVisit.safeParse(raw);
      if (!parsed.success) throw new UsageError(`${path}, line ${i + 1}: not a recorded visit (${firstIssue(parsed.error, 'record')})`);
      // Only the frames' outline is checked: their faces are the tracker's own input type, written by scan.
      return parsed.data as unknown as RecordedVisit;
    });
}

interface Replayed {
  tracker: Partial<TrackerOptions>;
  /** Visits whose outcome and time to verdict are the recorded ones. */
  same: number;
  visits: Partial<Record<EvalClass, VisitSummary>>;
  /** Per folder, the images a verdict of pass went to. */
  passed: Partial<Record<EvalClass, string[]>>;
}

function replay(recording: readonly RecordedVisit[], tracker: Partial<TrackerOptions>): Replayed {
  const byClass = new Map<EvalClass, { file: string; result: VisitResult }[]>();
  let same = 0;
  for (const r of recording) {
    const result = decideVisit(r.frames, tracker);
    if (result.outcome === r.visit.outcome && result.msToVerdict === r.visit.msToVerdict) same++;
    const folder = byClass.get(r.expected) ?? [];
    folder.push({ file: r.file, result });
    byClass.set(r.expected, folder);
  }
  const entries = [...byClass];
  return {
    tracker,
    same,
    visits: Object.fromEntries(entries.map(([c, v]) => [c, summariseVisits(v.map((x) => x.result))])),
    passed: Object.fromEntries(entries.map(([c, v]) => [c, v.filter((x) => x.result.outcome === 'pass').map((x) => x.file)])),
  };
}

/** Whether the recording holds nose check readings without the line they were judged at. */
function hasUnlinedNoseReadings(recording: readonly RecordedVisit[]): boolean {
  return recording.some((r) => r.frames.some((f) => f.faces.some((face) => face.noseUncovered != null && face.noseDoubtAt == null)));
}

await runTool('replay', USAGE, () => {
  const out = (line: string): void => void process.stdout.write(`${line}\n`);
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      tracker: { type: 'string', multiple: true },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    out(USAGE);
    return;
  }
  if (positionals.length !== 1) throw new UsageError('Give one recording (npm run scan -- --eval DIR --visits --record FILE).');
  const recording = readRecording(positionals[0]!);
  const settings = (values.tracker ?? ['{}']).map(parseTrackerChanges);
  if (settings.some((s) => s.noseDoubtAt == null) && hasUnlinedNoseReadings(recording)) {
    process.stderr.write(
      "replay: the nose check's readings in this recording carry no doubt line (recorded before checks named one), so no thank-you waits for them; name one with --tracker '{\"noseDoubtAt\": 0.94}'\n",
    );
  }
  if (settings.some((s) => Object.keys(s).length > 0) && recording.some((r) => r.followsGuidance)) {
    process.stderr.write(
      "replay: this recording was made with --follow-guidance: its visitors stepped closer when the recording's tracker asked, and replay keeps those steps, so other settings are judged on frames they might not have led to\n",
    );
  }
  for (const tracker of settings) {
    const r = replay(recording, tracker);
    if (values.json) {
      out(JSON.stringify(r));
      continue;
    }
    const name = Object.keys(tracker).length ? JSON.stringify(tracker) : 'the defaults';
    out(`${name}: ${r.same} of ${recording.length} visits decide as recorded (the same verdict at the same moment)`);
    for (const [c, v] of Object.entries(r.visits)) out(visitLine(c, v));
    if (r.passed.without_mask?.length) out(`  bare faces thanked: ${r.passed.without_mask.join(', ')}`);
  }
});
