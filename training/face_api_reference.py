"""Runs one of face-api's networks in TensorFlow.js (training/backbone/reference-face-api.mjs) for
the port checks (verify_face_resnet.py, verify_ssd_mobilenet.py): the input it was given and its
outputs, on real photos and a random image."""
import glob
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

from face_resnet import FACE_API_MODELS

HERE = os.path.dirname(os.path.abspath(__file__))


def shared_photos(*folder, n=4):
    """The first `n` photos of a folder of the shared data beside the checkout."""
    return sorted(glob.glob(os.path.join(HERE, '..', '..', 'shared', 'data', *folder, '*')))[:n]


def default_photos():
    """The first four london-faces-v1 portraits."""
    return shared_photos('london-faces-v1', 'without_mask')


def run_reference(network, photos):
    """(input NHWC float32 in 0..255, face-api's first output) for `network` ('recognition' or 'ssd')
    on `photos` and one random image."""
    if not os.path.isdir(FACE_API_MODELS):
        sys.exit('face-api is not installed: npm --prefix training/backbone ci')
    with tempfile.TemporaryDirectory() as out:
        script = os.path.join(HERE, 'backbone', 'reference-face-api.mjs')
        subprocess.run(['node', script, network, FACE_API_MODELS, out, *photos], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        meta = json.load(open(os.path.join(out, 'meta.json')))
        size, output = meta['size'], meta['outputs'][0]
        x = np.fromfile(os.path.join(out, 'input.f32'), dtype=np.float32).reshape(meta['n'], size, size, 3)
        ref = np.fromfile(os.path.join(out, output['file']), dtype=np.float32).reshape(output['shape'])
    return x, ref
