#!/usr/bin/python3
"""Lets a cascade's student name the violation where its teacher decides (training/cascade.py):
the teacher keeps its chance of a mask worn right, and the rest is shared between "no mask" and
"below the nose" as the student shares it, instead of as the teacher's own naming member (an
attention face mesh that runs only for that). The student runs for every face anyway and learnt
the teacher's answers, naming member included, so the teacher loses a network (about a quarter of
its cost) and P(mask), and so every pass and refusal, stays the same to the last digit.

The lean towards "no mask" is chosen as ensemble.py --kind chooses it for the teacher's member: the
strongest at which val's synthetic masks worn wrong are still called so at --kind-recall, with the
teacher judging every val face. The probabilities come from the kiosk's own classifier code:

  kind_from_student.py dump --model DIR --crops training/.cache/crops --out WORK
  node --import tsx training/distill_labels.ts WORK --model WORK/teacher-always --out teacher.f32
  node --import tsx training/distill_labels.ts WORK --model WORK/student-always --out student.f32
  kind_from_student.py build --model DIR --work WORK --out DIR2 --version V

Needs Debian's PyTorch and onnx (python3-torch, python3-onnx).
"""
import argparse
import json
import os
import shutil
import sys
from pathlib import Path

import numpy as np
import onnx
import torch
from onnx import helper, numpy_helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import augment  # noqa: E402
import crops  # noqa: E402
from ensemble import lean_to_no_mask  # noqa: E402

# Tensor names cascade.py and ensemble.py give the graph.
STUDENT_LOGP = 'cascade/student_logp'
UNSURE_ROWS = 'cascade/unsure_rows'
THRESHOLD = 'cascade/threshold'
TEACHER_KIND_LOGP = 'teacher//LogSoftmax_1_output_0'
TEACHER_LEAN = 'teacher/log_k'
STUDENT_KIND_LOGP = 'cascade/unsure_student_logp'
STUDENT_LEAN = 'cascade/student_log_k'


def then_branch(model):
    node = next(n for n in model.graph.node if n.op_type == 'If')
    return next(a.g for a in node.attribute if a.name == 'then_branch')


def set_threshold(model, value):
    for init in model.graph.initializer:
        if init.name == THRESHOLD:
            init.CopyFrom(numpy_helper.from_array(np.array(value, dtype=np.float32), THRESHOLD))
            return
    raise SystemExit(f'{THRESHOLD} not found: not a cascade.py graph')


def prune(graph):
    """Drops the nodes and initializers nothing reads any more (the naming member)."""
    while True:
        read = {o.name for o in graph.output}
        for n in graph.node:
            read.update(n.input)
        live = [n for n in graph.node if any(o in read for o in n.output)]
        if len(live) == len(graph.node):
            break
        del graph.node[:]
        graph.node.extend(live)
    inits = [i for i in graph.initializer if i.name in read]
    del graph.initializer[:]
    graph.initializer.extend(inits)


def student_names(model, log_k):
    """The cascade with the teacher's naming member replaced by the student's split (odds of
    "below the nose" times exp(log_k)); P(mask) is the teacher's as before."""
    branch = then_branch(model)
    if not any(TEACHER_KIND_LOGP in n.output for n in branch.node):
        raise SystemExit('the teacher has no naming member (ensemble.py --kind) to replace')
    for n in branch.node:
        for i, name in enumerate(n.input):
            if name == TEACHER_KIND_LOGP:
                n.input[i] = STUDENT_KIND_LOGP
            elif name == TEACHER_LEAN:
                n.input[i] = STUDENT_LEAN
    at = next(i for i, n in enumerate(branch.node) if UNSURE_ROWS in n.output)
    # The student's log-probabilities of the faces the teacher judges, in the teacher's row order.
    branch.node.insert(at + 1, helper.make_node('Compress', [STUDENT_LOGP, UNSURE_ROWS], [STUDENT_KIND_LOGP], axis=0, name='cascade/unsure_student'))
    branch.initializer.append(numpy_helper.from_array(np.array(log_k, dtype=np.float32), STUDENT_LEAN))
    prune(branch)
    onnx.checker.check_model(model)
    return model


def write_variant(src, out, model):
    shutil.rmtree(out, ignore_errors=True)
    shutil.copytree(src, out)
    onnx.save(model, str(Path(out) / 'model.onnx'))


