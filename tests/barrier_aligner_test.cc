// BarrierAligner: which inputs it holds, when an alignment completes (with ended
// inputs, and a newer checkpoint overtaking an older one), against hand-worked
// sequences.
#include "sluice/runtime/barrier_aligner.h"

#include <cstdint>
#include <optional>

#include "gtest/gtest.h"
#include "sluice/runtime/event_time/input_gate.h"

namespace sluice {
namespace {

TEST(BarrierAlignerTest, HoldsEachInputUntilEveryInputDeliveredTheBarrier) {
  InputGate gate(3);
  BarrierAligner aligner(3);
  EXPECT_EQ(aligner.OnBarrier(1, 1, gate), std::nullopt);
  EXPECT_TRUE(aligner.blocked(1));
  EXPECT_FALSE(aligner.blocked(0));
  EXPECT_EQ(aligner.OnBarrier(0, 1, gate), std::nullopt);
  EXPECT_TRUE(aligner.blocked(0));
  EXPECT_EQ(aligner.OnBarrier(2, 1, gate), 1);
  for (size_t i = 0; i < 3; ++i) EXPECT_FALSE(aligner.blocked(i)) << i;
  EXPECT_GE(aligner.last_alignment().count(), 0);
}

TEST(BarrierAlignerTest, OneInputCompletesAtOnce) {
  InputGate gate(1);
  BarrierAligner aligner(1);
  EXPECT_EQ(aligner.OnBarrier(0, 4, gate), 4);
  EXPECT_EQ(aligner.OnBarrier(0, 4, gate), std::nullopt);  // that one is done
  EXPECT_EQ(aligner.OnBarrier(0, 5, gate), 5);
}

TEST(BarrierAlignerTest, AnEndedInputHasNothingToAlign) {
  InputGate gate(2);
  BarrierAligner aligner(2);
  EXPECT_EQ(aligner.OnBarrier(0, 1, gate), std::nullopt);
  static_cast<void>(gate.OnEnd(1));
  EXPECT_EQ(aligner.OnInputEnded(gate), 1);
  EXPECT_FALSE(aligner.blocked(0));
  // With input 1 ended, input 0's barrier alone completes the next checkpoint.
  EXPECT_EQ(aligner.OnBarrier(0, 2, gate), 2);
  // An end with no alignment open completes nothing.
  EXPECT_EQ(aligner.OnInputEnded(gate), std::nullopt);
}

TEST(BarrierAlignerTest, ANewerCheckpointGivesUpTheOpenAlignment) {
  InputGate gate(2);
  BarrierAligner aligner(2);
  EXPECT_EQ(aligner.OnBarrier(0, 1, gate), std::nullopt);
  // Checkpoint 2's barrier overtakes 1 on input 1: 1 was given up; input 0 is
  // released until it delivers 2.
  EXPECT_EQ(aligner.OnBarrier(1, 2, gate), std::nullopt);
  EXPECT_FALSE(aligner.blocked(0));
  EXPECT_TRUE(aligner.blocked(1));
  EXPECT_EQ(aligner.OnBarrier(0, 2, gate), 2);
  // Late barriers of the given-up or completed checkpoints are ignored.
  EXPECT_EQ(aligner.OnBarrier(1, 1, gate), std::nullopt);
  EXPECT_EQ(aligner.OnBarrier(1, 2, gate), std::nullopt);
  EXPECT_FALSE(aligner.blocked(1));
}

}  // namespace
}  // namespace sluice
