// KeyHashOutput against a brute-force partition: every event reaches the channel of
// the instance owning its key group, in input order, with its timestamp beside it.
#include "runtime/key_hash_output.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

namespace sluice {
namespace {

struct Event {
  uint64_t key;
  std::string payload;  // not trivially copyable: moved, never shared
  bool operator==(const Event&) const = default;
};

constexpr int kKeyGroups = 128;

struct Received {
  std::vector<Event> items;
  std::vector<int64_t> timestamps;
  int batches = 0;
};

class KeyHashOutputTest : public ::testing::TestWithParam<int> {
 protected:
  void SetUp() override {
    for (int i = 0; i < GetParam(); ++i) {
      channels_.push_back(std::make_unique<Channel>(1 << 20, 0));
      raw_.push_back(channels_.back().get());
    }
  }

  // Drains every channel into what each instance received.
  std::vector<Received> Drain() {
    std::vector<Received> got(channels_.size());
    for (size_t t = 0; t < channels_.size(); ++t) {
      Element e;
      while (channels_[t]->Pop(&e)) {
        Batch<Event>& batch = BatchAs<Event>(e.batch);
        got[t].items.insert(got[t].items.end(), batch.items.begin(), batch.items.end());
        got[t].timestamps.insert(got[t].timestamps.end(), batch.timestamps.begin(),
                                 batch.timestamps.end());
        ++got[t].batches;
      }
    }
    return got;
  }

  static int OwnerOf(uint64_t key, int parallelism) {
    int group = KeyGroups::ForHash(StableHash(key), kKeyGroups);
    return KeyGroups::InstanceFor(group, kKeyGroups, parallelism);
  }

  std::vector<std::unique_ptr<Channel>> channels_;
  std::vector<Channel*> raw_;
};

TEST_P(KeyHashOutputTest, RoutesEveryEventToItsOwnerInOrder) {
  const int parallelism = GetParam();
  for (bool timed : {false, true}) {
    SCOPED_TRACE(timed ? "timed" : "untimed");
    auto key_fn = [](const Event& e) { return e.key; };
    KeyHashOutput<Event, decltype(key_fn)> out(key_fn, raw_, kKeyGroups,
                                               /*batch_size=*/64);
    std::mt19937_64 rng(parallelism);
    std::vector<Received> want(parallelism);
    int64_t ts = 0;
    for (int b = 0; b < 40; ++b) {
      BatchPtr batch = AcquireBatch<Event>();
      Batch<Event>& in = BatchAs<Event>(batch);
      const size_t n = rng() % 100;  // empty and tiny batches too
      for (size_t i = 0; i < n; ++i) {
        Event e{rng() % 50, std::string(rng() % 40, 'a' + static_cast<char>(i % 26))};
        int owner = OwnerOf(e.key, parallelism);
        want[owner].items.push_back(e);
        in.items.push_back(std::move(e));
        if (timed) {
          ++ts;
          want[owner].timestamps.push_back(ts);
          in.timestamps.push_back(ts);
        }
      }
      out.Emit(std::move(batch));
    }
    out.Flush();
    std::vector<Received> got = Drain();
    for (int t = 0; t < parallelism; ++t) {
      SCOPED_TRACE(t);
      EXPECT_EQ(got[t].items, want[t].items);
      EXPECT_EQ(got[t].timestamps, want[t].timestamps);
      // Batches are cut at the batch size (plus less than one input batch), not
      // passed on per input batch; the one-consumer case passes input batches whole.
      if (parallelism > 1 && want[t].items.size() > 200) {
        EXPECT_LT(got[t].batches, 40);
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Parallelism, KeyHashOutputTest, ::testing::Values(1, 2, 3));

}  // namespace
}  // namespace sluice
