// Exact per-position statistics read straight from llama.cpp's logits buffer.
//
// node-llama-cpp exposes full distributions only as sorted JS Maps (a sort and
// 2V numbers across N-API per position). This addon reads each output row of the
// batch that was just decoded in place and returns what the heatmap needs:
// max logit, ln Z, entropy, ln p of the next token, its rank and the top k.
// It links to nothing: llama.cpp's functions are looked up in the libllama that
// node-llama-cpp already loaded, and its context pointer is read from the
// wrapped AddonContext, whose layout is checked before it is trusted.
// Compiled without -ffast-math: only sumExp.cc has it (see scripts/buildNative.mjs).
#include <dlfcn.h>
#include <link.h>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "llama.h"
#include "napi.h"

// Defined in sumExp.cc, the only code compiled with -ffast-math (vectorised expf).
void sumExp(const float* logits, int32_t n, float maxLogit, double& zOut, double& sOut);

namespace {

// Mirrors the leading members of node-llama-cpp's AddonContext (llama/addon/AddonContext.h)
// for the pinned version. `model` is compared with the unwrapped AddonModel before
// `ctx` is read, so a layout change is detected instead of dereferenced.
class AddonContextMirror : public Napi::ObjectWrap<AddonContextMirror> {
 public:
  explicit AddonContextMirror(const Napi::CallbackInfo& info) : Napi::ObjectWrap<AddonContextMirror>(info) {}
  void* model;
  llama_context_params context_params;
  llama_context* ctx;
};

struct LlamaApi {
  float* (*get_logits_ith)(llama_context*, int32_t) = nullptr;
  uint32_t (*n_ctx)(const llama_context*) = nullptr;
  const llama_model* (*get_model)(const llama_context*) = nullptr;
  const llama_vocab* (*model_get_vocab)(const llama_model*) = nullptr;
  int32_t (*vocab_n_tokens)(const llama_vocab*) = nullptr;
};

LlamaApi api;
std::string llamaPath;

// Matches libllama.so and versioned names such as libllama.v0.5.0.so, not libllama-common.so.
int findLlama(struct dl_phdr_info* info, size_t, void*) {
  const char* name = info->dlpi_name;
  if (name == nullptr) return 0;
  const char* base = std::strrchr(name, '/');
  base = base == nullptr ? name : base + 1;
  size_t len = std::strlen(base);
  if (std::strncmp(base, "libllama.", 9) == 0 && len >= 3 && std::strcmp(base + len - 3, ".so") == 0) {
    llamaPath = name;
    return 1;
  }
  return 0;
}

bool loadApi(std::string& error) {
  if (api.get_logits_ith != nullptr) return true;
  llamaPath.clear();
  dl_iterate_phdr(findLlama, nullptr);
  if (llamaPath.empty()) { error = "libllama is not loaded in this process"; return false; }
  void* handle = dlopen(llamaPath.c_str(), RTLD_LAZY | RTLD_NOLOAD);
  if (handle == nullptr) { error = std::string("dlopen failed: ") + dlerror(); return false; }
  api.get_logits_ith = reinterpret_cast<decltype(api.get_logits_ith)>(dlsym(handle, "llama_get_logits_ith"));
  api.n_ctx = reinterpret_cast<decltype(api.n_ctx)>(dlsym(handle, "llama_n_ctx"));
  api.get_model = reinterpret_cast<decltype(api.get_model)>(dlsym(handle, "llama_get_model"));
  api.model_get_vocab = reinterpret_cast<decltype(api.model_get_vocab)>(dlsym(handle, "llama_model_get_vocab"));
  api.vocab_n_tokens = reinterpret_cast<decltype(api.vocab_n_tokens)>(dlsym(handle, "llama_vocab_n_tokens"));
  if (!api.get_logits_ith || !api.n_ctx || !api.get_model || !api.model_get_vocab || !api.vocab_n_tokens) {
    api = LlamaApi();
    error = "libllama lacks an expected symbol";
    return false;
  }
  return true;
}

void* unwrap(napi_env env, napi_value value) {
  void* result = nullptr;
  if (napi_unwrap(env, value, &result) != napi_ok) return nullptr;
  return result;
}

struct RowScan {
  float maxLogit;
  int32_t argmax;
  int32_t greater;
  std::vector<int32_t> topIds;
};

// One pass: max and argmax, how many logits beat the next token's (its rank - 1),
// and the top k by insertion into a short sorted list (k is tiny next to the vocabulary).
RowScan scanRow(const float* logits, int32_t n, float nextLogit, int32_t k) {
  RowScan r{logits[0], 0, 0, {}};
  r.topIds.reserve(k + 1);
  float kth = -INFINITY;
  for (int32_t i = 0; i < n; i++) {
    const float l = logits[i];
    if (l > r.maxLogit) { r.maxLogit = l; r.argmax = i; }
    r.greater += l > nextLogit;
    if (k == 0 || (static_cast<int32_t>(r.topIds.size()) == k && l <= kth)) continue;
    auto pos = r.topIds.end();
    while (pos != r.topIds.begin() && logits[*(pos - 1)] < l) --pos;
    r.topIds.insert(pos, i);
    if (static_cast<int32_t>(r.topIds.size()) > k) r.topIds.pop_back();
    if (static_cast<int32_t>(r.topIds.size()) == k) kth = logits[r.topIds.back()];
  }
  return r;
}

struct Attached {
  llama_context* ctx;
  int32_t nVocab;
};

// attach(addonContext, addonModel, contextSize) -> External | string (why not)
Napi::Value Attach(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string error;
  if (info.Length() < 3 || !info[0].IsObject() || !info[1].IsObject() || !info[2].IsNumber())
    return Napi::String::New(env, "attach(addonContext, addonModel, contextSize) expected");
  if (!loadApi(error)) return Napi::String::New(env, error);
  auto* mirror = static_cast<AddonContextMirror*>(unwrap(env, info[0]));
  void* model = unwrap(env, info[1]);
  if (mirror == nullptr || model == nullptr) return Napi::String::New(env, "objects are not wrapped native objects");
  if (mirror->model != model) return Napi::String::New(env, "AddonContext layout differs from this build");
  uint32_t expected = info[2].As<Napi::Number>().Uint32Value();
  // Checked before the context pointer is dereferenced.
  if (mirror->context_params.n_ctx != expected) return Napi::String::New(env, "context parameters differ: layout differs");
  llama_context* ctx = mirror->ctx;
  if (ctx == nullptr) return Napi::String::New(env, "context is not initialised");
  if (api.n_ctx(ctx) != expected) return Napi::String::New(env, "context size mismatch: layout differs");
  const llama_vocab* vocab = api.model_get_vocab(api.get_model(ctx));
  auto* attached = new Attached{ctx, api.vocab_n_tokens(vocab)};
  return Napi::External<Attached>::New(env, attached, [](Napi::Env, Attached* a) { delete a; });
}

// The logits of decoded row `row`, after checking that `out` has `needed` elements;
// nullptr with a JS exception pending when either check fails.
const float* checkedRow(Napi::Env env, const Attached* a, int32_t row, size_t outLength, size_t needed) {
  if (outLength < needed) {
    Napi::RangeError::New(env, "out is too short").ThrowAsJavaScriptException();
    return nullptr;
  }
  const float* logits = api.get_logits_ith(a->ctx, row);
  if (logits == nullptr) Napi::Error::New(env, "no logits for this row").ThrowAsJavaScriptException();
  return logits;
}

// rowStats(handle, batchIndex, nextToken (-1 for none), topK, out Float64Array) -> number of top entries
// out: [maxLogit, lnZ, entropyNats, lnpNext, rank, argmax, (id, logit) * k]
Napi::Value RowStats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto* a = info[0].As<Napi::External<Attached>>().Data();
  int32_t row = info[1].As<Napi::Number>().Int32Value();
  int32_t next = info[2].As<Napi::Number>().Int32Value();
  int32_t k = info[3].As<Napi::Number>().Int32Value();
  auto out = info[4].As<Napi::Float64Array>();
  if (k < 0) k = 0;
  if (k > a->nVocab) k = a->nVocab;
  const float* logits = checkedRow(env, a, row, out.ElementLength(), static_cast<size_t>(6 + 2 * k));
  if (logits == nullptr) return env.Undefined();
  const int32_t n = a->nVocab;
  const float nextLogit = next >= 0 && next < n ? logits[next] : INFINITY;
  RowScan scan = scanRow(logits, n, nextLogit, k);
  double z = 0, s = 0;
  sumExp(logits, n, scan.maxLogit, z, s);
  double lnZ = std::log(z);
  double lnpNext = NAN, rank = 0;
  if (next >= 0 && next < n) {
    lnpNext = static_cast<double>(nextLogit) - scan.maxLogit - lnZ;
    rank = scan.greater + 1;
  }
  const float maxLogit = scan.maxLogit;
  const int32_t argmax = scan.argmax;
  const std::vector<int32_t>& topIds = scan.topIds;
  double* o = out.Data();
  o[0] = maxLogit;
  o[1] = lnZ;
  o[2] = lnZ - s / z;
  o[3] = lnpNext;
  o[4] = rank;
  o[5] = argmax;
  for (size_t j = 0; j < topIds.size(); j++) {
    o[6 + 2 * j] = topIds[j];
    o[7 + 2 * j] = logits[topIds[j]];
  }
  return Napi::Number::New(env, static_cast<double>(topIds.size()));
}

