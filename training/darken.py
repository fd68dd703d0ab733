#!/usr/bin/python3
"""Darkened (or brightened) copies of an evaluation set: the light the kiosk meets in a dim lobby,
for measuring when the kiosk asks people to step into the light, and whether it judges them right
before that; exposures over 1 are sun on the face, clipped as a camera clips it.

Each image is scaled in linear light by each exposure factor (1 = as photographed) with the sensor
noise a camera adds when it raises its gain (Gaussian, 1.5 / 255 at full light, growing as
1 / sqrt(exposure)), and saved as JPEG quality 90 into OUT/f<exposure>/<class folder>/.

Usage: /usr/bin/python3 training/darken.py SET OUT [--exposures 0.2,0.13,0.08,0.05,0.03] [--seed 1]
  e.g. SET = test/.cache/london-synth/set (the synthetic three-verdict set), then
  npm run scan -- --eval OUT/f0.13 --json > f0.13.jsonl
"""
import argparse
import os

import numpy as np
from PIL import Image


def to_linear(c):
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def to_srgb(lin):
    return np.where(lin <= 0.0031308, lin * 12.92, 1.055 * np.power(np.clip(lin, 0, None), 1 / 2.4) - 0.055)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('set')
    ap.add_argument('out')
    ap.add_argument('--exposures', default='0.2,0.13,0.08,0.05,0.03')
    ap.add_argument('--seed', type=int, default=1)
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    for exposure in [float(x) for x in args.exposures.split(',')]:
        for folder in sorted(os.listdir(args.set)):
            src = os.path.join(args.set, folder)
            if not os.path.isdir(src):
                continue
            dst = os.path.join(args.out, f'f{exposure:g}', folder)
            os.makedirs(dst, exist_ok=True)
            for name in sorted(os.listdir(src)):
                rgb = np.asarray(Image.open(os.path.join(src, name)).convert('RGB')).astype(np.float32) / 255
                dark = to_srgb(to_linear(rgb) * exposure)
                dark = dark + rng.normal(0, (1.5 / 255) / np.sqrt(exposure), dark.shape)
                Image.fromarray((np.clip(dark, 0, 1) * 255 + 0.5).astype(np.uint8)).save(os.path.join(dst, name), quality=90)
        print(f'exposure {exposure:g}: done', flush=True)


if __name__ == '__main__':
    main()
