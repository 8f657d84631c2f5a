import { constants } from 'node:fs';
import { open } from 'node:fs/promises';

/**
 * The first `maxBytes` of a regular file and its size, reading no more than that. Opened non-blocking, so a FIFO
 * or device answers at once instead of waiting for a writer; anything but a regular file is refused.
 * Null when the path is missing, unreadable or not a regular file.
 */
export async function readFileHead(path: string, maxBytes: number): Promise<{ head: Buffer; size: number } | null> {
  const handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK).catch(() => null);
  if (!handle) return null;
  try {
    const info = await handle.stat();
    if (!info.isFile()) return null;
    const buffer = Buffer.alloc(Math.min(info.size, maxBytes));
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    return { head: buffer.subarray(0, bytesRead), size: info.size };
  } finally {
    await handle.close();
  }
}
