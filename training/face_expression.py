"""face-api's face-expression and 68-point face-landmark networks as trainable PyTorch modules.

The weights are those of face-api.js's `face_expression_model` and `face_landmark_68_model` as
shipped in the npm package @vladmandic/face-api (model/*-weights_manifest.json + .bin; MIT). Both
are the same small densely connected network (four blocks of depthwise-separable convolutions,
32 to 256 channels) reading a 112 px face, with weights of their own: one names one of seven
expressions (which live in the mouth, so its features should tell a mouth in view from one
covered), the other places 68 landmarks (jaw line, brows, eyes, nose, lips: the face's shape and
turn). The layers follow face-api's src/faceFeatureExtractor (FaceFeatureExtractor.ts,
denseBlock.ts), src/faceProcessor and src/faceLandmarkNet; this is our own code, checked against
face-api in TensorFlow.js by training/verify_face_expression.py.
"""
import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from face_resnet import FACE_API_MODELS, MEAN_RGB, face_api_weights
from ssd_mobilenet import conv_from

INPUT = 112
EXPRESSIONS = ('neutral', 'happy', 'sad', 'angry', 'fearful', 'disgusted', 'surprised')
EXPRESSION_MODEL = 'face_expression_model'
LANDMARK_MODEL = 'face_landmark_68_model'


def dense_net_weights(model_dir=FACE_API_MODELS, model=EXPRESSION_MODEL):
    """Every weight of one of face-api's densely connected face networks by name (HWIO filters)."""
    return face_api_weights(model_dir, model)


class SeparableConv(nn.Module):
    """TensorFlow's separableConv2d with 'same' padding, then a bias (face-api's depthwiseSeparableConv)."""

    def __init__(self, weights, prefix, stride):
        super().__init__()
        self.depthwise = conv_from(weights[f'{prefix}/depthwise_filter'], None, stride, depthwise=True)
        self.pointwise = conv_from(weights[f'{prefix}/pointwise_filter'], weights[f'{prefix}/bias'], 1)

    def forward(self, x):
        return self.pointwise(self.depthwise(x))


class DenseBlock(nn.Module):
    """face-api's denseBlock4: a strided first layer, then three more, each fed the sum of all before it."""

    def __init__(self, weights, name, first=False):
        super().__init__()
        if first:
            self.conv0 = conv_from(weights[f'{name}/conv0/filters'], weights[f'{name}/conv0/bias'], 2)
        else:
            self.conv0 = SeparableConv(weights, f'{name}/conv0', 2)
        self.convs = nn.ModuleList(SeparableConv(weights, f'{name}/conv{i}', 1) for i in (1, 2, 3))

    def forward(self, x):
        out1 = F.relu(self.conv0(x))
        out2 = self.convs[0](out1)
        out3 = self.convs[1](F.relu(out1 + out2))
        out4 = self.convs[2](F.relu(out1 + out2 + out3))
        return F.relu(out1 + out2 + out3 + out4)


class FaceFeatureExtractor(nn.Module):
    """Input: RGB in 0..255, NCHW, 112 px. Output: 256 channels averaged over the 7 x 7 map (face-api's
    7 x 7 average pool on its 7 x 7 map)."""

    def __init__(self, weights=None):
        super().__init__()
        weights = dense_net_weights() if weights is None else weights
        self.register_buffer('mean', torch.tensor(MEAN_RGB).view(1, 3, 1, 1), persistent=False)
        self.blocks = nn.ModuleList(DenseBlock(weights, f'dense{i}', first=i == 0) for i in range(4))

    def forward(self, x):
        x = (x - self.mean.to(x.dtype)) / 255
        for block in self.blocks:
            x = block(x)
        return x.mean((2, 3))


class FaceApiDenseNet(nn.Module):
    """A whole network with its own last layer: the seven expression probabilities, or (model
    LANDMARK_MODEL) the 68 landmarks' x and y in turn, as shares of the 112 px input. Only the
    port's check needs this part."""

    def __init__(self, model=EXPRESSION_MODEL, model_dir=FACE_API_MODELS):
        super().__init__()
        w = dense_net_weights(model_dir, model)
        self.softmax = model == EXPRESSION_MODEL
        self.features = FaceFeatureExtractor(w)
        self.fc = nn.Linear(*w['fc/weights'].shape)
        self.fc.weight.data = torch.from_numpy(np.ascontiguousarray(w['fc/weights'].T, dtype=np.float32))
        self.fc.bias.data = torch.from_numpy(np.asarray(w['fc/bias'], dtype=np.float32))

    def forward(self, x):
        y = self.fc(self.features(x))
        return torch.softmax(y, 1) if self.softmax else y
