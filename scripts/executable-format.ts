/**
 * Recognises executable headers (ELF, Mach-O, PE) from raw bytes so the build can prove that a
 * cross-compiled artifact really is for the platform it is named after: a wrong or stale
 * `--compile-executable-path` would otherwise ship a binary that only fails on a user's machine.
 * Pure functions over bytes, no I/O, so tests can feed synthetic headers.
 */

export type ExecutableOs = "linux" | "darwin" | "windows";
export type ExecutableArch = "x64" | "arm64";
export type ExecutableContainer = "elf" | "macho" | "pe";

/** What the header says. `arch` is null when the machine field is something we do not ship. */
export interface ExecutableInfo {
  container: ExecutableContainer;
  arch: ExecutableArch | null;
  /** Human-readable description, e.g. "ELF 64-bit LSB, machine 0x3e (x86-64)". */
  description: string;
}

export type DetectResult = { ok: true; info: ExecutableInfo } | { ok: false; reason: string };

/**
 * How many leading bytes a caller should read. The PE signature sits at the offset stored at
 * 0x3C, which Bun's Windows runtime keeps within the first few hundred bytes; 64 KiB leaves room.
 */
export const HEADER_BYTES = 64 * 1024;

const CONTAINER_FOR_OS: Record<ExecutableOs, ExecutableContainer> = {
  linux: "elf",
  darwin: "macho",
  windows: "pe",
};

const CONTAINER_NAMES: Record<ExecutableContainer, string> = {
  elf: "ELF",
  macho: "Mach-O 64-bit",
  pe: "PE (Windows)",
};

// ELF e_type and e_machine values (System V ABI).
const ET_EXEC = 2;
const ET_DYN = 3;
const EM_X86_64 = 0x3e;
const EM_AARCH64 = 0xb7;
// Mach-O cputype values (mach/machine.h): CPU_ARCH_ABI64 | CPU_TYPE_X86 / CPU_TYPE_ARM.
const CPU_TYPE_X86_64 = 0x01000007;
const CPU_TYPE_ARM64 = 0x0100000c;
const MH_EXECUTE = 2;
// PE COFF Machine values.
const IMAGE_FILE_MACHINE_AMD64 = 0x8664;
const IMAGE_FILE_MACHINE_ARM64 = 0xaa64;
const IMAGE_FILE_EXECUTABLE_IMAGE = 0x0002;
const IMAGE_FILE_DLL = 0x2000;
const PE32_PLUS_MAGIC = 0x20b;

function hex(n: number): string {
  return `0x${n.toString(16)}`;
}

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function detectElf(bytes: Uint8Array): DetectResult {
  if (bytes.length < 0x14) return { ok: false, reason: "ELF header truncated" };
  const elfClass = bytes[4];
  const elfData = bytes[5];
  if (elfClass !== 2) return { ok: false, reason: `ELF class ${elfClass} is not 64-bit` };
  if (elfData !== 1) return { ok: false, reason: `ELF data encoding ${elfData} is not little-endian` };
  const elfType = view(bytes).getUint16(0x10, true);
  if (elfType !== ET_EXEC && elfType !== ET_DYN) {
    return { ok: false, reason: `ELF type ${elfType} is neither an executable nor a PIE` };
  }
  const machine = view(bytes).getUint16(0x12, true);
  const arch = machine === EM_X86_64 ? "x64" : machine === EM_AARCH64 ? "arm64" : null;
  const name = arch === "x64" ? "x86-64" : arch === "arm64" ? "aarch64" : "unknown";
  return {
    ok: true,
    info: { container: "elf", arch, description: `ELF 64-bit LSB, machine ${hex(machine)} (${name})` },
  };
}

function detectMachO(bytes: Uint8Array): DetectResult {
  if (bytes.length < 16) return { ok: false, reason: "Mach-O header truncated" };
  const fileType = view(bytes).getUint32(12, true);
  if (fileType !== MH_EXECUTE) return { ok: false, reason: `Mach-O filetype ${fileType} is not MH_EXECUTE` };
  const cpuType = view(bytes).getUint32(4, true);
  const arch = cpuType === CPU_TYPE_X86_64 ? "x64" : cpuType === CPU_TYPE_ARM64 ? "arm64" : null;
  const name = arch === "x64" ? "x86_64" : arch === "arm64" ? "arm64" : "unknown";
  return {
    ok: true,
    info: { container: "macho", arch, description: `Mach-O 64-bit LE, cputype ${hex(cpuType)} (${name})` },
  };
}

