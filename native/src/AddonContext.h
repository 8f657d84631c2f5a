#pragma once

#include "common.h"
#include "AttentionHook.h"
#include "llama_api.h"

#include <atomic>
#include <memory>
#include <string>
#include <vector>

class AddonModel;

struct ContextSettings {
    llama_context_params params;
    std::string typeK;
    std::string typeV;
    std::string flashAttention;
    bool attentionHook = false;
};

// Owns a llama_context (kv_unified). At most one decode runs at a time; every other method refuses
// to touch the context while it runs. Dispose during a decode aborts it and frees on completion.
class AddonContext : public Napi::ObjectWrap<AddonContext> {
   public:
    static Napi::Function Init(Napi::Env env);
    static Napi::Object Create(Napi::Env env, Napi::Object modelObj, llama_context* ctx, const ContextSettings& settings,
                               std::unique_ptr<AttentionHook> hook);

    explicit AddonContext(const Napi::CallbackInfo& info);
    ~AddonContext() override;

    // Called by the model when it is disposed or destroyed.
    void disposeFromModel();
    // The model is being destroyed while a decode runs (environment teardown): forget it.
    void orphan() { model_ = nullptr; }
    // Called by DecodeWorker on the JS thread when llama_decode returned.
    void decodeFinished(bool ok, std::vector<int8_t>&& outputs);

    llama_context* ctx() const { return ctx_; }
    std::atomic<bool>& abortFlag() { return abort_; }
    bool disposed() const { return disposed_; }

   private:
    Napi::Value Decode(const Napi::CallbackInfo& info);
    Napi::Value Abort(const Napi::CallbackInfo& info);
    Napi::Value Logits(const Napi::CallbackInfo& info);
    Napi::Value Argmax(const Napi::CallbackInfo& info);
    Napi::Value SeqRm(const Napi::CallbackInfo& info);
    Napi::Value SeqCp(const Napi::CallbackInfo& info);
    Napi::Value SeqKeep(const Napi::CallbackInfo& info);
    Napi::Value SeqAdd(const Napi::CallbackInfo& info);
    Napi::Value SeqPosMin(const Napi::CallbackInfo& info);
    Napi::Value SeqPosMax(const Napi::CallbackInfo& info);
    Napi::Value ClearMemory(const Napi::CallbackInfo& info);
    Napi::Value StateSeqSize(const Napi::CallbackInfo& info);
    Napi::Value StateSeqGet(const Napi::CallbackInfo& info);
    Napi::Value StateSeqSet(const Napi::CallbackInfo& info);
    Napi::Value SetThreads(const Napi::CallbackInfo& info);
    Napi::Value ObserveAttention(const Napi::CallbackInfo& info);
    Napi::Value Attention(const Napi::CallbackInfo& info);
    Napi::Value SetAttentionBias(const Napi::CallbackInfo& info);
    Napi::Value SetAttentionInjection(const Napi::CallbackInfo& info);
    Napi::Value InjectedRows(const Napi::CallbackInfo& info);
    Napi::Value Dispose(const Napi::CallbackInfo& info);
    Napi::Value GetBusy(const Napi::CallbackInfo& info);
    Napi::Value GetDisposed(const Napi::CallbackInfo& info);

    // Throws ERR_DISPOSED / ERR_BUSY.
    void ensureUsable(Napi::Env env) const;
    int32_t readSeq(Napi::Env env, const Napi::Value& v, bool allowAny = false) const;
    int32_t readPos(Napi::Env env, const Napi::Value& v, const char* name) const;
    const float* outputRow(Napi::Env env, const Napi::Value& index);
    void freeNative();
    AttentionHook& hook(Napi::Env env) const;
    std::vector<uint8_t> readIndexSet(Napi::Env env, const Napi::Value& v, const char* name, int32_t limit) const;
    AttentionHook::InjectedRows readInjectedRows(Napi::Env env, const Napi::Value& v, const std::string& name) const;

    llama_context* ctx_ = nullptr;
    AddonModel* model_ = nullptr;
    Napi::ObjectReference modelRef_;
    std::atomic<bool> abort_{false};
    bool busy_ = false;
    bool disposed_ = false;
    uint32_t nSeqMax_ = 1;
    uint32_t nBatch_ = 0;
    int32_t nVocab_ = 0;
    int32_t nLayer_ = 0;
    int32_t nHead_ = 0;
    uint32_t nCtx_ = 0;
    // Set when created with attentionHook; must outlive ctx_ (llama.cpp holds a pointer to it).
    std::unique_ptr<AttentionHook> hook_;
    // Which batch indices of the last successful decode produced logits.
    std::vector<int8_t> outputs_;
};
