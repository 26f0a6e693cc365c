// Logical graph validation and printing, and the planner's fusion and exchanges.
#include <chrono>
#include <cstdint>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sluice/engine/planner.h"
#include "sluice/sluice.h"
#include "sluice/tests/status_matchers.h"

namespace sluice {
namespace {

using ::sluice::testing::IsOk;
using ::sluice::testing::StatusIs;
using ::testing::HasSubstr;

auto Numbers() {
  return GeneratorSource([](uint64_t i) { return static_cast<int>(i); }).Count(10);
}
auto Ignore() {
  return [](const int&) {};
}

TEST(GraphValidationTest, DanglingStreamIsAnError) {
  Dataflow flow;
  auto numbers = flow.Source(Numbers()).Name("numbers");
  numbers.Map([](const int& x) { return x + 1; }).Name("plus_one");
  EXPECT_THAT(flow.Build(), StatusIs(absl::StatusCode::kInvalidArgument,
                                     "stream of 'plus_one' (int) goes nowhere"));
}

TEST(GraphValidationTest, NoSourceIsAnError) {
  Dataflow flow;
  EXPECT_THAT(flow.Build(), StatusIs(absl::StatusCode::kInvalidArgument, "no source"));
}

TEST(GraphValidationTest, DuplicateNamesAreAnError) {
  Dataflow flow;
  flow.Source(Numbers())
      .Name("x")
      .Map([](const int& v) { return v; })
      .Name("x")
      .Sink(Ignore());
  EXPECT_THAT(flow.Build(), StatusIs(absl::StatusCode::kInvalidArgument,
                                     "two operators are named 'x'"));
}

TEST(GraphValidationTest, StreamsOfAnotherDataflowCannotBeMixed) {
  Dataflow a;
  Dataflow b;
  auto left = a.Source(Numbers());
  auto right = b.Source(Numbers());
  left.Union(right).Sink(Ignore());
  EXPECT_THAT(a.Build(),
              StatusIs(absl::StatusCode::kInvalidArgument, "another dataflow"));
}

TEST(GraphValidationTest, ParallelismAboveSinkMaximumIsAnError) {
  Dataflow flow;
  flow.Source(Numbers())
      .Sink(StdoutSink<int>([](const int& x) { return std::to_string(x); }))
      .Name("console")
      .Parallelism(2);
  EXPECT_THAT(flow.Build(), StatusIs(absl::StatusCode::kInvalidArgument,
                                     "'console' (stdout) runs at most 1 instance"));
}

TEST(GraphValidationTest, BadParallelismIsAnError) {
  Dataflow flow;
  flow.Source(Numbers())
      .Map([](const int& x) { return x; })
      .Name("m")
      .Parallelism(-1)
      .Sink(Ignore());
  EXPECT_THAT(flow.Build(), StatusIs(absl::StatusCode::kInvalidArgument,
                                     "'m': Parallelism(-1) is out of range"));
  JobOptions options;
  options.parallelism = 0;
  Dataflow ok;
  ok.Source(Numbers()).Sink(Ignore());
  EXPECT_THAT(ok.Build(options), StatusIs(absl::StatusCode::kInvalidArgument,
                                          "JobOptions::parallelism 0 is out of range"));
}

// The fluent API cannot build these; the low-level graph API can, so it checks them.
LogicalNode RawNode(std::string name, std::type_index in, std::type_index out) {
  LogicalNode node;
  node.name = std::move(name);
  node.kind = "raw";
  node.in_type = in;
  node.out_type = out;
  node.in_type_name = in == typeid(int) ? "int" : "double";
  node.out_type_name = out == typeid(int) ? "int" : "double";
  return node;
}

TEST(GraphValidationTest, TypeMismatchIsReported) {
  LogicalGraph graph;
  LogicalNode source = RawNode("src", typeid(void), typeid(int));
  source.make_source = [] { return nullptr; };
  int src = graph.AddNode(source);
  LogicalNode sink = RawNode("dst", typeid(double), typeid(void));
  sink.is_sink = true;
  sink.inputs.push_back(LogicalEdge{src, Partitioning::kForward, {}});
  graph.AddNode(sink);
  EXPECT_THAT(graph.Validate(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "type mismatch on edge 'src' -> 'dst': 'src' produces int but "
                       "'dst' expects double"));
}

TEST(GraphValidationTest, CycleIsReported) {
  LogicalGraph graph;
  LogicalNode source = RawNode("src", typeid(void), typeid(int));
  source.make_source = [] { return nullptr; };
  int src = graph.AddNode(source);
  LogicalNode a = RawNode("a", typeid(int), typeid(int));
  a.inputs.push_back(LogicalEdge{src, Partitioning::kForward, {}});
  a.inputs.push_back(LogicalEdge{2, Partitioning::kForward, {}});
  int a_id = graph.AddNode(a);
  LogicalNode b = RawNode("b", typeid(int), typeid(int));
  b.inputs.push_back(LogicalEdge{a_id, Partitioning::kForward, {}});
  graph.AddNode(b);
  EXPECT_THAT(graph.Validate(), StatusIs(absl::StatusCode::kInvalidArgument, "cycle"));
}

// A window, join or keyed process function needs event time on every input; without
// it the job used to start and fail at the operator's first batch.
TEST(GraphValidationTest, OperatorThatNeedsEventTimeWithoutItFailsTheBuild) {
  Dataflow flow;
  flow.Source(Numbers())
      .Name("numbers")
      .Map([](const int& x) { return 2 * x; })
      .Name("doubled")
      .KeyBy([](const int& x) { return x % 3; })
      .Window(TumblingWindows(std::chrono::milliseconds(10)))
      .Aggregate(aggregates::Count())
      .Name("per_key")
      .Sink([](const auto&) {});
  EXPECT_THAT(flow.Build(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "needs event time, but its input 'doubled' has none: call "
                       "AssignTimestamps(fn, strategy) on the stream before it, best "
                       "right after its source ('numbers')"));
}

TEST(GraphValidationTest, EventTimeFlowsThroughOperatorsThatKeepIt) {
  Dataflow flow;
  flow.Source(Numbers())
      .Name("numbers")
      .AssignTimestamps([](const int& x) { return int64_t{x}; },
                        WatermarkStrategy::Monotonous())
      .Map([](const int& x) { return 2 * x; })
      .Filter([](const int& x) { return x > 2; })
      .KeyBy([](const int& x) { return x % 3; })
      .Window(TumblingWindows(std::chrono::milliseconds(10)))
      .Aggregate(aggregates::Count())
      .Map([](const auto& r) { return r.value; })
      .KeyBy([](const int64_t& n) { return n; })
      .Window(TumblingWindows(std::chrono::milliseconds(100)))
      .Aggregate(aggregates::Count())
      .Sink([](const auto&) {});
  EXPECT_THAT(flow.Build().status(), IsOk());
}

// Results at end of input carry no event time.
TEST(GraphValidationTest, WindowAfterReduceAtEndFailsTheBuild) {
  Dataflow flow;
  flow.Source(Numbers())
      .Name("numbers")
      .AssignTimestamps([](const int& x) { return int64_t{x}; },
                        WatermarkStrategy::Monotonous())
      .KeyBy([](const int& x) { return x % 3; })
      .ReduceAtEnd([](const int& a, const int& b) { return a + b; })
      .Name("totals")
      .KeyBy([](const int& x) { return x; })
      .Window(TumblingWindows(std::chrono::milliseconds(10)))
      .Aggregate(aggregates::Count())
      .Sink([](const auto&) {});
  EXPECT_THAT(flow.Build(), StatusIs(absl::StatusCode::kInvalidArgument,
                                     "its input 'totals' has none"));
}

// A union has event time only if every input has it.
TEST(GraphValidationTest, UnionOfTimedAndUntimedStreamsHasNoEventTime) {
  Dataflow flow;
  auto timed = flow.Source(Numbers())
                   .Name("timed_source")
                   .AssignTimestamps([](const int& x) { return int64_t{x}; },
                                     WatermarkStrategy::Monotonous());
  auto untimed = flow.Source(Numbers()).Name("untimed_source");
  timed.Union(untimed)
      .Name("both")
      .KeyBy([](const int& x) { return x; })
      .Window(TumblingWindows(std::chrono::milliseconds(10)))
      .Aggregate(aggregates::Count())
      .Sink([](const auto&) {});
  EXPECT_THAT(
      flow.Build(),
      StatusIs(absl::StatusCode::kInvalidArgument,
               "its input 'both' has none: call AssignTimestamps(fn, strategy) on "
               "the stream before it, best right after its source "
               "('untimed_source')"));
}

TEST(GraphPrintingTest, TextAndDotNameOperatorsEdgesAndTypes) {
  Dataflow flow;
  flow.Source(Numbers())
      .Name("numbers")
      .KeyBy([](const int& x) { return x % 2; })
      .Reduce([](const int& a, const int& b) { return a + b; })
      .Name("sum")
      .Sink(Ignore())
      .Name("out");
  std::string text = flow.ToText();
  EXPECT_THAT(text, HasSubstr("numbers [generator] -> int"));
  EXPECT_THAT(text, HasSubstr("sum [reduce] -> int"));
  EXPECT_THAT(text, HasSubstr("<- numbers (key-hash)"));
  std::string dot = flow.ToDot();
  EXPECT_THAT(dot, HasSubstr("digraph sluice"));
  EXPECT_THAT(dot, HasSubstr("n0 -> n1 [label=\"key-hash\\nint\"]"));
  EXPECT_THAT(dot, HasSubstr("n1 -> n2"));
}

TEST(GraphPrintingTest, SideOutputEdgesNameTheirTagAndType) {
  using Late = OutputTag<int, "late numbers">;
  Dataflow flow;
  auto counts = flow.Source(Numbers())
                    .Name("numbers")
                    .AssignTimestamps([](const int& x) { return int64_t{x}; },
                                      WatermarkStrategy::Monotonous())
                    .KeyBy([](const int& x) { return x % 2; })
                    .Window(TumblingWindows(std::chrono::milliseconds(10)))
                    .SideOutputLateData(Late{})
                    .Aggregate(aggregates::Count())
                    .Name("counts");
  counts.Sink([](const WindowResult<int, int64_t>&) {});
  counts.SideOutput(Late{}).Sink(Ignore()).Name("late_out");
  std::string text = flow.ToText();
  EXPECT_THAT(text, HasSubstr("<- counts (forward, side output 'late numbers')"));
  std::string dot = flow.ToDot();
  EXPECT_THAT(dot, HasSubstr("[label=\"forward\\nside output 'late numbers'\\nint\"]"));
}

TEST(PlannerTest, FusesForwardChainsAndPlacesExchanges) {
  Dataflow flow;
  flow.Source(Numbers())
      .Name("src")
      .Map([](const int& x) { return x; })
      .Name("map")
      .Filter([](const int&) { return true; })
      .Name("filter")
      .KeyBy([](const int& x) { return x; })
      .Reduce([](const int& a, const int& b) { return a + b; })
      .Name("sum")
      .Sink(Ignore())
      .Name("out");
  JobOptions options;
  options.parallelism = 2;
  auto job = flow.Build(options);
  ASSERT_THAT(job, IsOk());
  EXPECT_EQ(job->PlanText(),
            "task 0 x2: src -> map -> filter\n"
            "task 1 x2: sum -> out\n"
            "    <- task 0 via key-hash\n");
}

TEST(PlannerTest, SingleInstanceKeyedEdgeIsFused) {
  Dataflow flow;
  flow.Source(Numbers())
      .Name("src")
      .KeyBy([](const int& x) { return x; })
      .Reduce([](const int& a, const int& b) { return a + b; })
      .Name("sum")
      .Sink(Ignore())
      .Name("out");
  auto job = flow.Build();
  ASSERT_THAT(job, IsOk());
  EXPECT_EQ(job->PlanText(), "task 0 x1: src -> sum -> out\n");
}

TEST(PlannerTest, ParallelismChangeRebalancesAndFanOutSplitsChains) {
  Dataflow flow;
  auto src = flow.Source(Numbers()).Name("src").Parallelism(1);
  auto doubled =
      src.Map([](const int& x) { return 2 * x; }).Name("double").Parallelism(2);
  doubled.Sink(Ignore()).Name("a").Parallelism(2);
  doubled.Broadcast().Sink(Ignore()).Name("b").Parallelism(3);
  auto job = flow.Build();
  ASSERT_THAT(job, IsOk());
  EXPECT_EQ(job->PlanText(),
            "task 0 x1: src\n"
            "task 1 x2: double\n"
            "    <- task 0 via rebalance\n"
            "task 2 x2: a\n"
            "    <- task 1 via forward\n"
            "task 3 x3: b\n"
            "    <- task 1 via broadcast\n");
}

TEST(PlannerTest, KeyedParallelismAboveKeyGroupsIsAnError) {
  Dataflow flow;
  flow.Source(Numbers())
      .KeyBy([](const int& x) { return x; })
      .Reduce([](const int& a, const int& b) { return a + b; })
      .Name("sum")
      .Parallelism(4)
      .Sink(Ignore());
  JobOptions options;
  options.max_key_groups = 2;
  EXPECT_THAT(flow.Build(options),
              StatusIs(absl::StatusCode::kInvalidArgument, "only 2 key groups"));
}

}  // namespace
}  // namespace sluice
