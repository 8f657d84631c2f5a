#include "AddonContext.h"

#include "AddonModel.h"
#include "worker.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace {

bool abortCallback(void* data) { return static_cast<std::atomic<bool>*>(data)->load(std::memory_order_relaxed); }

template <typename T>
Napi::TypedArrayOf<T> readTyped(Napi::Env env, const Napi::Value& v, napi_typedarray_type type, const char* name) {
    if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != type) {
        const char* typeName = type == napi_int32_array ? "an Int32Array" : type == napi_float32_array ? "a Float32Array" : "a Uint8Array";
        throwInvalid(env, std::string(name) + " must be " + typeName);
    }
    return v.As<Napi::TypedArrayOf<T>>();
}

// Owns a copy of the batch so the caller's arrays are free as soon as decode() returns.
class DecodeWorker : public PromiseWorker {
   public:
    DecodeWorker(Napi::Env env, Napi::Object ctxObj, AddonContext* ctx)
        : PromiseWorker(env, "SteerwayDecode"), ctx_(ctx) {
        ctxRef_ = Napi::Persistent(ctxObj);
    }

    std::vector<llama_token> tokens;
    std::vector<llama_pos> positions;
    std::vector<int32_t> nSeqIds;
    std::vector<llama_seq_id> seqIds;
    std::vector<int8_t> logits;

   protected:
    void Execute() override {
        const int32_t n = static_cast<int32_t>(tokens.size());
        std::vector<llama_seq_id*> seqPtrs(n);
        size_t offset = 0;
        for (int32_t i = 0; i < n; i++) {
            seqPtrs[i] = seqIds.data() + offset;
            offset += static_cast<size_t>(nSeqIds[i]);
        }
        llama_batch batch{n, tokens.data(), nullptr, positions.data(), nSeqIds.data(), seqPtrs.data(), logits.data()};
        resetThreadErrors();
        int32_t ret;
        try {
            ret = api.llama_decode(ctx_->ctx(), batch);
        } catch (const std::exception& e) {
            Fail("ERR_DECODE_FAILED", e.what());
            return;
        }
        if (ret == 0) return;
        if (ret == 1) Fail("ERR_DECODE_NO_KV_SLOT", withReason("no KV cache slot for the batch (llama_decode returned 1)"));
        else if (ret == 2) Fail("ERR_ABORTED", "decode aborted");
        else if (ret == -1) Fail("ERR_DECODE_INVALID_BATCH", withReason("invalid batch (llama_decode returned -1)"));
        else Fail("ERR_DECODE_FAILED", withReason("llama_decode returned " + std::to_string(ret)));
    }
    void OnOK() override {
        Napi::HandleScope scope(Env());
        const bool disposed = ctx_->disposed();
        ctx_->decodeFinished(true, std::move(logits));
        if (disposed) deferred_.Reject(nativeError(Env(), "ERR_DISPOSED", "the context was disposed during decode").Value());
        else deferred_.Resolve(Env().Undefined());
    }
    void OnError(const Napi::Error& err) override {
        Napi::HandleScope scope(Env());
        const bool disposed = ctx_->disposed();
        ctx_->decodeFinished(false, {});
        if (disposed) deferred_.Reject(nativeError(Env(), "ERR_DISPOSED", "the context was disposed during decode").Value());
        else deferred_.Reject(nativeError(Env(), failCode_, err.Message()).Value());
    }

   private:
    AddonContext* ctx_;
    Napi::ObjectReference ctxRef_;  // keeps the context (and through it the model) alive while decoding
};

}  // namespace

