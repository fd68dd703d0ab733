#!/usr/bin/python3
"""Checks training/tfjs_graph.py's PyTorch port of a TensorFlow.js graph against TensorFlow.js.

Runs the original model in TensorFlow.js (training/backbone/reference.mjs) on real photos and a
random image, runs the port on the same input, and compares every output. Exits 1 when any output
differs by more than 1e-5 of its range. Needs `npm --prefix training/backbone ci` first.

Usage: /usr/bin/python3 training/verify_port.py [model name, default facemesh] [photo ...]
A name from model.FACE_BACKBONES whose graph the port cannot run to its end (the attention mesh's
spatial transformers) is checked at the nodes the classifier uses.
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
from model import FACE_BACKBONES  # noqa: E402
from tfjs_graph import TfjsGraph  # noqa: E402

MODELS = os.path.join(HERE, 'backbone', 'node_modules', '@vladmandic', 'human-models', 'models')
INNER_ONLY = {'facemesh-attention'}


def main():
    name = sys.argv[1] if len(sys.argv) > 1 else 'facemesh'
    photos = sys.argv[2:] or sorted(glob.glob(os.path.join(HERE, '..', '..', 'shared', 'data', 'london-faces-v1', 'without_mask', '*')))[:4]
    if not os.path.isdir(MODELS):
        sys.exit('the backbone is not installed: npm --prefix training/backbone ci')
    with tempfile.TemporaryDirectory() as out:
        nodes = ['--nodes', ','.join(FACE_BACKBONES[name][1])] if name in INNER_ONLY else []
        subprocess.run(['node', os.path.join(HERE, 'backbone', 'reference.mjs'), MODELS, name, out, *nodes, *photos], check=True, stdout=subprocess.DEVNULL)
        meta = json.load(open(os.path.join(out, 'meta.json')))
        x = np.fromfile(os.path.join(out, 'input.f32'), dtype=np.float32).reshape(meta['n'], 192, 192, 3)
        port = TfjsGraph(MODELS, [o['name'] for o in meta['outputs']], json_name=f'{name}.json').eval()
        with torch.no_grad():
            results = port(torch.from_numpy(x).permute(0, 3, 1, 2))
        results = results if isinstance(results, tuple) else (results,)
        worst = 0.0
        for o, result in zip(meta['outputs'], results):
            ref = np.fromfile(os.path.join(out, o['file']), dtype=np.float32).reshape(o['shape'])
            # Inner nodes are feature maps: TensorFlow.js lays them out NHWC, the port NCHW.
            got = (result.permute(0, 2, 3, 1) if result.dim() == 4 else result).numpy().reshape(o['shape'])
            diff = float(np.abs(got - ref).max())
            scale = float(np.abs(ref).max()) or 1.0
            worst = max(worst, diff / scale)
            print(f"{o['name']} {o['shape']}: max difference {diff:.3g} (outputs up to {scale:.3g})")
    print(f'{meta["n"]} images ({len(photos)} photos and a random one); worst relative difference {worst:.2e}')
    sys.exit(0 if worst <= 1e-5 else 1)


if __name__ == '__main__':
    main()
