// Model quantization (llama_model_quantize) as an async worker.
#pragma once

#include <napi.h>

// quantize(input, output, type, {threads}) -> Promise<void>; rejects with ERR_INVALID_ARG or ERR_QUANTIZE.
Napi::Value Quantize(const Napi::CallbackInfo& info);
