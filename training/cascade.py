#!/usr/bin/env python3
"""One classifier graph from a fast student and its teacher: the student judges every face, and
only where its calibrated probability of the class it names is under --threshold does the teacher
run (an ONNX `If`, so the teacher costs nothing in a frame where the student is sure of every
face). Faces the student is sure of keep the student's answer, the rest get the teacher's, so a
face's answer does not depend on which other faces share its batch.

  cascade.py --student DIR --teacher DIR --threshold 0.95 --out DIR [--version V]

Both folders are classifier model folders (model.onnx, config.json, calibration.json,
preprocessor_config.json) with the same input, labels and preprocessing. The output folder's
graph returns calibrated log-probabilities (its calibration temperature is 1); its config,
preprocessor config and licences are the teacher's, its training.json records both.

Needs the `onnx` package (Debian: python3-onnx).
"""
import argparse
import json
import shutil
from pathlib import Path

import onnx
from onnx import TensorProto, helper

INPUT = 'pixel_values'
OUTPUT = 'logits'


def read_json(folder, name):
    return json.loads((Path(folder) / name).read_text())


def read_folder(folder):
    """A model folder's graph and the JSON files the cascade needs, each read once."""
    names = ('config', 'preprocessor_config', 'calibration', 'training')
    return {'model': onnx.load(str(Path(folder) / 'model.onnx')), **{n: read_json(folder, f'{n}.json') for n in names}}


def prefixed(graph, prefix, input_as=INPUT):
    """The graph's nodes and initializers with every tensor renamed, its input to `input_as`."""
    rename = lambda t: t if t == '' else input_as if t == INPUT else prefix + t  # noqa: E731
    nodes = []
    for n in graph.node:
        node = onnx.NodeProto()
        node.CopyFrom(n)
        node.name = prefix + (n.name or n.output[0])
        node.input[:] = [rename(t) for t in n.input]
        node.output[:] = [rename(t) for t in n.output]
        nodes.append(node)
    inits = []
    for i in graph.initializer:
        init = onnx.TensorProto()
        init.CopyFrom(i)
        init.name = rename(i.name)
        inits.append(init)
    return nodes, inits, rename(graph.output[0].name)


def check_same_io(student, teacher):
    for name, keys in (
        ('config', ('id2label', 'image_size')),
        ('preprocessor_config', ('size', 'image_mean', 'image_std', 'rescale_factor')),
        ('training', ('input', 'crop_margin')),
    ):
        for k in keys:
            s, t = student[name].get(k), teacher[name].get(k)
            if s != t:
                raise SystemExit(f'cascade: {name}.json differs in {k}: student {s}, teacher {t}')
    for folder, who in ((student, 'student'), (teacher, 'teacher')):
        m = folder['model']
        if [i.name for i in m.graph.input] != [INPUT] or len(m.graph.output) != 1:
            raise SystemExit(f'cascade: the {who} graph must take only {INPUT} and return one output')


def opsets(*models):
    versions = {}
    for m in models:
        for o in m.opset_import:
            versions[o.domain] = max(versions.get(o.domain, 0), o.version)
    return [helper.make_opsetid(d, v) for d, v in sorted(versions.items())]


