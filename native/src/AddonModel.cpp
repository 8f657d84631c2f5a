#include "AddonModel.h"

#include "AddonContext.h"
#include "worker.h"

#include <algorithm>
#include <thread>

namespace {

constexpr uint32_t kMaxSeq = 256;  // LLAMA_MAX_SEQ

const char* ggufTypeName(gguf_type t) {
    switch (t) {
        case GGUF_TYPE_UINT8: return "uint8";
        case GGUF_TYPE_INT8: return "int8";
        case GGUF_TYPE_UINT16: return "uint16";
        case GGUF_TYPE_INT16: return "int16";
        case GGUF_TYPE_UINT32: return "uint32";
        case GGUF_TYPE_INT32: return "int32";
        case GGUF_TYPE_FLOAT32: return "float32";
        case GGUF_TYPE_BOOL: return "bool";
        case GGUF_TYPE_STRING: return "string";
        case GGUF_TYPE_ARRAY: return "array";
        case GGUF_TYPE_UINT64: return "uint64";
        case GGUF_TYPE_INT64: return "int64";
        case GGUF_TYPE_FLOAT64: return "float64";
        default: return "unknown";
    }
}

// Element i of a numeric/bool array (raw data as gguf stores it).
Napi::Value arrayElement(Napi::Env env, gguf_type t, const void* data, size_t i) {
    switch (t) {
        case GGUF_TYPE_UINT8: return Napi::Number::New(env, static_cast<const uint8_t*>(data)[i]);
        case GGUF_TYPE_INT8: return Napi::Number::New(env, static_cast<const int8_t*>(data)[i]);
        case GGUF_TYPE_UINT16: return Napi::Number::New(env, static_cast<const uint16_t*>(data)[i]);
        case GGUF_TYPE_INT16: return Napi::Number::New(env, static_cast<const int16_t*>(data)[i]);
        case GGUF_TYPE_UINT32: return Napi::Number::New(env, static_cast<const uint32_t*>(data)[i]);
        case GGUF_TYPE_INT32: return Napi::Number::New(env, static_cast<const int32_t*>(data)[i]);
        case GGUF_TYPE_FLOAT32: return Napi::Number::New(env, static_cast<const float*>(data)[i]);
        case GGUF_TYPE_BOOL: return Napi::Boolean::New(env, static_cast<const int8_t*>(data)[i] != 0);
        case GGUF_TYPE_UINT64: return Napi::BigInt::New(env, static_cast<const uint64_t*>(data)[i]);
        case GGUF_TYPE_INT64: return Napi::BigInt::New(env, static_cast<const int64_t*>(data)[i]);
        case GGUF_TYPE_FLOAT64: return Napi::Number::New(env, static_cast<const double*>(data)[i]);
        default: return env.Null();
    }
}

Napi::Value scalarValue(Napi::Env env, const gguf_context* g, int64_t k) {
    switch (api.gguf_get_kv_type(g, k)) {
        case GGUF_TYPE_UINT8: return Napi::Number::New(env, api.gguf_get_val_u8(g, k));
        case GGUF_TYPE_INT8: return Napi::Number::New(env, api.gguf_get_val_i8(g, k));
        case GGUF_TYPE_UINT16: return Napi::Number::New(env, api.gguf_get_val_u16(g, k));
        case GGUF_TYPE_INT16: return Napi::Number::New(env, api.gguf_get_val_i16(g, k));
        case GGUF_TYPE_UINT32: return Napi::Number::New(env, api.gguf_get_val_u32(g, k));
        case GGUF_TYPE_INT32: return Napi::Number::New(env, api.gguf_get_val_i32(g, k));
        case GGUF_TYPE_FLOAT32: return Napi::Number::New(env, api.gguf_get_val_f32(g, k));
        case GGUF_TYPE_BOOL: return Napi::Boolean::New(env, api.gguf_get_val_bool(g, k));
        case GGUF_TYPE_STRING: return Napi::String::New(env, api.gguf_get_val_str(g, k));
        case GGUF_TYPE_UINT64: return Napi::BigInt::New(env, api.gguf_get_val_u64(g, k));
        case GGUF_TYPE_INT64: return Napi::BigInt::New(env, api.gguf_get_val_i64(g, k));
        case GGUF_TYPE_FLOAT64: return Napi::Number::New(env, api.gguf_get_val_f64(g, k));
        case GGUF_TYPE_ARRAY: {
            Napi::Object summary = Napi::Object::New(env);
            summary.Set("arrayType", ggufTypeName(api.gguf_get_arr_type(g, k)));
            summary.Set("length", Napi::Number::New(env, static_cast<double>(api.gguf_get_arr_n(g, k))));
            return summary;
        }
        default: return env.Null();
    }
}

const char* vocabTypeName(enum llama_vocab_type t) {
    switch (t) {
        case LLAMA_VOCAB_TYPE_NONE: return "none";
        case LLAMA_VOCAB_TYPE_SPM: return "spm";
        case LLAMA_VOCAB_TYPE_BPE: return "bpe";
        case LLAMA_VOCAB_TYPE_WPM: return "wpm";
        case LLAMA_VOCAB_TYPE_UGM: return "ugm";
        case LLAMA_VOCAB_TYPE_RWKV: return "rwkv";
        case LLAMA_VOCAB_TYPE_PLAMO2: return "plamo2";
        default: return "unknown";
    }
}

std::string readChoice(Napi::Env env, const Napi::Object& o, const char* key, std::initializer_list<const char*> allowed, const char* fallback) {
    Napi::Value v = o.Get(key);
    if (v.IsUndefined()) return fallback;
    if (v.IsString()) {
        std::string s = v.As<Napi::String>().Utf8Value();
        for (const char* a : allowed) {
            if (s == a) return s;
        }
    }
    std::string list;
    for (const char* a : allowed) list += (list.empty() ? "'" : ", '") + std::string(a) + "'";
    throwInvalid(env, std::string(key) + " must be one of " + list);
}

int32_t defaultThreads() {
    // Half the logical cores: physical cores on SMT machines, and room for the JS thread. ggml's
    // workers spin at barriers, so oversubscribing a small machine stalls decodes for hundreds of ms.
    return static_cast<int32_t>(std::max(1u, std::thread::hardware_concurrency() / 2));
}

ContextSettings readContextSettings(Napi::Env env, const Napi::Object& o) {
    ContextSettings s{api.llama_context_default_params(), "", "", "", false};
    auto& p = s.params;
    const Napi::Value nCtx = o.Get("nCtx");
    p.n_ctx = nCtx.IsUndefined() ? 4096 : readInt(env, nCtx, "nCtx", 16, 1 << 24);
    const Napi::Value nBatch = o.Get("nBatch");
    p.n_batch = nBatch.IsUndefined() ? std::min<uint32_t>(512, p.n_ctx) : readInt(env, nBatch, "nBatch", 1, p.n_ctx);
    const Napi::Value nUbatch = o.Get("nUbatch");
    p.n_ubatch = nUbatch.IsUndefined() ? std::min<uint32_t>(512, p.n_batch) : readInt(env, nUbatch, "nUbatch", 1, p.n_batch);
    const Napi::Value nSeq = o.Get("nSeqMax");
    // llama.cpp reserves one output row per sequence within nBatch rows and aborts the process beyond that.
    p.n_seq_max = nSeq.IsUndefined() ? 1 : readInt(env, nSeq, "nSeqMax (at most nBatch)", 1, std::min(kMaxSeq, p.n_batch));
    s.typeK = readChoice(env, o, "typeK", {"f16", "f32"}, "f16");
    s.typeV = readChoice(env, o, "typeV", {"f16", "f32"}, "f16");
    p.type_k = s.typeK == "f32" ? GGML_TYPE_F32 : GGML_TYPE_F16;
    p.type_v = s.typeV == "f32" ? GGML_TYPE_F32 : GGML_TYPE_F16;
    s.flashAttention = readChoice(env, o, "flashAttention", {"auto", "enabled", "disabled"}, "auto");
    p.flash_attn_type = s.flashAttention == "enabled"    ? LLAMA_FLASH_ATTN_TYPE_ENABLED
                        : s.flashAttention == "disabled" ? LLAMA_FLASH_ATTN_TYPE_DISABLED
                                                         : LLAMA_FLASH_ATTN_TYPE_AUTO;
    const Napi::Value threads = o.Get("threads");
    p.n_threads = threads.IsUndefined() ? defaultThreads() : readInt(env, threads, "threads", 1, 1024);
    const Napi::Value threadsBatch = o.Get("threadsBatch");
    p.n_threads_batch = threadsBatch.IsUndefined() ? p.n_threads : readInt(env, threadsBatch, "threadsBatch", 1, 1024);
    s.attentionHook = readBool(env, o.Get("attentionHook"), "attentionHook", false);
    if (s.attentionHook) {
        // The softmax node the hook works on exists only in the non-flash attention path.
        if (!o.Get("flashAttention").IsUndefined() && s.flashAttention != "disabled") throwInvalid(env, "attentionHook needs flashAttention 'disabled'");
        s.flashAttention = "disabled";
        p.flash_attn_type = LLAMA_FLASH_ATTN_TYPE_DISABLED;
    }
    p.kv_unified = true;  // sequences share cells: needed to compose KV blocks into one query sequence
    p.no_perf = true;
    return s;
}

class CreateContextWorker : public PromiseWorker {
   public:
    CreateContextWorker(Napi::Env env, Napi::Object modelObj, AddonModel* model, ContextSettings settings)
        : PromiseWorker(env, "SteerwayCreateContext"), model_(model), settings_(std::move(settings)) {
        modelRef_ = Napi::Persistent(modelObj);
        if (settings_.attentionHook) {
            hook_ = std::make_unique<AttentionHook>(api.llama_model_n_layer(model->model()));
            settings_.params.cb_eval = AttentionHook::callback;
            settings_.params.cb_eval_user_data = hook_.get();
        }
        model_->beginPending();
    }

