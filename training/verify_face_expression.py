#!/usr/bin/python3
"""Checks training/face_expression.py's ports of face-api's face-expression and 68-point landmark networks against face-api itself.

Runs face-api's FaceExpressionNet and FaceLandmark68Net in TensorFlow.js
(training/backbone/reference-face-api.mjs) on real photos and a random image, runs the port on the
same 112 px input, and compares the seven expression probabilities and the 136 landmark
coordinates. Exits 1 when any differs by more than 1e-4: TensorFlow.js's float32 kernels land
within about 1e-6 of the port in float64 over these 16 layers, while a wrong layer, padding or
weight moves them by 1e-2 or more. Needs `npm --prefix training/backbone ci` first.

Usage: /usr/bin/python3 training/verify_face_expression.py [photo ...]
"""
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from face_api_reference import default_photos, run_reference, shared_photos  # noqa: E402
from face_expression import EXPRESSION_MODEL, LANDMARK_MODEL, FaceApiDenseNet  # noqa: E402


def main():
    # The portraits alone saturate the softmax (neutral at 1.000), where a wrong layer would hide:
    # masked photos give expressions the network is unsure of.
    photos = sys.argv[1:] or default_photos() + shared_photos('facemask-v1', 'train', 'with_mask')
    worst = 0.0
    for network, model, what in (('expression', EXPRESSION_MODEL, 'expression probabilities'), ('landmark', LANDMARK_MODEL, 'landmark coordinates')):
        x, ref = run_reference(network, photos)
        with torch.no_grad():
            got = FaceApiDenseNet(model).double().eval()(torch.from_numpy(x).double().permute(0, 3, 1, 2)).numpy()
        diff = float(np.abs(got - ref).max())
        worst = max(worst, diff)
        print(f'{what} {list(ref.shape)}: max difference {diff:.3g}; face-api {np.round(ref[0, :7], 3).tolist()}, port {np.round(got[0, :7], 3).tolist()}')
    sys.exit(0 if worst <= 1e-4 else 1)


if __name__ == '__main__':
    main()