Napi::Function AddonContext::Init(Napi::Env env) {
    return DefineClass(env, "AddonContext",
                       {
                           InstanceMethod<&AddonContext::Decode>("decode"),
                           InstanceMethod<&AddonContext::Abort>("abort"),
                           InstanceMethod<&AddonContext::Logits>("logits"),
                           InstanceMethod<&AddonContext::Argmax>("argmax"),
                           InstanceMethod<&AddonContext::SeqRm>("seqRm"),
                           InstanceMethod<&AddonContext::SeqCp>("seqCp"),
                           InstanceMethod<&AddonContext::SeqKeep>("seqKeep"),
                           InstanceMethod<&AddonContext::SeqAdd>("seqAdd"),
                           InstanceMethod<&AddonContext::SeqPosMin>("seqPosMin"),
                           InstanceMethod<&AddonContext::SeqPosMax>("seqPosMax"),
                           InstanceMethod<&AddonContext::ClearMemory>("clearMemory"),
                           InstanceMethod<&AddonContext::StateSeqSize>("stateSeqSize"),
                           InstanceMethod<&AddonContext::StateSeqGet>("stateSeqGet"),
                           InstanceMethod<&AddonContext::StateSeqSet>("stateSeqSet"),
                           InstanceMethod<&AddonContext::SetThreads>("setThreads"),
                           InstanceMethod<&AddonContext::ObserveAttention>("observeAttention"),
                           InstanceMethod<&AddonContext::Attention>("attention"),
                           InstanceMethod<&AddonContext::SetAttentionBias>("setAttentionBias"),
                           InstanceMethod<&AddonContext::SetAttentionInjection>("setAttentionInjection"),
                           InstanceMethod<&AddonContext::InjectedRows>("injectedRows"),
                           InstanceMethod<&AddonContext::Dispose>("dispose"),
                           InstanceAccessor<&AddonContext::GetBusy>("busy"),
                           InstanceAccessor<&AddonContext::GetDisposed>("disposed"),
                       });
}

Napi::Object AddonContext::Create(Napi::Env env, Napi::Object modelObj, llama_context* ctx, const ContextSettings& settings,
                                  std::unique_ptr<AttentionHook> hook) {
    auto* data = env.GetInstanceData<AddonData>();
    Napi::Object obj = data->contextClass.New({Napi::External<llama_context>::New(env, ctx)});
    AddonContext* self = Unwrap(obj);
    self->model_ = AddonModel::Unwrap(modelObj);
    self->modelRef_ = Napi::Persistent(modelObj);
    self->model_->attach(self);
    self->nSeqMax_ = api.llama_n_seq_max(ctx);
    self->nBatch_ = api.llama_n_batch(ctx);
    self->nVocab_ = self->model_->nVocab();
    self->nCtx_ = api.llama_n_ctx(ctx);
    self->nLayer_ = api.llama_model_n_layer(self->model_->model());
    self->nHead_ = api.llama_model_n_head(self->model_->model());
    self->hook_ = std::move(hook);
    api.llama_set_abort_callback(ctx, abortCallback, &self->abort_);
    obj.DefineProperties({
        Napi::PropertyDescriptor::Value("nCtx", Napi::Number::New(env, self->nCtx_), napi_enumerable),
        Napi::PropertyDescriptor::Value("nBatch", Napi::Number::New(env, self->nBatch_), napi_enumerable),
        Napi::PropertyDescriptor::Value("nUbatch", Napi::Number::New(env, api.llama_n_ubatch(ctx)), napi_enumerable),
        Napi::PropertyDescriptor::Value("nSeqMax", Napi::Number::New(env, self->nSeqMax_), napi_enumerable),
        Napi::PropertyDescriptor::Value("nVocab", Napi::Number::New(env, self->nVocab_), napi_enumerable),
        Napi::PropertyDescriptor::Value("typeK", Napi::String::New(env, settings.typeK), napi_enumerable),
        Napi::PropertyDescriptor::Value("typeV", Napi::String::New(env, settings.typeV), napi_enumerable),
        Napi::PropertyDescriptor::Value("flashAttention", Napi::String::New(env, settings.flashAttention), napi_enumerable),
        Napi::PropertyDescriptor::Value("attentionHook", Napi::Boolean::New(env, settings.attentionHook), napi_enumerable),
    });
    return obj;
}

AddonContext::AddonContext(const Napi::CallbackInfo& info) : Napi::ObjectWrap<AddonContext>(info) {
    if (info.Length() != 1 || !info[0].IsExternal()) {
        throw nativeError(info.Env(), "ERR_INVALID_ARG", "AddonContext cannot be constructed from JavaScript: use model.createContext()");
    }
    ctx_ = info[0].As<Napi::External<llama_context>>().Data();
}

