// The reference side of training/verify_ssd_mobilenet.py: runs face-api's SSD MobileNet v1 face
// detector in TensorFlow.js on photos (resized to 512 px, its input size, RGB 0..255) plus one
// random image, and writes the input and every anchor's face score as raw float32 with a meta.json
// describing them.
// Usage: node training/backbone/reference-ssd-mobilenet.mjs <face-api model dir> <out dir> <image>...
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
const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'ssd_mobilenetv1_model-weights_manifest.json'), 'utf8'));
const bin = fs.readFileSync(path.join(dir, 'ssd_mobilenetv1_model.bin'));
const weightMap = tf.io.decodeWeights(bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength), manifest.flatMap(g => g.weights));
const net = new faceapi.SsdMobilenetv1();
net.loadFromWeightMap(weightMap);
const size = 512;
const inputs = [];
for (const f of images) {
  const { data } = await sharp(f).resize(size, size, { fit: 'fill' }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  inputs.push(Float32Array.from(data));
}
const rnd = new Float32Array(size * size * 3); for (let i = 0; i < rnd.length; i++) rnd[i] = Math.random() * 255;
inputs.push(rnd);
const scores = [];
for (const a of inputs) {
  const { scores: s } = net.forwardInput(await faceapi.toNetInput(tf.tensor3d(a, [size, size, 3])));
  scores.push(...s[0].dataSync());
}
fs.mkdirSync(outDir, { recursive: true });
fs.writeFileSync(path.join(outDir, 'input.f32'), Buffer.from(Float32Array.from(inputs.flatMap(a => Array.from(a))).buffer));
fs.writeFileSync(path.join(outDir, 'out0.f32'), Buffer.from(Float32Array.from(scores).buffer));
const meta = { n: inputs.length, size, outputs: [{ name: 'scores', shape: [inputs.length, scores.length / inputs.length], file: 'out0.f32' }] };
fs.writeFileSync(path.join(outDir, 'meta.json'), JSON.stringify(meta, null, 1));
console.log(JSON.stringify(meta));
