// The session's working memory comes from the allocator it is given: every large buffer is asked of it,
// and where the memory comes from does not change what is computed.
#include "ckernel/engine/session_memory.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

#include "ckernel/engine/session.h"

namespace ck {
namespace {

// Hands out the default allocator's memory and remembers what was asked, checking each buffer arrives
// zeroed and aligned.
class RecordingAllocator final : public BufferAllocator {
 public:
  Buffer allocate(size_t bytes) override {
    Buffer buffer = default_buffer_allocator()->allocate(bytes);
    requests.push_back(bytes);
    EXPECT_GE(buffer.bytes().size(), bytes);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(buffer.bytes().data()) % 64, 0u);
    for (std::byte b : buffer.bytes()) EXPECT_EQ(b, std::byte{0});
    return buffer;
  }
  std::string describe() const override { return "recording"; }
  std::vector<size_t> requests;
};

TEST(SessionMemory, DefaultAllocatorGivesZeroedPageAlignedMemory) {
  const std::shared_ptr<BufferAllocator> allocator = default_buffer_allocator();
  EXPECT_EQ(allocator->allocate(0).bytes().size(), 0u);
  const Buffer buffer = allocator->allocate(10000);
  ASSERT_GE(buffer.bytes().size(), 10000u);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(buffer.bytes().data()) % 4096, 0u);
  EXPECT_FALSE(allocator->describe().empty());
}

TEST(SessionMemory, KvCacheAndActivationsComeFromTheGivenAllocatorAndComputeTheSame) {
  const auto model = Model::load(std::string(CK_TEST_DATA_DIR) + "/models/tiny-llama-Q4_K_M.gguf");
  const ModelConfig& c = model->config();
  const std::vector<TokenId> prompt{1, 9038, 2501, 263, 931};

  auto recording = std::make_shared<RecordingAllocator>();
  Session given(model, SessionOptions{.n_ctx = 32, .n_batch = 8, .allocator = recording});
  Session by_default(model, SessionOptions{.n_ctx = 32, .n_batch = 8});
  given.eval(prompt);
  by_default.eval(prompt);

  const size_t kv_bytes = static_cast<size_t>(c.n_layer * 32 * c.n_head_kv * c.head_dim) * sizeof(uint16_t);
  EXPECT_EQ(std::count(recording->requests.begin(), recording->requests.end(), kv_bytes), 2);  // K and V
  EXPECT_NE(std::find(recording->requests.begin(), recording->requests.end(),
                      static_cast<size_t>(8 * c.n_ff) * sizeof(float)),
            recording->requests.end());
  const std::span<const float> a = given.logits(), b = by_default.logits();
  EXPECT_TRUE(std::equal(a.begin(), a.end(), b.begin(), b.end()));
}

// session_memory_bytes() is what a real Session asks of its allocator, to the byte: KV cells padded to
// llama.cpp's 32 (a context of 40 has 64 cells per layer), batch activations, RoPE angles and logits.
TEST(SessionMemory, SessionMemoryBytesIsWhatASessionAllocates) {
  const auto model = Model::load(std::string(CK_TEST_DATA_DIR) + "/models/tiny-llama-Q4_K_M.gguf");
  const ModelConfig& c = model->config();
  for (const auto& [n_ctx, n_batch] : {std::pair<int64_t, int64_t>{32, 8}, {40, 8}, {1, 1}, {100, 512}}) {
    auto recording = std::make_shared<RecordingAllocator>();
    const Session session(model, SessionOptions{.n_ctx = n_ctx, .n_batch = n_batch, .allocator = recording});
    uint64_t allocated = 0;
    for (size_t bytes : recording->requests) allocated += bytes;
    EXPECT_EQ(session_memory_bytes(c, n_ctx, n_batch), allocated)
        << "n_ctx " << n_ctx << ", n_batch " << n_batch;
  }
  // The padding is counted: 40 positions cost as much KV cache as 64.
  const uint64_t kv_of_64 = session_memory_bytes(c, 64, 8) - session_memory_bytes(c, 32, 8);
  EXPECT_EQ(session_memory_bytes(c, 40, 8) - session_memory_bytes(c, 32, 8), kv_of_64);
  EXPECT_EQ(kv_of_64,
            static_cast<uint64_t>(2 * c.n_layer * 32 * c.n_head_kv * c.head_dim) * sizeof(uint16_t));
  // The default batch is llama.cpp's.
  EXPECT_EQ(session_memory_bytes(c, 64), session_memory_bytes(c, 64, 512));
}

// One rule for the context a session holds, for the Session itself and for ckd's budget.
TEST(SessionMemory, ContextDefaultsToTheTrainingContextAtMost4096) {
  ModelConfig config;
  config.n_ctx_train = 2048;
  EXPECT_EQ(session_context(config, 0), 2048);
  EXPECT_EQ(session_context(config, 100), 100);
  config.n_ctx_train = 32768;
  EXPECT_EQ(session_context(config, 0), 4096);
  EXPECT_EQ(session_context(config, 8192), 8192);
  config.n_ctx_train = 0;  // the model does not say
  EXPECT_EQ(session_context(config, 0), 4096);
}

}  // namespace
}  // namespace ck
