import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from "node:fs";

/**
 * A profile or catalog is a small text file. Anything else is refused before a byte is read:
 * a FIFO would block the reader forever, a device (/dev/zero, /dev/urandom) never ends, and a
 * huge file would take memory and minutes. The file is opened non-blocking (opening a FIFO
 * for reading would otherwise wait for a writer) and checked with fstat on that same open
 * file, so it cannot be swapped between the check and the read.
 */

/** Far above any real profile (a few KiB) or catalog (tens of KiB). */
export const MAX_PROFILE_BYTES = 4 * 1024 * 1024;

type ReadResult = { readonly text: string } | { readonly problem: string };

export function readProfileFile(file: string): ReadResult {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return { problem: "no such file" };
    if (code === "ENXIO") return { problem: "is a socket or FIFO, not a regular file; name the profile's .yaml file" };
    return { problem: `cannot be read (${code ?? String(e)})` };
  }
  try {
    const stat = fstatSync(fd);
    if (stat.isDirectory()) return { problem: "is a directory, not a profile" };
    if (!stat.isFile()) return { problem: `is ${kindOf(stat)}, not a regular file; name the profile's .yaml file` };
    if (stat.size > MAX_PROFILE_BYTES) return { problem: tooBig(stat.size) };
    // Read at most one byte past the cap: a file that grows while it is read is refused too.
    const buf = Buffer.allocUnsafe(MAX_PROFILE_BYTES + 1);
    let n = 0;
    for (;;) {
      const got = readSync(fd, buf, n, buf.length - n, null);
      if (got === 0) break;
      n += got;
      if (n === buf.length) break;
    }
    if (n > MAX_PROFILE_BYTES) return { problem: tooBig(n) };
    return { text: buf.subarray(0, n).toString("utf8") };
  } catch (e) {
    return { problem: `cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)})` };
  } finally {
    closeSync(fd);
  }
}

function tooBig(bytes: number): string {
  return `is ${bytes} bytes or more; a profile is at most ${MAX_PROFILE_BYTES} bytes (4 MiB): is this the right file?`;
}

function kindOf(s: Stats): string {
  if (s.isFIFO()) return "a FIFO (named pipe)";
  if (s.isCharacterDevice()) return "a character device";
  if (s.isBlockDevice()) return "a block device";
  if (s.isSocket()) return "a socket";
  return "not a regular file";
}