// rowGather(handle, batchIndex, ids Int32Array, out Float64Array) -> undefined
// out: [entropyNats, lnp(ids[0]), lnp(ids[1]), ...]; one pass over the row for any number of ids
// (the few-shot sweep's candidates and format-class mass).
Napi::Value RowGather(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto* a = info[0].As<Napi::External<Attached>>().Data();
  int32_t row = info[1].As<Napi::Number>().Int32Value();
  auto ids = info[2].As<Napi::Int32Array>();
  auto out = info[3].As<Napi::Float64Array>();
  const float* logits = checkedRow(env, a, row, out.ElementLength(), ids.ElementLength() + 1);
  if (logits == nullptr) return env.Undefined();
  const int32_t n = a->nVocab;
  RowScan scan = scanRow(logits, n, INFINITY, 0);
  double z = 0, s = 0;
  sumExp(logits, n, scan.maxLogit, z, s);
  const double lnZ = std::log(z);
  double* o = out.Data();
  o[0] = lnZ - s / z;
  const int32_t* id = ids.Data();
  for (size_t i = 0; i < ids.ElementLength(); i++) {
    o[i + 1] = id[i] >= 0 && id[i] < n ? static_cast<double>(logits[id[i]]) - scan.maxLogit - lnZ : NAN;
  }
  return env.Undefined();
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("attach", Napi::Function::New(env, Attach));
  exports.Set("rowStats", Napi::Function::New(env, RowStats));
  exports.Set("rowGather", Napi::Function::New(env, RowGather));
  return exports;
}

}  // namespace

NODE_API_MODULE(icl_lens_row_stats, Init)
