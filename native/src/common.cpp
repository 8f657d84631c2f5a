#include "common.h"

#include "llama_api.h"

#include <cmath>
#include <cstdio>
#include <mutex>

std::atomic<int64_t> liveModels{0};
std::atomic<int64_t> liveContexts{0};

namespace {
std::atomic<int> logThreshold{GGML_LOG_LEVEL_ERROR};
thread_local int lastLevel = GGML_LOG_LEVEL_INFO;
thread_local std::string errorLines;
std::mutex captureMutex;
bool capturing = false;
std::string captured;

void trimNewline(std::string& s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
}

void logCallback(ggml_log_level level, const char* text, void*) {
    if (!text) return;
    int effective = level == GGML_LOG_LEVEL_CONT ? lastLevel : level;
    lastLevel = effective;
    if (effective == GGML_LOG_LEVEL_ERROR && errorLines.size() < 2000) {
        std::string line(text);
        trimNewline(line);
        if (!line.empty()) errorLines += (errorLines.empty() ? "" : "; ") + line;
    }
    {
        std::lock_guard<std::mutex> lock(captureMutex);
        if (capturing) captured += text;
    }
    const int threshold = logThreshold.load();
    if (threshold != GGML_LOG_LEVEL_NONE && effective >= threshold) {
        fputs(text, stderr);
    }
}
}  // namespace

Napi::Error nativeError(Napi::Env env, const std::string& code, const std::string& message) {
    auto* data = env.GetInstanceData<AddonData>();
    if (data && !data->errorClass.IsEmpty()) {
        Napi::Object obj = data->errorClass.New({Napi::String::New(env, message), Napi::String::New(env, code)});
        return Napi::Error(env, obj);
    }
    Napi::Error err = Napi::Error::New(env, message);
    err.Set("code", Napi::String::New(env, code));
    return err;
}

Napi::Promise rejectedPromise(Napi::Env env, const Napi::Error& err) {
    auto deferred = Napi::Promise::Deferred::New(env);
    deferred.Reject(err.Value());
    return deferred.Promise();
}

void throwInvalid(Napi::Env env, const std::string& message) {
    throw nativeError(env, "ERR_INVALID_ARG", message);
}

int32_t readInt(Napi::Env env, const Napi::Value& v, const char* name, int64_t min, int64_t max) {
    if (!v.IsNumber()) throwInvalid(env, std::string(name) + " must be a number");
    const double d = v.As<Napi::Number>().DoubleValue();
    if (!std::isfinite(d) || std::floor(d) != d) throwInvalid(env, std::string(name) + " must be an integer");
    if (d < static_cast<double>(min) || d > static_cast<double>(max)) {
        throwInvalid(env, std::string(name) + " = " + std::to_string(static_cast<int64_t>(d)) + " is out of range [" +
                              std::to_string(min) + ", " + std::to_string(max) + "]");
    }
    return static_cast<int32_t>(d);
}

bool readBool(Napi::Env env, const Napi::Value& v, const char* name, bool fallback) {
    if (v.IsUndefined()) return fallback;
    if (!v.IsBoolean()) throwInvalid(env, std::string(name) + " must be a boolean");
    return v.As<Napi::Boolean>().Value();
}

Napi::Object readOptions(Napi::Env env, const Napi::Value& v) {
    if (v.IsUndefined() || v.IsNull()) return Napi::Object::New(env);
    if (!v.IsObject()) throwInvalid(env, "options must be an object");
    return v.As<Napi::Object>();
}

void installLogCallback() {
    api.llama_log_set(logCallback, nullptr);
    api.ggml_log_set(logCallback, nullptr);
}

void setLogThreshold(int ggmlLevel) { logThreshold.store(ggmlLevel); }

void resetThreadErrors() { errorLines.clear(); }

std::string threadErrors() { return errorLines; }

void setBackendCapture(bool on) {
    std::lock_guard<std::mutex> lock(captureMutex);
    capturing = on;
}

std::string takeCapturedLog() {
    std::lock_guard<std::mutex> lock(captureMutex);
    std::string out;
    out.swap(captured);
    return out;
}
