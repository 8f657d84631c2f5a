// Observation and steering of attention probabilities through llama.cpp's cb_eval: the softmax
// output of each layer (node "kq_soft_max-<layer>", only built without flash attention) has chosen
// heads' rows replaced (injection), is rescaled on given KV cells (bias), and is copied out
// (observation), in that order, before it multiplies V. Runs on the decode thread; the JS side only
// touches it between decodes (the context's busy guard).
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

    // Sparse rows in CSR form keyed by batch index (binding.ts InjectedRows), validated by AddonContext.
    struct InjectedRows {
        std::vector<int32_t> tokens;  // ascending batch indices
        std::vector<int32_t> offsets;  // tokens.size() + 1
        std::vector<int32_t> cells;
        std::vector<float> weights;
    };
    struct InjectedHead {
        int32_t head = 0;
        int32_t pattern = -1;  // index into injectPatterns; -1 zeroes every row
    };

    explicit AttentionHook(int32_t nLayer)
        : observe(nLayer), biasLayers(nLayer), injectHeads(nLayer), captured(nLayer), rowsSeen(nLayer) {}

    std::vector<uint8_t> observe;  // per layer

    bool biasOn = false;
    std::vector<int32_t> biasCells;
    float biasScale = 1.0f;
    std::vector<uint8_t> biasLayers;  // per layer
    std::vector<uint8_t> biasHeads;   // empty: all heads
    std::vector<uint8_t> biasTokens;  // by batch index; empty: all tokens

    bool injectOn = false;
    std::vector<InjectedRows> injectPatterns;
    std::vector<std::vector<InjectedHead>> injectHeads;  // per layer
    int64_t injectedRows = 0;                            // rows written during the last decode, all heads

    std::vector<std::vector<Chunk>> captured;  // per layer, one chunk per ubatch of the last decode
    std::vector<int64_t> rowsSeen;             // per layer: batch index of the current ubatch's first token

    void beginDecode();
    static bool callback(ggml_tensor* t, bool ask, void* userData);

   private:
    bool wants(int layer) const;
    void apply(ggml_tensor* t, int layer);
    void inject(char* data, const ggml_tensor* t, int layer, int64_t first);
};
