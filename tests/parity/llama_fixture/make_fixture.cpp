// Writes a greedy fixture with llama.cpp itself (not ckernel): the prompt's tokens as llama.cpp tokenizes
// them (with BOS where the vocabulary asks), then 32 greedy steps, each with the token, its piece, the
// top-5 logits and the margin between the best two, in the schema of tests/data/fixtures/greedy (see
// ../../data/README.md). CPU backend, 1 thread, llama.cpp's default F16 KV cache; the prompt is one batch,
// then one token per step. Built against a llama.cpp checkout beside the project by
// scripts/make-llama-fixtures.sh; never part of ckernel's build.
#include <algorithm>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "llama.h"

namespace {

std::string hex(const std::string& bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) out += {digits[c >> 4], digits[c & 15]};
  return out;
}

// JSON string escaping for the prompt (UTF-8 passes through; control characters are escaped).
std::string quoted(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

std::string piece(const llama_vocab* vocab, llama_token t) {
  char buf[256];
  const int n = llama_token_to_piece(vocab, t, buf, sizeof buf, 0, false);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: make_fixture MODEL.gguf MODEL_NAME PROMPT > fixture.json\n");
    return 2;
  }
  const std::string model_path = argv[1], model_name = argv[2], prompt = argv[3];
  constexpr int kSteps = 32, kTop = 5;
  llama_backend_init();
  llama_model_params mp = llama_model_default_params();
  llama_model* model = llama_model_load_from_file(model_path.c_str(), mp);
  if (model == nullptr) {
    std::fprintf(stderr, "make_fixture: llama.cpp cannot load %s\n", model_path.c_str());
    return 1;
  }
  const llama_vocab* vocab = llama_model_get_vocab(model);
  llama_context_params cp = llama_context_default_params();
  cp.n_ctx = 512;
  cp.n_threads = 1;
  cp.n_threads_batch = 1;
  llama_context* ctx = llama_init_from_model(model, cp);

  std::vector<llama_token> tokens(prompt.size() + 8);
  const int n = llama_tokenize(vocab, prompt.c_str(), static_cast<int32_t>(prompt.size()), tokens.data(),
                               static_cast<int32_t>(tokens.size()), true, false);
  tokens.resize(static_cast<size_t>(n));
  const std::vector<llama_token> prompt_tokens = tokens;

  std::string steps, text;
  const int n_vocab = llama_vocab_n_tokens(vocab);
  std::vector<llama_token> batch = prompt_tokens;
  for (int step = 0; step < kSteps; ++step) {
    if (llama_decode(ctx, llama_batch_get_one(batch.data(), static_cast<int32_t>(batch.size()))) != 0) {
      std::fprintf(stderr, "make_fixture: llama_decode failed at step %d\n", step);
      return 1;
    }
    const float* logits = llama_get_logits_ith(ctx, -1);
    std::vector<std::pair<float, llama_token>> ranked(static_cast<size_t>(n_vocab));
    for (int t = 0; t < n_vocab; ++t) ranked[static_cast<size_t>(t)] = {logits[t], t};
    // Highest logit first; among equal logits the lowest id, as an argmax scan finds it.
    std::partial_sort(ranked.begin(), ranked.begin() + kTop, ranked.end(), [](const auto& a, const auto& b) {
      return a.first > b.first || (a.first == b.first && a.second < b.second);
    });
    const llama_token best = ranked[0].second;
    std::string top;
    for (int i = 0; i < kTop; ++i) {
      char buf[64];
      std::snprintf(buf, sizeof buf, "%s[%d, %.6f]", i ? ", " : "", ranked[static_cast<size_t>(i)].second,
                    static_cast<double>(ranked[static_cast<size_t>(i)].first));
      top += buf;
    }
    const std::string p = piece(vocab, best);
    text += p;
    char head[160];
    std::snprintf(head, sizeof head, "{\"token\": %d, \"piece_hex\": \"%s\", \"margin\": %.6f, \"top\": [", best,
                  hex(p).c_str(), static_cast<double>(ranked[0].first - ranked[1].first));
    steps += std::string(step ? ", " : "") + head + top + "]}";
    batch = {best};
  }
  std::string prompt_list;
  for (size_t i = 0; i < prompt_tokens.size(); ++i)
    prompt_list += (i ? ", " : "") + std::to_string(prompt_tokens[i]);
  std::printf("{\"model\": %s, \"prompt\": %s, \"prompt_tokens\": [%s], \"steps\": [%s], \"text_hex\": \"%s\"}\n",
              quoted(model_name).c_str(), quoted(prompt).c_str(), prompt_list.c_str(), steps.c_str(),
              hex(text).c_str());
  llama_free(ctx);
  llama_model_free(model);
  llama_backend_free();
  return 0;
}
