// A smaller copy of a GGUF model through llama.cpp's llama_model_quantize (issue 16). The input is checked with
// the GGUF header reader first, never overwritten, and the copy appears under its name only once complete.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { AddonNotBuiltError, BinsNotFoundError, isNativeError, loadAddon, QUANT_TYPES, type LoadAddonOptions, type NativeAddon, type QuantType } from '../../native/binding';
import { GgufFormatError, readGgufHeader } from '../gguf/header';

export { QUANT_TYPES, type QuantType };

export type CompressErrorCode = 'UNKNOWN_TYPE' | 'NOT_GGUF' | 'SAME_FILE' | 'OUTPUT_EXISTS' | 'NO_ADDON' | 'QUANTIZE_FAILED';

/** Why no copy was written; the input is untouched in every case. */
export class CompressError extends Error {
  override readonly name = 'CompressError';
  constructor(
    message: string,
    readonly code: CompressErrorCode,
  ) {
    super(message);
  }
}

/** `value` as a quantization type, or a CompressError that lists the allowed ones. */
export function parseQuantType(value: string): QuantType {
  const upper = value.trim().toUpperCase();
  const found = QUANT_TYPES.find((t) => t === upper);
  if (!found) throw new CompressError(`unknown quantization type "${value}" (allowed: ${QUANT_TYPES.join(', ')})`, 'UNKNOWN_TYPE');
  return found;
}

/** `<dir>/<name>-<type>.gguf` next to the input, without a type suffix the input already had. */
export function defaultOutputPath(input: string, type: QuantType): string {
  const base = path.basename(input).replace(/\.gguf$/i, '');
  const stem = base.replace(new RegExp(`[-.](?:${QUANT_TYPES.join('|')}|F16|F32|BF16)$`, 'i'), '');
  return path.join(path.dirname(input), `${stem}-${type}.gguf`);
}

export interface CompressOptions {
  input: string;
  type: QuantType;
  /** Default: `defaultOutputPath(input, type)`. An existing file is refused. */
  output?: string;
  /** Quantization threads (default: all hardware threads). */
  threads?: number;
  /** The addon to use (tests pin a CPU backend); default `loadAddon(addonOptions)`. */
  addon?: NativeAddon;
  addonOptions?: LoadAddonOptions;
}

export interface CompressResult {
  input: string;
  output: string;
  type: QuantType;
  bytesBefore: number;
  bytesAfter: number;
  seconds: number;
}

async function realOrResolved(file: string): Promise<string> {
  try {
    return await fs.realpath(file);
  } catch {
    return path.resolve(file);
  }
}

/** Writes the quantized copy. Rejects with CompressError; the quantization runs on the addon's worker thread. */
export async function compressModel(options: CompressOptions): Promise<CompressResult> {
  const type = parseQuantType(options.type);
  const input = path.resolve(options.input);
  let bytesBefore: number;
  try {
    bytesBefore = (await readGgufHeader(input)).sizeBytes;
  } catch (error) {
    if (error instanceof GgufFormatError) throw new CompressError(`${options.input} is not a usable GGUF model: ${error.message}`, 'NOT_GGUF');
    throw error;
  }
  const output = path.resolve(options.output ?? defaultOutputPath(input, type));
  if ((await realOrResolved(output)) === (await realOrResolved(input))) {
    throw new CompressError(`the output ${output} is the input model; choose another --out`, 'SAME_FILE');
  }
  if (await fs.stat(output).then(() => true, () => false)) {
    throw new CompressError(`${output} already exists; remove it or choose another --out`, 'OUTPUT_EXISTS');
  }
  let addon: NativeAddon;
  try {
    addon = options.addon ?? loadAddon(options.addonOptions);
  } catch (error) {
    if (error instanceof AddonNotBuiltError || error instanceof BinsNotFoundError) throw new CompressError(error.message, 'NO_ADDON');
    throw error;
  }
  // Same folder as the output, so the final rename cannot cross file systems.
  const temp = path.join(path.dirname(output), `.${path.basename(output)}.${randomBytes(4).toString('hex')}.part`);
  const started = performance.now();
  try {
    await addon.quantize(input, temp, type, options.threads ? { threads: options.threads } : {});
    const bytesAfter = (await readGgufHeader(temp)).sizeBytes;
    // The output may have appeared while quantizing: link fails instead of replacing it.
    await fs.link(temp, output).catch(async (error: NodeJS.ErrnoException) => {
      if (error.code === 'EEXIST') throw new CompressError(`${output} appeared while quantizing; the copy was not kept`, 'OUTPUT_EXISTS');
      if (error.code === 'EPERM' || error.code === 'EXDEV' || error.code === 'ENOTSUP') await fs.rename(temp, output);
      else throw error;
    });
    return { input, output, type, bytesBefore, bytesAfter, seconds: (performance.now() - started) / 1000 };
  } catch (error) {
    if (isNativeError(error, 'ERR_QUANTIZE')) throw new CompressError(`quantizing ${options.input} to ${type} failed: ${error.message}`, 'QUANTIZE_FAILED');
    if (error instanceof GgufFormatError) throw new CompressError(`the quantized copy is not a valid GGUF file: ${error.message}`, 'QUANTIZE_FAILED');
    throw error;
  } finally {
    await fs.rm(temp, { force: true });
  }
}
