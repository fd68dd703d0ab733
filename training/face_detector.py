"""MediaPipe's short-range BlazeFace (the ONNX the kiosk ships) as a trainable PyTorch module.

The graph is read from `model.onnx` node by node: convolutions become parameters, the
zero-channel concatenations that stand in for TensorFlow's channel padding become F.pad, and the
four outputs keep the kiosk's layout ([N, 512, 1], [N, 384, 1], [N, 512, 16], [N, 384, 16]; input
[N, 128, 128, 3], RGB in [-1, 1]). `export_onnx` writes the trained weights into a copy of the
shipped graph, so `src/main/vision/detector.ts` loads and runs it unchanged. Also here: the anchors and the
decoding of `src/main/vision/blazeface-decode.ts`, for labels and evaluation in Python.
"""
import os
import subprocess
import tempfile

import numpy as np
import onnx
import torch
import torch.nn.functional as F
from onnx import numpy_helper
from torch import nn

INPUT_SIZE = 128


def anchors():
    """Anchor centres in the model's row order: 16x16 grid x 2, then 8x8 x 6 (normalised)."""
    out = []
    for grid, per in ((16, 2), (8, 6)):
        for y in range(grid):
            for x in range(grid):
                out += [((x + 0.5) / grid, (y + 0.5) / grid)] * per
    return np.array(out, dtype=np.float32)


ANCHORS = anchors()


class BlazeFace(nn.Module):
    def __init__(self, onnx_path):
        super().__init__()
        model = onnx.load(onnx_path)
        inits = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}
        self.steps = []
        self.weights = nn.ParameterList()
        self.param_names = []
        for node in model.graph.node:
            attrs = {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}
            if node.op_type == 'Conv':
                w = nn.Parameter(torch.from_numpy(inits[node.input[1]].copy()))
                self.weights.append(w)
                self.param_names.append(node.input[1])
                has_bias = len(node.input) > 2
                if has_bias:
                    self.weights.append(nn.Parameter(torch.from_numpy(inits[node.input[2]].copy())))
                    self.param_names.append(node.input[2])
                pads = attrs.get('pads', [0, 0, 0, 0])
                self.steps.append(('conv', node.input[0], node.output[0], {
                    'w': len(self.weights) - (2 if has_bias else 1),
                    'b': len(self.weights) - 1 if has_bias else None,
                    'stride': attrs['strides'][0], 'group': attrs.get('group', 1),
                    # ONNX pads are [top, left, bottom, right]; F.pad takes (left, right, top, bottom).
                    'pad': (pads[1], pads[3], pads[0], pads[2]),
                }))
            elif node.op_type == 'ConstantOfShape':
                self.steps.append(('zeros', None, node.output[0], {'channels': int(inits[node.input[0]][1])}))
            elif node.op_type == 'Concat':
                self.steps.append(('chanpad', node.input[0], node.output[0], {'from': node.input[1]}))
            elif node.op_type in ('Relu', 'MaxPool', 'Transpose'):
                self.steps.append((node.op_type.lower(), node.input[0], node.output[0], attrs))
            elif node.op_type == 'Add':
                self.steps.append(('add', node.input[0], node.output[0], {'other': node.input[1]}))
            elif node.op_type == 'Reshape':
                self.steps.append(('reshape', node.input[0], node.output[0], {'shape': inits[node.input[1]].tolist()}))
            else:
                raise ValueError(f'unsupported op {node.op_type}')
        self.input_name = model.graph.input[0].name
        self.output_names = [o.name for o in model.graph.output]

    def forward(self, x):
        """x: [N, 128, 128, 3] in [-1, 1]. Returns scores16 [N,512,1], scores8 [N,384,1], boxes16, boxes8."""
        env = {self.input_name: x}
        zeros = {}
        for op, src, dst, a in self.steps:
            if op == 'conv':
                h = F.pad(env[src], a['pad']) if any(a['pad']) else env[src]
                b = self.weights[a['b']] if a['b'] is not None else None
                env[dst] = F.conv2d(h, self.weights[a['w']], b, stride=a['stride'], groups=a['group'])
            elif op == 'zeros':
                zeros[dst] = a['channels']
            elif op == 'chanpad':
                env[dst] = F.pad(env[src], (0, 0, 0, 0, 0, zeros[a['from']]))
            elif op == 'relu':
                env[dst] = F.relu(env[src])
            elif op == 'maxpool':
                env[dst] = F.max_pool2d(env[src], 2, 2)
            elif op == 'transpose':
                env[dst] = env[src].permute(*a['perm'])
            elif op == 'add':
                env[dst] = env[src] + env[a['other']]
            elif op == 'reshape':
                env[dst] = env[src].reshape(env[src].shape[0], *a['shape'][1:])
        # The graph's order: Identity (scores 16x16), Identity_1 (scores 8x8), Identity_2, Identity_3 (boxes).
        out = {n: env[n] for n in self.output_names}
        return out['Identity:0'], out['Identity_1:0'], out['Identity_2:0'], out['Identity_3:0']

    def raw(self, x):
        """Scores [N, 896] and boxes [N, 896, 16], both grids in anchor order."""
        s16, s8, b16, b8 = self(x)
        return torch.cat([s16, s8], 1)[..., 0], torch.cat([b16, b8], 1)


