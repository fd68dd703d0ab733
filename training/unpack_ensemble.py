#!/usr/bin/python3
"""Recovers the member checkpoints (train.py --save-checkpoint format) of an ensemble model folder
that ensemble.py exported, from its model.onnx and training.json. Checkpoints are not kept with
the product, and training a member again takes up to an hour: with them, ensemble.py can export a
new mix (one member swapped, other weights) at once.

How: the members are built again and exported exactly as ensemble.py exports them, with every
parameter's first element set to a tag (1000 + its index) and every batch norm an identity. Where
a tag turns up in that graph (consumer node, input slot) the shipped graph holds that parameter's
trained value; ONNX export folds batch norms into the convolution before them, which with an
identity batch norm leaves the convolution's weight as it is and makes its bias the norm's bias.
A parameter that reached the graph in any other form stops the recovery rather than guess.

  /usr/bin/python3 training/unpack_ensemble.py training/.cache/runs/facemask-float OUT_DIR --backbone DIR

(the float ensemble `npm run train` leaves there; the shipped model is a cascade around its int8
form, and 3.1.0, the float ensemble itself, is in the git history).
"""
import argparse
import json
import os
import sys
import tempfile

import numpy as np
import onnx
import torch
from onnx import numpy_helper
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import crops  # noqa: E402
import fitting  # noqa: E402
from ensemble import CoveredResplit, Ensemble, ViolationSplit  # noqa: E402
from model import build_model  # noqa: E402

TAG = 1000.0


def graph_constants(path):
    """Every initializer by where it is read: (consumer node name, input slot) -> array."""
    model = onnx.load(path)
    inits = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}
    return {(n.name, j): inits[name] for n in model.graph.node for j, name in enumerate(n.input) if name in inits}


def tag_members(models):
    """Identity batch norms, random parameters with a tag in element 0; returns tag -> (member, name)."""
    tags = []
    g = torch.Generator().manual_seed(0)
    for mi, m in enumerate(models):
        norms = {name for name, mod in m.named_modules() if isinstance(mod, nn.BatchNorm2d)}
        for mod in m.modules():
            if isinstance(mod, nn.BatchNorm2d):
                mod.weight.data.fill_(1.0)
                mod.running_mean.zero_()
                mod.running_var.fill_(1.0 - mod.eps)
        for name, p in m.named_parameters():
            owner, leaf = name.rsplit('.', 1)
            if owner in norms and leaf == 'weight':
                continue
            p.data.copy_(torch.rand(p.shape, generator=g) * 0.1 + 0.01)
            p.data.view(-1)[0] = TAG + len(tags)
            tags.append((mi, name))
    return tags


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('folder', help='model folder exported by ensemble.py')
    ap.add_argument('out', help='folder for the recovered checkpoints (named as in training.json)')
    ap.add_argument('--backbone', default=None, help='folder holding the face-mesh graphs, for FaceMeshNet members')
    args = ap.parse_args()
    meta = json.load(open(os.path.join(args.folder, 'training.json')))
    if 'members' not in meta:
        raise SystemExit(f'{args.folder} is not an ensemble export (training.json has no members)')
    if meta.get('flip_tta'):
        raise SystemExit('ensembles exported with the mirror average are not supported')
    main_members, kind_members = meta['members'], meta.get('kind_members') or []
    members = main_members + kind_members
    models = [build_model(m['options'].get('arch', 'masknet'), len(crops.LABELS), width=m['options'].get('width', 16), backbone=args.backbone).eval() for m in members]
    tags = tag_members(models)
    main, kind = models[:len(main_members)], models[len(main_members):]
    graph = CoveredResplit(Ensemble(main, [m['temperature'] for m in main_members], meta.get('weights')), 1.0).eval()
    if kind:
        # The members that name the violation (ensemble.py --kind) sit beside the main ones.
        graph = ViolationSplit(graph, 1.0, Ensemble(kind, [m['temperature'] for m in kind_members]), 0.0).eval()
    with tempfile.TemporaryDirectory() as tmp:
        tagged_path = os.path.join(tmp, 'tagged.onnx')
        fitting.export_graph(graph, tagged_path)
        tagged = graph_constants(tagged_path)
    shipped = graph_constants(os.path.join(args.folder, 'model.onnx'))
    states = [m.state_dict() for m in models]
    found = set()
    for where, arr in tagged.items():
        flat = arr.reshape(-1)
        if flat.size == 0 or not TAG <= flat[0] < TAG + len(tags) or flat[0] != np.round(flat[0]):
            continue
        k = int(flat[0] - TAG)
        mi, name = tags[k]
        p = states[mi][name].numpy()
        if flat.size != p.size or not np.array_equal(flat, p.reshape(-1)):
            raise SystemExit(f'member {mi} {name} reaches {where} transformed: cannot recover it')
        if where not in shipped or shipped[where].size != p.size:
            raise SystemExit(f'{where} is not in {args.folder}/model.onnx as exported here: another ensemble.py or torch version?')
        states[mi][name] = torch.from_numpy(shipped[where].reshape(p.shape).copy())
        found.add(k)
    missing = [tags[k] for k in range(len(tags)) if k not in found]
    if missing:
        raise SystemExit(f'not found in the graph: {missing}')
    os.makedirs(args.out, exist_ok=True)
    for state, member, name in zip(states, members, meta['ensemble'] + (meta.get('kind') or [])):
        path = os.path.join(args.out, name)
        torch.save({'state': state, 'width': member['options'].get('width', 16), 'meta': member}, path)
        crops.log(f'wrote {path}')


if __name__ == '__main__':
    main()
