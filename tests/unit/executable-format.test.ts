/**
 * The build trusts scripts/executable-format.ts to reject an artifact built from the wrong
 * runtime, so each container/arch pair and each malformed header is pinned here with synthetic
 * bytes (no 100 MB binaries needed).
 */
import { describe, expect, test } from "bun:test";
import { detectExecutable, verifyExecutable } from "../../scripts/executable-format.ts";

function elf(machine: number, opts: { elfClass?: number; data?: number; type?: number } = {}): Uint8Array {
  const bytes = new Uint8Array(64);
  bytes.set([0x7f, 0x45, 0x4c, 0x46, opts.elfClass ?? 2, opts.data ?? 1, 1]);
  const dv = new DataView(bytes.buffer);
  dv.setUint16(0x10, opts.type ?? 2, true);
  dv.setUint16(0x12, machine, true);
  return bytes;
}

function macho(cpuType: number, fileType = 2): Uint8Array {
  const bytes = new Uint8Array(32);
  const dv = new DataView(bytes.buffer);
  dv.setUint32(0, 0xfeedfacf, true);
  dv.setUint32(4, cpuType, true);
  dv.setUint32(12, fileType, true);
  return bytes;
}

function pe(machine: number, opts: { peOffset?: number; characteristics?: number; magic?: number } = {}): Uint8Array {
  const peOffset = opts.peOffset ?? 0x80;
  const bytes = new Uint8Array(peOffset + 0x100);
  const dv = new DataView(bytes.buffer);
  bytes.set([0x4d, 0x5a]);
  dv.setUint32(0x3c, peOffset, true);
  dv.setUint32(peOffset, 0x50450000, false);
  dv.setUint16(peOffset + 4, machine, true);
  dv.setUint16(peOffset + 22, opts.characteristics ?? 0x0022, true);
  dv.setUint16(peOffset + 24, opts.magic ?? 0x20b, true);
  return bytes;
}

describe("verifyExecutable accepts each shipped target", () => {
  test.each(
    [
      ["linux", "x64", elf(0x3e)],
      ["linux", "arm64", elf(0xb7)],
      ["linux", "x64", elf(0x3e, { type: 3 })],
      ["darwin", "x64", macho(0x01000007)],
      ["darwin", "arm64", macho(0x0100000c)],
      ["windows", "x64", pe(0x8664)],
      ["windows", "x64", pe(0x8664, { peOffset: 0x400 })],
    ] as const,
  )("%s-%s", (os, arch, bytes) => {
    const result = verifyExecutable(bytes, os, arch);
    expect(result).toMatchObject({ ok: true, info: { arch } });
  });
});

describe("verifyExecutable rejects a mismatch with a readable message", () => {
  test("wrong architecture", () => {
    const result = verifyExecutable(elf(0x3e), "linux", "arm64");
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message).toContain("x86-64");
  });

  test("wrong container", () => {
    const result = verifyExecutable(elf(0xb7), "darwin", "arm64");
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message).toMatch(/expected Mach-O.*got ELF/);
  });

  test("Windows arm64 is not x64", () => {
    expect(verifyExecutable(pe(0xaa64), "windows", "x64").ok).toBe(false);
    expect(verifyExecutable(pe(0xaa64), "windows", "arm64").ok).toBe(true);
  });

  test("unknown machine is reported, not mapped", () => {
    const detected = detectExecutable(elf(0x28));
    expect(detected).toMatchObject({ ok: true, info: { container: "elf", arch: null } });
    expect(verifyExecutable(elf(0x28), "linux", "arm64").ok).toBe(false);
  });
});

describe("detectExecutable rejects malformed or unsupported headers", () => {
  test.each(
    [
      ["empty", new Uint8Array(0)],
      ["text", new TextEncoder().encode("#!/bin/sh\necho hi\n")],
      ["32-bit ELF", elf(0x03, { elfClass: 1 })],
      ["big-endian ELF", elf(0x3e, { data: 2 })],
      ["ELF relocatable object", elf(0x3e, { type: 1 })],
      ["truncated ELF", elf(0x3e).subarray(0, 10)],
      ["Mach-O dylib", macho(0x0100000c, 6)],
      ["32-bit Mach-O", new Uint8Array([0xce, 0xfa, 0xed, 0xfe, 7, 0, 0, 0])],
      ["fat Mach-O", new Uint8Array([0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 2])],
      [
        "MZ without PE signature",
        (() => {
          const b = pe(0x8664);
          b[0x80] = 0;
          return b;
        })(),
      ],
      ["PE offset past the buffer", pe(0x8664).subarray(0, 0x90)],
      ["PE32 (not PE32+)", pe(0x8664, { magic: 0x10b })],
      ["PE DLL", pe(0x8664, { characteristics: 0x2022 })],
      ["bare MZ", new Uint8Array([0x4d, 0x5a, 0, 0])],
    ] as const,
  )("%s", (_name, bytes) => {
    const result = detectExecutable(bytes);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason.length).toBeGreaterThan(0);
  });
});
