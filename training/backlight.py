#!/usr/bin/python3
"""Backlit copies of an evaluation set: a visitor standing in front of a bright window or glass
door, as a webcam that exposes for the whole frame sees them. The person comes out dark and the
window around them near white, so the detector meets a dark face in a bright frame (darken.py
darkens the whole frame, which is a dim lobby, not this).

Each image is darkened in linear light by each exposure factor (1 = as photographed; the person
and whatever stands behind them in the photo) with a camera's gain noise, as darken.py does, and
placed in the middle of a 640 x 480 frame (its longer side 0.6 of the frame's height, as a
`scan --visits` visit places it) whose rest is a window: near white (sRGB 0.92 to 1), crossed by
two darker frame bars, clipped as a camera clips it. Saved as JPEG quality 90 into
OUT/b<exposure>/<class folder>/.

Usage: /usr/bin/python3 training/backlight.py SET OUT [--exposures 0.3,0.15,0.08] [--seed 1]
  e.g. SET = test/.cache/london-synth/set (the synthetic three-verdict set), then
  npm run scan -- --eval OUT/b0.15 --json > b0.15.jsonl
"""
import os

import numpy as np
from PIL import Image

from darken import copy_set, exposures_argument, gain_noise

FRAME_W, FRAME_H, PHOTO_SHARE = 640, 480, 0.6


def window(rng):
    """A bright window: a soft vertical gradient of near white, two mullions, a little noise."""
    y = np.linspace(0, 1, FRAME_H)[:, None, None]
    sky = 0.92 + 0.08 * (1 - y) + rng.normal(0, 0.01, (FRAME_H, FRAME_W, 1))
    frame = np.repeat(sky, 3, axis=2).astype(np.float32)
    frame[:, FRAME_W // 6 : FRAME_W // 6 + 14] = 0.55
    frame[FRAME_H // 3 : FRAME_H // 3 + 10, :] = 0.55
    return np.clip(frame, 0, 1)


def backlit(photo, exposure, rng):
    """`photo` darkened by `exposure` with a camera's gain noise, in the middle of a window frame."""
    scale = FRAME_H * PHOTO_SHARE / max(photo.size)
    photo = photo.resize((round(photo.width * scale), round(photo.height * scale)), Image.LANCZOS)
    dark = gain_noise(np.asarray(photo).astype(np.float32) / 255, exposure, rng)
    frame = window(rng)
    top, left = (FRAME_H - dark.shape[0]) // 2, (FRAME_W - dark.shape[1]) // 2
    frame[top : top + dark.shape[0], left : left + dark.shape[1]] = dark
    return frame


def main():
    args, exposures, rng = exposures_argument('0.3,0.15,0.08')
    for exposure in exposures:
        copy_set(args.set, os.path.join(args.out, f'b{exposure:g}'), lambda photo: backlit(photo, exposure, rng))
        print(f'exposure {exposure:g}: done', flush=True)


if __name__ == '__main__':
    main()
