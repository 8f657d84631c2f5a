// Shared helpers: error construction, argument validation, logging, live-object counters.
#pragma once

#include <napi.h>

#include <atomic>
#include <cstdint>
#include <string>

// Per-environment data (an addon may be loaded in several worker threads).
struct AddonData {
    Napi::FunctionReference errorClass;
    Napi::FunctionReference modelClass;
    Napi::FunctionReference contextClass;
};

// A failure detected off the JS thread, turned into a JS error later.
struct Failure {
    std::string code;
    std::string message;
};

// Builds a LlamaNativeError (the class registered by binding.ts) with the given code.
Napi::Error nativeError(Napi::Env env, const std::string& code, const std::string& message);

// A promise already rejected with err: async methods report every failure through their promise.
Napi::Promise rejectedPromise(Napi::Env env, const Napi::Error& err);

// Throws ERR_INVALID_ARG.
[[noreturn]] void throwInvalid(Napi::Env env, const std::string& message);

// Argument readers that throw ERR_INVALID_ARG with the argument's name.
int32_t readInt(Napi::Env env, const Napi::Value& v, const char* name, int64_t min, int64_t max);
bool readBool(Napi::Env env, const Napi::Value& v, const char* name, bool fallback);
Napi::Object readOptions(Napi::Env env, const Napi::Value& v);

// Log routing: llama.cpp and ggml log lines at or above the threshold go to stderr.
void installLogCallback();
void setLogThreshold(int ggmlLevel);
// The ERROR lines llama.cpp logged on this thread since the last reset, to explain failures.
void resetThreadErrors();
std::string threadErrors();
// While capturing, "loaded X backend from Y" lines are collected (see addon.cpp).
void setBackendCapture(bool on);
std::string takeCapturedLog();

extern std::atomic<int64_t> liveModels;
extern std::atomic<int64_t> liveContexts;

inline std::string withReason(const std::string& message) {
    const std::string reason = threadErrors();
    return reason.empty() ? message : message + ": " + reason;
}
