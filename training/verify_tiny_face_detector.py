#!/usr/bin/python3
"""Checks training/tiny_face_detector.py's port of face-api's Tiny Face Detector against face-api itself.

Runs face-api's TinyFaceDetector in TensorFlow.js (training/backbone/reference-face-api.mjs) on real
photos and a random image at 224 px, runs the port on the same input, and compares the raw output
(box offsets and face score of 5 anchors in each of 7 x 7 cells). Exits 1 when any differs by more
than 1e-3 of the output's range: TensorFlow.js's float32 kernels land within about 1e-5 of the port
in float64 over these 7 layers, while a wrong padding, pool or weight moves it by 1e-2 or more.
Needs `npm --prefix training/backbone ci` first.

Usage: /usr/bin/python3 training/verify_tiny_face_detector.py [photo ...]
"""
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from face_api_reference import default_photos, run_reference  # noqa: E402
from tiny_face_detector import TinyFaceOutput  # noqa: E402


def main():
    x, ref = run_reference('tiny', sys.argv[1:] or default_photos())
    with torch.no_grad():
        got = TinyFaceOutput().double().eval()(torch.from_numpy(x).double().permute(0, 3, 1, 2)).numpy()
    diff = float(np.abs(got - ref).max()) / float(np.ptp(ref))
    # The face score of the best anchor per image (every fifth value of the 25 per cell).
    score = lambda out: 1 / (1 + np.exp(-out.reshape(out.shape[0], -1, 5)[:, :, 4].max(1)))
    best = ', '.join(f'{r:.4f}/{g:.4f}' for r, g in zip(score(ref), score(got)))
    print(f'output {list(ref.shape)}: max difference {diff:.3g} of its range; best face score per image, face-api/port: {best}')
    sys.exit(0 if diff <= 1e-3 else 1)


if __name__ == '__main__':
    main()
