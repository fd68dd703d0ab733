#!/usr/bin/env python3
"""Static int8 quantization of a classifier graph in ONNX's QDQ form, for ONNX Runtime's int8
convolutions (training/quantize.ts drives it; no ONNX Runtime Python is needed).

  qdq.py targets GRAPH CALIB_GRAPH TARGETS_JSON
      the activations to quantize (every convolution's input and output) added to the graph's
      outputs, so onnxruntime-node can report their ranges on calibration crops
  qdq.py build GRAPH RANGES_JSON OUT [--ranges minmax|mean] [--skip SUBSTRING,...]
      QuantizeLinear/DequantizeLinear around those activations (uint8, asymmetric, one scale
      per tensor), int8 weights with one scale per output channel, int32 biases; convolutions
      whose name contains a --skip substring stay float

Needs the `onnx` package (Debian: python3-onnx).
"""
import argparse
import json

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def conv_activations(graph, skip=()):
    inits = {i.name for i in graph.initializer}
    convs = [n for n in graph.node if n.op_type == 'Conv' and not any(s and s in n.name for s in skip)]
    tensors = []
    for n in convs:
        for t in (n.input[0], n.output[0]):
            if t not in inits and t not in tensors:
                tensors.append(t)
    return convs, tensors


def targets(args):
    model = onnx.load(args.graph)
    _, tensors = conv_activations(model.graph)
    outputs = {o.name for o in model.graph.output}
    for t in tensors:
        if t not in outputs:
            model.graph.output.append(helper.make_tensor_value_info(t, TensorProto.FLOAT, None))
    onnx.save(model, args.calib_graph)
    with open(args.targets_json, 'w') as f:
        json.dump(tensors, f)
    print(f'{len(tensors)} activations to calibrate')


def activation_params(r, kind):
    lo, hi = (r['meanMin'], r['meanMax']) if kind == 'mean' else (r['min'], r['max'])
    lo, hi = min(0.0, lo), max(0.0, hi)
    scale = max((hi - lo) / 255.0, 1e-8)
    return np.float32(scale), np.uint8(np.clip(round(-lo / scale), 0, 255))


def topological(nodes, available):
    ordered, pending = [], list(nodes)
    while pending:
        rest = [n for n in pending if not all((not t) or t in available for t in n.input)]
        for n in pending:
            if n not in rest:
                ordered.append(n)
                available.update(n.output)
        if len(rest) == len(pending):
            raise SystemExit(f'cannot order the graph: {rest[0].name} waits for {list(rest[0].input)}')
        pending = rest
    return ordered


def build(args):
    model = onnx.load(args.graph)
    g = model.graph
    ranges = json.load(open(args.ranges_json))
    inits = {i.name: i for i in g.initializer}
    convs, tensors = conv_activations(g, args.skip.split(',') if args.skip else ())
    added_inits, added_nodes, dq = [], [], {}
    for t in tensors:
        scale, zp = activation_params(ranges[t], args.ranges)
        added_inits += [numpy_helper.from_array(np.array(scale), f'{t}_scale'), numpy_helper.from_array(np.array(zp), f'{t}_zero')]
        added_nodes += [
            helper.make_node('QuantizeLinear', [t, f'{t}_scale', f'{t}_zero'], [f'{t}_q'], name=f'{t}_Q'),
            helper.make_node('DequantizeLinear', [f'{t}_q', f'{t}_scale', f'{t}_zero'], [f'{t}_dq'], name=f'{t}_DQ'),
        ]
        dq[t] = (f'{t}_dq', float(scale))
    for n in convs:
        x, w = n.input[0], n.input[1]
        b = n.input[2] if len(n.input) > 2 and n.input[2] else None
        W = numpy_helper.to_array(inits[w]).astype(np.float32)
        cout = W.shape[0]
        B = numpy_helper.to_array(inits[b]).astype(np.float64) if b else None
        sw = np.abs(W.reshape(cout, -1)).max(axis=1) / 127.0
        if b:
            # The int32 bias is counted in steps of input scale times weight scale: a filter whose
            # weights are (nearly) all zero, left by batch norm folding, would overflow it and lose
            # its constant output. Its weight scale is raised until the bias fits, with a factor of
            # two to spare for float32 rounding; its weights quantize as before, or to the same zeros.
            sw = np.maximum(sw, np.abs(B) / (dq[x][1] * 2**30))
        sw = np.maximum(sw, 1e-12).astype(np.float32)
        Wq = np.clip(np.round(W / sw.reshape((cout,) + (1,) * (W.ndim - 1))), -127, 127).astype(np.int8)
        added_inits += [numpy_helper.from_array(Wq, f'{w}_int8'), numpy_helper.from_array(sw, f'{w}_wscale'), numpy_helper.from_array(np.zeros(cout, np.int8), f'{w}_wzero')]
        added_nodes.append(helper.make_node('DequantizeLinear', [f'{w}_int8', f'{w}_wscale', f'{w}_wzero'], [f'{w}_wdq'], name=f'{n.name}_weight_DQ', axis=0))
        inputs = [dq[x][0] if x in dq else x, f'{w}_wdq']
        if b:
            # The bias in int32 at the scale of input times weight, as ONNX Runtime's QLinearConv reads it.
            sb = dq[x][1] * sw.astype(np.float64)
            Bq = np.round(B / sb).astype(np.int32)
            added_inits += [numpy_helper.from_array(Bq, f'{b}_int32'), numpy_helper.from_array(sb.astype(np.float32), f'{b}_bscale'), numpy_helper.from_array(np.zeros(cout, np.int32), f'{b}_bzero')]
            added_nodes.append(helper.make_node('DequantizeLinear', [f'{b}_int32', f'{b}_bscale', f'{b}_bzero'], [f'{b}_bdq'], name=f'{n.name}_bias_DQ', axis=0))
            inputs.append(f'{b}_bdq')
        del n.input[:]
        n.input.extend(inputs)
    for n in g.node:
        if n.op_type == 'Conv' and n in convs:
            continue
        for i, t in enumerate(n.input):
            if t in dq:
                n.input[i] = dq[t][0]
    available = {i.name for i in g.input} | set(inits) | {i.name for i in added_inits}
    ordered = topological(list(g.node) + added_nodes, available)
    del g.node[:]
    g.node.extend(ordered)
    g.initializer.extend(added_inits)
    used = {t for n in g.node for t in n.input}
    kept = [i for i in g.initializer if i.name in used]
    del g.initializer[:]
    g.initializer.extend(kept)
    onnx.checker.check_model(model)
    onnx.save(model, args.out)
    print(f'{len(convs)} convolutions and {len(tensors)} activations in int8: {args.out}')


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    sub = ap.add_subparsers(dest='command', required=True)
    t = sub.add_parser('targets')
    t.add_argument('graph')
    t.add_argument('calib_graph')
    t.add_argument('targets_json')
    b = sub.add_parser('build')
    b.add_argument('graph')
    b.add_argument('ranges_json')
    b.add_argument('out')
    b.add_argument('--ranges', choices=['minmax', 'mean'], default='mean', help="minmax: the extremes over all crops; mean: each crop's extremes, averaged")
    b.add_argument('--skip', default='', help='comma-separated substrings of convolution names that stay float')
    args = ap.parse_args()
    (targets if args.command == 'targets' else build)(args)


if __name__ == '__main__':
    main()