AddonContext::~AddonContext() {
    // A running decode holds a reference to this object, so busy_ is only possible at teardown.
    if (!busy_) freeNative();
}

void AddonContext::freeNative() {
    if (ctx_) {
        api.llama_free(ctx_);
        ctx_ = nullptr;
        --liveContexts;
    }
    hook_.reset();
    outputs_.clear();
    if (model_) {
        AddonModel* model = model_;
        model_ = nullptr;
        model->detach(this);
    }
    if (!modelRef_.IsEmpty()) modelRef_.Reset();
}

void AddonContext::disposeFromModel() {
    disposed_ = true;
    if (busy_) abort_.store(true);
    else freeNative();
}

void AddonContext::decodeFinished(bool ok, std::vector<int8_t>&& outputs) {
    busy_ = false;
    if (ok) outputs_ = std::move(outputs);
    else outputs_.clear();
    if (disposed_) freeNative();
}

void AddonContext::ensureUsable(Napi::Env env) const {
    if (disposed_) throw nativeError(env, "ERR_DISPOSED", "the context was disposed");
    if (busy_) throw nativeError(env, "ERR_BUSY", "a decode is running on this context");
}

int32_t AddonContext::readSeq(Napi::Env env, const Napi::Value& v, bool allowAny) const {
    return readInt(env, v, "seqId", allowAny ? -1 : 0, static_cast<int64_t>(nSeqMax_) - 1);
}

int32_t AddonContext::readPos(Napi::Env env, const Napi::Value& v, const char* name) const {
    return readInt(env, v, name, -1, INT32_MAX);
}

