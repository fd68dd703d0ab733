// The Python that has the modules a helper script needs. Debian's packages (python3-numpy,
// python3-pil, python3-torch) install into the system Python, which is not always the python3
// first on PATH (pyenv, a virtualenv): try $PYTHON, then python3, then /usr/bin/python3, and say
// what to install when none has them.
import { spawnSync } from 'node:child_process';

const found = new Map<string, string>();

export function findPython(modules: readonly string[]): string {
  const key = modules.join(',');
  const known = found.get(key);
  if (known) return known;
  const candidates = [process.env.PYTHON, 'python3', '/usr/bin/python3'].filter((p): p is string => Boolean(p));
  for (const python of candidates) {
    const r = spawnSync(python, ['-c', `import ${modules.join(', ')}`], { stdio: 'ignore' });
    if (r.status === 0) {
      found.set(key, python);
      return python;
    }
  }
  throw new Error(
    `No Python with ${modules.join(', ')} among ${candidates.join(', ')}: install them (Debian: apt-get install ${modules.map((m) => `python3-${m === 'PIL' ? 'pil' : m}`).join(' ')}) or set PYTHON to one that has them.`,
  );
}
