// Entry point: backend initialization, model loading, logging.
#include "AddonContext.h"
#include "AddonModel.h"
#include "AddonQuantize.h"
#include "common.h"
#include "llama_api.h"
#include "worker.h"

#include <filesystem>
#include <fstream>
#include <mutex>
#include <regex>
#include <sstream>

namespace {

// One set of llama libraries per process, shared by every environment (worker threads included).
std::mutex initMutex;
bool initialized = false;
std::string initBinsFolder;
std::string initPinned;  // empty: ggml picked the CPU backend
std::string initGpu;
std::string initLoadLog;

const char* deviceTypeName(enum ggml_backend_dev_type t) {
    switch (t) {
        case GGML_BACKEND_DEVICE_TYPE_CPU: return "cpu";
        case GGML_BACKEND_DEVICE_TYPE_GPU: return "gpu";
        case GGML_BACKEND_DEVICE_TYPE_IGPU: return "igpu";
        case GGML_BACKEND_DEVICE_TYPE_ACCEL: return "accel";
        case GGML_BACKEND_DEVICE_TYPE_META: return "meta";
        default: return "unknown";
    }
}

Napi::Object backendInfo(Napi::Env env) {
    Napi::Object o = Napi::Object::New(env);
    o.Set("binsFolder", initBinsFolder);
    o.Set("gpu", initGpu.empty() ? Napi::Value(Napi::Boolean::New(env, false)) : Napi::Value(Napi::String::New(env, initGpu)));
    o.Set("pinnedCpuBackend", initPinned.empty() ? env.Null() : Napi::Value(Napi::String::New(env, initPinned)));
    Napi::Array loaded = Napi::Array::New(env);
    static const std::regex loadedLine(R"(loaded (\S+) backend from (.+))");
    std::istringstream lines(initLoadLog);
    std::string line;
    while (std::getline(lines, line)) {
        std::smatch m;
        if (std::regex_search(line, m, loadedLine)) {
            Napi::Object entry = Napi::Object::New(env);
            entry.Set("name", m[1].str());
            entry.Set("path", m[2].str());
            loaded.Set(loaded.Length(), entry);
        }
    }
    o.Set("loadedBackends", loaded);
    Napi::Array devices = Napi::Array::New(env);
    for (size_t i = 0; i < api.ggml_backend_dev_count(); i++) {
        ggml_backend_dev_t dev = api.ggml_backend_dev_get(i);
        Napi::Object d = Napi::Object::New(env);
        d.Set("name", api.ggml_backend_dev_name(dev));
        d.Set("description", api.ggml_backend_dev_description(dev));
        d.Set("type", deviceTypeName(api.ggml_backend_dev_type(dev)));
        devices.Set(static_cast<uint32_t>(i), d);
    }
    o.Set("devices", devices);
    o.Set("systemInfo", api.llama_print_system_info());
    return o;
}

// Loads the pinned CPU backend and, for GPU builds, the GPU backend libraries of the folder
// (ggml_backend_load_all_from_path would also load the best-scoring CPU variant).
std::string loadPinned(const std::string& binsFolder, const std::string& pinned, bool gpu) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(pinned, ec)) return "pinned CPU backend not found: " + pinned;
    if (!api.ggml_backend_load(pinned.c_str())) return "could not load the pinned CPU backend " + pinned + " (not supported by this CPU?)";
    if (!gpu) return {};
    static const std::regex gpuLib(R"(libggml-(cuda|vulkan|metal|hip|sycl)(-.+)?\.(so|dylib))");
    for (const auto& entry : std::filesystem::directory_iterator(binsFolder, ec)) {
        const std::string name = entry.path().filename().string();
        if (std::regex_match(name, gpuLib)) api.ggml_backend_load(entry.path().string().c_str());
    }
    return {};
}

