// What npm run scan accepts: its usage text and its options, parsed and checked.
import { parseArgs } from 'node:util';
import { parseProviderList } from '../main/vision/runtime';
import { nonNegativeNumberOption, wholeNumberOption } from './command-line';
import { parseTrackerChanges } from './tracker-changes';

export const USAGE = `Usage:
  npm run scan -- <image|folder...> [--model DIR] [--json]
  npm run scan -- --eval <folder with with_mask/, without_mask/ and optionally incorrect/> [--visits] [--json]
Options:
  --model DIR       classifier folder (Optimum layout); default models/facemask-default
  --detector DIR    face detector folder; default models/face-detector (models/blazeface: as published)
  --nose-check DIR  nose check folder, or "off"; default models/nose-check
  --border F        one black border for still images, as a fraction of the longer side
                    (default: try 0.1, then 0, then 0.4 until a face is found)
  --min-score F     face detector score threshold for still images (default 0.3)
  --providers LIST  execution providers to try, e.g. cuda,cpu
  --crop-margin F   face crop side = longer box side x (1 + F); default 0.2, what the
                    shipped classifier was trained on
  --corrections CSV with --eval: score photos whose published label is wrong by their corrected
                    label (training/label-corrections-v2.csv; paths inside the data set, matched
                    on the eval folder's name, e.g. test/with_mask/x.jpg)
  --visits          with --eval: also walk each image up to the kiosk as a 2 s visit at 15 fps
                    (camera shake and zoom, noise, JPEG, flickering light) through the real
                    tracker, and report what it decided first and when (slower: 30 frames an image)
  --walk-up         with --visits: the person first walks up, from a face a third as wide (about
                    3 m) to the visit's size in 1.5 s, then stands for the 2 s (53 frames an image)
  --follow-guidance with --visits: the person does what the screen asks where a photo can: asked
                    to step closer, they take a step (the face a third larger in 0.6 s; up to
                    three, each adding its time to the visit; with --walk-up, once arrived).
                    Without it they stay where they stand. A --record of it is marked so:
                    replay keeps the steps taken
  --visit-seed N    with --visits: which draw of the camera (shake, zoom, noise, JPEG, light)
                    each image gets, a whole number; default 0. Every image gets the same visit
                    in every run with the same N; other N show how much a figure owes to the draw
  --record FILE     with --visits: also write every visit's camera frames as the tracker saw
                    them (faces, boxes, keypoints, probabilities), one JSON line per image, for
                    npm run replay to try other tracker settings on
  --tracker JSON    with --eval: tracker settings to change for the kiosk's line and the visits,
                    e.g. '{"minFaceWidth": 0.2}' (names as in src/main/compliance/tracker.ts).
                    Where replay cannot tell (a visitor who follows guidance takes the steps
                    this tracker asks for), this can. Not with --record: a recording is
                    replayed against the defaults
  --jobs N          with --eval: images worked on at once, each with its own copy of the models
                    (default: 1, and with --visits one per core up to 4); results and their
                    order are the same for any N
  --json            one JSON object per line`;

/** scan's options, checked: a bad value throws UsageError naming it. */
export function parseScanOptions(argv: string[]) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      model: { type: 'string' },
      detector: { type: 'string' },
      'nose-check': { type: 'string' },
      eval: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      visits: { type: 'boolean', default: false },
      'walk-up': { type: 'boolean', default: false },
      'follow-guidance': { type: 'boolean', default: false },
      jobs: { type: 'string' },
      'visit-seed': { type: 'string' },
      record: { type: 'string' },
      tracker: { type: 'string' },
      corrections: { type: 'string' },
      border: { type: 'string' },
      'min-score': { type: 'string' },
      providers: { type: 'string' },
      'crop-margin': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const num = (name: string, v: string | undefined): number | undefined => (v === undefined ? undefined : nonNegativeNumberOption(name, v));
  return {
    ...values,
    border: num('border', values.border),
    minScore: num('min-score', values['min-score']),
    cropMargin: num('crop-margin', values['crop-margin']),
    jobs: values.jobs === undefined ? undefined : wholeNumberOption('jobs', values.jobs, 1, 16),
    visitSeed: values['visit-seed'] === undefined ? undefined : wholeNumberOption('visit-seed', values['visit-seed'], 0),
    tracker: values.tracker === undefined ? undefined : parseTrackerChanges(values.tracker),
    providers: values.providers ? parseProviderList(values.providers.split(',')) : undefined,
    paths: positionals,
  };
}

export type ScanOptions = ReturnType<typeof parseScanOptions>;
