#!/bin/sh
# Rebuilds models/facemask-default (`npm run train`): exports the training crops through the
# kiosk's own detector and crop code, trains the two members (MaskNet from scratch; dlib's
# face-recognition ResNet fine-tuned on the crop resized to 150 px, with heads bent up and down
# and the top of another head over the mouth and chin of bare faces; both with real bare lower
# faces laid over real masks) and exports their average (of their calibrated probabilities, the
# split between a mask worn right and one below the nose then refit on val) as one model folder.
# About 50 minutes on a 2-core CPU.
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
$PY training/verify_face_resnet.py
COMMON="--crops training/.cache/crops --london-data ../shared/data/london-faces-v1 --select-crops training/.cache/eval-crops --p-pad 0.3 --threads 2"
$PY training/train.py $COMMON --p-unmask 0.3 --out "$RUNS/scratch" --save-checkpoint "$RUNS/scratch.pt"
$PY training/train.py $COMMON --arch face-resnet-150 --seed 7 --lr 1e-3 --backbone-lr 0.5 --weight-decay 1e-4 \
  --p-unmask 0.3 --p-pitch 0.7 --p-cover 0.3 --epochs 40 --flip-tta 0 --time-limit 9000 \
  --out "$RUNS/face-resnet" --save-checkpoint "$RUNS/face-resnet.pt"
$PY training/ensemble.py "$RUNS/scratch.pt" "$RUNS/face-resnet.pt" \
  --crops training/.cache/crops --flip-tta 0 --out models/facemask-default
