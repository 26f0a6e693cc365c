// Channel: order, capacity (data batches only), who it wakes and when, and a
// producer and a consumer on two threads.

#include "sluice/runtime/channel.h"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "sluice/runtime/element.h"
#include "sluice/runtime/scheduler.h"
#include "sluice/runtime/task.h"

namespace sluice {
namespace {

Element DataNumbered(int64_t n) {
  Element e = Element::Data(nullptr);
  e.value = n;  // only to check order: the channel never looks inside an element
  return e;
}

// Counts its runs and parks at once, as a task with nothing to do does.
class CountingTask final : public Task {
 public:
  CountingTask() : Task("counting") {}
  TaskState RunQuantum() override {
    runs_.fetch_add(1);
    return TaskState::kBlockedOnInput;
  }
  int runs() const { return runs_.load(); }

 private:
  std::atomic<int> runs_{0};
};

TEST(ChannelTest, DeliversDataAndControlElementsInPushOrder) {
  Channel channel(/*capacity=*/4, /*port=*/1);
  EXPECT_EQ(channel.port(), 1);
  channel.Push(DataNumbered(10));
  channel.Push(Element::Control(ElementKind::kWatermark, 500));
  channel.Push(DataNumbered(11));
  channel.Push(Element::Control(ElementKind::kBarrier, 7));
  channel.Push(Element::Control(ElementKind::kEndOfInput));

  const std::vector<std::pair<ElementKind, int64_t>> expected = {
      {ElementKind::kBatch, 10},
      {ElementKind::kWatermark, 500},
      {ElementKind::kBatch, 11},
      {ElementKind::kBarrier, 7},
      {ElementKind::kEndOfInput, 0}};
  for (const auto& [kind, value] : expected) {
    Element e;
    ASSERT_TRUE(channel.Pop(&e));
    EXPECT_EQ(e.kind, kind);
    EXPECT_EQ(e.value, value);
  }
  Element none;
  EXPECT_FALSE(channel.Pop(&none));
}

TEST(ChannelTest, CapacityCountsDataBatchesOnly) {
  Channel channel(/*capacity=*/2, /*port=*/0);
  EXPECT_TRUE(channel.HasRoom());
  channel.Push(DataNumbered(0));
  EXPECT_TRUE(channel.HasRoom());
  channel.Push(DataNumbered(1));
  EXPECT_FALSE(channel.HasRoom());
  EXPECT_EQ(channel.queued_batches(), 2u);
  // Control elements always fit and do not count.
  for (int i = 0; i < 5; ++i) channel.Push(Element::Control(ElementKind::kWatermark, i));
  EXPECT_EQ(channel.queued_batches(), 2u);

  Element e;
  ASSERT_TRUE(channel.Pop(&e));  // batch 0
  EXPECT_TRUE(channel.HasRoom());
  EXPECT_EQ(channel.queued_batches(), 1u);
  ASSERT_TRUE(channel.Pop(&e));  // batch 1
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(channel.Pop(&e));
    EXPECT_EQ(e.kind, ElementKind::kWatermark);
  }
  EXPECT_EQ(channel.queued_batches(), 0u);
}

TEST(ChannelTest, PushWakesTheConsumerAndAPopThatFreesRoomWakesTheProducer) {
  Scheduler scheduler(/*threads=*/1, [](Task*) {});
  CountingTask producer, consumer;
  producer.AttachScheduler(&scheduler);
  consumer.AttachScheduler(&scheduler);
  Channel channel(/*capacity=*/2, /*port=*/0);
  channel.Connect(&producer, &consumer);

  channel.Push(DataNumbered(0));
  scheduler.Drain();
  EXPECT_EQ(consumer.runs(), 1);
  channel.Push(DataNumbered(1));  // now full
  scheduler.Drain();
  EXPECT_EQ(consumer.runs(), 2);
  EXPECT_EQ(producer.runs(), 0);

  Element e;
  ASSERT_TRUE(channel.Pop(&e));  // full -> room: the parked producer must run
  scheduler.Drain();
  EXPECT_EQ(producer.runs(), 1);
  ASSERT_TRUE(channel.Pop(&e));  // there was room already: no wake-up needed
  scheduler.Drain();
  EXPECT_EQ(producer.runs(), 1);
  ASSERT_FALSE(channel.Pop(&e));
  scheduler.Drain();
  EXPECT_EQ(producer.runs(), 1);
}

// A producer that pushes only while HasRoom() and a consumer on another thread: every
// element arrives once, in order, and the batches queued never exceed the capacity.
TEST(ChannelTest, ProducerAndConsumerThreadsKeepOrderAndCapacity) {
  constexpr int64_t kElements = 200'000;
  constexpr size_t kCapacity = 8;
  Channel channel(kCapacity, /*port=*/0);
  std::atomic<size_t> most_queued{0};
  std::atomic<bool> stop{false};  // set if the consumer gives up, so join() returns
  std::thread producer([&] {
    for (int64_t i = 0; i < kElements; ++i) {
      while (!channel.HasRoom()) {
        if (stop.load()) return;
        std::this_thread::yield();
      }
      // Every 16th element is a control element, which fits even when full.
      if (i % 16 == 15) {
        channel.Push(Element::Control(ElementKind::kWatermark, i));
      } else {
        channel.Push(DataNumbered(i));
      }
      size_t queued = channel.queued_batches();
      size_t seen = most_queued.load();
      while (queued > seen && !most_queued.compare_exchange_weak(seen, queued)) {
      }
    }
  });
  int64_t next = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (next < kElements && std::chrono::steady_clock::now() < deadline) {
    Element e;
    if (!channel.Pop(&e)) {
      std::this_thread::yield();
      continue;
    }
    const ElementKind kind =
        next % 16 == 15 ? ElementKind::kWatermark : ElementKind::kBatch;
    if (e.value != next || e.kind != kind) {
      ADD_FAILURE() << "element " << next << " arrived as value " << e.value;
      break;
    }
    ++next;
  }
  stop.store(true);
  producer.join();
  EXPECT_EQ(next, kElements);
  EXPECT_LE(most_queued.load(), kCapacity);
  Element none;
  EXPECT_FALSE(channel.Pop(&none));
}

}  // namespace
}  // namespace sluice
