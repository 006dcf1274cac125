// BatchSampler and EvalBatches: windows exactly where batches.h says (checked on a stream whose token at
// position p is p), the shuffle reproducible and a permutation per epoch, checkpoints that continue the
// same sequence, and the sampler over a real corpus.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <memory>
#include <numeric>
#include <set>
#include <string>
#include <vector>

#include "ckernel/engine/gguf.h"
#include "ckernel/engine/train/batches.h"
#include "ckernel/engine/train/corpus.h"
#include "ckernel/engine/train/window_order.h"
#include "train_test_files.h"

namespace ck::train {
namespace {

// Token p at position p, so a window's tokens say where it starts.
std::vector<TokenId> positions(size_t n) {
  std::vector<TokenId> tokens(n);
  std::iota(tokens.begin(), tokens.end(), 0);
  return tokens;
}

using Batch = std::vector<TokenId>;

Batch next_batch(BatchSampler& sampler) {
  Batch out(sampler.batch_tokens());
  sampler.next(out);
  return out;
}

std::vector<Batch> next_batches(BatchSampler& sampler, int count) {
  std::vector<Batch> batches;
  for (int i = 0; i < count; ++i) batches.push_back(next_batch(sampler));
  return batches;
}

// The window each row of `batch` is, given that the stream's tokens are their positions.
std::vector<uint64_t> windows_of(const Batch& batch, int64_t context) {
  std::vector<uint64_t> windows;
  for (size_t row = 0; row < batch.size() / static_cast<size_t>(context + 1); ++row) {
    const TokenId first = batch[row * static_cast<size_t>(context + 1)];
    EXPECT_EQ(first % context, 0) << "row " << row << " does not start at a window";
    for (int64_t k = 0; k <= context; ++k)
      EXPECT_EQ(batch[row * static_cast<size_t>(context + 1) + k], first + k);
    windows.push_back(static_cast<uint64_t>(first / context));
  }
  return windows;
}

std::string corpus_error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const CorpusError& e) {
    return e.what();
  }
  ADD_FAILURE() << "no CorpusError";
  return {};
}

TEST(TrainBatches, WindowCount) {
  // floor((n - 1) / c) windows of c + 1 tokens at stride c.
  const std::vector<TokenId> t = positions(100);
  EXPECT_EQ(BatchSampler(std::span(t).first(5), {.context = 4, .batch = 1}).window_count(), 1u);
  EXPECT_EQ(BatchSampler(std::span(t).first(8), {.context = 4, .batch = 1}).window_count(), 1u);
  EXPECT_EQ(BatchSampler(std::span(t).first(9), {.context = 4, .batch = 1}).window_count(), 2u);
  EXPECT_EQ(BatchSampler(std::span(t).first(23), {.context = 4, .batch = 1}).window_count(), 5u);
}

TEST(TrainBatches, NoShuffleBatchesAreConsecutiveWindowsWrappingAround) {
  // 23 tokens, context 4: windows start at 0, 4, 8, 12, 16 (window 4 is tokens 16..20); tokens 21 and 22
  // form the dropped partial window. Batches of 3 windows: (0,1,2) (3,4,0) (1,2,3) (4,0,1) ...
  const std::vector<TokenId> tokens = positions(23);
  const int64_t c = 4;
  const int64_t b = 3;
  BatchSampler sampler(tokens, {.context = c, .batch = b, .shuffle = false});
  ASSERT_EQ(sampler.window_count(), 5u);
  for (uint64_t j = 0; j < 12; ++j) {
    const Batch batch = next_batch(sampler);
    ASSERT_EQ(batch.size(), static_cast<size_t>(b * (c + 1)));
    for (int64_t row = 0; row < b; ++row) {
      const uint64_t window = (j * b + row) % 5;
      for (int64_t k = 0; k <= c; ++k) {
        EXPECT_EQ(batch[row * (c + 1) + k], static_cast<TokenId>(window * c + k))
            << "batch " << j << " row " << row;
      }
    }
  }
  // 36 windows taken: 7 whole epochs and 1 window into the eighth.
  EXPECT_EQ(sampler.state(), (SamplerState{.epoch = 7, .next_window = 1, .seed = 0}));
}

