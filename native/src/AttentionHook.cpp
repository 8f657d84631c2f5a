#include "AttentionHook.h"

#include <algorithm>
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
    injectedRows = 0;
}

bool AttentionHook::wants(int layer) const {
    if (layer < 0 || layer >= static_cast<int>(observe.size())) return false;
    return observe[layer] || (biasOn && biasLayers[layer]) || (injectOn && !injectHeads[layer].empty());
}

bool AttentionHook::callback(ggml_tensor* t, bool ask, void* userData) {
    auto* self = static_cast<AttentionHook*>(userData);
    const int layer = layerOf(t);
    if (ask) return self->wants(layer);
    if (self->wants(layer) && t->type == GGML_TYPE_F32 && t->data) self->apply(t, layer);
    return true;  // false would stop the graph
}

// Rows of the ubatch's tokens [first, first + nTokens) of the injected heads: zeroed, then given the
// pattern's weights. Cells at or past nKv (the ubatch's view of the cache) hold no token: skipped.
void AttentionHook::inject(char* data, const ggml_tensor* t, int layer, int64_t first) {
    const int64_t nKv = t->ne[0], nTokens = t->ne[1], nHead = t->ne[2];
    auto row = [&](int64_t r, int64_t h) { return reinterpret_cast<float*>(data + r * t->nb[1] + h * t->nb[2]); };
    for (const InjectedHead& ih : injectHeads[layer]) {
        if (ih.head >= nHead) continue;  // models with per-layer head counts
        if (ih.pattern < 0) {
            for (int64_t r = 0; r < nTokens; r++) std::fill_n(row(r, ih.head), nKv, 0.0f);
            injectedRows += nTokens;
            continue;
        }
        const InjectedRows& rows = injectPatterns[ih.pattern];
        const auto begin = std::lower_bound(rows.tokens.begin(), rows.tokens.end(), static_cast<int32_t>(first));
        for (auto it = begin; it != rows.tokens.end() && *it < first + nTokens; ++it) {
            const size_t i = static_cast<size_t>(it - rows.tokens.begin());
            float* p = row(*it - first, ih.head);
            std::fill_n(p, nKv, 0.0f);
            for (int32_t e = rows.offsets[i]; e < rows.offsets[i + 1]; e++) {
                if (rows.cells[e] < nKv) p[rows.cells[e]] += rows.weights[e];
            }
            injectedRows++;
        }
    }
}

void AttentionHook::apply(ggml_tensor* t, int layer) {
    const int64_t nKv = t->ne[0], nTokens = t->ne[1], nHead = t->ne[2];
    const int64_t first = rowsSeen[layer];
    rowsSeen[layer] += nTokens;
    const bool injecting = injectOn && !injectHeads[layer].empty();
    const bool biasing = biasOn && biasLayers[layer];

    // A tensor outside host memory (CUDA, Vulkan...) is copied to the host, changed or read there, and
    // written back when changed. That path is untested here (no GPU on the machines that run the tests).
    char* data = static_cast<char*>(t->data);
    std::vector<char> hostCopy;
    const bool onHost = t->buffer == nullptr || api.ggml_backend_buffer_is_host(t->buffer);
    if (!onHost) {
        hostCopy.resize(api.ggml_nbytes(t));
        api.ggml_backend_tensor_get(t, hostCopy.data(), 0, hostCopy.size());
        data = hostCopy.data();
    }
    auto row = [&](int64_t r, int64_t h) { return reinterpret_cast<float*>(data + r * t->nb[1] + h * t->nb[2]); };

    if (injecting) inject(data, t, layer, first);
    if (biasing) {
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
    if (!onHost && (injecting || biasing)) api.ggml_backend_tensor_set(t, hostCopy.data(), 0, hostCopy.size());
    if (observe[layer]) {
        Chunk chunk{nKv, nTokens, nHead, std::vector<float>(static_cast<size_t>(nKv * nTokens * nHead))};
        for (int64_t r = 0; r < nTokens; r++) {
            for (int64_t h = 0; h < nHead; h++) std::memcpy(chunk.data.data() + (r * nHead + h) * nKv, row(r, h), sizeof(float) * nKv);
        }
        captured[layer].push_back(std::move(chunk));
    }
}
