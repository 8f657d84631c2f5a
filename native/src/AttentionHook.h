// Observation and steering of attention probabilities through llama.cpp's cb_eval: the softmax
// output of each layer (node "kq_soft_max-<layer>", only built without flash attention) is copied
// out and/or rescaled on given KV cells before it multiplies V. Runs on the decode thread; the
// JS side only touches it between decodes (the context's busy guard).
#pragma once

#include "llama_api.h"

#include <cstdint>
#include <vector>

struct AttentionHook {
    struct Chunk {
        int64_t nKv = 0;
        int64_t nTokens = 0;
        int64_t nHead = 0;
        std::vector<float> data;  // [token][head][cell]
    };

    explicit AttentionHook(int32_t nLayer) : observe(nLayer), biasLayers(nLayer), captured(nLayer), rowsSeen(nLayer) {}

    std::vector<uint8_t> observe;  // per layer

    bool biasOn = false;
    std::vector<int32_t> biasCells;
    float biasScale = 1.0f;
    std::vector<uint8_t> biasLayers;  // per layer
    std::vector<uint8_t> biasHeads;   // empty: all heads
    std::vector<uint8_t> biasTokens;  // by batch index; empty: all tokens

    std::vector<std::vector<Chunk>> captured;  // per layer, one chunk per ubatch of the last decode
    std::vector<int64_t> rowsSeen;             // per layer: batch index of the current ubatch's first token

    void beginDecode();
    static bool callback(ggml_tensor* t, bool ask, void* userData);

   private:
    bool wants(int layer) const;
    void apply(ggml_tensor* t, int layer);
};
