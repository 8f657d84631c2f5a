#include "AttentionHook.h"

#include <cstdlib>
#include <cstring>

namespace {
constexpr char kPrefix[] = "kq_soft_max-";

int layerOf(const ggml_tensor* t) {
    if (std::strncmp(t->name, kPrefix, sizeof(kPrefix) - 1) != 0) return -1;
    return std::atoi(t->name + sizeof(kPrefix) - 1);
}
}  // namespace

void AttentionHook::beginDecode() {
    for (auto& chunks : captured) chunks.clear();
    std::fill(rowsSeen.begin(), rowsSeen.end(), 0);
}

bool AttentionHook::wants(int layer) const {
    if (layer < 0 || layer >= static_cast<int>(observe.size())) return false;
    return observe[layer] || (biasOn && biasLayers[layer]);
}

bool AttentionHook::callback(ggml_tensor* t, bool ask, void* userData) {
    auto* self = static_cast<AttentionHook*>(userData);
    const int layer = layerOf(t);
    if (ask) return self->wants(layer);
    if (self->wants(layer) && t->type == GGML_TYPE_F32 && t->data) self->apply(t, layer);
    return true;  // false would stop the graph
}

void AttentionHook::apply(ggml_tensor* t, int layer) {
    const int64_t nKv = t->ne[0], nTokens = t->ne[1], nHead = t->ne[2];
    const int64_t first = rowsSeen[layer];
    rowsSeen[layer] += nTokens;
    auto row = [&](int64_t r, int64_t h) { return reinterpret_cast<float*>(static_cast<char*>(t->data) + r * t->nb[1] + h * t->nb[2]); };

    if (biasOn && biasLayers[layer]) {
        for (int64_t r = 0; r < nTokens; r++) {
            const int64_t batchIndex = first + r;
            if (!biasTokens.empty() && (batchIndex >= static_cast<int64_t>(biasTokens.size()) || !biasTokens[batchIndex])) continue;
            for (int64_t h = 0; h < nHead; h++) {
                if (!biasHeads.empty() && (h >= static_cast<int64_t>(biasHeads.size()) || !biasHeads[h])) continue;
                float* p = row(r, h);
                for (int32_t cell : biasCells) {
                    if (cell < nKv) p[cell] *= biasScale;
                }
                double sum = 0;
                for (int64_t c = 0; c < nKv; c++) sum += p[c];
                // A row whose whole mass was removed stays as it is (all zero): nothing left to renormalize.
                if (sum > 0) {
                    const float inv = static_cast<float>(1.0 / sum);
                    for (int64_t c = 0; c < nKv; c++) p[c] *= inv;
                }
            }
        }
    }
    if (observe[layer]) {
        Chunk chunk{nKv, nTokens, nHead, std::vector<float>(static_cast<size_t>(nKv * nTokens * nHead))};
        for (int64_t r = 0; r < nTokens; r++) {
            for (int64_t h = 0; h < nHead; h++) std::memcpy(chunk.data.data() + (r * nHead + h) * nKv, row(r, h), sizeof(float) * nKv);
        }
        captured[layer].push_back(std::move(chunk));
    }
}