def dump(args):
    """val and synthetic masks worn wrong on its bare faces (as ensemble.py fits on), in the
    kiosk's view as distill_labels.ts reads a dump, and the two graphs that label it."""
    rows, x, y, _ = crops.load_split(args.crops, 'val')
    inc_x, inc_y = crops.synthetic_incorrect(rows, x, y, args.seed)
    x, y = np.concatenate([x, inc_x]), np.concatenate([y, inc_y])
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, 'crops.u8'), 'wb') as f:
        for i in range(0, len(x), 256):
            view = augment.kiosk_view(torch.from_numpy(x[i:i + 256]).permute(0, 3, 1, 2))
            f.write((view.clamp(0, 1) * 255).round().to(torch.uint8).numpy().tobytes())
    np.save(os.path.join(args.out, 'labels.npy'), y.astype(np.int64))
    with open(os.path.join(args.out, 'meta.json'), 'w') as f:
        json.dump({'n': int(len(y)), 'side': augment.INPUT, 'layout': 'NCHW uint8 RGB', 'seed': args.seed}, f)
    # The teacher judging every face, its split the student's without a lean; the student alone.
    teacher = student_names(onnx.load(str(Path(args.model) / 'model.onnx')), 0.0)
    set_threshold(teacher, 2.0)
    write_variant(args.model, os.path.join(args.out, 'teacher-always'), teacher)
    student = onnx.load(str(Path(args.model) / 'model.onnx'))
    set_threshold(student, 0.0)
    write_variant(args.model, os.path.join(args.out, 'student-always'), student)
    crops.log(f'{len(y)} val crops ({int((y == crops.INCORRECT).sum())} synthetic masks worn wrong) in {args.out}')


def probabilities(work, name, n):
    p = np.fromfile(os.path.join(work, name), dtype=np.float32).reshape(n, 3)
    return torch.from_numpy(np.log(np.clip(p, 1e-12, 1.0)).astype(np.float32))


def build(args):
    meta = json.load(open(os.path.join(args.work, 'meta.json')))
    labels = np.load(os.path.join(args.work, 'labels.npy'))
    teacher = probabilities(args.work, 'teacher.f32', meta['n'])
    student = probabilities(args.work, 'student.f32', meta['n'])
    odds = lean_to_no_mask(teacher, student, labels, args.kind_recall)
    model = student_names(onnx.load(str(Path(args.model) / 'model.onnx')), float(np.log(odds)))
    write_variant(args.model, args.out, model)
    out = Path(args.out)
    config = json.loads((out / 'config.json').read_text())
    config['model_version'] = args.version
    (out / 'config.json').write_text(json.dumps(config, indent=2) + '\n')
    training = json.loads((out / 'training.json').read_text())
    training['model_version'] = args.version
    training['teacher_violation_named_by'] = {
        'member': 'student',
        'kind_odds': round(odds, 4),
        'kind_recall': args.kind_recall,
        'fitted_on': f"facemask-v1 val plus synthetic masks worn wrong on its bare faces (seed {meta['seed']}), the teacher judging every face",
        'replaces': 'the teacher\'s own naming member (ensemble.py --kind)',
    }
    (out / 'training.json').write_text(json.dumps(training, indent=2) + '\n')
    crops.log(f'the student names the violation for the teacher: odds of "below the nose" x {odds:.3f}; {args.out} {args.version}')


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest='step', required=True)
    d = sub.add_parser('dump', help='write val in the kiosk view and the two graphs that label it')
    d.add_argument('--model', required=True, help='a cascade.py model folder whose teacher has a naming member')
    d.add_argument('--crops', required=True)
    d.add_argument('--out', required=True)
    d.add_argument('--seed', type=int, default=1234, help="the synthetic masks worn wrong (ensemble.py's default)")
    b = sub.add_parser('build', help='fit the lean and write the model folder')
    b.add_argument('--model', required=True)
    b.add_argument('--work', required=True, help="the dump folder, with distill_labels.ts's teacher.f32 and student.f32")
    b.add_argument('--out', required=True)
    b.add_argument('--version', required=True)
    b.add_argument('--kind-recall', type=float, default=0.90)
    args = ap.parse_args()
    (dump if args.step == 'dump' else build)(args)


if __name__ == '__main__':
    main()
