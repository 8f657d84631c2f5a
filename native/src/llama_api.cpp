#include "llama_api.h"

#include <dlfcn.h>

#include <filesystem>
#include <regex>
#include <vector>

LlamaApi api;

namespace {

// First file in folder whose name matches pattern (e.g. libllama.v0.5.0.so, libllama.cuda.v0.5.0.so).
std::string findLibrary(const std::string& folder, const std::regex& pattern) {
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(folder, ec)) {
        const std::string name = entry.path().filename().string();
        if (std::regex_match(name, pattern)) return entry.path().string();
    }
    return {};
}

}  // namespace

std::string loadLlamaLibraries(const std::string& binsFolder) {
#if defined(__APPLE__)
    const std::regex llamaName(R"(libllama(\..+)?\.dylib)"), ggmlName(R"(libggml(\..+)?\.dylib)"), baseName(R"(libggml-base\.dylib)");
#else
    const std::regex llamaName(R"(libllama(\..+)?\.so)"), ggmlName(R"(libggml(\..+)?\.so)"), baseName(R"(libggml-base\.so)");
#endif
    const std::string files[3] = {findLibrary(binsFolder, llamaName), findLibrary(binsFolder, ggmlName), findLibrary(binsFolder, baseName)};
    for (const auto& f : files) {
        if (f.empty()) return "libllama, libggml or libggml-base not found in " + binsFolder;
    }
    std::vector<void*> handles;
    for (const auto& f : files) {
        void* h = dlopen(f.c_str(), RTLD_NOW | RTLD_LOCAL);
        if (!h) return std::string("dlopen failed: ") + dlerror();
        handles.push_back(h);
    }
    std::string missing;
    auto resolve = [&](const char* name) -> void* {
        for (void* h : handles) {
            if (void* sym = dlsym(h, name)) return sym;
        }
        missing += missing.empty() ? name : std::string(", ") + name;
        return nullptr;
    };
#define STEERWAY_RESOLVE(name) api.name = reinterpret_cast<decltype(&::name)>(resolve(#name));
    STEERWAY_API_FUNCS(STEERWAY_RESOLVE)
#undef STEERWAY_RESOLVE
    if (!missing.empty()) return "symbols missing from the llama libraries in " + binsFolder + ": " + missing;
    return {};
}
