#!/usr/bin/python3
"""Checks training/face_resnet.py's port of dlib's face-recognition ResNet against face-api itself.

Runs face-api's FaceRecognitionNet in TensorFlow.js (training/backbone/reference-face-api.mjs) on
real photos and a random image, runs the port on the same 150 px input, and compares the 128-d
descriptors. Exits 1 when they differ by more than 5e-5 of their range: the port runs in float64,
and TensorFlow.js's float32 kernels land up to about 1e-5 from it over these 29 layers (the port
in float32 is 3e-7 from float64), while a wrong layer, padding or weight moves the descriptor by
1e-2 or more. Needs
`npm --prefix training/backbone ci` first.

Usage: /usr/bin/python3 training/verify_face_resnet.py [photo ...]
"""
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from face_api_reference import default_photos, run_reference  # noqa: E402
from face_resnet import FaceResNet, face_api_weights  # noqa: E402


def main():
    photos = sys.argv[1:] or default_photos()
    x, ref = run_reference('recognition', photos)
    with torch.no_grad():
        features = FaceResNet().double().eval()(torch.from_numpy(x).double().permute(0, 3, 1, 2)).numpy()
    got = features @ face_api_weights()['fc'].astype(np.float64)
    diff = float(np.abs(got - ref).max())
    scale = float(np.abs(ref).max()) or 1.0
    print(f'descriptor {list(ref.shape)}: max difference {diff:.3g} (values up to {scale:.3g})')
    print(f'{len(x)} images ({len(photos)} photos and a random one); worst relative difference {diff / scale:.2e}')
    sys.exit(0 if diff / scale <= 5e-5 else 1)


if __name__ == '__main__':
    main()