TEST(TrainBatches, EveryTokenButTheFirstIsATargetOncePerEpoch) {
  const std::vector<TokenId> tokens = positions(41);
  const int64_t c = 8;
  BatchSampler sampler(tokens, {.context = c, .batch = 1, .shuffle = true, .seed = 3});
  std::multiset<TokenId> targets;
  for (uint64_t i = 0; i < sampler.window_count(); ++i) {
    const Batch row = next_batch(sampler);
    targets.insert(row.begin() + 1, row.end());
  }
  std::multiset<TokenId> expected;
  for (TokenId t = 1; t <= 40; ++t) expected.insert(t);
  EXPECT_EQ(targets, expected);
}

TEST(TrainBatches, StreamShorterThanOneWindowIsACorpusError) {
  const std::vector<TokenId> tokens = positions(64);
  const std::string message = corpus_error_of([&] { BatchSampler(tokens, {.context = 64, .batch = 2}); });
  EXPECT_NE(message.find("64 tokens, one window needs context + 1 = 65"), std::string::npos) << message;
  EXPECT_NO_THROW(BatchSampler(positions(65), {.context = 64, .batch = 2}));
}

TEST(TrainBatches, BadShapesAndBuffersAreRefused) {
  const std::vector<TokenId> tokens = positions(50);
  EXPECT_THROW(BatchSampler(tokens, {.context = 0, .batch = 1}), std::invalid_argument);
  EXPECT_THROW(BatchSampler(tokens, {.context = 4, .batch = 0}), std::invalid_argument);
  BatchSampler sampler(tokens, {.context = 4, .batch = 2});
  std::vector<TokenId> small(9);
  EXPECT_THROW(sampler.next(small), std::invalid_argument);
}

TEST(TrainBatches, WindowOrderMatchesAnOutsideReference) {
  // SplitMix64 from state 0 gives the published first outputs of the reference implementation.
  SplitMix64 rng(0);
  EXPECT_EQ(rng.next(), 0xE220A8397B1DCDAFull);
  EXPECT_EQ(rng.next(), 0x6E789E6AA1B965F4ull);
  EXPECT_EQ(rng.next(), 0x06C45D188009454Full);
  // Orders computed by a separate Python implementation of window_order.h's description.
  EXPECT_EQ(epoch_window_order(10, 42, 0), (std::vector<uint64_t>{2, 8, 9, 7, 1, 4, 6, 0, 5, 3}));
  EXPECT_EQ(epoch_window_order(10, 42, 1), (std::vector<uint64_t>{3, 1, 6, 8, 4, 5, 9, 7, 2, 0}));
  EXPECT_EQ(epoch_window_order(10, 43, 0), (std::vector<uint64_t>{7, 2, 6, 3, 1, 5, 4, 9, 0, 8}));
  EXPECT_EQ(epoch_window_order(1, 42, 0), (std::vector<uint64_t>{0}));
  EXPECT_TRUE(epoch_window_order(0, 42, 0).empty());
}

TEST(TrainBatches, ShuffledStreamIsTheEpochOrdersOneAfterAnother) {
  // 13 windows in batches of 4: batches straddle epoch boundaries without padding.
  const std::vector<TokenId> tokens = positions(13 * 6 + 3);
  const int64_t c = 6;
  BatchSampler sampler(tokens, {.context = c, .batch = 4, .shuffle = true, .seed = 42});
  ASSERT_EQ(sampler.window_count(), 13u);
  std::vector<uint64_t> stream;
  for (const Batch& batch : next_batches(sampler, 13)) {  // 52 windows = 4 epochs
    const std::vector<uint64_t> windows = windows_of(batch, c);
    stream.insert(stream.end(), windows.begin(), windows.end());
  }
  std::vector<uint64_t> expected;
  for (uint64_t epoch = 0; epoch < 4; ++epoch) {
    const std::vector<uint64_t> order = epoch_window_order(13, 42, epoch);
    expected.insert(expected.end(), order.begin(), order.end());
  }
  EXPECT_EQ(stream, expected);
}

