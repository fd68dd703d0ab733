#!/usr/bin/python3
"""Builds the synthetic three-verdict test from london-faces-v1: for every photo of a person on
the test side of the split (london_split.py; the default model never trains on them), the bare
face, the same face with a mask drawn on correctly, and with a mask drawn worn wrong (below the
nose, on the chin, or hanging from one ear). The drawings come from the same code as training's,
with seeds training never uses; the people are new to the model.

Input: crops exported by the product's detector (npm run export-crops -- --flat london --size 384).
Output: <out>/{without_mask,with_mask,incorrect}/*.jpg, ready for `npm run scan -- --eval <out>`.
Derived from CC BY 4.0 photos (DeBruine & Jones 2017, doi:10.6084/m9.figshare.5047666): keep it
out of the repository (it is regenerated at test time).
"""
import argparse
import json
import os
import random
import sys

import numpy as np
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import synth  # noqa: E402
from london_split import london_people  # noqa: E402

SEED = 20261128  # training seeds draw from a different stream


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--crops', required=True, help='export-crops output holding london.jsonl')
    ap.add_argument('--data', required=True, help='london-faces-v1 folder (manifest.csv)')
    ap.add_argument('--out', required=True)
    args = ap.parse_args()

    people = london_people(args.data)
    rows = [json.loads(l) for l in open(os.path.join(args.crops, 'london.jsonl')) if l.strip()]
    for label in ('without_mask', 'with_mask', 'incorrect'):
        os.makedirs(os.path.join(args.out, label), exist_ok=True)
    counts = {'without_mask': 0, 'with_mask': 0, 'incorrect': 0, 'no_face': 0}
    for i, r in enumerate(rows):
        name = os.path.basename(r['source'])
        if people[name][1] != 'test':
            continue
        if not r['face']:
            counts['no_face'] += 1
            continue
        img = np.asarray(Image.open(os.path.join(args.crops, r['crop'])).convert('RGB'))
        rng = random.Random(SEED + i)
        stem = os.path.splitext(name)[0]
        wrong = synth.INCORRECT[i % len(synth.INCORRECT)]
        # The way of wearing it wrong goes into the file name (e.g. -below_nose), for failure analysis.
        variant = wrong.__name__.replace('draw_mask_', '')
        for label, out, name in (('without_mask', img, stem), ('with_mask', synth.draw_mask(img, r['keypoints'], rng), stem), ('incorrect', wrong(img, r['keypoints'], rng), f'{stem}-{variant}')):
            Image.fromarray(out).save(os.path.join(args.out, label, f'{name}.jpg'), quality=92)
            counts[label] += 1
    print(json.dumps(counts))


if __name__ == '__main__':
    main()