   protected:
    void Execute() override {
        resetThreadErrors();
        try {
            ctx_ = api.llama_init_from_model(model_->model(), settings_.params);
        } catch (const std::exception& e) {
            Fail("ERR_CONTEXT_CREATE", e.what());
            return;
        }
        if (!ctx_) Fail("ERR_CONTEXT_CREATE", withReason("llama_init_from_model failed"));
        else ++liveContexts;
    }
    void OnOK() override {
        Napi::Env env = Env();
        Napi::HandleScope scope(env);
        if (model_->disposed()) {
            api.llama_free(ctx_);
            --liveContexts;
            model_->endPending();
            deferred_.Reject(nativeError(env, "ERR_DISPOSED", "the model was disposed while the context was being created").Value());
            return;
        }
        Napi::Object obj = AddonContext::Create(env, modelRef_.Value(), ctx_, settings_, std::move(hook_));
        model_->endPending();
        deferred_.Resolve(obj);
    }
    void Settled() override { model_->endPending(); }

   private:
    AddonModel* model_;
    Napi::ObjectReference modelRef_;
    ContextSettings settings_;
    std::unique_ptr<AttentionHook> hook_;
    llama_context* ctx_ = nullptr;
};

}  // namespace

Napi::Function AddonModel::Init(Napi::Env env) {
    return DefineClass(env, "AddonModel",
                       {
                           InstanceMethod<&AddonModel::Metadata>("metadata"),
                           InstanceMethod<&AddonModel::MetadataArray>("metadataArray"),
                           InstanceMethod<&AddonModel::Tokenize>("tokenize"),
                           InstanceMethod<&AddonModel::Detokenize>("detokenize"),
                           InstanceMethod<&AddonModel::TokenPiece>("tokenPiece"),
                           InstanceMethod<&AddonModel::TokenText>("tokenText"),
                           InstanceMethod<&AddonModel::TokenAttributes>("tokenAttributes"),
                           InstanceMethod<&AddonModel::IsEog>("isEog"),
                           InstanceMethod<&AddonModel::IsControl>("isControl"),
                           InstanceMethod<&AddonModel::CreateContext>("createContext"),
                           InstanceMethod<&AddonModel::Dispose>("dispose"),
                           InstanceAccessor<&AddonModel::GetDisposed>("disposed"),
                           InstanceAccessor<&AddonModel::GetPath>("path"),
                       });
}

