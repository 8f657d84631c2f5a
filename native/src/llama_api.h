// Function table over the prebuilt libllama/ggml libraries, resolved with dlopen/dlsym.
// Why not link them: node-llama-cpp names its variants differently (libllama.v0.5.0.so for CPU,
// libllama.cuda.v0.5.0.so for CUDA...), so the folder is chosen at run time, not at link time.
#pragma once

#include "gguf.h"
#include "llama.h"

#include <string>

#define STEERWAY_API_FUNCS(X)                                                                             \
    X(llama_backend_init) X(llama_log_set) X(llama_print_system_info)                                     \
    X(llama_model_default_params) X(llama_context_default_params)                                         \
    X(llama_model_load_from_file) X(llama_model_free) X(llama_init_from_model) X(llama_free)              \
    X(llama_model_get_vocab) X(llama_model_n_ctx_train) X(llama_model_n_embd) X(llama_model_n_layer)      \
    X(llama_model_n_head) X(llama_model_n_head_kv) X(llama_model_desc) X(llama_model_size)                \
    X(llama_model_n_params) X(llama_model_chat_template) X(llama_model_has_encoder)                       \
    X(llama_model_is_recurrent) X(llama_model_quantize) X(llama_model_quantize_default_params)             \
    X(llama_vocab_type) X(llama_vocab_n_tokens) X(llama_vocab_get_text) X(llama_vocab_get_attr)           \
    X(llama_vocab_is_eog) X(llama_vocab_is_control) X(llama_vocab_bos) X(llama_vocab_eos)                 \
    X(llama_vocab_eot) X(llama_vocab_sep) X(llama_vocab_nl) X(llama_vocab_pad)                            \
    X(llama_vocab_get_add_bos) X(llama_vocab_get_add_eos)                                                 \
    X(llama_vocab_fim_pre) X(llama_vocab_fim_suf) X(llama_vocab_fim_mid) X(llama_vocab_fim_pad)           \
    X(llama_vocab_fim_rep) X(llama_vocab_fim_sep)                                                         \
    X(llama_tokenize) X(llama_detokenize) X(llama_token_to_piece)                                         \
    X(llama_n_ctx) X(llama_n_batch) X(llama_n_ubatch) X(llama_n_seq_max) X(llama_get_memory)             \
    X(llama_decode) X(llama_get_logits_ith) X(llama_set_abort_callback) X(llama_set_n_threads)            \
    X(llama_memory_clear) X(llama_memory_seq_rm) X(llama_memory_seq_cp) X(llama_memory_seq_keep)          \
    X(llama_memory_seq_add) X(llama_memory_seq_pos_min) X(llama_memory_seq_pos_max)                       \
    X(llama_state_seq_get_size) X(llama_state_seq_get_data) X(llama_state_seq_set_data)                   \
    X(ggml_backend_load_all_from_path) X(ggml_backend_load) X(ggml_backend_dev_count)                     \
    X(ggml_backend_dev_get) X(ggml_backend_dev_name) X(ggml_backend_dev_description)                      \
    X(ggml_backend_dev_type) X(ggml_log_set)                                                              \
    X(ggml_backend_buffer_is_host) X(ggml_backend_tensor_get) X(ggml_backend_tensor_set) X(ggml_nbytes)   \
    X(gguf_init_from_file) X(gguf_free) X(gguf_get_n_kv) X(gguf_get_key) X(gguf_find_key)                 \
    X(gguf_get_kv_type) X(gguf_get_arr_type) X(gguf_get_arr_n) X(gguf_get_arr_data) X(gguf_get_arr_str)   \
    X(gguf_get_val_u8) X(gguf_get_val_i8) X(gguf_get_val_u16) X(gguf_get_val_i16) X(gguf_get_val_u32)     \
    X(gguf_get_val_i32) X(gguf_get_val_f32) X(gguf_get_val_u64) X(gguf_get_val_i64) X(gguf_get_val_f64)   \
    X(gguf_get_val_bool) X(gguf_get_val_str)

struct LlamaApi {
#define STEERWAY_DECLARE(name) decltype(&::name) name = nullptr;
    STEERWAY_API_FUNCS(STEERWAY_DECLARE)
#undef STEERWAY_DECLARE
};

// Valid once loadLlamaLibraries succeeded.
extern LlamaApi api;

// Opens libllama (which pulls in libggml and libggml-base through its $ORIGIN runpath) from
// binsFolder and resolves every function above. Returns an error message, empty on success.
std::string loadLlamaLibraries(const std::string& binsFolder);