function detectPe(bytes: Uint8Array): DetectResult {
  if (bytes.length < 0x40) return { ok: false, reason: "MZ header truncated (no e_lfanew at 0x3C)" };
  const dv = view(bytes);
  const peOffset = dv.getUint32(0x3c, true);
  if (peOffset + 24 + 2 > bytes.length) {
    return {
      ok: false,
      reason: `PE header offset ${hex(peOffset)} lies beyond the ${bytes.length} bytes given`,
    };
  }
  const signature = dv.getUint32(peOffset, false);
  if (signature !== 0x50450000) {
    return { ok: false, reason: `MZ header present but no "PE\\0\\0" signature at ${hex(peOffset)}` };
  }
  const machine = dv.getUint16(peOffset + 4, true);
  const characteristics = dv.getUint16(peOffset + 22, true);
  if ((characteristics & IMAGE_FILE_EXECUTABLE_IMAGE) === 0 || (characteristics & IMAGE_FILE_DLL) !== 0) {
    return { ok: false, reason: `PE characteristics ${hex(characteristics)} do not describe an executable image` };
  }
  const optionalMagic = dv.getUint16(peOffset + 24, true);
  if (optionalMagic !== PE32_PLUS_MAGIC) {
    return { ok: false, reason: `PE optional header magic ${hex(optionalMagic)} is not PE32+ (0x20b)` };
  }
  const arch = machine === IMAGE_FILE_MACHINE_AMD64 ? "x64" : machine === IMAGE_FILE_MACHINE_ARM64 ? "arm64" : null;
  const name = arch === "x64" ? "AMD64" : arch === "arm64" ? "ARM64" : "unknown";
  return {
    ok: true,
    info: { container: "pe", arch, description: `PE32+, machine ${hex(machine)} (${name})` },
  };
}

/** Identifies the container format and CPU architecture from the leading bytes of a file. */
export function detectExecutable(bytes: Uint8Array): DetectResult {
  if (bytes.length < 4) return { ok: false, reason: `only ${bytes.length} bytes, too short for any header` };
  const [b0, b1, b2, b3] = [bytes[0], bytes[1], bytes[2], bytes[3]];
  if (b0 === 0x7f && b1 === 0x45 && b2 === 0x4c && b3 === 0x46) return detectElf(bytes);
  // MH_MAGIC_64 (0xfeedfacf) as stored little-endian.
  if (b0 === 0xcf && b1 === 0xfa && b2 === 0xed && b3 === 0xfe) return detectMachO(bytes);
  if (b0 === 0xce && b1 === 0xfa && b2 === 0xed && b3 === 0xfe) {
    return { ok: false, reason: "32-bit Mach-O (MH_MAGIC), expected 64-bit" };
  }
  if (b0 === 0xca && b1 === 0xfe && b2 === 0xba && b3 === 0xbe) {
    return { ok: false, reason: "universal (fat) Mach-O, expected a thin 64-bit Mach-O" };
  }
  if (b0 === 0x4d && b1 === 0x5a) return detectPe(bytes);
  const magic = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, "0")).join(" ");
  return { ok: false, reason: `unrecognised magic bytes ${magic}` };
}

export type VerifyResult = { ok: true; info: ExecutableInfo } | { ok: false; message: string };

/** Checks that the bytes are an executable for exactly this OS and architecture. */
export function verifyExecutable(bytes: Uint8Array, os: ExecutableOs, arch: ExecutableArch): VerifyResult {
  const expected = `${CONTAINER_NAMES[CONTAINER_FOR_OS[os]]} for ${arch === "x64" ? "x86-64" : "arm64/aarch64"}`;
  const detected = detectExecutable(bytes);
  if (!detected.ok) return { ok: false, message: `expected ${expected}, but ${detected.reason}` };
  const { info } = detected;
  if (info.container !== CONTAINER_FOR_OS[os]) {
    return { ok: false, message: `expected ${expected}, got ${info.description}` };
  }
  if (info.arch !== arch) {
    return { ok: false, message: `expected ${expected}, got ${info.description}` };
  }
  return { ok: true, info };
}
