"""dlib's face-recognition ResNet (Davis King, public domain) as a trainable PyTorch module.

The weights are face-api.js's port of dlib_face_recognition_resnet_model_v1, as shipped in the npm
package @vladmandic/face-api (model/face_recognition_model-weights_manifest.json + .bin; MIT). The
layers follow face-api's FaceRecognitionNet; this is our own code, checked against face-api in
TensorFlow.js by training/verify_face_resnet.py. dlib trained the network on about 3 million faces
of 7,485 people to tell people apart, so its features hold the whole face, lower half included.

Each convolution is followed by a per-channel scale and bias (dlib's affine layer in place of batch
norm); they are folded into the convolution, so fine-tuning sees plain convolutions with biases.
"""
import json
import os

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from tfjs_graph import read_weights

HERE = os.path.dirname(os.path.abspath(__file__))
FACE_API_MODELS = os.path.join(HERE, 'backbone', 'node_modules', '@vladmandic', 'face-api', 'model')
MEAN_RGB = (122.782, 117.001, 104.298)
# (name, kind): 'down' halves the size (a 'valid' 3x3 convolution of stride 2, shortcut 2x2 average
# pool padded with zero channels), 'same' keeps it.
RESIDUALS = [('conv32_1', 'same'), ('conv32_2', 'same'), ('conv32_3', 'same'),
             ('conv64_down', 'down'), ('conv64_1', 'same'), ('conv64_2', 'same'), ('conv64_3', 'same'),
             ('conv128_down', 'down'), ('conv128_1', 'same'), ('conv128_2', 'same'),
             ('conv256_down', 'down'), ('conv256_1', 'same'), ('conv256_2', 'same'), ('conv256_down_out', 'down')]


def folded_conv(weights, prefix, stride):
    """A Conv2d holding `prefix`'s convolution with its scale layer folded in."""
    w = weights[f'{prefix}/conv/filters']  # HWIO
    scale, shift = weights[f'{prefix}/scale/weights'], weights[f'{prefix}/scale/biases']
    conv = nn.Conv2d(w.shape[2], w.shape[3], w.shape[0], stride, padding=0 if stride == 2 else w.shape[0] // 2)
    conv.weight.data = torch.from_numpy(np.ascontiguousarray(w.transpose(3, 2, 0, 1) * scale[:, None, None, None]))
    conv.bias.data = torch.from_numpy(weights[f'{prefix}/conv/bias'] * scale + shift)
    return conv


class Residual(nn.Module):
    def __init__(self, weights, prefix, down):
        super().__init__()
        self.down = down
        self.conv1 = folded_conv(weights, f'{prefix}/conv1', 2 if down else 1)
        self.conv2 = folded_conv(weights, f'{prefix}/conv2', 1)

    def forward(self, x):
        out = self.conv2(F.relu(self.conv1(x)))
        if not self.down:
            return F.relu(out + x)
        shortcut = F.avg_pool2d(x, 2, 2)
        # face-api pads the residual with zeros below and right where the pooled shortcut is a
        # pixel larger (odd sizes), and the shortcut with zero channels. Sizes as plain ints keep
        # the paddings constants in an ONNX export.
        dh, dw = int(shortcut.shape[2]) - int(out.shape[2]), int(shortcut.shape[3]) - int(out.shape[3])
        out = F.pad(out, (0, dw, 0, dh))
        shortcut = F.pad(shortcut, (0, 0, 0, 0, 0, int(out.shape[1]) - int(shortcut.shape[1])))
        return F.relu(out + shortcut)


def face_api_weights(model_dir=FACE_API_MODELS, model='face_recognition_model'):
    """Every weight of one of face-api's models by name (HWIO filters); by default the face-recognition
    model (`fc` its descriptor layer)."""
    manifest = json.load(open(os.path.join(model_dir, f'{model}-weights_manifest.json')))
    return read_weights(model_dir, manifest)


class FaceResNet(nn.Module):
    """Input: RGB in 0..255, NCHW. Output: the 256 channels before dlib's descriptor, averaged over
    the image. The descriptor layer itself (`fc`, 256 x 128) is left out: the classifier does not use
    it, and only the port's check needs it (verify_face_resnet.py)."""

    def __init__(self, model_dir=FACE_API_MODELS):
        super().__init__()
        weights = face_api_weights(model_dir)
        self.register_buffer('mean', torch.tensor(MEAN_RGB).view(1, 3, 1, 1), persistent=False)
        self.stem = folded_conv(weights, 'conv32_down', 2)
        self.blocks = nn.ModuleList(Residual(weights, name, kind == 'down') for name, kind in RESIDUALS)

    def forward(self, x):
        x = (x - self.mean) / 255
        x = F.max_pool2d(F.relu(self.stem(x)), 3, 2)
        for block in self.blocks:
            x = block(x)
        return x.mean((2, 3))