Napi::Object AddonModel::Create(Napi::Env env, llama_model* model, gguf_context* meta, const std::string& path, bool vocabOnly) {
    auto* data = env.GetInstanceData<AddonData>();
    Napi::Object obj = data->modelClass.New({Napi::External<llama_model>::New(env, model)});
    AddonModel* self = Unwrap(obj);
    self->meta_ = meta;
    self->path_ = path;
    self->vocabOnly_ = vocabOnly;
    obj.DefineProperties({
        Napi::PropertyDescriptor::Value("info", self->buildInfo(env), napi_enumerable),
        Napi::PropertyDescriptor::Value("vocab", self->buildVocab(env), napi_enumerable),
    });
    return obj;
}

AddonModel::AddonModel(const Napi::CallbackInfo& info) : Napi::ObjectWrap<AddonModel>(info) {
    if (info.Length() != 1 || !info[0].IsExternal()) {
        throw nativeError(info.Env(), "ERR_INVALID_ARG", "AddonModel cannot be constructed from JavaScript: use loadModel()");
    }
    model_ = info[0].As<Napi::External<llama_model>>().Data();
    vocab_ = api.llama_model_get_vocab(model_);
    nVocab_ = api.llama_vocab_n_tokens(vocab_);
}

AddonModel::~AddonModel() {
    // Finalizers may run in any order at environment teardown: release the contexts first.
    disposed_ = true;
    disposeContexts();
    if (!contexts_.empty()) {
        // A decode still runs (only possible at teardown): leave its memory to the exiting process.
        for (AddonContext* ctx : contexts_) ctx->orphan();
        return;
    }
    pending_ = 0;
    freeIfUnused();
}