def build(student, teacher, s_temperature, t_temperature, threshold):
    s_nodes, s_inits, s_out = prefixed(student.graph, 'student/')
    t_nodes, t_inits, t_out = prefixed(teacher.graph, 'teacher/', input_as='cascade/unsure_pixels')
    const = lambda name, value: helper.make_tensor(name, TensorProto.FLOAT, [], [value])  # noqa: E731
    inits = s_inits + [
        const('cascade/student_temperature', s_temperature),
        const('cascade/teacher_temperature', t_temperature),
        const('cascade/threshold', threshold),
        const('cascade/half', 0.5),
    ]
    head = [
        helper.make_node('Div', [s_out, 'cascade/student_temperature'], ['cascade/student_scaled']),
        helper.make_node('LogSoftmax', ['cascade/student_scaled'], ['cascade/student_logp'], axis=1),
        helper.make_node('ReduceMax', ['cascade/student_logp'], ['cascade/student_top_logp'], axes=[1], keepdims=1),
        helper.make_node('Exp', ['cascade/student_top_logp'], ['cascade/student_top']),
        helper.make_node('Less', ['cascade/student_top', 'cascade/threshold'], ['cascade/unsure']),
        helper.make_node('Cast', ['cascade/unsure'], ['cascade/unsure_f'], to=TensorProto.FLOAT),
        helper.make_node('ReduceMax', ['cascade/unsure_f'], ['cascade/any_unsure_f'], keepdims=0),
        helper.make_node('Greater', ['cascade/any_unsure_f', 'cascade/half'], ['cascade/any_unsure']),
    ]
    logp = helper.make_tensor_value_info(OUTPUT, TensorProto.FLOAT, ['batch_size', 3])
    # The teacher sees only the faces the student is unsure of; their rows of the student's
    # answer are then overwritten with the teacher's.
    then_branch = helper.make_graph(
        [
            helper.make_node('Reshape', ['cascade/unsure', 'cascade/flat'], ['cascade/unsure_rows']),
            helper.make_node('Compress', [INPUT, 'cascade/unsure_rows'], ['cascade/unsure_pixels'], axis=0),
            helper.make_node('NonZero', ['cascade/unsure_rows'], ['cascade/unsure_index_row']),
            helper.make_node('Transpose', ['cascade/unsure_index_row'], ['cascade/unsure_index'], perm=[1, 0]),
        ]
        + t_nodes
        + [
            helper.make_node('Div', [t_out, 'cascade/teacher_temperature'], ['cascade/teacher_scaled']),
            helper.make_node('LogSoftmax', ['cascade/teacher_scaled'], ['cascade/teacher_logp'], axis=1),
            helper.make_node('ScatterND', ['cascade/student_logp', 'cascade/unsure_index', 'cascade/teacher_logp'], ['cascade/then_logp']),
        ],
        'teacher',
        [],
        [helper.make_tensor_value_info('cascade/then_logp', TensorProto.FLOAT, ['batch_size', 3])],
        # The teacher's weights live in its branch: as outer-scope values each would be handed
        # to the branch as an implicit input on every run (about 1 ms), and ONNX Runtime's
        # extended optimisations stop on a duplicate node name.
        t_inits + [helper.make_tensor('cascade/flat', TensorProto.INT64, [1], [-1])],
    )
    else_branch = helper.make_graph(
        [helper.make_node('Identity', ['cascade/student_logp'], ['cascade/else_logp'])],
        'student_only',
        [],
        [helper.make_tensor_value_info('cascade/else_logp', TensorProto.FLOAT, ['batch_size', 3])],
    )
    nodes = s_nodes + head + [helper.make_node('If', ['cascade/any_unsure'], [OUTPUT], then_branch=then_branch, else_branch=else_branch)]
    graph = helper.make_graph(nodes, 'cascade', [student.graph.input[0]], [logp], inits)
    model = helper.make_model(graph, opset_imports=opsets(student, teacher), producer_name='mask-kiosk cascade.py')
    model.ir_version = max(student.ir_version, teacher.ir_version)
    onnx.checker.check_model(model)
    return model


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--student', required=True)
    ap.add_argument('--teacher', required=True)
    ap.add_argument('--threshold', type=float, required=True, help="the student's calibrated probability below which the teacher decides")
    ap.add_argument('--out', required=True)
    ap.add_argument('--version', default=None)
    args = ap.parse_args()
    student, teacher = read_folder(args.student), read_folder(args.teacher)
    check_same_io(student, teacher)
    model = build(student['model'], teacher['model'], student['calibration']['temperature'], teacher['calibration']['temperature'], args.threshold)

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    onnx.save(model, str(out / 'model.onnx'))
    for f in Path(args.teacher).iterdir():
        if f.name.startswith('LICENSE') or f.name == 'preprocessor_config.json':
            shutil.copyfile(f, out / f.name)
    config = {**teacher['config'], 'architectures': ['Cascade'], 'model_type': 'cascade'}
    if args.version:
        config['model_version'] = args.version
    (out / 'config.json').write_text(json.dumps(config, indent=2) + '\n')
    calibration = {
        'temperature': 1.0,
        'fitted_on': "the members' own calibrations, applied inside the graph (see training.json)",
    }
    (out / 'calibration.json').write_text(json.dumps(calibration, indent=2) + '\n')
    s_train, t_train = student['training'], teacher['training']
    training = {
        'model_version': config.get('model_version'),
        'kind': 'cascade',
        'threshold': args.threshold,
        'parameters': s_train['parameters'] + t_train['parameters'],
        'input': t_train['input'],
        'crop_margin': t_train['crop_margin'],
        'student': {'calibration': student['calibration'], 'training': s_train},
        'teacher': {'config': teacher['config'], 'training': t_train},
    }
    for side in ('student', 'teacher'):
        training[side]['training'].pop('history', None)
    (out / 'training.json').write_text(json.dumps(training, indent=2) + '\n')
    print(f'cascade: {out / "model.onnx"} ({(out / "model.onnx").stat().st_size / 1e6:.1f} MB), teacher below P {args.threshold}')


if __name__ == '__main__':
    main()