Napi::Value AddonContext::Decode(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    try {
        ensureUsable(env);
        if (info.Length() < 1 || !info[0].IsObject()) throwInvalid(env, "batch must be an object");
        const Napi::Object b = info[0].As<Napi::Object>();
        const auto tokens = readTyped<int32_t>(env, b.Get("tokens"), napi_int32_array, "batch.tokens");
        const size_t n = tokens.ElementLength();
        if (n == 0 || n > nBatch_) throwInvalid(env, "batch size " + std::to_string(n) + " must be in [1, nBatch=" + std::to_string(nBatch_) + "]");
        const auto positions = readTyped<int32_t>(env, b.Get("positions"), napi_int32_array, "batch.positions");
        if (positions.ElementLength() != n) throwInvalid(env, "batch.positions must have one entry per token");
        const auto seqIds = readTyped<int32_t>(env, b.Get("seqIds"), napi_int32_array, "batch.seqIds");
        auto* worker = new DecodeWorker(env, info.This().As<Napi::Object>(), this);
        std::unique_ptr<DecodeWorker> guard(worker);  // freed here if validation throws before Queue()
        worker->tokens.assign(tokens.Data(), tokens.Data() + n);
        worker->positions.assign(positions.Data(), positions.Data() + n);
        const Napi::Value nSeqIdsValue = b.Get("nSeqIds");
        if (nSeqIdsValue.IsUndefined()) {
            worker->nSeqIds.assign(n, 1);
        } else {
            const auto counts = readTyped<int32_t>(env, nSeqIdsValue, napi_int32_array, "batch.nSeqIds");
            if (counts.ElementLength() != n) throwInvalid(env, "batch.nSeqIds must have one entry per token");
            worker->nSeqIds.assign(counts.Data(), counts.Data() + n);
        }
        size_t total = 0;
        for (size_t i = 0; i < n; i++) {
            const int32_t c = worker->nSeqIds[i];
            if (c < 1 || static_cast<uint32_t>(c) > nSeqMax_) throwInvalid(env, "batch.nSeqIds[" + std::to_string(i) + "] must be in [1, nSeqMax]");
            total += static_cast<size_t>(c);
        }
        if (seqIds.ElementLength() != total) {
            throwInvalid(env, "batch.seqIds has " + std::to_string(seqIds.ElementLength()) + " entries, expected " + std::to_string(total));
        }
        worker->seqIds.assign(seqIds.Data(), seqIds.Data() + total);
        std::vector<uint8_t> seen(nSeqMax_);
        for (size_t i = 0, off = 0; i < n; i++) {
            const int32_t tok = worker->tokens[i];
            if (tok < 0 || tok >= nVocab_) throwInvalid(env, "batch.tokens[" + std::to_string(i) + "] = " + std::to_string(tok) + " is not in [0, nVocab=" + std::to_string(nVocab_) + ")");
            if (worker->positions[i] < 0) throwInvalid(env, "batch.positions[" + std::to_string(i) + "] must be >= 0");
            const int32_t c = worker->nSeqIds[i];
            for (int32_t s = 0; s < c; s++) {
                const int32_t seq = worker->seqIds[off + s];
                if (seq < 0 || static_cast<uint32_t>(seq) >= nSeqMax_) throwInvalid(env, "seq id " + std::to_string(seq) + " of token " + std::to_string(i) + " is not in [0, nSeqMax=" + std::to_string(nSeqMax_) + ")");
                if (seen[seq]) throwInvalid(env, "token " + std::to_string(i) + " lists seq id " + std::to_string(seq) + " twice");
                seen[seq] = 1;
            }
            for (int32_t s = 0; s < c; s++) seen[worker->seqIds[off + s]] = 0;
            off += static_cast<size_t>(c);
        }
        const Napi::Value logitsValue = b.Get("logits");
        if (logitsValue.IsUndefined()) {
            worker->logits.assign(n, 0);
            worker->logits[n - 1] = 1;
        } else {
            const auto wanted = readTyped<uint8_t>(env, logitsValue, napi_uint8_array, "batch.logits");
            if (wanted.ElementLength() != n) throwInvalid(env, "batch.logits must have one entry per token");
            worker->logits.resize(n);
            for (size_t i = 0; i < n; i++) worker->logits[i] = wanted[i] ? 1 : 0;
        }
        Napi::Promise promise = worker->Promise();
        busy_ = true;
        outputs_.clear();
        if (hook_) hook_->beginDecode();
        abort_.store(false);
        guard.release()->Queue();
        return promise;
    } catch (const Napi::Error& e) {
        return rejectedPromise(env, e);
    }
}

Napi::Value AddonContext::Abort(const Napi::CallbackInfo& info) {
    if (busy_) abort_.store(true);
    return info.Env().Undefined();
}

const float* AddonContext::outputRow(Napi::Env env, const Napi::Value& index) {
    ensureUsable(env);
    if (outputs_.empty()) throw nativeError(env, "ERR_NO_LOGITS", "no logits: the last decode failed or none ran");
    const int32_t i = readInt(env, index, "batchIndex", 0, static_cast<int64_t>(outputs_.size()) - 1);
    if (!outputs_[i]) throw nativeError(env, "ERR_NO_LOGITS", "batch index " + std::to_string(i) + " did not request logits");
    const float* row = api.llama_get_logits_ith(ctx_, i);
    if (!row) throw nativeError(env, "ERR_NO_LOGITS", "llama_get_logits_ith returned no logits for batch index " + std::to_string(i));
    return row;
}

Napi::Value AddonContext::Logits(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const float* row = outputRow(env, info[0]);
    Napi::Float32Array out;
    if (info.Length() > 1 && !info[1].IsUndefined()) {
        if (!info[1].IsTypedArray() || info[1].As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) throwInvalid(env, "out must be a Float32Array");
        out = info[1].As<Napi::Float32Array>();
        if (out.ElementLength() < static_cast<size_t>(nVocab_)) throwInvalid(env, "out must hold nVocab floats");
    } else {
        out = Napi::Float32Array::New(env, static_cast<size_t>(nVocab_));
    }
    std::memcpy(out.Data(), row, sizeof(float) * static_cast<size_t>(nVocab_));
    return out;
}

