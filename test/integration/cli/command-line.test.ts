// The project's command-line tools, the fixture recorder and the training tools written in TypeScript, on a wrong
// argument: one line naming it, the usage, exit code 2, and nothing done (no build, no database,
// no files), never a stack trace; on a model they cannot load, one line naming it and exit code 1.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/cli';
import { facemaskDataDir, SCRATCH_DIR } from '../../helpers/paths';

const cases: [tool: string, entry: string, args: string[], message: RegExp][] = [
  ['preview', 'src/cli/preview.ts', ['--port', '70000'], /^preview: --port must be a whole number from 0 to 65535, got "70000"/],
  ['preview', 'src/cli/preview.ts', ['--port', 'web'], /^preview: --port must be a whole number from 0 to 65535, got "web"/],
  ['preview', 'src/cli/preview.ts', ['--bogus'], /^preview: Unknown option '--bogus'/],
  ['site', 'src/cli/site.ts', [], /^site: missing or unknown arguments/],
  [
    'site',
    'src/cli/site.ts',
    ['migrate', '--url', 'postgres://owner@localhost/k', '--tls', 'maybe'],
    /^site: --tls must be one of verify-full, require, off/,
  ],
  ['site', 'src/cli/site.ts', ['migrate', '--uri', 'x'], /^site: Unknown option '--uri'/],
  [
    'site',
    'src/cli/site.ts',
    ['migrate', '--url', 'postgres://owner@localhost/k', '--ca', join(SCRATCH_DIR, 'no-such-ca.pem')],
    /^site: --ca .*no-such-ca\.pem: no such file/,
  ],
  ['export-crops', 'src/cli/export-crops.ts', ['--out', join(SCRATCH_DIR, 'crops-never')], /^export-crops: --data and --out are needed/],
  [
    'export-crops',
    'src/cli/export-crops.ts',
    ['--data', join(SCRATCH_DIR, 'no-such-set'), '--out', join(SCRATCH_DIR, 'crops-never')],
    /^export-crops: --data .*no-such-set: no such folder/,
  ],
  [
    'export-crops',
    'src/cli/export-crops.ts',
    ['--data', SCRATCH_DIR, '--out', join(SCRATCH_DIR, 'crops-never'), '--split', 'train'],
    /^export-crops: .*train holds none of with_mask\/, without_mask\/, incorrect\/ \(--flat NAME/,
  ],
  [
    'export-crops',
    'src/cli/export-crops.ts',
    ['--data', '.', '--out', join(SCRATCH_DIR, 'crops-never'), '--margin', 'wide'],
    /--margin must be a non-negative number, got "wide"/,
  ],
  ['bench:log', 'src/cli/bench-log.ts', ['--rows', '0'], /^bench:log: --rows must be a whole number from 1 up, got "0"/],
  ['bench:site', 'src/cli/bench-site.ts', ['--kiosks', 'many'], /^bench:site: --kiosks must be a whole number from 1 up, got "many"/],
  ['scan', 'src/cli/scan.ts', ['--bogus'], /^scan: Unknown option '--bogus'/],
  ['replay', 'src/cli/replay.ts', ['--bogus'], /^replay: Unknown option '--bogus'/],
  [
    'record-sequence',
    'scripts/record-sequence.ts',
    ['portrait.jpg', join(SCRATCH_DIR, 'crops-never'), '--seconds', '0.01'],
    /^record-sequence: --seconds 0.01 at 15 fps records no frame/,
  ],
  ['quantize', 'training/quantize.ts', ['--every', 'x'], /^quantize: --every must be a whole number from 1 up, got "x"/],
  ['distill_labels', 'training/distill_labels.ts', [], /^distill_labels: give one dump folder/],
  [
    'nose-patches',
    'training/nose-patches.ts',
    [SCRATCH_DIR, join(SCRATCH_DIR, 'crops-never'), 'val', '--side=0'],
    /^nose-patches: --side \/ --above: side: Too small/,
  ],
  [
    'nose-patches',
    'training/nose-patches.ts',
    [SCRATCH_DIR, join(SCRATCH_DIR, 'crops-never'), 'val:2'],
    /^nose-patches: .*val\.jsonl: no such file \(npm run export-crops writes one per split\)/,
  ],
  [
    'nose-patches',
    'training/nose-patches.ts',
    [SCRATCH_DIR, join(SCRATCH_DIR, 'crops-never'), 'val:x'],
    /^nose-patches: val:x: the count after ':' must be a whole number from 0 up/,
  ],
];

describe('command-line tools, on a wrong argument', () => {
  it.each(cases.map(([tool, entry, args, message]) => ({ tool, entry, args, message })))(
    '$tool $args says what is wrong and how it is used, and does nothing',
    ({ tool, entry, args, message }) => {
      const r = runCli(entry, args);
      expect(r.status, r.stderr).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).toMatch(new RegExp(`\\n\\nUsage:\\s+(npm run |tsx |node --import tsx )\\S*${tool}`));
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(r.stdout).toBe('');
      expect(existsSync(join(SCRATCH_DIR, 'crops-never'))).toBe(false);
    },
  );
});

const noModel = join(SCRATCH_DIR, 'no-such-model');
const missingModel: [tool: string, entry: string, args: string[], message: RegExp][] = [
  [
    'export-crops',
    'src/cli/export-crops.ts',
    ['--data', facemaskDataDir(), '--split', 'test', '--out', join(SCRATCH_DIR, 'crops-never'), '--detector', noModel],
    /^export-crops: Face detector model missing: .*no-such-model.*npm run setup/,
  ],
  [
    'quantize',
    'training/quantize.ts',
    ['--model', noModel, '--out', join(SCRATCH_DIR, 'crops-never'), '--data', '.'],
    /^quantize: .*no-such-model: model folder does not exist/,
  ],
  [
    'analyse:model',
    'training/saliency.ts',
    ['--model', noModel, '--out', join(SCRATCH_DIR, 'crops-never')],
    /^analyse:model: .*no-such-model: model folder does not exist/,
  ],
  [
    'bench',
    'src/cli/bench.ts',
    ['--quick', '--model', noModel, '--data', join(facemaskDataDir(), 'test')],
    /^bench: .*no-such-model: model folder does not exist/,
  ],
];

describe('command-line tools, on a model they cannot load', () => {
  it.each(missingModel.map(([tool, entry, args, message]) => ({ tool, entry, args, message })))(
    '$tool says which model in one line, exit code 1, and writes nothing',
    ({ entry, args, message }) => {
      const r = runCli(entry, args);
      expect(r.status, r.stderr).toBe(1);
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(existsSync(join(SCRATCH_DIR, 'crops-never'))).toBe(false);
    },
  );
});
