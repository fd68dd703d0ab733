// Maps a model's own class labels onto the kiosk's verdicts by normalised name.
import { VERDICTS, type Verdict } from '../../shared/verdicts';

/** Lower case, letters and digits only: "No Mask", "no_mask" and "NO-MASK" all become "nomask". */
export function normaliseLabel(label: string): string {
  return label.toLowerCase().replace(/[^a-z0-9]/g, '');
}

// A Map, not an object: a label such as "constructor" must not find Object.prototype's members.
const KNOWN: ReadonlyMap<string, Verdict> = new Map(
  (
    [
      ['mask', ['mask', 'masked', 'withmask', 'wearingmask', 'facemask', 'maskon', 'yes', 'maskworn', 'withfacemask']],
      ['no_mask', ['nomask', 'withoutmask', 'unmasked', 'nofacemask', 'maskoff', 'notmasked', 'withoutfacemask', 'no', 'bare', 'nonmask']],
      [
        'incorrect',
        [
          'incorrect',
          'maskincorrect',
          'incorrectmask',
          'maskwearedincorrect',
          'maskwornincorrectly',
          'maskweredincorrect',
          'improper',
          'improperlyworn',
        ],
      ],
    ] as const
  ).flatMap(([verdict, names]) => names.map((n) => [n, verdict] as const)),
);

export class LabelMappingError extends Error {
  override name = 'LabelMappingError';
}

/**
 * Returns the verdict for every class index. `overrides` maps a model label (as written in
 * config.json, or normalised) to a verdict and wins over the built-in names.
 */
export function mapLabels(
  id2label: Readonly<Record<string, string>>,
  overrides: Readonly<Record<string, Verdict>> = {},
  source = 'config.json',
): Verdict[] {
  const normOverrides = new Map(Object.entries(overrides).map(([k, v]) => [normaliseLabel(k), v]));
  const ids = Object.keys(id2label)
    .map(Number)
    .sort((a, b) => a - b);
  const verdicts: Verdict[] = [];
  ids.forEach((id, position) => {
    if (id !== position) {
      throw new LabelMappingError(
        `${source}: id2label must number its classes 0..${ids.length - 1}; found id ${id} at position ${position}.`,
      );
    }
    const label = id2label[String(id)]!;
    const own = Object.hasOwn(overrides, label) ? overrides[label] : undefined;
    const verdict = own ?? normOverrides.get(normaliseLabel(label)) ?? KNOWN.get(normaliseLabel(label));
    if (!verdict) {
      throw new LabelMappingError(
        `${source}: id2label["${id}"] = "${label}" does not name a kiosk verdict (${VERDICTS.join(', ')}). ` +
          `Add a label override in settings, e.g. {"${label}": "no_mask"}.`,
      );
    }
    verdicts.push(verdict);
  });
  if (!verdicts.includes('mask') || !verdicts.includes('no_mask')) {
    throw new LabelMappingError(
      `${source}: id2label ${JSON.stringify(id2label)} must include a "mask" class and a "no mask" class; it maps to [${verdicts.join(', ')}].`,
    );
  }
  return verdicts;
}
