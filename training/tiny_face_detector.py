"""face-api's Tiny Face Detector as a trainable PyTorch module.

The weights are those of face-api.js's `tiny_face_detector_model` as shipped in the npm package
@vladmandic/face-api (model/tiny_face_detector_model-weights_manifest.json + .bin; MIT): a Tiny
YOLO v2 with depthwise-separable convolutions (about 190,000 weights) that face-api's author
trained to find faces on about 14,000 photos of faces in the wild. The layers follow face-api's
src/tinyYolov2 (TinyYolov2Base.runMobilenet, depthwiseSeparableConv.ts, leaky.ts) with the
Tiny Face Detector's configuration (tinyFaceDetector/TinyFaceDetector.ts, const.ts); this is our
own code, checked against face-api in TensorFlow.js by training/verify_tiny_face_detector.py.
"""
import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from face_resnet import FACE_API_MODELS, face_api_weights
from ssd_mobilenet import conv_from

# The detector's input less this mean colour, over 255 (tinyFaceDetector/const.ts MEAN_RGB).
MEAN_RGB = (117.001, 114.697, 97.404)
# face-api's leaky ReLU (tinyYolov2/leaky.ts): x - 0.9 min(x, 0).
LEAKY_SLOPE = 0.10000000149011612


def tiny_weights(model_dir=FACE_API_MODELS):
    """Every weight of face-api's Tiny Face Detector by name (HWIO filters)."""
    return face_api_weights(model_dir, 'tiny_face_detector_model')


class SeparableConv(nn.Module):
    """face-api's depthwiseSeparableConv: 3x3 depthwise (padded by one, which is TensorFlow's 'same'
    at stride 1), 1x1 pointwise with a bias, leaky ReLU."""

    def __init__(self, weights, name):
        super().__init__()
        self.depthwise = conv_from(weights[f'{name}/depthwise_filter'], None, 1, depthwise=True)
        self.pointwise = conv_from(weights[f'{name}/pointwise_filter'], weights[f'{name}/bias'], 1)

    def forward(self, x):
        return F.leaky_relu(self.pointwise(self.depthwise(x)), LEAKY_SLOPE)


def max_pool_same(x, stride):
    """TensorFlow's 2x2 max pool with 'same' padding: the extra row and column go below and right."""
    # Stride 1 keeps the size, so the window needs one more row and column; stride 2 needs one on odd sides.
    ph = 1 if stride == 1 else int(x.shape[2]) % 2
    pw = 1 if stride == 1 else int(x.shape[3]) % 2
    x = F.pad(x, (0, pw, 0, ph), value=float('-inf'))
    return F.max_pool2d(x, 2, stride)


class TinyFaceBackbone(nn.Module):
    """Input: RGB in 0..255, NCHW. Output: conv4's 256 channels (stride 16 over the input) and conv5's
    512 (after its stride-1 pool, stride 32), the map the detector's 1x1 box layer (conv8) reads."""

    def __init__(self, weights):
        super().__init__()
        self.register_buffer('mean', torch.tensor(MEAN_RGB).view(1, 3, 1, 1), persistent=False)
        # conv0 is unpadded ('valid') in face-api, unlike the separable layers.
        self.conv0 = nn.Conv2d(3, 16, 3)
        self.conv0.weight.data = torch.from_numpy(np.ascontiguousarray(weights['conv0/filters'].transpose(3, 2, 0, 1)))
        self.conv0.bias.data = torch.from_numpy(weights['conv0/bias'].copy())
        self.layers = nn.ModuleList(SeparableConv(weights, f'conv{i}') for i in range(1, 6))

    def forward(self, x):
        x = (x - self.mean.to(x.dtype)) / 255
        x = max_pool_same(F.leaky_relu(self.conv0(x), LEAKY_SLOPE), 2)
        for layer in self.layers[:4]:
            x = max_pool_same(layer(x), 2)
        conv4 = x
        return conv4, max_pool_same(self.layers[4](x), 1)


class TinyFaceOutput(nn.Module):
    """The whole detector's raw output (5 anchors x box and score per cell, NHWC as face-api returns
    it); only the port's check needs the box layer."""

    def __init__(self, model_dir=FACE_API_MODELS):
        super().__init__()
        w = tiny_weights(model_dir)
        self.backbone = TinyFaceBackbone(w)
        self.conv8 = conv_from(w['conv8/filters'], w['conv8/bias'], 1)

    def forward(self, x):
        return self.conv8(self.backbone(x)[1]).permute(0, 2, 3, 1)
