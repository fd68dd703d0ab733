// The reference side of training/verify_port.py: runs a TensorFlow.js graph model in TensorFlow.js
// itself on photos (resized to 192 px, scaled to 0..1) plus one random image, and writes the input
// and every output (or the named inner nodes) as raw float32 with a meta.json describing them.
// Usage: node training/backbone/reference.mjs <models dir> <model name> <out dir> [--nodes a,b] <image>...
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-cpu';
import sharp from 'sharp';
import fs from 'node:fs';
import path from 'node:path';
const [dir, name, outDir, ...rest] = process.argv.slice(2);
const nodes = rest[0] === '--nodes' ? rest[1].split(',') : null;
const images = nodes ? rest.slice(2) : rest;
await tf.setBackend('cpu');
const spec = JSON.parse(fs.readFileSync(path.join(dir, name + '.json'), 'utf8'));
const handler = { load: async () => {
  const bufs = spec.weightsManifest.flatMap(g => g.paths.map(p => fs.readFileSync(path.join(dir, p))));
  const all = Buffer.concat(bufs);
  return { modelTopology: spec.modelTopology, weightSpecs: spec.weightsManifest.flatMap(g => g.weights), weightData: all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength), format: spec.format, signature: spec.signature };
}};
const model = await tf.loadGraphModel(handler);
const inputs = [];
for (const f of images) {
  const { data } = await sharp(f).resize(192, 192, { fit: 'fill' }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  inputs.push(Float32Array.from(data, v => v / 255));
}
const rnd = new Float32Array(192 * 192 * 3); for (let i = 0; i < rnd.length; i++) rnd[i] = Math.random();
inputs.push(rnd);
const x = tf.tensor4d(Float32Array.from(inputs.flatMap(a => Array.from(a))), [inputs.length, 192, 192, 3]);
const outs = nodes ?? model.outputs.map(o => o.name);
const ys = model.execute(x, outs);
fs.mkdirSync(outDir, { recursive: true });
fs.writeFileSync(path.join(outDir, 'input.f32'), Buffer.from(x.dataSync().buffer));
const meta = { n: inputs.length, outputs: [] };
(Array.isArray(ys) ? ys : [ys]).forEach((y, i) => { const f = `out${i}.f32`; fs.writeFileSync(path.join(outDir, f), Buffer.from(y.dataSync().buffer)); meta.outputs.push({ name: outs[i], shape: y.shape, file: f }); });
fs.writeFileSync(path.join(outDir, 'meta.json'), JSON.stringify(meta, null, 1));
console.log(JSON.stringify(meta));
