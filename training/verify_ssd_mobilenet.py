#!/usr/bin/python3
"""Checks training/ssd_mobilenet.py's port of face-api's SSD MobileNet v1 face detector against face-api itself.

Runs face-api's SsdMobilenetv1 in TensorFlow.js (training/backbone/reference-face-api.mjs) on real
photos and a random image, runs the port (MobileNet, the SSD's extra layers and its face-class
heads) on the same 512 px input, and compares every anchor's face score (5,118 an image). Exits 1
when any differs by more than 5e-4: TensorFlow.js's float32 kernels land within about 1e-4 of the
port in float64 over these 36 layers, while a wrong layer, padding or weight moves scores by 1e-2
or more. Needs `npm --prefix training/backbone ci` first.

Usage: /usr/bin/python3 training/verify_ssd_mobilenet.py [photo ...]
"""
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from face_api_reference import default_photos, run_reference  # noqa: E402
from ssd_mobilenet import SsdFaceScores  # noqa: E402


def main():
    x, ref = run_reference('ssd', sys.argv[1:] or default_photos())
    with torch.no_grad():
        got = SsdFaceScores().double().eval()(torch.from_numpy(x).double().permute(0, 3, 1, 2) / 127.5 - 1).numpy()
    diff = float(np.abs(got - ref).max())
    best = ', '.join(f'{r:.4f}/{g:.4f}' for r, g in zip(ref.max(1), got.max(1)))
    print(f'face scores {list(ref.shape)}: max difference {diff:.3g}; best anchor per image, face-api/port: {best}')
    sys.exit(0 if diff <= 5e-4 else 1)


if __name__ == '__main__':
    main()
