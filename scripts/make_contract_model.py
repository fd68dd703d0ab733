#!/usr/bin/python3
"""Writes test/fixtures/contract-model: a tiny classifier with exactly the interface of the seed
BEiT's Optimum export (input pixel_values [N,3,224,224] float32, output logits [N,2], BEiT's
config.json labels and preprocessor_config.json values). Tests use it; the app never does.

Its logits are a fixed linear function of the per-channel means of the normalised input:
logit[No Mask] = 3 * mean(R), logit[Mask] = 3 * mean(B). A test can therefore check the
kiosk's preprocessing (resize, rescale, mean/std, channel order) from a plain colour image.

Run with Debian's Python (apt-get install python3-onnx): /usr/bin/python3 scripts/make_contract_model.py
"""
import json
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures', 'contract-model')


def build() -> onnx.ModelProto:
    pixel_values = helper.make_tensor_value_info('pixel_values', TensorProto.FLOAT, ['batch_size', 3, 224, 224])
    logits = helper.make_tensor_value_info('logits', TensorProto.FLOAT, ['batch_size', 2])
    weight = numpy_helper.from_array(np.array([[3, 0], [0, 0], [0, 3]], dtype=np.float32), 'weight')
    nodes = [
        helper.make_node('ReduceMean', ['pixel_values'], ['channel_means'], axes=[2, 3], keepdims=0),
        helper.make_node('MatMul', ['channel_means', 'weight'], ['logits']),
    ]
    graph = helper.make_graph(nodes, 'beit-contract-fixture', [pixel_values], [logits], [weight])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid('', 13)], producer_name='mask-kiosk')
    model.ir_version = 8
    onnx.checker.check_model(model, full_check=True)
    return model


CONFIG = {
    '_name_or_path': 'contract-fixture (BEiT Optimum export interface)',
    'architectures': ['BeitForImageClassification'],
    'model_type': 'beit',
    'id2label': {'0': 'No Mask', '1': 'Mask'},
    'label2id': {'No Mask': 0, 'Mask': 1},
    'image_size': 224,
    'num_channels': 3,
}

PREPROCESSOR = {
    'crop_size': {'height': 224, 'width': 224},
    'do_center_crop': False,
    'do_normalize': True,
    'do_reduce_labels': False,
    'do_rescale': True,
    'do_resize': True,
    'image_mean': [0.5, 0.5, 0.5],
    'image_processor_type': 'BeitImageProcessor',
    'image_std': [0.5, 0.5, 0.5],
    'resample': 2,
    'rescale_factor': 1 / 255,
    'size': {'height': 224, 'width': 224},
}


def main() -> int:
    os.makedirs(OUT, exist_ok=True)
    onnx.save(build(), os.path.join(OUT, 'model.onnx'))
    for name, data in (('config.json', CONFIG), ('preprocessor_config.json', PREPROCESSOR)):
        with open(os.path.join(OUT, name), 'w') as f:
            json.dump(data, f, indent=2)
            f.write('\n')
    print(f'wrote {os.path.normpath(OUT)}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