TEST(TrainBatches, EachEpochVisitsEveryWindowOnce) {
  const std::vector<TokenId> tokens = positions(500 * 3 + 1);
  const int64_t c = 3;
  BatchSampler sampler(tokens, {.context = c, .batch = 1, .shuffle = true, .seed = 7});
  ASSERT_EQ(sampler.window_count(), 500u);
  std::vector<std::vector<uint64_t>> epochs(3);
  for (auto& epoch : epochs) {
    for (int i = 0; i < 500; ++i) epoch.push_back(windows_of(next_batch(sampler), c).front());
    std::vector<uint64_t> sorted = epoch;
    std::sort(sorted.begin(), sorted.end());
    std::vector<uint64_t> all(500);
    std::iota(all.begin(), all.end(), 0);
    EXPECT_EQ(sorted, all);
  }
  EXPECT_NE(epochs[0], epochs[1]);  // a new order each epoch
  EXPECT_NE(epochs[1], epochs[2]);
  std::vector<uint64_t> identity(500);
  std::iota(identity.begin(), identity.end(), 0);
  EXPECT_NE(epochs[0], identity);
}

TEST(TrainBatches, SameSeedSameBatchesOtherSeedOtherBatches) {
  const std::vector<TokenId> tokens = positions(1000);
  const BatchOptions options{.context = 16, .batch = 4, .shuffle = true, .seed = 1234};
  BatchSampler a(tokens, options);
  BatchSampler b(tokens, options);
  BatchOptions other = options;
  other.seed = 1235;
  BatchSampler c(tokens, other);
  const std::vector<Batch> from_a = next_batches(a, 40);
  EXPECT_EQ(from_a, next_batches(b, 40));
  EXPECT_NE(from_a, next_batches(c, 40));
}

// Runs `before` batches, saves the state, and checks that a new sampler made from it and the original
// give the same next `after` batches.
void expect_restore_continues(const BatchOptions& options, int before, int after) {
  const std::vector<TokenId> tokens = positions(11 * 5 + 1);  // 11 windows of context 5
  BatchSampler original(tokens, options);
  next_batches(original, before);
  const SamplerState saved = original.state();

  BatchOptions fresh_options = options;
  fresh_options.seed = 999;  // the state's seed wins
  BatchSampler resumed(tokens, fresh_options, saved);
  EXPECT_EQ(resumed.state(), saved);
  BatchSampler restored(tokens, fresh_options);
  next_batch(restored);
  restored.restore(saved);

  const std::vector<Batch> expected = next_batches(original, after);
  EXPECT_EQ(next_batches(resumed, after), expected) << "before " << before;
  EXPECT_EQ(next_batches(restored, after), expected) << "before " << before;
  EXPECT_EQ(resumed.state(), original.state());
}

TEST(TrainBatches, RestoredStateContinuesMidEpoch) {
  // Batches of 3 over 11 windows: after 2 batches, 6 windows into epoch 0.
  expect_restore_continues({.context = 5, .batch = 3, .shuffle = true, .seed = 5}, 2, 10);
  expect_restore_continues({.context = 5, .batch = 3, .shuffle = false}, 2, 10);
}

TEST(TrainBatches, RestoredStateContinuesAcrossEpochBoundaries) {
  // After 3 batches (9 windows), the next batch straddles the end of epoch 0; after 11 batches (33
  // windows) the state sits exactly at the start of epoch 3.
  const BatchOptions options{.context = 5, .batch = 3, .shuffle = true, .seed = 5};
  expect_restore_continues(options, 3, 12);
  expect_restore_continues(options, 11, 12);

  const std::vector<TokenId> tokens = positions(56);
  BatchSampler sampler(tokens, options);
  next_batches(sampler, 11);
  EXPECT_EQ(sampler.state(), (SamplerState{.epoch = 3, .next_window = 0, .seed = 5}));
}