Napi::Value AddonContext::Argmax(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const float* row = outputRow(env, info[0]);
    return Napi::Number::New(env, static_cast<double>(std::max_element(row, row + nVocab_) - row));
}

Napi::Value AddonContext::SeqRm(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    ensureUsable(env);
    const int32_t seq = readSeq(env, info[0], true);
    const int32_t p0 = readPos(env, info[1], "p0"), p1 = readPos(env, info[2], "p1");
    return Napi::Boolean::New(env, api.llama_memory_seq_rm(api.llama_get_memory(ctx_), seq, p0, p1));
}

Napi::Value AddonContext::SeqCp(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    ensureUsable(env);
    const int32_t src = readSeq(env, info[0]), dst = readSeq(env, info[1]);
    const int32_t p0 = readPos(env, info[2], "p0"), p1 = readPos(env, info[3], "p1");
    if (src != dst) api.llama_memory_seq_cp(api.llama_get_memory(ctx_), src, dst, p0, p1);
    return env.Undefined();
}

Napi::Value AddonContext::SeqKeep(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    ensureUsable(env);
    api.llama_memory_seq_keep(api.llama_get_memory(ctx_), readSeq(env, info[0]));
    return env.Undefined();
}

Napi::Value AddonContext::SeqAdd(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    ensureUsable(env);
    const int32_t seq = readSeq(env, info[0]);
    const int32_t p0 = readPos(env, info[1], "p0"), p1 = readPos(env, info[2], "p1");
    const int32_t delta = readInt(env, info[3], "delta", -(1 << 30), 1 << 30);
    api.llama_memory_seq_add(api.llama_get_memory(ctx_), seq, p0, p1, delta);
    return env.Undefined();
}

Napi::Value AddonContext::SeqPosMin(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    ensureUsable(env);
    return Napi::Number::New(env, api.llama_memory_seq_pos_min(api.llama_get_memory(ctx_), readSeq(env, info[0])));
}

Napi::Value AddonContext::SeqPosMax(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    ensureUsable(env);
    return Napi::Number::New(env, api.llama_memory_seq_pos_max(api.llama_get_memory(ctx_), readSeq(env, info[0])));
}

Napi::Value AddonContext::ClearMemory(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    ensureUsable(env);
    api.llama_memory_clear(api.llama_get_memory(ctx_), readBool(env, info[0], "data", false));
    outputs_.clear();
    return env.Undefined();
}

Napi::Value AddonContext::StateSeqSize(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    ensureUsable(env);
    return Napi::Number::New(env, static_cast<double>(api.llama_state_seq_get_size(ctx_, readSeq(env, info[0]))));
}

Napi::Value AddonContext::StateSeqGet(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    ensureUsable(env);
    const int32_t seq = readSeq(env, info[0]);
    resetThreadErrors();
    const size_t size = api.llama_state_seq_get_size(ctx_, seq);
    Napi::Buffer<uint8_t> buf = Napi::Buffer<uint8_t>::New(env, size);
    const size_t written = api.llama_state_seq_get_data(ctx_, buf.Data(), size, seq);
    if (written != size) throw nativeError(env, "ERR_STATE", withReason("llama_state_seq_get_data wrote " + std::to_string(written) + " of " + std::to_string(size) + " bytes"));
    return buf;
}

Napi::Value AddonContext::StateSeqSet(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    ensureUsable(env);
    const int32_t seq = readSeq(env, info[0]);
    if (info.Length() < 2 || !info[1].IsTypedArray() || info[1].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
        throwInvalid(env, "state must be a Uint8Array or Buffer");
    }
    const auto state = info[1].As<Napi::Uint8Array>();
    if (state.ElementLength() == 0) throw nativeError(env, "ERR_STATE", "the state buffer is empty");
    resetThreadErrors();
    size_t read;
    try {
        read = api.llama_state_seq_set_data(ctx_, state.Data(), state.ElementLength(), seq);
    } catch (const std::exception& e) {
        throw nativeError(env, "ERR_STATE", std::string("llama_state_seq_set_data failed: ") + e.what());
    }
    if (read == 0) throw nativeError(env, "ERR_STATE", withReason("llama_state_seq_set_data rejected the buffer"));
    return Napi::Number::New(env, static_cast<double>(read));
}