void AddonModel::disposeContexts() {
    const std::set<AddonContext*> copy = contexts_;
    for (AddonContext* ctx : copy) ctx->disposeFromModel();
}

void AddonModel::detach(AddonContext* ctx) {
    contexts_.erase(ctx);
    freeIfUnused();
}

void AddonModel::endPending() {
    if (pending_ > 0) --pending_;
    freeIfUnused();
}

void AddonModel::freeIfUnused() {
    if (!disposed_ || pending_ > 0 || !contexts_.empty()) return;
    if (model_) {
        api.llama_model_free(model_);
        model_ = nullptr;
        vocab_ = nullptr;
        --liveModels;
    }
    if (meta_) {
        api.gguf_free(meta_);
        meta_ = nullptr;
    }
}

void AddonModel::ensureAlive(Napi::Env env) const {
    if (disposed_) throw nativeError(env, "ERR_DISPOSED", "the model was disposed");
}

int32_t AddonModel::readToken(Napi::Env env, const Napi::Value& v) const {
    return readInt(env, v, "token", 0, nVocab_ - 1);
}

Napi::Object AddonModel::buildInfo(Napi::Env env) const {
    Napi::Object o = Napi::Object::New(env);
    char desc[256] = {0};
    api.llama_model_desc(model_, desc, sizeof(desc));
    const int64_t archKey = api.gguf_find_key(meta_, "general.architecture");
    const bool archIsString = archKey >= 0 && api.gguf_get_kv_type(meta_, archKey) == GGUF_TYPE_STRING;
    o.Set("architecture", archIsString ? api.gguf_get_val_str(meta_, archKey) : "");
    o.Set("description", desc);
    o.Set("size", Napi::Number::New(env, static_cast<double>(api.llama_model_size(model_))));
    o.Set("nParams", Napi::Number::New(env, static_cast<double>(api.llama_model_n_params(model_))));
    o.Set("nLayer", api.llama_model_n_layer(model_));
    o.Set("nEmbd", api.llama_model_n_embd(model_));
    // Per-layer head counts do not exist without weights (llama.cpp aborts on the lookup).
    o.Set("nHead", vocabOnly_ ? 0 : api.llama_model_n_head(model_));
    o.Set("nHeadKv", vocabOnly_ ? 0 : api.llama_model_n_head_kv(model_));
    o.Set("nCtxTrain", api.llama_model_n_ctx_train(model_));
    o.Set("nVocab", nVocab_);
    o.Set("vocabType", vocabTypeName(api.llama_vocab_type(vocab_)));
    o.Set("hasEncoder", api.llama_model_has_encoder(model_));
    o.Set("isRecurrent", api.llama_model_is_recurrent(model_));
    const char* tmpl = api.llama_model_chat_template(model_, nullptr);
    o.Set("chatTemplate", tmpl ? Napi::Value(Napi::String::New(env, tmpl)) : env.Null());
    o.Freeze();
    return o;
}

