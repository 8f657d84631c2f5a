// GPT-2's byte-to-unicode mapping: every byte becomes one printable character, so a byte-level BPE token is a
// plain string (as llama.cpp's `gpt2` vocabularies store them: space is "Ġ", newline "Ċ").

/** The character for each byte value. */
export const BYTE_TO_CHAR: readonly string[] = (() => {
  const printable = (b: number): boolean => (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
  const out: string[] = [];
  let n = 0;
  for (let b = 0; b < 256; b++) out.push(String.fromCharCode(printable(b) ? b : 256 + n++));
  return out;
})();

const CHAR_TO_BYTE = new Map(BYTE_TO_CHAR.map((c, b) => [c, b]));

export class ByteLevelError extends Error {
  override readonly name = 'ByteLevelError';
}

export function bytesToToken(bytes: ArrayLike<number>): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += BYTE_TO_CHAR[bytes[i]!];
  return s;
}

export function tokenToBytes(token: string): Uint8Array {
  const out = new Uint8Array(token.length);
  for (let i = 0; i < token.length; i++) {
    const b = CHAR_TO_BYTE.get(token[i]!);
    if (b === undefined) throw new ByteLevelError(`"${token}" is not a byte-level token (character ${token.charCodeAt(i)})`);
    out[i] = b;
  }
  return out;
}
