// The reference side of training/verify_face_resnet.py, verify_ssd_mobilenet.py, verify_face_expression.py (expression, landmark) and verify_tiny_face_detector.py: runs
// one of face-api's networks in TensorFlow.js on photos (resized to the network's input size, RGB
// 0..255) plus one random image, and writes the input and the outputs the port is checked on as raw
// float32, with a meta.json describing them.
//   recognition: FaceRecognitionNet (its port of dlib's face-recognition ResNet) at 150 px; the 128-d descriptors.
//   ssd: SsdMobilenetv1 (the SSD MobileNet v1 face detector) at 512 px; every anchor's face score.
//   expression: FaceExpressionNet at 112 px; the seven expression probabilities.
//   landmark: FaceLandmark68Net at 112 px; the 68 landmarks' x and y as shares of the input.
//   tiny: TinyFaceDetector at 224 px; its raw output (5 anchors x box and score per cell).
// Usage: node training/backbone/reference-face-api.mjs <recognition|ssd|expression|landmark|tiny> <face-api model dir> <out dir> <image>...
import { createRequire } from 'node:module';
import sharp from 'sharp';
import fs from 'node:fs';
import path from 'node:path';
const [which, dir, outDir, ...images] = process.argv.slice(2);
// face-api's Node build on plain TensorFlow.js (its default Node build needs tfjs-node's native library).
const require = createRequire(import.meta.url);
const faceapi = require('@vladmandic/face-api/dist/face-api.node-wasm.js');
const tf = faceapi.tf;
await tf.setBackend('cpu');

/** The network's batched output as one named array: for nets whose forward takes the whole batch (and `args` after it). */
const batchOutput = (name, ...args) => async (net, tensors) => {
  const y = await net.forward(tensors, ...args);
  return { name, shape: y.shape, data: y.dataSync() };
};

const NETS = {
  recognition: {
    file: 'face_recognition_model',
    size: 150,
    make: () => new faceapi.FaceRecognitionNet(),
    run: batchOutput('descriptor'),
  },
  ssd: {
    file: 'ssd_mobilenetv1_model',
    size: 512,
    make: () => new faceapi.SsdMobilenetv1(),
    run: async (net, tensors) => {
      const scores = [];
      for (const t of tensors) scores.push(...net.forwardInput(await faceapi.toNetInput(t)).scores[0].dataSync());
      return { name: 'scores', shape: [tensors.length, scores.length / tensors.length], data: Float32Array.from(scores) };
    },
  },
  expression: {
    file: 'face_expression_model',
    size: 112,
    make: () => new faceapi.FaceExpressionNet(),
    run: batchOutput('expressions'),
  },
  landmark: {
    file: 'face_landmark_68_model',
    size: 112,
    make: () => new faceapi.FaceLandmark68Net(),
    run: batchOutput('landmarks'),
  },
  tiny: {
    file: 'tiny_face_detector_model',
    size: 224,
    make: () => new faceapi.TinyFaceDetector(),
    run: batchOutput('output', 224),
  },
};
const spec = NETS[which];
if (!spec) throw new Error(`unknown network ${which}: one of ${Object.keys(NETS).join(', ')}`);
const manifest = JSON.parse(fs.readFileSync(path.join(dir, `${spec.file}-weights_manifest.json`), 'utf8'));
const bin = fs.readFileSync(path.join(dir, `${spec.file}.bin`));
const weightMap = tf.io.decodeWeights(bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength), manifest.flatMap(g => g.weights));
const net = spec.make();
net.loadFromWeightMap(weightMap);

const { size } = spec;
const inputs = [];
for (const f of images) {
  const { data } = await sharp(f).resize(size, size, { fit: 'fill' }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  inputs.push(Float32Array.from(data));
}
const rnd = new Float32Array(size * size * 3); for (let i = 0; i < rnd.length; i++) rnd[i] = Math.random() * 255;
inputs.push(rnd);
const out = await spec.run(net, inputs.map(a => tf.tensor3d(a, [size, size, 3])));
fs.mkdirSync(outDir, { recursive: true });
fs.writeFileSync(path.join(outDir, 'input.f32'), Buffer.from(Float32Array.from(inputs.flatMap(a => Array.from(a))).buffer));
fs.writeFileSync(path.join(outDir, 'out0.f32'), Buffer.from(Float32Array.from(out.data).buffer));
const meta = { n: inputs.length, size, outputs: [{ name: out.name, shape: out.shape, file: 'out0.f32' }] };
fs.writeFileSync(path.join(outDir, 'meta.json'), JSON.stringify(meta, null, 1));
console.log(JSON.stringify(meta));