Napi::Object AddonModel::buildVocab(Napi::Env env) const {
    Napi::Object o = Napi::Object::New(env);
    const llama_vocab* v = vocab_;
    o.Set("nVocab", nVocab_);
    o.Set("bos", api.llama_vocab_bos(v));
    o.Set("eos", api.llama_vocab_eos(v));
    o.Set("eot", api.llama_vocab_eot(v));
    o.Set("sep", api.llama_vocab_sep(v));
    o.Set("nl", api.llama_vocab_nl(v));
    o.Set("pad", api.llama_vocab_pad(v));
    o.Set("fimPre", api.llama_vocab_fim_pre(v));
    o.Set("fimSuf", api.llama_vocab_fim_suf(v));
    o.Set("fimMid", api.llama_vocab_fim_mid(v));
    o.Set("fimPad", api.llama_vocab_fim_pad(v));
    o.Set("fimRep", api.llama_vocab_fim_rep(v));
    o.Set("fimSep", api.llama_vocab_fim_sep(v));
    o.Set("addBos", api.llama_vocab_get_add_bos(v));
    o.Set("addEos", api.llama_vocab_get_add_eos(v));
    o.Freeze();
    return o;
}

Napi::Value AddonModel::Metadata(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    ensureAlive(env);
    Napi::Object out = Napi::Object::New(env);
    const int64_t n = api.gguf_get_n_kv(meta_);
    for (int64_t k = 0; k < n; k++) out.Set(api.gguf_get_key(meta_, k), scalarValue(env, meta_, k));
    return out;
}

Napi::Value AddonModel::MetadataArray(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    ensureAlive(env);
    if (info.Length() < 1 || !info[0].IsString()) throwInvalid(env, "key must be a string");
    const std::string key = info[0].As<Napi::String>().Utf8Value();
    const int64_t k = api.gguf_find_key(meta_, key.c_str());
    if (k < 0 || api.gguf_get_kv_type(meta_, k) != GGUF_TYPE_ARRAY) return env.Null();
    const gguf_type t = api.gguf_get_arr_type(meta_, k);
    const size_t n = api.gguf_get_arr_n(meta_, k);
    Napi::Array out = Napi::Array::New(env, n);
    if (t == GGUF_TYPE_STRING) {
        for (size_t i = 0; i < n; i++) out.Set(static_cast<uint32_t>(i), Napi::String::New(env, api.gguf_get_arr_str(meta_, k, i)));
    } else if (t == GGUF_TYPE_ARRAY) {
        throw nativeError(env, "ERR_INVALID_ARG", "nested GGUF arrays are not supported: " + key);
    } else {
        const void* data = api.gguf_get_arr_data(meta_, k);
        for (size_t i = 0; i < n; i++) out.Set(static_cast<uint32_t>(i), arrayElement(env, t, data, i));
    }
    return out;
}

Napi::Value AddonModel::Tokenize(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    ensureAlive(env);
    if (info.Length() < 1 || !info[0].IsString()) throwInvalid(env, "text must be a string");
    const std::string text = info[0].As<Napi::String>().Utf8Value();
    const Napi::Object opts = readOptions(env, info[1]);
    const bool addSpecial = readBool(env, opts.Get("addSpecial"), "addSpecial", true);
    const bool parseSpecial = readBool(env, opts.Get("parseSpecial"), "parseSpecial", false);
    if (text.size() > INT32_MAX / 2) throwInvalid(env, "text is too long");
    std::vector<llama_token> tokens(text.size() + 8);
    int32_t n = api.llama_tokenize(vocab_, text.data(), static_cast<int32_t>(text.size()), tokens.data(),
                                   static_cast<int32_t>(tokens.size()), addSpecial, parseSpecial);
    if (n < 0 && n != INT32_MIN) {
        tokens.resize(static_cast<size_t>(-n));
        n = api.llama_tokenize(vocab_, text.data(), static_cast<int32_t>(text.size()), tokens.data(),
                               static_cast<int32_t>(tokens.size()), addSpecial, parseSpecial);
    }
    if (n < 0) throw nativeError(env, "ERR_TOKENIZE", "llama_tokenize failed");
    Napi::Int32Array out = Napi::Int32Array::New(env, static_cast<size_t>(n));
    std::copy_n(tokens.data(), n, out.Data());
    return out;
}

