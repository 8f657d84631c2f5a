/** A random id for steps, cells and attachments; the Web Crypto global exists in Node and in browsers alike. */
export function newId(): string {
  return globalThis.crypto.randomUUID();
}
