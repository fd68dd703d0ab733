"""face-api's SSD MobileNet v1 face detector as a trainable PyTorch module.

The weights are those of face-api.js's `ssd_mobilenetv1_model` as shipped in the npm package
@vladmandic/face-api (model/ssd_mobilenetv1_model-weights_manifest.json + .bin; MIT): a MobileNet v1
with SSD heads trained to find faces on WIDER FACE, whose photos are crowds, blur, occlusion, odd
poses and light: the world of ood-eval-v1 rather than facemask-v1's close-ups. The layers follow
face-api's src/ssdMobilenetv1 (mobileNetV1.ts, predictionLayer.ts, outputLayer.ts); this is our own
code, checked against face-api in TensorFlow.js by training/verify_ssd_mobilenet.py.

Batch norms are folded into the convolutions, so fine-tuning sees plain convolutions with biases.
TensorFlow's 'same' padding is asymmetric for strided convolutions (the extra pixel goes below and
right), so strided layers pad explicitly.
"""
import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from face_resnet import FACE_API_MODELS, face_api_weights

BN_EPSILON = 0.0010000000474974513
# MobileNet's depthwise layers that halve the size (face-api's getStridesForLayerIdx).
STRIDED = {2, 4, 6, 12}


def ssd_weights(model_dir=FACE_API_MODELS):
    """Every weight of face-api's SSD MobileNet v1 by name (HWIO filters)."""
    return face_api_weights(model_dir, 'ssd_mobilenetv1_model')


class SameConv(nn.Conv2d):
    """A convolution padded as TensorFlow's 'same' pads it."""

    def forward(self, x):
        k, s = self.kernel_size[0], self.stride[0]
        h, w = int(x.shape[2]), int(x.shape[3])
        ph = max((-(-h // s) - 1) * s + k - h, 0)
        pw = max((-(-w // s) - 1) * s + k - w, 0)
        x = F.pad(x, (pw // 2, pw - pw // 2, ph // 2, ph - ph // 2))
        return F.conv2d(x, self.weight, self.bias, self.stride, 0, 1, self.groups)


def conv_from(filters, bias, stride, depthwise=False, scale=None):
    """A SameConv holding TensorFlow `filters` (HWIO, or HWC1 when depthwise), `bias` (None: none) and a per-channel `scale`."""
    if depthwise:
        w = filters.transpose(2, 3, 0, 1)  # C 1 H W
        cin = cout = w.shape[0]
        groups = cin
    else:
        w = filters.transpose(3, 2, 0, 1)  # O I H W
        cout, cin = w.shape[0], w.shape[1]
        groups = 1
    if scale is not None:
        w = w * scale[:, None, None, None]
    conv = SameConv(cin, cout, w.shape[2], stride, groups=groups, bias=bias is not None)
    conv.weight.data = torch.from_numpy(np.ascontiguousarray(w, dtype=np.float32))
    if bias is not None:
        conv.bias.data = torch.from_numpy(np.asarray(bias, dtype=np.float32))
    return conv


def pointwise(weights, prefix, idx, stride):
    """face-api's pointwiseConvLayer: a convolution plus a batch-norm offset, then ReLU6."""
    p = f'{prefix}/Conv2d_{idx}_pointwise'
    return conv_from(weights[f'{p}/weights'], weights[f'{p}/convolution_bn_offset'], stride)


def depthwise(weights, idx, stride):
    """face-api's depthwiseConvLayer with its batch norm folded in, before ReLU6."""
    p = f'MobilenetV1/Conv2d_{idx}_depthwise'
    gamma, beta = weights[f'{p}/BatchNorm/gamma'], weights[f'{p}/BatchNorm/beta']
    mean, var = weights[f'{p}/BatchNorm/moving_mean'], weights[f'{p}/BatchNorm/moving_variance']
    scale = gamma / np.sqrt(var + BN_EPSILON)
    return conv_from(weights[f'{p}/depthwise_weights'], beta - mean * scale, stride, depthwise=True, scale=scale)


class MobileNetV1(nn.Module):
    """Input: RGB scaled to -1..1, NCHW. Output: conv11 (512 channels, stride 16) and conv13 (1024
    channels, stride 32), as face-api's mobileNetV1 returns them."""

    def __init__(self, weights):
        super().__init__()
        self.stem = pointwise(weights, 'MobilenetV1', 0, 2)
        self.layers = nn.ModuleList()
        for i in range(1, 14):
            self.layers.append(nn.ModuleList([depthwise(weights, i, 2 if i in STRIDED else 1), pointwise(weights, 'MobilenetV1', i, 1)]))

    def forward(self, x):
        x = F.relu6(self.stem(x))
        conv11 = None
        for i, (dw, pw) in enumerate(self.layers, start=1):
            x = F.relu6(pw(F.relu6(dw(x))))
            if i == 11:
                conv11 = x
        return conv11, x


class SsdFaceScores(nn.Module):
    """The whole detector up to its per-anchor face scores (sigmoid of the face class), as face-api's
    forwardInput computes them before decoding boxes; only the port's check needs this part."""

    def __init__(self, model_dir=FACE_API_MODELS):
        super().__init__()
        w = ssd_weights(model_dir)
        self.backbone = MobileNetV1(w)
        self.extra = nn.ModuleList(pointwise(w, 'Prediction', i, 2 if i % 2 else 1) for i in range(8))
        self.classes = nn.ModuleList(
            conv_from(w[f'Prediction/BoxPredictor_{i}/ClassPredictor/weights'], w[f'Prediction/BoxPredictor_{i}/ClassPredictor/biases'], 1)
            for i in range(6))

    def forward(self, x):
        conv11, out = self.backbone(x)
        maps = [conv11, out]
        y = out
        for i, layer in enumerate(self.extra):
            y = F.relu6(layer(y))
            if i % 2:
                maps.append(y)
        logits = [c(m).permute(0, 2, 3, 1).reshape(x.shape[0], -1, 3) for c, m in zip(self.classes, maps)]
        return torch.sigmoid(torch.cat(logits, 1)[:, :, 1])
