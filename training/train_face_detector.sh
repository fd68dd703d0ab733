#!/bin/sh
# Rebuilds models/face-detector (`npm run train:face-detector`): MediaPipe's BlazeFace as published
# (models/blazeface, fetched by `npm run setup`) fine-tuned so that masked faces are found as far
# away as bare ones (training/train_face_detector.py). About 15 minutes on a 2-core CPU (one
# training thread and one thread drawing frames, so that a run gives the shipped weights).
# Needs Debian's PyTorch (python3-torch, python3-onnx).
set -eu
cd "$(dirname "$0")/.."
PY=${PYTHON:-/usr/bin/python3}
$PY -c 'import torch, onnx' 2>/dev/null || { echo "train: $PY lacks torch or onnx (Debian: apt-get install python3-torch python3-onnx), or set PYTHON" >&2; exit 2; }
[ -f models/blazeface/model.onnx ] || npm run setup
OMP_NUM_THREADS=1 $PY training/train_face_detector.py --out training/.cache/face-detector --model-dir models/face-detector \
  --epochs 12 --seed 1 --threads 1 --workers 1 --negatives 0.3 --version 1.1.0