Napi::Value Init(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (info.Length() < 3 || !info[0].IsString()) throwInvalid(env, "init(binsFolder, gpu, pinnedCpuBackend)");
    const std::string binsFolder = info[0].As<Napi::String>().Utf8Value();
    std::string gpu;
    if (info[1].IsString()) gpu = info[1].As<Napi::String>().Utf8Value();
    else if (!info[1].IsBoolean() || info[1].As<Napi::Boolean>().Value()) throwInvalid(env, "gpu must be false, 'cuda' or 'vulkan'");
    std::string pinned;
    if (info[2].IsString()) pinned = info[2].As<Napi::String>().Utf8Value();
    else if (!info[2].IsNull() && !info[2].IsUndefined()) throwInvalid(env, "pinnedCpuBackend must be a string or null");

    std::lock_guard<std::mutex> lock(initMutex);
    if (initialized) {
        if (binsFolder != initBinsFolder || pinned != initPinned) {
            throw nativeError(env, "ERR_ALREADY_INITIALIZED", "llama libraries already loaded from " + initBinsFolder + "; cannot switch to " + binsFolder + " in this process");
        }
        return backendInfo(env);
    }
    std::error_code ec;
    if (!std::filesystem::is_directory(binsFolder, ec)) throw nativeError(env, "ERR_LIBRARY_LOAD", "bins folder not found: " + binsFolder);
    const std::string loadError = loadLlamaLibraries(binsFolder);
    if (!loadError.empty()) throw nativeError(env, "ERR_LIBRARY_LOAD", loadError);
    installLogCallback();
    setBackendCapture(true);
    std::string backendError;
    if (pinned.empty()) api.ggml_backend_load_all_from_path(binsFolder.c_str());
    else backendError = loadPinned(binsFolder, pinned, !gpu.empty());
    setBackendCapture(false);
    initLoadLog = takeCapturedLog();
    if (!backendError.empty()) throw nativeError(env, "ERR_NO_BACKEND", backendError);
    if (api.ggml_backend_dev_count() == 0) throw nativeError(env, "ERR_NO_BACKEND", "no ggml backend could be loaded from " + binsFolder);
    api.llama_backend_init();
    initialized = true;
    initBinsFolder = binsFolder;
    initPinned = pinned;
    initGpu = gpu;
    return backendInfo(env);
}

void ensureInitialized(Napi::Env env) {
    std::lock_guard<std::mutex> lock(initMutex);
    if (!initialized) throw nativeError(env, "ERR_NOT_INITIALIZED", "call init() first (loadAddon() does)");
}

class LoadModelWorker : public PromiseWorker {
   public:
    LoadModelWorker(Napi::Env env, std::string path, llama_model_params params)
        : PromiseWorker(env, "SteerwayLoadModel"), path_(std::move(path)), params_(params) {}

   protected:
    void Execute() override {
        std::error_code ec;
        if (!std::filesystem::is_regular_file(path_, ec)) {
            Fail("ERR_MODEL_LOAD", "model file not found: " + path_);
            return;
        }
        if (!std::ifstream(path_, std::ios::binary).good()) {
            Fail("ERR_MODEL_LOAD", "model file is not readable: " + path_);
            return;
        }
        resetThreadErrors();
        // Parse the header first: a truncated or foreign file fails here, before llama.cpp sees it.
        meta_ = api.gguf_init_from_file(path_.c_str(), gguf_init_params{true, nullptr});
        if (!meta_) {
            Fail("ERR_MODEL_LOAD", withReason("not a valid GGUF file: " + path_));
            return;
        }
        std::string reason;
        try {
            model_ = api.llama_model_load_from_file(path_.c_str(), params_);
        } catch (const std::exception& e) {
            model_ = nullptr;
            reason = e.what();
        }
        if (!model_) {
            api.gguf_free(meta_);
            meta_ = nullptr;
            const std::string message = "failed to load model " + path_;
            Fail("ERR_MODEL_LOAD", reason.empty() ? withReason(message) : message + ": " + reason);
            return;
        }
        ++liveModels;
    }
    void OnOK() override {
        Napi::HandleScope scope(Env());
        deferred_.Resolve(AddonModel::Create(Env(), model_, meta_, path_, params_.vocab_only));
    }