Napi::Value AddonModel::Detokenize(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    ensureAlive(env);
    if (info.Length() < 1 || !info[0].IsTypedArray() || info[0].As<Napi::TypedArray>().TypedArrayType() != napi_int32_array) {
        throwInvalid(env, "tokens must be an Int32Array");
    }
    const Napi::Int32Array tokens = info[0].As<Napi::Int32Array>();
    const Napi::Object opts = readOptions(env, info[1]);
    const bool removeSpecial = readBool(env, opts.Get("removeSpecial"), "removeSpecial", false);
    const bool unparseSpecial = readBool(env, opts.Get("unparseSpecial"), "unparseSpecial", false);
    const size_t n = tokens.ElementLength();
    if (n > INT32_MAX / 64) throwInvalid(env, "too many tokens");
    for (size_t i = 0; i < n; i++) {
        if (tokens[i] < 0 || tokens[i] >= nVocab_) throwInvalid(env, "tokens[" + std::to_string(i) + "] = " + std::to_string(tokens[i]) + " is not in the vocabulary");
    }
    std::string text(n * 8 + 16, '\0');
    int32_t len = api.llama_detokenize(vocab_, tokens.Data(), static_cast<int32_t>(n), text.data(), static_cast<int32_t>(text.size()), removeSpecial, unparseSpecial);
    if (len < 0 && len != INT32_MIN) {
        text.resize(static_cast<size_t>(-len));
        len = api.llama_detokenize(vocab_, tokens.Data(), static_cast<int32_t>(n), text.data(), static_cast<int32_t>(text.size()), removeSpecial, unparseSpecial);
    }
    if (len < 0) throw nativeError(env, "ERR_TOKENIZE", "llama_detokenize failed");
    return Napi::String::New(env, text.data(), static_cast<size_t>(len));
}

Napi::Value AddonModel::TokenPiece(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    ensureAlive(env);
    const int32_t token = readToken(env, info[0]);
    const Napi::Object opts = readOptions(env, info[1]);
    const bool special = readBool(env, opts.Get("special"), "special", false);
    std::vector<char> buf(64);
    int32_t n = api.llama_token_to_piece(vocab_, token, buf.data(), static_cast<int32_t>(buf.size()), 0, special);
    if (n < 0) {
        buf.resize(static_cast<size_t>(-n));
        n = api.llama_token_to_piece(vocab_, token, buf.data(), static_cast<int32_t>(buf.size()), 0, special);
    }
    if (n < 0) throw nativeError(env, "ERR_TOKENIZE", "llama_token_to_piece failed");
    return Napi::Buffer<char>::Copy(env, buf.data(), static_cast<size_t>(n));
}

Napi::Value AddonModel::TokenText(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    ensureAlive(env);
    const char* text = api.llama_vocab_get_text(vocab_, readToken(env, info[0]));
    return Napi::String::New(env, text ? text : "");
}

Napi::Value AddonModel::TokenAttributes(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    ensureAlive(env);
    return Napi::Number::New(env, api.llama_vocab_get_attr(vocab_, readToken(env, info[0])));
}

Napi::Value AddonModel::IsEog(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    ensureAlive(env);
    return Napi::Boolean::New(env, api.llama_vocab_is_eog(vocab_, readToken(env, info[0])));
}

Napi::Value AddonModel::IsControl(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    ensureAlive(env);
    return Napi::Boolean::New(env, api.llama_vocab_is_control(vocab_, readToken(env, info[0])));
}

Napi::Value AddonModel::CreateContext(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    try {
        ensureAlive(env);
        if (vocabOnly_) throw nativeError(env, "ERR_INVALID_ARG", "the model was loaded with vocabOnly: it has no weights to create a context with");
        ContextSettings settings = readContextSettings(env, readOptions(env, info[0]));
        auto* worker = new CreateContextWorker(env, info.This().As<Napi::Object>(), this, std::move(settings));
        Napi::Promise promise = worker->Promise();
        worker->Queue();
        return promise;
    } catch (const Napi::Error& e) {
        return rejectedPromise(env, e);
    }
}

Napi::Value AddonModel::Dispose(const Napi::CallbackInfo& info) {
    if (disposed_) return info.Env().Undefined();
    disposed_ = true;
    disposeContexts();
    freeIfUnused();
    return info.Env().Undefined();
}

Napi::Value AddonModel::GetDisposed(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), disposed_); }

Napi::Value AddonModel::GetPath(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), path_); }
