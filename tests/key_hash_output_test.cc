// KeyHashOutput against a brute-force partition: every event reaches the channel of
// the instance owning its key group, in input order, with its timestamp beside it.
#include "sluice/runtime/key_hash_output.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

namespace sluice {
namespace {

// Moved, never shared: a routed copy must not alias its input.
struct NamedEvent {
  uint64_t key;
  std::string payload;
  bool operator==(const NamedEvent&) const = default;
};

// Trivially copyable: the batch vectors leave its new slots unwritten on growth, so
// every one must be filled.
struct PlainEvent {
  uint64_t key;
  int64_t value;
  bool operator==(const PlainEvent&) const = default;
};

constexpr int kKeyGroups = 128;

template <class E>
struct Received {
  std::vector<E> items;
  std::vector<int64_t> timestamps;
  int batches = 0;
};

int OwnerOf(uint64_t key, int parallelism) {
  int group = KeyGroups::ForHash(StableHash(key), kKeyGroups);
  return KeyGroups::InstanceFor(group, kKeyGroups, parallelism);
}

class KeyHashOutputTest : public ::testing::TestWithParam<int> {
 protected:
  void SetUp() override {
    for (int i = 0; i < GetParam(); ++i) {
      channels_.push_back(std::make_unique<Channel>(1 << 20, 0));
      raw_.push_back(channels_.back().get());
    }
  }

  // Drains every channel into what each instance received.
  template <class E>
  std::vector<Received<E>> Drain() {
    std::vector<Received<E>> got(channels_.size());
    for (size_t t = 0; t < channels_.size(); ++t) {
      Element e;
      while (channels_[t]->Pop(&e)) {
        const Batch<E>& batch = BatchAs<E>(e.batch);
        if (batch.has_timestamps()) {
          EXPECT_EQ(batch.timestamps.size(), batch.items.size()) << "instance " << t;
        }
        got[t].items.insert(got[t].items.end(), batch.items.begin(), batch.items.end());
        got[t].timestamps.insert(got[t].timestamps.end(), batch.timestamps.begin(),
                                 batch.timestamps.end());
        ++got[t].batches;
      }
    }
    return got;
  }

  // Routes 40 random batches (empty and tiny ones too) of make(i, rng) events and
  // compares each instance's input with the brute-force partition.
  template <class E, class Make>
  void CheckRouting(bool timed, Make make) {
    const int parallelism = GetParam();
    auto key_fn = [](const E& e) { return e.key; };
    KeyHashOutput<E, decltype(key_fn)> out(key_fn, raw_, kKeyGroups,
                                           /*batch_size=*/64);
    std::mt19937_64 rng(parallelism);
    std::vector<Received<E>> want(parallelism);
    int64_t ts = 0;
    for (int b = 0; b < 40; ++b) {
      BatchPtr batch = AcquireBatch<E>();
      Batch<E>& in = BatchAs<E>(batch);
      const size_t n = rng() % 100;
      for (size_t i = 0; i < n; ++i) {
        E e = make(i, rng);
        int owner = OwnerOf(e.key, parallelism);
        want[owner].items.push_back(e);
        in.items.push_back(std::move(e));
        if (timed) {
          want[owner].timestamps.push_back(++ts);
          in.timestamps.push_back(ts);
        }
      }
      out.Emit(std::move(batch));
    }
    out.Flush();
    std::vector<Received<E>> got = Drain<E>();
    for (int t = 0; t < parallelism; ++t) {
      SCOPED_TRACE(t);
      EXPECT_EQ(got[t].items, want[t].items);
      EXPECT_EQ(got[t].timestamps, want[t].timestamps);
      // Cut at the batch size (plus less than one input batch), not passed on per
      // input batch; a single consumer gets the input batches whole.
      if (parallelism > 1) {
        EXPECT_LE(got[t].batches, static_cast<int>(want[t].items.size() / 64) + 1);
      }
    }
  }

  std::vector<std::unique_ptr<Channel>> channels_;
  std::vector<Channel*> raw_;
};

TEST_P(KeyHashOutputTest, RoutesEveryEventToItsOwnerInOrder) {
  for (bool timed : {false, true}) {
    SCOPED_TRACE(timed ? "timed" : "untimed");
    CheckRouting<NamedEvent>(timed, [](size_t i, std::mt19937_64& rng) {
      return NamedEvent{rng() % 50,
                        std::string(rng() % 40, 'a' + static_cast<char>(i % 26))};
    });
    CheckRouting<PlainEvent>(timed, [](size_t i, std::mt19937_64& rng) {
      return PlainEvent{rng() % 50, static_cast<int64_t>(i)};
    });
  }
}

INSTANTIATE_TEST_SUITE_P(Parallelism, KeyHashOutputTest, ::testing::Values(1, 2, 3));

// (With one consumer, batches pass whole and nothing is mixed within one.)
TEST(KeyHashOutputMixingTest, RefusesAStreamMixingEventTimeAndNone) {
  Channel first(1 << 20, 0), second(1 << 20, 0);
  auto key_fn = [](const PlainEvent& e) { return e.key; };
  KeyHashOutput<PlainEvent, decltype(key_fn)> out(key_fn, {&first, &second}, kKeyGroups,
                                                  64);
  BatchPtr untimed = AcquireBatch<PlainEvent>();
  BatchAs<PlainEvent>(untimed).items = {{1, 1}, {2, 2}};
  out.Emit(std::move(untimed));
  BatchPtr timed = AcquireBatch<PlainEvent>();
  BatchAs<PlainEvent>(timed).items = {{3, 3}};
  BatchAs<PlainEvent>(timed).timestamps = {30};
  try {
    out.Emit(std::move(timed));
    FAIL() << "mixed batches were routed";
  } catch (const OperatorError& e) {
    EXPECT_EQ(e.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(e.status().message().find("with and without event time"), std::string::npos)
        << e.status();
  }
}

}  // namespace
}  // namespace sluice