Napi::Value AddonContext::SetThreads(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    ensureUsable(env);
    const int32_t threads = readInt(env, info[0], "threads", 1, 1024);
    const int32_t threadsBatch = info[1].IsUndefined() ? threads : readInt(env, info[1], "threadsBatch", 1, 1024);
    api.llama_set_n_threads(ctx_, threads, threadsBatch);
    return env.Undefined();
}

AttentionHook& AddonContext::hook(Napi::Env env) const {
    ensureUsable(env);
    if (!hook_) throwInvalid(env, "the context was created without attentionHook");
    return *hook_;
}

// Flags for the indices listed in an array of integers in [0, limit).
std::vector<uint8_t> AddonContext::readIndexSet(Napi::Env env, const Napi::Value& v, const char* name, int32_t limit) const {
    std::vector<uint8_t> flags(static_cast<size_t>(limit));
    if (v.IsTypedArray() && v.As<Napi::TypedArray>().TypedArrayType() == napi_int32_array) {
        const auto arr = v.As<Napi::Int32Array>();
        for (size_t i = 0; i < arr.ElementLength(); i++) {
            if (arr[i] < 0 || arr[i] >= limit) throwInvalid(env, std::string(name) + " entries must be in [0, " + std::to_string(limit) + ")");
            flags[arr[i]] = 1;
        }
        return flags;
    }
    if (!v.IsArray()) throwInvalid(env, std::string(name) + " must be an array of integers");
    const auto arr = v.As<Napi::Array>();
    for (uint32_t i = 0; i < arr.Length(); i++) flags[readInt(env, arr.Get(i), name, 0, limit - 1)] = 1;
    return flags;
}

Napi::Value AddonContext::ObserveAttention(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    AttentionHook& h = hook(env);
    std::vector<uint8_t> layers(static_cast<size_t>(nLayer_));
    if (!info[0].IsNull() && !info[0].IsUndefined()) layers = readIndexSet(env, info[0], "layers", nLayer_);
    h.observe = std::move(layers);
    return env.Undefined();
}

Napi::Value AddonContext::Attention(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    AttentionHook& h = hook(env);
    Napi::Array out = Napi::Array::New(env);
    for (int32_t layer = 0; layer < nLayer_; layer++) {
        const auto& chunks = h.captured[layer];
        if (chunks.empty()) continue;
        // Ubatches are concatenated in batch order; nKv grows between them, so rows are zero-padded.
        int64_t nKv = 0, nTokens = 0;
        const int64_t nHead = chunks.front().nHead;
        for (const auto& c : chunks) {
            nKv = std::max(nKv, c.nKv);
            nTokens += c.nTokens;
        }
        Napi::Float32Array data = Napi::Float32Array::New(env, static_cast<size_t>(nKv * nTokens * nHead));
        std::fill(data.Data(), data.Data() + data.ElementLength(), 0.0f);
        int64_t row = 0;
        for (const auto& c : chunks) {
            for (int64_t r = 0; r < c.nTokens * c.nHead; r++) std::memcpy(data.Data() + (row + r) * nKv, c.data.data() + r * c.nKv, sizeof(float) * c.nKv);
            row += c.nTokens * c.nHead;
        }
        Napi::Object o = Napi::Object::New(env);
        o.Set("layer", layer);
        o.Set("nKv", Napi::Number::New(env, static_cast<double>(nKv)));
        o.Set("nTokens", Napi::Number::New(env, static_cast<double>(nTokens)));
        o.Set("nHead", Napi::Number::New(env, static_cast<double>(nHead)));
        o.Set("data", data);
        out.Set(out.Length(), o);
    }
    return out;
}