TEST(TrainBatches, RestoreReadsTheEndOfAnEpochAsTheNextEpoch) {
  const std::vector<TokenId> tokens = positions(56);
  const BatchOptions options{.context = 5, .batch = 2, .shuffle = true, .seed = 8};
  BatchSampler at_end(tokens, options, SamplerState{.epoch = 1, .next_window = 11, .seed = 8});
  EXPECT_EQ(at_end.state(), (SamplerState{.epoch = 2, .next_window = 0, .seed = 8}));
  BatchSampler at_start(tokens, options, SamplerState{.epoch = 2, .next_window = 0, .seed = 8});
  EXPECT_EQ(next_batches(at_end, 5), next_batches(at_start, 5));
  EXPECT_THROW(at_end.restore(SamplerState{.epoch = 0, .next_window = 12, .seed = 8}), std::invalid_argument);
}

TEST(TrainBatches, EvalBatchesGiveEveryValidationWindowOnceInOrder) {
  const std::vector<TokenId> tokens = positions(4 * 7 + 3);  // 7 windows of context 4, 2 tokens dropped
  EvalBatches eval(tokens, 4, 3);
  ASSERT_EQ(eval.window_count(), 7u);
  std::vector<TokenId> out(eval.batch_tokens(), -1);
  std::vector<uint64_t> windows;
  std::vector<size_t> rows;
  for (size_t n; (n = eval.next(out)) > 0;) {
    rows.push_back(n);
    const std::vector<uint64_t> w = windows_of(Batch(out.begin(), out.begin() + n * 5), 4);
    windows.insert(windows.end(), w.begin(), w.end());
  }
  EXPECT_EQ(rows, (std::vector<size_t>{3, 3, 1}));
  EXPECT_EQ(windows, (std::vector<uint64_t>{0, 1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(eval.next(out), 0u);
  eval.rewind();
  EXPECT_EQ(eval.next(out), 3u);
  EXPECT_EQ(windows_of(out, 4), (std::vector<uint64_t>{0, 1, 2}));
}

TEST(TrainBatches, EvalBatchesWithoutValidationTokensOrTooFewOfThem) {
  std::vector<TokenId> out(10);
  EvalBatches none(std::span<const TokenId>(), 4, 2);
  EXPECT_EQ(none.window_count(), 0u);
  EXPECT_EQ(none.next(out), 0u);

  const std::vector<TokenId> few = positions(4);
  const std::string message = corpus_error_of([&] { EvalBatches(few, 4, 2); });
  EXPECT_NE(
      message.find("validation part is shorter than one window: 4 tokens, one window needs context + 1 = 5"),
      std::string::npos)
      << message;
}

TEST(TrainBatches, OverARealCorpus) {
  std::unique_ptr<GgufFile> file =
      GgufFile::open(std::string(CK_TEST_DATA_DIR) + "/fixtures/tokenizer/ggml-vocab-llama-spm.gguf");
  const Tokenizer tok = Tokenizer::from_gguf(*file);
  test::ScratchDir dir;
  std::string text;
  for (int i = 0; i < 40; ++i)
    text += "Sentence number " + std::to_string(i) + " of a small training text.\n";
  dir.write("one.txt", text);
  dir.write("two.txt", "A second, shorter document.");
  const TokenCorpus corpus =
      TokenCorpus::load(tok, std::vector{dir.path()}, CorpusOptions{.val_fraction = 0.2});

  const int64_t c = 16;
  BatchSampler sampler(corpus.train_tokens(), {.context = c, .batch = 2, .shuffle = false});
  const Batch first = next_batch(sampler);
  for (int row = 0; row < 2; ++row) {
    for (int k = 0; k <= c; ++k) EXPECT_EQ(first[row * (c + 1) + k], corpus.tokens()[row * c + k]);
  }
  EXPECT_EQ(first[0], *tok.bos());

  EvalBatches eval(corpus.validation_tokens(), c, 4);
  std::vector<TokenId> out(eval.batch_tokens());
  ASSERT_GT(eval.next(out), 0u);
  const size_t val_start = corpus.train_tokens().size();
  for (int k = 0; k <= c; ++k) EXPECT_EQ(out[k], corpus.tokens()[val_start + k]);
}

}  // namespace
}  // namespace ck::train
