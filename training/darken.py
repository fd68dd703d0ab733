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


def gain_noise(rgb, exposure, rng):
    """`rgb` (sRGB in 0..1) scaled in linear light by `exposure`, with the noise of the gain a camera adds."""
    out = to_srgb(to_linear(rgb) * exposure)
    return out + rng.normal(0, (1.5 / 255) / np.sqrt(exposure), out.shape)


def copy_set(src_set, out_dir, transform):
    """Each class folder of `src_set` into `out_dir`, every image through `transform` (a PIL RGB image
    to an sRGB array in 0..1, clipped here), saved as JPEG quality 90; folders and files in sorted
    order, so a seeded transform gives the same copies every time."""
    for folder in sorted(os.listdir(src_set)):
        src = os.path.join(src_set, folder)
        if not os.path.isdir(src):
            continue
        dst = os.path.join(out_dir, folder)
        os.makedirs(dst, exist_ok=True)
        for name in sorted(os.listdir(src)):
            rgb = transform(Image.open(os.path.join(src, name)).convert('RGB'))
            Image.fromarray((np.clip(rgb, 0, 1) * 255 + 0.5).astype(np.uint8)).save(os.path.join(dst, name), quality=90)


def exposures_argument(default):
    """The command line both scripts take: SET OUT [--exposures ...] [--seed N]."""
    ap = argparse.ArgumentParser()
    ap.add_argument('set')
    ap.add_argument('out')
    ap.add_argument('--exposures', default=default)
    ap.add_argument('--seed', type=int, default=1)
    args = ap.parse_args()
    return args, [float(x) for x in args.exposures.split(',')], np.random.default_rng(args.seed)


def main():
    args, exposures, rng = exposures_argument('0.2,0.13,0.08,0.05,0.03')
    for exposure in exposures:
        copy_set(args.set, os.path.join(args.out, f'f{exposure:g}'), lambda photo: gain_noise(np.asarray(photo).astype(np.float32) / 255, exposure, rng))
        print(f'exposure {exposure:g}: done', flush=True)


if __name__ == '__main__':
    main()