Napi::Value AddonContext::SetAttentionBias(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    AttentionHook& h = hook(env);
    if (info[0].IsNull() || info[0].IsUndefined()) {
        h.biasOn = false;
        return env.Undefined();
    }
    if (!info[0].IsObject()) throwInvalid(env, "bias must be an object or null");
    const Napi::Object b = info[0].As<Napi::Object>();
    const auto cells = readTyped<int32_t>(env, b.Get("cells"), napi_int32_array, "bias.cells");
    std::vector<int32_t> cellList(cells.Data(), cells.Data() + cells.ElementLength());
    for (int32_t c : cellList) {
        if (c < 0 || static_cast<uint32_t>(c) >= nCtx_) throwInvalid(env, "bias.cells entries must be KV cell indices in [0, nCtx)");
    }
    const Napi::Value scaleValue = b.Get("scale");
    if (!scaleValue.IsNumber()) throwInvalid(env, "bias.scale must be a number");
    const double scale = scaleValue.As<Napi::Number>().DoubleValue();
    if (!std::isfinite(scale) || scale < 0) throwInvalid(env, "bias.scale must be finite and >= 0");
    const Napi::Value layers = b.Get("layers"), heads = b.Get("heads"), tokens = b.Get("tokens");
    std::vector<uint8_t> layerSet = layers.IsUndefined() ? std::vector<uint8_t>(static_cast<size_t>(nLayer_), 1) : readIndexSet(env, layers, "bias.layers", nLayer_);
    std::vector<uint8_t> headSet = heads.IsUndefined() ? std::vector<uint8_t>() : readIndexSet(env, heads, "bias.heads", nHead_);
    std::vector<uint8_t> tokenSet = tokens.IsUndefined() ? std::vector<uint8_t>() : readIndexSet(env, tokens, "bias.tokens", static_cast<int32_t>(nBatch_));
    h.biasCells = std::move(cellList);
    h.biasScale = static_cast<float>(scale);
    h.biasLayers = std::move(layerSet);
    h.biasHeads = std::move(headSet);
    h.biasTokens = std::move(tokenSet);
    h.biasOn = true;
    return env.Undefined();
}

// Copies one InjectedRows object after checking its CSR shape: tokens ascending in [0, nBatch), offsets
// from 0 to cells.length without going back, cells in [0, nCtx), finite weights.
AttentionHook::InjectedRows AddonContext::readInjectedRows(Napi::Env env, const Napi::Value& v, const std::string& name) const {
    if (!v.IsObject()) throwInvalid(env, name + " must be an object");
    const Napi::Object o = v.As<Napi::Object>();
    const auto tokens = readTyped<int32_t>(env, o.Get("tokens"), napi_int32_array, (name + ".tokens").c_str());
    const auto offsets = readTyped<int32_t>(env, o.Get("offsets"), napi_int32_array, (name + ".offsets").c_str());
    const auto cells = readTyped<int32_t>(env, o.Get("cells"), napi_int32_array, (name + ".cells").c_str());
    const auto weights = readTyped<float>(env, o.Get("weights"), napi_float32_array, (name + ".weights").c_str());
    AttentionHook::InjectedRows rows;
    rows.tokens.assign(tokens.Data(), tokens.Data() + tokens.ElementLength());
    rows.offsets.assign(offsets.Data(), offsets.Data() + offsets.ElementLength());
    rows.cells.assign(cells.Data(), cells.Data() + cells.ElementLength());
    rows.weights.assign(weights.Data(), weights.Data() + weights.ElementLength());
    for (size_t i = 0; i < rows.tokens.size(); i++) {
        const int32_t t = rows.tokens[i];
        if (t < 0 || static_cast<uint32_t>(t) >= nBatch_) throwInvalid(env, name + ".tokens[" + std::to_string(i) + "] = " + std::to_string(t) + " is not a batch index in [0, nBatch=" + std::to_string(nBatch_) + ")");
        if (i > 0 && t <= rows.tokens[i - 1]) throwInvalid(env, name + ".tokens must be strictly ascending (index " + std::to_string(i) + ")");
    }
    if (rows.offsets.size() != rows.tokens.size() + 1) throwInvalid(env, name + ".offsets must have tokens.length + 1 entries");
    if (rows.weights.size() != rows.cells.size()) throwInvalid(env, name + ".weights must have one entry per cell");
    if (rows.offsets.front() != 0 || static_cast<size_t>(rows.offsets.back()) != rows.cells.size()) {
        throwInvalid(env, name + ".offsets must start at 0 and end at cells.length");
    }
    for (size_t i = 1; i < rows.offsets.size(); i++) {
        if (rows.offsets[i] < rows.offsets[i - 1]) throwInvalid(env, name + ".offsets must not decrease (index " + std::to_string(i) + ")");
    }
    for (size_t e = 0; e < rows.cells.size(); e++) {
        if (rows.cells[e] < 0 || static_cast<uint32_t>(rows.cells[e]) >= nCtx_) throwInvalid(env, name + ".cells[" + std::to_string(e) + "] is not a KV cell index in [0, nCtx=" + std::to_string(nCtx_) + ")");
        if (!std::isfinite(rows.weights[e])) throwInvalid(env, name + ".weights[" + std::to_string(e) + "] must be finite");
    }
    return rows;
}

