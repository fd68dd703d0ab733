"""A trained classifier judged, calibrated and written out: predictions on the kiosk's crop,
recall and compliance on labelled crops, temperature scaling, BatchNorm statistics for averaged
weights, and the model folder in the Optimum layout the kiosk loads."""
import json
import os

import torch
import torch.nn.functional as F
from torch import nn

import augment
from crops import ID2LABEL, INCORRECT, MASK, NO_MASK

def average_weights(states):
    """The mean of several runs' weights (a model soup), at one network's cost. Only runs
    fine-tuned from the same pre-trained weights stay close enough for their mean to work; what it
    bought, and what it lost when their linear layers started differently, is in the model card."""
    return {k: sum(s[k] for s in states) / len(states) if v.is_floating_point() else v for k, v in states[0].items()}


def parameter_groups(model, lr, backbone_share):
    """Pre-trained weights can learn slower than the new head, so fine-tuning keeps more of
    what they knew about faces in general. A frozen backbone (share 0) gets no group."""
    backbone = getattr(model, 'backbone', None)
    if backbone is None or backbone_share == 1.0:
        return [{'params': list(model.parameters()), 'lr': lr}]
    ids = {id(p) for p in backbone.parameters()}
    groups = [{'params': [p for p in model.parameters() if id(p) not in ids], 'lr': lr}]
    if backbone_share > 0:
        groups.append({'params': list(backbone.parameters()), 'lr': lr * backbone_share})
    return groups


def normalise(x):
    return (x - 0.5) / 0.5


def predict(model, images_u8, batch=256):
    model.eval()
    logits = []
    with torch.no_grad():
        for i in range(0, len(images_u8), batch):
            b = torch.from_numpy(images_u8[i:i + batch]).permute(0, 3, 1, 2)
            logits.append(model(normalise(augment.kiosk_view(b))))
    return torch.cat(logits)


def recompute_bn(model, images_u8, limit=2048, batch=256):
    """Fresh BatchNorm statistics (a plain average over clean crops) for averaged weights."""
    bns = [m for m in model.modules() if isinstance(m, nn.BatchNorm2d)]
    for m in bns:
        m.reset_running_stats()
        m.momentum = None
    model.train()
    with torch.no_grad():
        for i in range(0, min(len(images_u8), limit), batch):
            model(normalise(augment.kiosk_view(torch.from_numpy(images_u8[i:i + batch]).permute(0, 3, 1, 2))))
    for m in bns:
        m.momentum = 0.1
    model.eval()


def recalls(pred, labels, classes=(NO_MASK, MASK, INCORRECT)):
    return {c: float((pred[labels == c] == c).float().mean()) for c in classes if (labels == c).any()}


def evaluate(model, images_u8, labels):
    logits = predict(model, images_u8)
    y = torch.from_numpy(labels)
    r = recalls(logits.argmax(1), y)
    return logits, sum(r.values()) / len(r), float(F.cross_entropy(logits, y)), r


def evaluate_compliance(model, images_u8, labels):
    """Two-label sets (mask / no mask): what the kiosk would do, mask against anything else."""
    pred = predict(model, images_u8).argmax(1)
    y = torch.from_numpy(labels)
    compliant = pred == MASK
    mask_recall = float(compliant[y == MASK].float().mean())
    bare_recall = float((~compliant[y == NO_MASK]).float().mean())
    return {'mask': mask_recall, 'no_mask': bare_recall, 'balanced': (mask_recall + bare_recall) / 2}


def fit_temperature(logits, labels, with_bias=False):
    """Temperature scaling by NLL; with_bias also fits per-class logit offsets (mean zero).
    Returns (temperature, offsets or None)."""
    y = torch.from_numpy(labels)
    log_t = torch.zeros(1, requires_grad=True)
    bias = torch.zeros(logits.shape[1], requires_grad=True) if with_bias else None
    opt = torch.optim.LBFGS([log_t] + ([bias] if with_bias else []), lr=0.1, max_iter=300 if with_bias else 200)

    def closure():
        opt.zero_grad()
        loss = F.cross_entropy((logits + bias if with_bias else logits) / log_t.exp(), y)
        loss.backward()
        return loss

    opt.step(closure)
    return float(log_t.exp()), (bias.detach() - bias.detach().mean() if with_bias else None)


class FlipAverage(nn.Module):
    """Test-time augmentation inside the graph: mean logits of the crop and its mirror image."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, x):
        return (self.model(x) + self.model(torch.flip(x, dims=[3]))) / 2


def export_graph(graph, path):
    """The classifier's ONNX graph as the kiosk reads it (also what unpack_ensemble.py re-exports to find the weights)."""
    torch.onnx.export(
        graph, torch.zeros(1, 3, augment.INPUT, augment.INPUT), path,
        input_names=['pixel_values'], output_names=['logits'],
        dynamic_axes={'pixel_values': {0: 'batch_size'}, 'logits': {0: 'batch_size'}}, opset_version=13,
    )


def export(model, out_dir, temperature, meta, flip_tta=False, architecture=None, version=None):
    """Writes the model folder; `version` (training/EXPERIMENTS.md's model versions) goes into config.json and training.json."""
    architecture = architecture or type(model).__name__
    if version:
        meta = {'model_version': version, **meta}
    os.makedirs(out_dir, exist_ok=True)
    model.eval()
    graph = FlipAverage(model) if flip_tta else model
    export_graph(graph, os.path.join(out_dir, 'model.onnx'))
    files = {
        'config.json': {
            '_name_or_path': 'mask-kiosk/facemask-default', **({'model_version': version} if version else {}),
            'architectures': [architecture], 'model_type': architecture.lower(),
            'id2label': ID2LABEL, 'label2id': {v: int(k) for k, v in ID2LABEL.items()}, 'image_size': augment.INPUT, 'num_channels': 3,
        },
        'preprocessor_config.json': {
            'do_resize': True, 'size': {'height': augment.INPUT, 'width': augment.INPUT}, 'resample': 2,
            'do_rescale': True, 'rescale_factor': 1 / 255, 'do_normalize': True,
            'image_mean': [0.5, 0.5, 0.5], 'image_std': [0.5, 0.5, 0.5], 'do_center_crop': False,
            'image_processor_type': 'ViTImageProcessor',
        },
        'calibration.json': {'temperature': round(temperature, 6), 'fitted_on': 'facemask-v1 val plus synthetic masks worn wrong on its bare faces, kiosk crops, NLL'},
        'training.json': meta,
    }
    for name, data in files.items():
        with open(os.path.join(out_dir, name), 'w') as f:
            json.dump(data, f, indent=2)
            f.write('\n')