   private:
    std::string path_;
    llama_model_params params_;
    llama_model* model_ = nullptr;
    gguf_context* meta_ = nullptr;
};

Napi::Value LoadModel(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    try {
        ensureInitialized(env);
        if (info.Length() < 1 || !info[0].IsString()) throwInvalid(env, "path must be a string");
        const Napi::Object o = readOptions(env, info[1]);
        llama_model_params params = api.llama_model_default_params();
        const Napi::Value gpuLayers = o.Get("gpuLayers");
        params.n_gpu_layers = gpuLayers.IsUndefined() ? 0 : readInt(env, gpuLayers, "gpuLayers", -1, 100000);
        params.load_mode = readBool(env, o.Get("useMmap"), "useMmap", true) ? LLAMA_LOAD_MODE_MMAP : LLAMA_LOAD_MODE_NONE;
        params.check_tensors = readBool(env, o.Get("checkTensors"), "checkTensors", false);
        params.vocab_only = readBool(env, o.Get("vocabOnly"), "vocabOnly", false);
        auto* worker = new LoadModelWorker(env, info[0].As<Napi::String>().Utf8Value(), params);
        Napi::Promise promise = worker->Promise();
        worker->Queue();
        return promise;
    } catch (const Napi::Error& e) {
        return rejectedPromise(env, e);
    }
}

Napi::Value QuantizeModel(const Napi::CallbackInfo& info) {
    try {
        ensureInitialized(info.Env());
    } catch (const Napi::Error& e) {
        return rejectedPromise(info.Env(), e);
    }
    return Quantize(info);
}

Napi::Value SetErrorClass(const Napi::CallbackInfo& info) {
    if (info.Length() < 1 || !info[0].IsFunction()) throwInvalid(info.Env(), "setErrorClass(ctor)");
    info.Env().GetInstanceData<AddonData>()->errorClass = Napi::Persistent(info[0].As<Napi::Function>());
    return info.Env().Undefined();
}

Napi::Value SetLogLevel(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const std::string level = info[0].IsString() ? info[0].As<Napi::String>().Utf8Value() : "";
    if (level == "none") setLogThreshold(GGML_LOG_LEVEL_NONE);
    else if (level == "error") setLogThreshold(GGML_LOG_LEVEL_ERROR);
    else if (level == "warn") setLogThreshold(GGML_LOG_LEVEL_WARN);
    else if (level == "info") setLogThreshold(GGML_LOG_LEVEL_INFO);
    else if (level == "debug") setLogThreshold(GGML_LOG_LEVEL_DEBUG);
    else throwInvalid(env, "level must be 'none', 'error', 'warn', 'info' or 'debug'");
    return env.Undefined();
}

Napi::Value LiveObjects(const Napi::CallbackInfo& info) {
    Napi::Object o = Napi::Object::New(info.Env());
    o.Set("models", Napi::Number::New(info.Env(), static_cast<double>(liveModels.load())));
    o.Set("contexts", Napi::Number::New(info.Env(), static_cast<double>(liveContexts.load())));
    return o;
}

Napi::Object InitAddon(Napi::Env env, Napi::Object exports) {
    auto* data = new AddonData();
    env.SetInstanceData(data);
    data->modelClass = Napi::Persistent(AddonModel::Init(env));
    data->contextClass = Napi::Persistent(AddonContext::Init(env));
    exports.Set("setErrorClass", Napi::Function::New<SetErrorClass>(env, "setErrorClass"));
    exports.Set("init", Napi::Function::New<Init>(env, "init"));
    exports.Set("loadModel", Napi::Function::New<LoadModel>(env, "loadModel"));
    exports.Set("quantize", Napi::Function::New<QuantizeModel>(env, "quantize"));
    exports.Set("setLogLevel", Napi::Function::New<SetLogLevel>(env, "setLogLevel"));
    exports.Set("liveObjects", Napi::Function::New<LiveObjects>(env, "liveObjects"));
    return exports;
}

}  // namespace

NODE_API_MODULE(steerway_llama, InitAddon)
