#pragma once

#include "common.h"
#include "llama_api.h"

#include <set>
#include <string>

class AddonContext;

// Owns a llama_model and the file's GGUF metadata. The llama_model is freed once the model is
// disposed (or collected) and none of its contexts still needs it.
class AddonModel : public Napi::ObjectWrap<AddonModel> {
   public:
    static Napi::Function Init(Napi::Env env);
    // Wraps an already loaded model (called on the JS thread by the load worker).
    static Napi::Object Create(Napi::Env env, llama_model* model, gguf_context* meta, const std::string& path, bool vocabOnly);

    explicit AddonModel(const Napi::CallbackInfo& info);
    ~AddonModel() override;

    llama_model* model() const { return model_; }
    const llama_vocab* vocab() const { return vocab_; }
    int32_t nVocab() const { return nVocab_; }
    bool disposed() const { return disposed_; }
    // Context bookkeeping: a context registers itself while it holds a llama_context.
    void attach(AddonContext* ctx) { contexts_.insert(ctx); }
    void detach(AddonContext* ctx);
    // Pending context creations keep the llama_model alive too.
    void beginPending() { ++pending_; }
    void endPending();

   private:
    Napi::Value Metadata(const Napi::CallbackInfo& info);
    Napi::Value MetadataArray(const Napi::CallbackInfo& info);
    Napi::Value Tokenize(const Napi::CallbackInfo& info);
    Napi::Value Detokenize(const Napi::CallbackInfo& info);
    Napi::Value TokenPiece(const Napi::CallbackInfo& info);
    Napi::Value TokenText(const Napi::CallbackInfo& info);
    Napi::Value TokenAttributes(const Napi::CallbackInfo& info);
    Napi::Value IsEog(const Napi::CallbackInfo& info);
    Napi::Value IsControl(const Napi::CallbackInfo& info);
    Napi::Value CreateContext(const Napi::CallbackInfo& info);
    Napi::Value Dispose(const Napi::CallbackInfo& info);
    Napi::Value GetDisposed(const Napi::CallbackInfo& info);
    Napi::Value GetPath(const Napi::CallbackInfo& info);

    void ensureAlive(Napi::Env env) const;
    int32_t readToken(Napi::Env env, const Napi::Value& v) const;
    Napi::Object buildInfo(Napi::Env env) const;
    Napi::Object buildVocab(Napi::Env env) const;
    void freeIfUnused();
    void disposeContexts();

    llama_model* model_ = nullptr;
    gguf_context* meta_ = nullptr;
    const llama_vocab* vocab_ = nullptr;
    std::string path_;
    int32_t nVocab_ = 0;
    bool disposed_ = false;
    bool vocabOnly_ = false;
    int pending_ = 0;
    std::set<AddonContext*> contexts_;
};
