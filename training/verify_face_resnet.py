#!/usr/bin/python3
"""Checks training/face_resnet.py's port of dlib's face-recognition ResNet against face-api itself.

Runs face-api's FaceRecognitionNet in TensorFlow.js (training/backbone/reference-face-resnet.mjs)
on real photos and a random image, runs the port on the same 150 px input, and compares the 128-d
descriptors. Exits 1 when they differ by more than 5e-5 of their range: the port runs in float64,
and TensorFlow.js's float32 kernels land up to about 1e-5 from it over these 29 layers (the port
in float32 is 3e-7 from float64), while a wrong layer, padding or weight moves the descriptor by
1e-2 or more. Needs
`npm --prefix training/backbone ci` first.

Usage: /usr/bin/python3 training/verify_face_resnet.py [photo ...]
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
from face_resnet import FACE_API_MODELS, FaceResNet, face_api_weights  # noqa: E402


def main():
    photos = sys.argv[1:] or sorted(glob.glob(os.path.join(HERE, '..', '..', 'shared', 'data', 'london-faces-v1', 'without_mask', '*')))[:4]
    if not os.path.isdir(FACE_API_MODELS):
        sys.exit('face-api is not installed: npm --prefix training/backbone ci')
    with tempfile.TemporaryDirectory() as out:
        subprocess.run(['node', os.path.join(HERE, 'backbone', 'reference-face-resnet.mjs'), FACE_API_MODELS, out, *photos], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        meta = json.load(open(os.path.join(out, 'meta.json')))
        x = np.fromfile(os.path.join(out, 'input.f32'), dtype=np.float32).reshape(meta['n'], 150, 150, 3)
        ref = np.fromfile(os.path.join(out, meta['outputs'][0]['file']), dtype=np.float32).reshape(meta['outputs'][0]['shape'])
    with torch.no_grad():
        features = FaceResNet().double().eval()(torch.from_numpy(x).double().permute(0, 3, 1, 2)).numpy()
    got = features @ face_api_weights()['fc'].astype(np.float64)
    diff = float(np.abs(got - ref).max())
    scale = float(np.abs(ref).max()) or 1.0
    print(f'descriptor {list(ref.shape)}: max difference {diff:.3g} (values up to {scale:.3g})')
    print(f'{meta["n"]} images ({len(photos)} photos and a random one); worst relative difference {diff / scale:.2e}')
    sys.exit(0 if diff / scale <= 5e-5 else 1)


if __name__ == '__main__':
    main()