Napi::Value AddonContext::SetAttentionInjection(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    AttentionHook& h = hook(env);
    if (info[0].IsNull() || info[0].IsUndefined()) {
        h.injectOn = false;
        h.injectPatterns.clear();
        for (auto& heads : h.injectHeads) heads.clear();
        return env.Undefined();
    }
    if (!info[0].IsObject()) throwInvalid(env, "injection must be an object or null");
    const Napi::Object o = info[0].As<Napi::Object>();
    const Napi::Value patternsValue = o.Get("patterns"), headsValue = o.Get("heads");
    if (!patternsValue.IsArray()) throwInvalid(env, "injection.patterns must be an array");
    if (!headsValue.IsArray()) throwInvalid(env, "injection.heads must be an array");
    const auto patternList = patternsValue.As<Napi::Array>();
    std::vector<AttentionHook::InjectedRows> patterns;
    for (uint32_t i = 0; i < patternList.Length(); i++) patterns.push_back(readInjectedRows(env, patternList.Get(i), "injection.patterns[" + std::to_string(i) + "]"));
    const auto headList = headsValue.As<Napi::Array>();
    std::vector<std::vector<AttentionHook::InjectedHead>> heads(static_cast<size_t>(nLayer_));
    std::vector<uint8_t> taken(static_cast<size_t>(nLayer_) * static_cast<size_t>(nHead_));
    for (uint32_t i = 0; i < headList.Length(); i++) {
        const std::string name = "injection.heads[" + std::to_string(i) + "]";
        const Napi::Value entry = headList.Get(i);
        if (!entry.IsObject()) throwInvalid(env, name + " must be an object");
        const Napi::Object e = entry.As<Napi::Object>();
        const int32_t layer = readInt(env, e.Get("layer"), (name + ".layer").c_str(), 0, nLayer_ - 1);
        const int32_t head = readInt(env, e.Get("head"), (name + ".head").c_str(), 0, nHead_ - 1);
        const int32_t pattern = readInt(env, e.Get("pattern"), (name + ".pattern").c_str(), -1, static_cast<int64_t>(patterns.size()) - 1);
        uint8_t& seen = taken[static_cast<size_t>(layer) * nHead_ + head];
        if (seen) throwInvalid(env, name + " replaces layer " + std::to_string(layer) + " head " + std::to_string(head) + " a second time");
        seen = 1;
        heads[layer].push_back({head, pattern});
    }
    // Installed only once everything was read: a bad argument leaves the previous injection in place.
    h.injectPatterns = std::move(patterns);
    h.injectHeads = std::move(heads);
    h.injectOn = true;
    return env.Undefined();
}

Napi::Value AddonContext::InjectedRows(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return Napi::Number::New(env, static_cast<double>(hook(env).injectedRows));
}

Napi::Value AddonContext::Dispose(const Napi::CallbackInfo& info) {
    if (!disposed_) disposeFromModel();
    return info.Env().Undefined();
}

Napi::Value AddonContext::GetBusy(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), busy_); }

Napi::Value AddonContext::GetDisposed(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), disposed_); }
