// InputGate: the task's event time from its inputs' watermarks, ends and idleness,
// against hand-worked sequences, and which input goes first when they are not level.
#include "sluice/runtime/event_time/input_gate.h"

#include <cstdint>
#include <optional>
#include <vector>

#include "gtest/gtest.h"
#include "sluice/runtime/event_time/event_time.h"

namespace sluice {
namespace {

std::optional<int64_t> WatermarkOf(const InputGate::Forward& forward) {
  EXPECT_FALSE(forward.idle.has_value());
  return forward.watermark;
}

TEST(InputGateTest, WatermarkIsTheMinimumOverTheInputs) {
  InputGate gate(3);
  EXPECT_EQ(WatermarkOf(gate.OnWatermark(0, 10)), std::nullopt);  // 1, 2 still at -inf
  EXPECT_EQ(WatermarkOf(gate.OnWatermark(1, 20)), std::nullopt);
  EXPECT_EQ(WatermarkOf(gate.OnWatermark(2, 5)), 5);
  EXPECT_EQ(WatermarkOf(gate.OnWatermark(2, 30)), 10);
  // An input's watermark never goes back, and the task's never repeats.
  EXPECT_EQ(WatermarkOf(gate.OnWatermark(0, 7)), std::nullopt);
  EXPECT_EQ(WatermarkOf(gate.OnWatermark(0, 15)), 15);
  EXPECT_EQ(gate.watermark(), 15);
}

TEST(InputGateTest, AnEndedInputNoLongerHoldsTimeBack) {
  InputGate gate(2);
  EXPECT_EQ(WatermarkOf(gate.OnWatermark(0, 100)), std::nullopt);
  EXPECT_EQ(WatermarkOf(gate.OnEnd(1)), 100);
  EXPECT_FALSE(gate.all_ended());
  EXPECT_EQ(WatermarkOf(gate.OnEnd(1)), std::nullopt);  // a repeated end changes nothing
  // The last end forwards nothing: Finish sends +infinity, once.
  EXPECT_EQ(WatermarkOf(gate.OnEnd(0)), std::nullopt);
  EXPECT_TRUE(gate.all_ended());
  EXPECT_EQ(gate.Finish(), kMaxWatermark);
  EXPECT_EQ(gate.Finish(), std::nullopt);
}

TEST(InputGateTest, IdleInputsAreNotWaitedForAndAllIdleMakesTheTaskIdle) {
  InputGate gate(2);
  EXPECT_EQ(WatermarkOf(gate.OnWatermark(0, 50)), std::nullopt);
  InputGate::Forward forward = gate.OnIdleness(1, true);  // only input 0 counts now
  EXPECT_EQ(forward.idle, std::nullopt);
  EXPECT_EQ(forward.watermark, 50);
  forward = gate.OnIdleness(0, true);  // every live input idle: the task is idle
  EXPECT_EQ(forward.idle, true);
  EXPECT_EQ(forward.watermark, std::nullopt);
  forward = gate.OnWatermark(1, 80);  // an idle input's watermark is kept, not sent
  EXPECT_EQ(forward.idle, std::nullopt);
  EXPECT_EQ(forward.watermark, std::nullopt);
  forward = gate.OnIdleness(1, false);  // active again: first the idleness, then time
  EXPECT_EQ(forward.idle, false);
  EXPECT_EQ(forward.watermark, 80);
  forward = gate.OnIdleness(0, false);  // input 0, at 50, is behind: nothing to send
  EXPECT_EQ(forward.idle, std::nullopt);
  EXPECT_EQ(forward.watermark, std::nullopt);
}

TEST(InputGateTest, ARestoredWatermarkIsNotSentAgain) {
  InputGate gate(1);
  gate.Restore(40);
  EXPECT_EQ(WatermarkOf(gate.OnWatermark(0, 30)), std::nullopt);
  EXPECT_EQ(WatermarkOf(gate.OnWatermark(0, 40)), std::nullopt);
  EXPECT_EQ(WatermarkOf(gate.OnWatermark(0, 41)), 41);
}

TEST(InputGateTest, TheInputFurthestBehindGoesFirst) {
  InputGate gate(3);
  std::vector<bool> blocked(3, false);
  EXPECT_EQ(gate.Lagging(blocked), 3u);  // level: round robin
  static_cast<void>(gate.OnWatermark(0, 10));
  static_cast<void>(gate.OnWatermark(1, 5));
  static_cast<void>(gate.OnWatermark(2, 10));
  EXPECT_EQ(gate.Lagging(blocked), 1u);
  blocked[1] = true;  // held by a barrier: the others are level
  EXPECT_EQ(gate.Lagging(blocked), 3u);
  blocked[1] = false;
  static_cast<void>(gate.OnIdleness(1, true));  // idle inputs do not count
  EXPECT_EQ(gate.Lagging(blocked), 3u);
  static_cast<void>(gate.OnWatermark(2, 20));
  EXPECT_EQ(gate.Lagging(blocked), 0u);
  static_cast<void>(gate.OnEnd(0));  // nor do ended ones
  EXPECT_EQ(gate.Lagging(blocked), 3u);
  EXPECT_EQ(InputGate(1).Lagging({false}), 1u);  // one input: nothing to choose
}

}  // namespace
}  // namespace sluice
