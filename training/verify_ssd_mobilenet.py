#!/usr/bin/python3
"""Checks training/ssd_mobilenet.py's port of face-api's SSD MobileNet v1 face detector against face-api itself.

Runs face-api's SsdMobilenetv1 in TensorFlow.js (training/backbone/reference-ssd-mobilenet.mjs) on
real photos and a random image, runs the port (MobileNet, the SSD's extra layers and its face-class
heads) on the same 512 px input, and compares every anchor's face score (5,118 an image). Exits 1
when any differs by more than 5e-4: TensorFlow.js's float32 kernels land within about 1e-4 of the
port in float64 over these 36 layers, while a wrong layer, padding or weight moves scores by 1e-2
or more. Needs `npm --prefix training/backbone ci` first.

Usage: /usr/bin/python3 training/verify_ssd_mobilenet.py [photo ...]
"""
import glob
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from ssd_mobilenet import FACE_API_MODELS, SsdFaceScores  # noqa: E402


def main():
    photos = sys.argv[1:] or sorted(glob.glob(os.path.join(HERE, '..', '..', 'shared', 'data', 'london-faces-v1', 'without_mask', '*')))[:4]
    if not os.path.isdir(FACE_API_MODELS):
        sys.exit('face-api is not installed: npm --prefix training/backbone ci')
    with tempfile.TemporaryDirectory() as out:
        subprocess.run(['node', os.path.join(HERE, 'backbone', 'reference-ssd-mobilenet.mjs'), FACE_API_MODELS, out, *photos], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        meta = json.load(open(os.path.join(out, 'meta.json')))
        size = meta['size']
        x = np.fromfile(os.path.join(out, 'input.f32'), dtype=np.float32).reshape(meta['n'], size, size, 3)
        ref = np.fromfile(os.path.join(out, meta['outputs'][0]['file']), dtype=np.float32).reshape(meta['outputs'][0]['shape'])
    with torch.no_grad():
        got = SsdFaceScores().double().eval()(torch.from_numpy(x).double().permute(0, 3, 1, 2) / 127.5 - 1).numpy()
    diff = float(np.abs(got - ref).max())
    best = ', '.join(f'{r:.4f}/{g:.4f}' for r, g in zip(ref.max(1), got.max(1)))
    print(f'face scores {list(ref.shape)}: max difference {diff:.3g}; best anchor per image, face-api/port: {best}')
    sys.exit(0 if diff <= 5e-4 else 1)


if __name__ == '__main__':
    main()
