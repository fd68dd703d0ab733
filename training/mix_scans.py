#!/usr/bin/python3
"""What an ensemble of exported members would answer, without exporting it: mixes the members' own
`npm run scan -- --eval SET --json` outputs (each member exported alone, so its probabilities are
already calibrated) the way ensemble.py's graph does: the weighted mean of their probabilities,
then the split between a mask worn right and one below the nose moved by --odds (resplit_covered);
with --kind, other members then name the violation as ensemble.py --kind does (split_violation),
which needs the main members' temperature. Every member must have been scanned on the same set,
so the rows (and faces found) line up. The model card's rows marked with a dagger come from this.
Without --kind the final temperature is left out: it changes how sure the answer is, not which
verdict wins.

  /usr/bin/python3 training/mix_scans.py --odds 1.97 n1-ood.json r3-ood.json
  /usr/bin/python3 training/mix_scans.py --odds 1.97 --weights 2,1,1 n1-ood.json r2-ood.json r3-ood.json
  /usr/bin/python3 training/mix_scans.py --odds 1.9656 --temperature 0.7441 --kind a9c7-ood.json --kind-odds 0.1332 n1-ood.json r3-ood.json
"""
import argparse
import json
import os
import sys
from collections import Counter

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ensemble import resplit_covered, split_violation  # noqa: E402
import crops  # noqa: E402

TRUTHS = ('with_mask', 'without_mask', 'incorrect')
VERDICTS = ('mask', 'no_mask', 'incorrect', 'no_face')
VERDICT_OF_CLASS = {crops.MASK: 'mask', crops.NO_MASK: 'no_mask', crops.INCORRECT: 'incorrect'}
RIGHT = {'with_mask': 'mask', 'without_mask': 'no_mask', 'incorrect': 'incorrect'}


def read_scan(path):
    """The per-image rows of a `scan --eval --json` output (its last line is the summary)."""
    try:
        with open(path) as f:
            lines = [json.loads(line) for line in f if line.strip()]
    except (OSError, json.JSONDecodeError) as err:
        raise SystemExit(f'{path}: not a `scan --eval --json` output ({err})') from None
    rows = [r for r in lines if 'file' in r]
    if not rows:
        raise SystemExit(f'{path}: no per-image rows; was it written by `npm run scan -- --eval SET --json`?')
    return rows


def member_probs(rows):
    """[N, 3] probabilities in train.py's class order; NaN where no face was found."""
    p = np.full((len(rows), 3), np.nan)
    for i, r in enumerate(rows):
        if r['predicted'] == 'no_face':
            continue
        p[i, crops.MASK], p[i, crops.INCORRECT] = r['pMask'], r['pIncorrect']
        p[i, crops.NO_MASK] = max(1.0 - r['pMask'] - r['pIncorrect'], 1e-9)
    return p


def mix(paths, weights, odds, kind=(), kind_odds=1.0, temperature=None):
    scans = [read_scan(p) for p in paths]
    kind_scans = [read_scan(p) for p in kind]
    files = [r['file'] for r in scans[0]]
    for path, rows in zip([*paths[1:], *kind], [*scans[1:], *kind_scans]):
        if [r['file'] for r in rows] != files:
            raise SystemExit(f'{path} was not scanned on the same images as {paths[0]}')
    w = np.asarray(weights if weights else [1.0] * len(paths), dtype=float)
    if len(w) != len(paths):
        raise SystemExit(f'{len(w)} weights for {len(paths)} members')
    probs = sum(wk * member_probs(rows) for wk, rows in zip(w / w.sum(), scans))
    found = ~np.isnan(probs).any(1)
    logp = resplit_covered(torch.log(torch.from_numpy(probs[found]).clamp_min(1e-12)), torch.tensor(float(np.log(odds))))
    if kind_scans:
        kind_probs = sum(member_probs(rows) for rows in kind_scans) / len(kind_scans)
        found_kind = ~np.isnan(kind_probs).any(1)
        if not np.array_equal(found, found_kind):
            raise SystemExit('the --kind scans found faces in other images than the members')
        logp = split_violation(torch.log_softmax(logp / temperature, dim=1), torch.log(torch.from_numpy(kind_probs[found]).clamp_min(1e-12)),
                               torch.tensor(float(np.log(kind_odds))))
    verdicts = np.array(['no_face'] * len(files), dtype=object)
    verdicts[found] = [VERDICT_OF_CLASS[int(k)] for k in logp.argmax(1)]
    p_mask = np.full(len(files), np.nan)
    p_mask[found] = logp[:, crops.MASK].exp().numpy()
    return [r['expected'] for r in scans[0]], verdicts, p_mask


def roc_auc(pos, neg):
    pos, neg = np.asarray(pos)[:, None], np.asarray(neg)[None, :]
    return float((pos > neg).mean() + 0.5 * (pos == neg).mean())


def report(expected, verdicts, p_mask):
    counts = Counter(zip(expected, verdicts))
    confusion = {t: {v: counts[(t, v)] for v in VERDICTS} for t in TRUTHS if t in expected}
    found = {t: sum(row.values()) - row['no_face'] for t, row in confusion.items()}
    out = {
        'confusion': confusion,
        'recall': {t: row[RIGHT[t]] / found[t] if found[t] else None for t, row in confusion.items()},
        'recallEndToEnd': {t: row[RIGHT[t]] / sum(row.values()) for t, row in confusion.items()},
    }
    out['balancedAccuracy'] = float(np.mean(list(out['recallEndToEnd'].values())))
    if 'without_mask' in confusion:
        bare, n = confusion['without_mask'], found['without_mask']
        # The kiosk's line: only "mask" lets a person in, so "below the nose" refuses a bare face too.
        out['bareLetThrough'] = bare['mask']
        out['noMaskComplianceRecall'] = (bare['no_mask'] + bare['incorrect']) / n if n else None
    expected = np.asarray(expected)
    pos, neg = p_mask[(expected == 'with_mask') & ~np.isnan(p_mask)], p_mask[(expected != 'with_mask') & ~np.isnan(p_mask)]
    if len(pos) and len(neg):
        out['rocAuc'] = roc_auc(pos, neg)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('scans', nargs='+', help="each member's `scan --eval SET --json` output, all on one set")
    ap.add_argument('--odds', type=float, required=True, help="resplit_covered's factor (ensemble.py prints the one it fits on val)")
    ap.add_argument('--weights', type=lambda v: [float(x) for x in v.split(',')], default=None, help='comma-separated, one per member (normalised; default equal)')
    ap.add_argument('--kind', nargs='+', default=(), help="scans of the members that name the violation (ensemble.py --kind)")
    ap.add_argument('--kind-odds', type=float, default=1.0, help='with --kind: the odds factor of "below the nose" (ensemble.py prints the one it sets on val)')
    ap.add_argument('--temperature', type=float, default=None, help="with --kind: the main members' temperature (ensemble.py prints it)")
    args = ap.parse_args()
    if args.kind and args.temperature is None:
        ap.error('--kind needs --temperature: the main members\' temperature decides how much is left to share out')
    print(json.dumps(report(*mix(args.scans, args.weights, args.odds, args.kind, args.kind_odds, args.temperature)), indent=1))


if __name__ == '__main__':
    main()
