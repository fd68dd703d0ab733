// electron-builder afterPack hook (CommonJS: electron-builder requires it as is).
// ONNX Runtime's Windows DLLs import the Visual C++ runtime (MSVCP140*.dll, VCRUNTIME140*.dll),
// which a clean Windows install lacks. On a Windows build machine (where Visual Studio or the
// redistributable put them in System32) they are copied beside onnxruntime.dll: app-local
// deployment, which Microsoft allows for these files. Elsewhere nothing is copied, and the
// package check names the runtime as missing.
const { copyFileSync, existsSync } = require('node:fs');
const { join } = require('node:path');

const RUNTIME = ['msvcp140.dll', 'msvcp140_1.dll', 'msvcp140_atomic_wait.dll', 'vcruntime140.dll', 'vcruntime140_1.dll'];

exports.default = async function afterPack(context) {
  if (context.electronPlatformName !== 'win32') return;
  const system32 = join(process.env.SystemRoot || 'C:\\Windows', 'System32');
  const ortDir = join(
    context.appOutDir,
    'resources',
    'app.asar.unpacked',
    'node_modules',
    'onnxruntime-node',
    'bin',
    'napi-v6',
    'win32',
    'x64',
  );
  if (process.platform !== 'win32' || !existsSync(ortDir)) return;
  for (const dll of RUNTIME) {
    const from = join(system32, dll);
    if (!existsSync(from))
      throw new Error(`afterPack: ${from} is missing: install the Visual C++ 2015-2022 x64 redistributable on the build machine`);
    copyFileSync(from, join(ortDir, dll));
  }
};
