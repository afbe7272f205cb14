/**
 * Deterministic release archives, written by hand so that the same inputs give the same bytes on
 * every machine: `.tar.gz` (ustar, then gzip) and `.zip` (deflate). Entries go in the order
 * given (the caller sorts them), with one fixed time, owner 0:0 and no user or group names, so
 * only the files' contents and modes reach the archive.
 *
 *   const tgz = tarGz(entries, mtime);   // Uint8Array
 *   const zip = zipArchive(entries, mtime);
 *
 * @module
 */
import { deflateRawSync, gzipSync } from "node:zlib";

/** One file of an archive: a plain name (no directories), its POSIX mode and its bytes. */
export interface ArchiveEntry {
  name: string;
  mode: number;
  data: Uint8Array;
}

const encoder = new TextEncoder();

function checkName(name: string): void {
  if (!/^[A-Za-z0-9._-]{1,99}$/.test(name)) throw new Error(`archive entry name ${JSON.stringify(name)} is not plain`);
}

/** An octal number field of a tar header: zero-padded, NUL-terminated. */
function octal(value: number, width: number): string {
  const digits = value.toString(8);
  if (digits.length > width - 1) throw new Error(`${value} does not fit a ${width}-byte tar field`);
  return digits.padStart(width - 1, "0") + "\0";
}

function tarHeader(entry: ArchiveEntry, mtime: number): Uint8Array {
  const header = new Uint8Array(512);
  const put = (offset: number, text: string) => header.set(encoder.encode(text), offset);
  put(0, entry.name);
  put(100, octal(entry.mode, 8));
  put(108, octal(0, 8)); // uid
  put(116, octal(0, 8)); // gid
  put(124, octal(entry.data.length, 12));
  put(136, octal(mtime, 12));
  put(148, "        "); // the checksum counts its own field as spaces
  put(156, "0"); // a regular file
  put(257, "ustar\u0000");
  put(263, "00");
  const sum = header.reduce((total, byte) => total + byte, 0);
  put(148, octal(sum, 7) + " ");
  return header;
}

/** A gzip-compressed ustar archive; `mtime` in seconds since the epoch. */
export function tarGz(entries: readonly ArchiveEntry[], mtime: number): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const entry of entries) {
    checkName(entry.name);
    parts.push(tarHeader(entry, mtime), entry.data);
    const pad = (512 - (entry.data.length % 512)) % 512;
    if (pad) parts.push(new Uint8Array(pad));
  }
  parts.push(new Uint8Array(1024)); // two zero blocks end the archive
  // zlib's gzip header has no name and a zero time: the bytes depend on the input alone.
  return new Uint8Array(gzipSync(concat(parts), { level: 9 }));
}

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

function crc32(data: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of data) crc = CRC_TABLE[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** MS-DOS time and date of `mtime` (seconds, UTC); zip cannot say anything before 1980. */
function dosTime(mtime: number): { time: number; date: number } {
  const d = new Date(Math.max(mtime * 1000, Date.UTC(1980, 0, 1)));
  return {
    time: (d.getUTCHours() << 11) | (d.getUTCMinutes() << 5) | Math.floor(d.getUTCSeconds() / 2),
    date: ((d.getUTCFullYear() - 1980) << 9) | ((d.getUTCMonth() + 1) << 5) | d.getUTCDate(),
  };
}

/** A zip archive (deflate; made by "Unix", so the modes survive); `mtime` in seconds. */
export function zipArchive(entries: readonly ArchiveEntry[], mtime: number): Uint8Array {
  const { time, date } = dosTime(mtime);
  const locals: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  for (const entry of entries) {
    checkName(entry.name);
    const name = encoder.encode(entry.name);
    const compressed = new Uint8Array(deflateRawSync(entry.data, { level: 9 }));
    const crc = crc32(entry.data);
    const local = new DataView(new ArrayBuffer(30));
    local.setUint32(0, 0x04034b50, true);
    local.setUint16(4, 20, true); // version needed: 2.0 (deflate)
    local.setUint16(6, 0, true); // flags
    local.setUint16(8, 8, true); // deflate
    local.setUint16(10, time, true);
    local.setUint16(12, date, true);
    local.setUint32(14, crc, true);
    local.setUint32(18, compressed.length, true);
    local.setUint32(22, entry.data.length, true);
    local.setUint16(26, name.length, true);
    local.setUint16(28, 0, true);
    locals.push(new Uint8Array(local.buffer), name, compressed);

    const record = new DataView(new ArrayBuffer(46));
    record.setUint32(0, 0x02014b50, true);
    record.setUint16(4, (3 << 8) | 20, true); // made by Unix, zip 2.0
    record.setUint16(6, 20, true);
    record.setUint16(8, 0, true);
    record.setUint16(10, 8, true);
    record.setUint16(12, time, true);
    record.setUint16(14, date, true);
    record.setUint32(16, crc, true);
    record.setUint32(20, compressed.length, true);
    record.setUint32(24, entry.data.length, true);
    record.setUint16(28, name.length, true);
    record.setUint32(38, ((0o100000 | entry.mode) << 16) >>> 0, true); // a regular file and its mode
    record.setUint32(42, offset, true);
    central.push(new Uint8Array(record.buffer), name);
    offset += 30 + name.length + compressed.length;
  }
  const directory = concat(central);
  const end = new DataView(new ArrayBuffer(22));
  end.setUint32(0, 0x06054b50, true);
  end.setUint16(8, entries.length, true);
  end.setUint16(10, entries.length, true);
  end.setUint32(12, directory.length, true);
  end.setUint32(16, offset, true);
  return concat([...locals, directory, new Uint8Array(end.buffer)]);
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