def export_onnx(model, source_path, path):
    """Writes the shipped graph (`source_path`) with the module's weights in place of its own: the
    same nodes, names and shapes, so the kiosk loads and runs it exactly as the original."""
    graph = onnx.load(source_path)
    inits = {i.name: i for i in graph.graph.initializer}
    for name, param in zip(model.param_names, model.weights):
        inits[name].CopyFrom(numpy_helper.from_array(param.detach().numpy().astype(np.float32), name))
    onnx.save(graph, path)


def export_difference(model, path, count=4, seed=0):
    """The largest difference between the module and the exported graph run by ONNX Runtime, through
    the kiosk's own entry to it (`training/detector-raw.ts`), on `count` random inputs."""
    x = np.random.default_rng(seed).uniform(-1, 1, (count, INPUT_SIZE, INPUT_SIZE, 3)).astype(np.float32)
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..')
    with tempfile.TemporaryDirectory() as tmp:
        src, dst = os.path.join(tmp, 'in.bin'), os.path.join(tmp, 'out.bin')
        x.tofile(src)
        subprocess.run(['npx', 'tsx', 'training/detector-raw.ts', os.path.abspath(path), src, dst, str(count)], cwd=root, check=True)
        ort_out = np.fromfile(dst, np.float32).reshape(count, -1)
    model.eval()
    with torch.no_grad():
        torch_out = np.concatenate([t.reshape(count, -1).numpy() for t in model(torch.from_numpy(x))], 1)
    return float(np.abs(ort_out - torch_out).max())


def decode(scores, boxes, min_score=0.5):
    """One image's raw outputs (numpy [896], [896, 16]) to detections above min_score, normalised."""
    logit_min = np.log(min_score / (1 - min_score))
    keep = np.nonzero(scores >= logit_min)[0]
    out = []
    for i in keep:
        ax, ay = ANCHORS[i]
        b = boxes[i]
        out.append({
            'cx': ax + b[0] / INPUT_SIZE, 'cy': ay + b[1] / INPUT_SIZE,
            'w': b[2] / INPUT_SIZE, 'h': b[3] / INPUT_SIZE,
            'kp': np.array([(ax if k % 2 == 0 else ay) + b[4 + k] / INPUT_SIZE for k in range(12)]),
            'score': float(1 / (1 + np.exp(-np.clip(scores[i], -100, 100)))),
        })
    return weighted_nms(out)


def iou(a, b):
    ix = min(a['cx'] + a['w'] / 2, b['cx'] + b['w'] / 2) - max(a['cx'] - a['w'] / 2, b['cx'] - b['w'] / 2)
    iy = min(a['cy'] + a['h'] / 2, b['cy'] + b['h'] / 2) - max(a['cy'] - a['h'] / 2, b['cy'] - b['h'] / 2)
    if ix <= 0 or iy <= 0:
        return 0.0
    inter = ix * iy
    return inter / (a['w'] * a['h'] + b['w'] * b['h'] - inter)


def weighted_nms(dets, thr=0.3):
    rest = sorted(dets, key=lambda d: -d['score'])
    kept = []
    while rest:
        best = rest[0]
        group = [d for d in rest if d is best or iou(best, d) > thr]
        rest = [d for d in rest if not (d is best or iou(best, d) > thr)]
        tot = sum(d['score'] for d in group)
        m = {k: sum(d[k] * d['score'] for d in group) / tot for k in ('cx', 'cy', 'w', 'h')}
        m['kp'] = sum(d['kp'] * d['score'] for d in group) / tot
        m['score'] = best['score']
        kept.append(m)
    return kept
