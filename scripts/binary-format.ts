// What a native file is: its format (ELF, PE, Mach-O), the CPU it is built for, and for Windows
// images the DLLs it loads (imports and delay-loaded imports). The package check uses it to catch
// a Linux library shipped in a Windows package, and a DLL that a clean Windows PC would not have.
import { NtExecutable } from 'pe-library';

export type BinaryFormat = 'ELF' | 'PE' | 'Mach-O' | 'unknown';
export type BinaryArch = 'x64' | 'arm64' | 'ia32' | 'unknown';

export interface BinaryInfo {
  format: BinaryFormat;
  arch: BinaryArch;
  /** PE only: every DLL named in the import and delay-import tables, as written. */
  imports: string[];
}

const ELF_MACHINES: Record<number, BinaryArch> = { 62: 'x64', 183: 'arm64', 3: 'ia32' };
const PE_MACHINES: Record<number, BinaryArch> = { 34404: 'x64', 43620: 'arm64', 332: 'ia32' };
const MACHO_CPUS: Record<number, BinaryArch> = { 16777223: 'x64', 16777228: 'arm64', 7: 'ia32' };

/** The platform a format belongs to, as Node names platforms. */
export const FORMAT_OF_PLATFORM: Record<'linux' | 'win32' | 'darwin', BinaryFormat> = { linux: 'ELF', win32: 'PE', darwin: 'Mach-O' };

export function readBinary(bytes: Uint8Array): BinaryInfo {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length >= 20 && view.getUint32(0) === 0x7f454c46) {
    // e_machine, little-endian for every target we ship.
    return { format: 'ELF', arch: ELF_MACHINES[view.getUint16(18, true)] ?? 'unknown', imports: [] };
  }
  if (bytes.length >= 8 && view.getUint32(0, true) === 0xfeedfacf) {
    return { format: 'Mach-O', arch: MACHO_CPUS[view.getUint32(4, true)] ?? 'unknown', imports: [] };
  }
  if (bytes.length >= 64 && bytes[0] === 0x4d && bytes[1] === 0x5a) {
    try {
      const exe = NtExecutable.from(bytes, { ignoreCert: true });
      return { format: 'PE', arch: PE_MACHINES[exe.newHeader.fileHeader.machine] ?? 'unknown', imports: peImports(exe) };
    } catch {
      return { format: 'unknown', arch: 'unknown', imports: [] };
    }
  }
  return { format: 'unknown', arch: 'unknown', imports: [] };
}

/** The DLL names of a PE image's import (directory 1) and delay-import (directory 13) tables. */
function peImports(exe: NtExecutable): string[] {
  const sections = exe.getAllSections();
  /** The bytes at a relative virtual address, from whichever section holds it. */
  const at = (rva: number): DataView | null => {
    for (const s of sections) {
      const start = s.info.virtualAddress;
      if (s.data && rva >= start && rva < start + Math.max(s.info.virtualSize, s.data.byteLength)) {
        const offset = rva - start;
        if (offset >= s.data.byteLength) return null;
        return new DataView(s.data, offset);
      }
    }
    return null;
  };
  const cString = (rva: number): string => {
    const v = at(rva);
    if (!v) return '';
    let out = '';
    for (let i = 0; i < Math.min(v.byteLength, 260); i++) {
      const c = v.getUint8(i);
      if (c === 0) break;
      out += String.fromCharCode(c);
    }
    return out;
  };
  const names: string[] = [];
  const directories = exe.newHeader.optionalHeaderDataDirectory;
  // IMAGE_IMPORT_DESCRIPTOR: 20 bytes, the DLL name's RVA at +12; a zeroed one ends the table.
  const imports = directories.get(1);
  if (imports.virtualAddress) {
    for (let d = imports.virtualAddress; ; d += 20) {
      const v = at(d);
      if (!v || v.byteLength < 20) break;
      const name = v.getUint32(12, true);
      if (name === 0) break;
      names.push(cString(name));
    }
  }
  // IMAGE_DELAYLOAD_DESCRIPTOR: 32 bytes, the DLL name's RVA at +4.
  const delayed = directories.get(13);
  if (delayed.virtualAddress) {
    for (let d = delayed.virtualAddress; ; d += 32) {
      const v = at(d);
      if (!v || v.byteLength < 32) break;
      const name = v.getUint32(4, true);
      if (name === 0) break;
      names.push(cString(name));
    }
  }
  return names.filter(Boolean);
}

/** The Visual C++ runtime: not part of a clean Windows install; an app ships it beside its DLLs or installs the redistributable. */
export const VC_RUNTIME = /^(msvcp140(_\d+|_atomic_wait|_codecvt_ids)?|vcruntime140(_\d+)?|concrt140|vcomp140)\.dll$/i;

/**
 * DLLs every supported Windows (10 and 11, x64) has in System32, among those our native files
 * import; API sets (api-ms-win-*, ext-ms-win-*) are resolved by Windows itself. `node.exe` is
 * the host: Electron's delay-load hook points a native module's imports at electron.exe.
 */
const WINDOWS_DLLS = new Set(
  [
    'advapi32',
    'bcrypt',
    'cfgmgr32',
    'comctl32',
    'comdlg32',
    'crypt32',
    'd3d11',
    'd3d12',
    'dbghelp',
    'dwmapi',
    'dxcore',
    'dxgi',
    'gdi32',
    'imm32',
    'iphlpapi',
    'kernel32',
    'ncrypt',
    'netapi32',
    'ntdll',
    'ole32',
    'oleaut32',
    'powrprof',
    'psapi',
    'rpcrt4',
    'secur32',
    'setupapi',
    'shell32',
    'shlwapi',
    'user32',
    'userenv',
    'uxtheme',
    'version',
    'winmm',
    'wintrust',
    'ws2_32',
    'wtsapi32',
  ].map((d) => `${d}.dll`),
);

/** Where a Windows DLL import resolves: in the package, in Windows, the VC++ runtime, or nowhere known. */
export function resolveWindowsImport(dll: string, shipped: ReadonlySet<string>): 'package' | 'windows' | 'vc-runtime' | 'unresolved' {
  const name = dll.toLowerCase();
  if (shipped.has(name)) return 'package';
  if (WINDOWS_DLLS.has(name) || /^(api|ext)-ms-win-/.test(name) || name === 'node.exe') return 'windows';
  if (VC_RUNTIME.test(name)) return 'vc-runtime';
  return 'unresolved';
}
