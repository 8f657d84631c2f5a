// Smaller copies of GGUF models (issue 16): quantization through llama.cpp.
export { compressModel, CompressError, defaultOutputPath, parseQuantType, QUANT_TYPES, type CompressErrorCode, type CompressOptions, type CompressResult, type QuantType } from './compress';
