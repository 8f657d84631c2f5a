// quantize(input, output, type, {threads}): llama_model_quantize on a worker thread, so the JS
// event loop keeps running while a model is rewritten (seconds to minutes for large models).
#include "AddonQuantize.h"

#include "llama_api.h"
#include "worker.h"

#include <filesystem>
#include <utility>

namespace {

// The quantization types Steerway offers, by llama.cpp's own names (the TS side lists the same ones).
bool ftypeOf(const std::string& name, llama_ftype& out) {
    static const std::pair<const char*, llama_ftype> types[] = {
        {"Q8_0", LLAMA_FTYPE_MOSTLY_Q8_0},     {"Q6_K", LLAMA_FTYPE_MOSTLY_Q6_K},
        {"Q5_K_M", LLAMA_FTYPE_MOSTLY_Q5_K_M}, {"Q4_K_M", LLAMA_FTYPE_MOSTLY_Q4_K_M},
        {"Q4_0", LLAMA_FTYPE_MOSTLY_Q4_0},
    };
    for (const auto& t : types) {
        if (name == t.first) {
            out = t.second;
            return true;
        }
    }
    return false;
}

class QuantizeWorker : public PromiseWorker {
   public:
    QuantizeWorker(Napi::Env env, std::string input, std::string output, llama_model_quantize_params params)
        : PromiseWorker(env, "SteerwayQuantize"), input_(std::move(input)), output_(std::move(output)), params_(params) {}

   protected:
    void Execute() override {
        std::error_code ec;
        if (!std::filesystem::is_regular_file(input_, ec)) {
            Fail("ERR_QUANTIZE", "model file not found: " + input_);
            return;
        }
        resetThreadErrors();
        uint32_t rc = 1;
        std::string reason;
        try {
            rc = api.llama_model_quantize(input_.c_str(), output_.c_str(), &params_);
        } catch (const std::exception& e) {
            reason = e.what();
        }
        if (rc != 0) {
            const std::string message = "failed to quantize " + input_;
            Fail("ERR_QUANTIZE", reason.empty() ? withReason(message) : message + ": " + reason);
        }
    }
    void OnOK() override {
        Napi::HandleScope scope(Env());
        deferred_.Resolve(Env().Undefined());
    }

   private:
    std::string input_;
    std::string output_;
    llama_model_quantize_params params_;
};

}  // namespace

Napi::Value Quantize(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    try {
        if (info.Length() < 3 || !info[0].IsString() || !info[1].IsString() || !info[2].IsString()) {
            throwInvalid(env, "quantize(input, output, type, options?)");
        }
        const std::string input = info[0].As<Napi::String>().Utf8Value();
        const std::string output = info[1].As<Napi::String>().Utf8Value();
        const std::string type = info[2].As<Napi::String>().Utf8Value();
        llama_ftype ftype;
        if (!ftypeOf(type, ftype)) throwInvalid(env, "unknown quantization type: " + type);
        if (input == output) throwInvalid(env, "output must differ from input");
        const Napi::Object o = readOptions(env, info[3]);
        llama_model_quantize_params params = api.llama_model_quantize_default_params();
        params.ftype = ftype;
        const Napi::Value threads = o.Get("threads");
        params.nthread = threads.IsUndefined() ? 0 : readInt(env, threads, "threads", 1, 1024);
        auto* worker = new QuantizeWorker(env, input, output, params);
        Napi::Promise promise = worker->Promise();
        worker->Queue();
        return promise;
    } catch (const Napi::Error& e) {
        return rejectedPromise(env, e);
    }
}
