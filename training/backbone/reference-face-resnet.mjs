// The reference side of training/verify_face_resnet.py: runs face-api's FaceRecognitionNet (its
// port of dlib's face-recognition ResNet) in TensorFlow.js on photos (resized to 150 px, the size
// face-api feeds it, RGB 0..255) plus one random image, and writes the input and the 128-d
// descriptors as raw float32 with a meta.json describing them.
// Usage: node training/backbone/reference-face-resnet.mjs <face-api model dir> <out dir> <image>...
import { createRequire } from 'node:module';
import sharp from 'sharp';
import fs from 'node:fs';
import path from 'node:path';
const [dir, outDir, ...images] = process.argv.slice(2);
// face-api's Node build on plain TensorFlow.js (its default Node build needs tfjs-node's native library).
const require = createRequire(import.meta.url);
const faceapi = require('@vladmandic/face-api/dist/face-api.node-wasm.js');
const tf = faceapi.tf;
await tf.setBackend('cpu');
const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'face_recognition_model-weights_manifest.json'), 'utf8'));
const bin = fs.readFileSync(path.join(dir, 'face_recognition_model.bin'));
const weightMap = tf.io.decodeWeights(bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength), manifest.flatMap(g => g.weights));
const net = new faceapi.FaceRecognitionNet();
net.loadFromWeightMap(weightMap);
const inputs = [];
for (const f of images) {
  const { data } = await sharp(f).resize(150, 150, { fit: 'fill' }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  inputs.push(Float32Array.from(data));
}
const rnd = new Float32Array(150 * 150 * 3); for (let i = 0; i < rnd.length; i++) rnd[i] = Math.random() * 255;
inputs.push(rnd);
const tensors = inputs.map(a => tf.tensor3d(a, [150, 150, 3]));
const y = await net.forward(tensors);
fs.mkdirSync(outDir, { recursive: true });
fs.writeFileSync(path.join(outDir, 'input.f32'), Buffer.from(Float32Array.from(inputs.flatMap(a => Array.from(a))).buffer));
fs.writeFileSync(path.join(outDir, 'out0.f32'), Buffer.from(y.dataSync().buffer));
const meta = { n: inputs.length, outputs: [{ name: 'descriptor', shape: y.shape, file: 'out0.f32' }] };
fs.writeFileSync(path.join(outDir, 'meta.json'), JSON.stringify(meta, null, 1));
console.log(JSON.stringify(meta));
