// AsyncWorker that settles a promise and rejects with a coded LlamaNativeError.
#pragma once

#include "common.h"

class PromiseWorker : public Napi::AsyncWorker {
   public:
    explicit PromiseWorker(Napi::Env env, const char* name)
        : Napi::AsyncWorker(env, name), deferred_(Napi::Promise::Deferred::New(env)) {}

    Napi::Promise Promise() { return deferred_.Promise(); }

   protected:
    // Called off the JS thread.
    void Fail(const std::string& code, const std::string& message) {
        failCode_ = code;
        SetError(message);
    }
    void OnError(const Napi::Error& err) override {
        Napi::HandleScope scope(Env());
        Settled();
        deferred_.Reject(nativeError(Env(), failCode_, err.Message()).Value());
    }
    // Runs on the JS thread before the promise settles, for success and failure alike.
    virtual void Settled() {}
    Napi::Promise::Deferred deferred_;
    std::string failCode_ = "ERR_INTERNAL";
};
