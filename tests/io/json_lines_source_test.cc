// JsonLinesSource end to end: fields by name from several files, by 1 or 2 readers
// with re-cut batches, against values the test generated itself.
#include "sluice/io/file/json_lines_source.h"

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sluice/sluice.h"
#include "sluice/tests/io/scratch_directory.h"
#include "sluice/tests/run_config.h"
#include "sluice/tests/status_matchers.h"

namespace sluice {
namespace {

using ::sluice::testing::AllRunConfigs;
using ::sluice::testing::RunConfigName;
using ::sluice::testing::RunConfigTest;
using ::sluice::testing::ScratchDirectory;
using ::sluice::testing::StatusIs;
using ::testing::UnorderedElementsAreArray;

struct Event {
  int64_t id = 0;
  std::string user;
  double score = 0;
  bool active = false;
  uint16_t port = 0;
  bool operator==(const Event&) const = default;
};

std::ostream& operator<<(std::ostream& out, const Event& e) {
  return out << "{" << e.id << ", \"" << e.user << "\", " << e.score << ", " << e.active
             << ", " << e.port << "}";
}

RecordSchema<Event> EventSchema() {
  return RecordSchema<Event>()
      .Field("id", &Event::id)
      .Field("user", &Event::user)
      .Field("score", &Event::score)
      .Field("active", &Event::active)
      .OptionalField("port", &Event::port);
}

class JsonLinesSourceTest : public RunConfigTest {};

TEST_P(JsonLinesSourceTest, DecodesFieldsByNameFromManyFiles) {
  ScratchDirectory dir;
  std::vector<Event> expected;
  const int kRecords[] = {0, 12, 1, 70, 4};
  int k = 0;
  for (int f = 0; f < 5; ++f) {
    std::string content;
    for (int r = 0; r < kRecords[f]; ++r, ++k) {
      Event e{k - 20, "user" + std::to_string(k % 7), k + (k % 2 ? 0.5 : 0.0), k % 3 == 0,
              static_cast<uint16_t>(k % 4 == 0 ? 0 : 1000 + k)};
      expected.push_back(e);
      // Keys in varying order, unknown keys and nested values to skip, optional port.
      std::string id = "\"id\":" + std::to_string(e.id);
      std::string user = "\"user\":\"" + e.user + "\"";
      std::string score = "\"score\":" + std::to_string(k) + (k % 2 ? ".5" : "");
      std::string active = std::string("\"active\":") + (e.active ? "true" : "false");
      std::string extra = "\"tags\":[\"a\",{\"b\":[1,2]}],\"note\":null";
      std::string port = k % 4 == 0 ? "" : ",\"port\":" + std::to_string(e.port);
      if (k % 2 == 0) {
        content += "{" + id + "," + user + "," + score + "," + active + port + "}";
      } else {
        content += "{ " + extra + ", " + active + " , " + score + port + ", " + user +
                   ", " + id + " }";
      }
      content += f == 3 ? "\r\n" : "\n";
      if (r % 9 == 8) content += "\n";  // blank lines are skipped
    }
    dir.Write("events/" + std::to_string(f) + ".jsonl", content);
  }
  EXPECT_THAT(ReadAll(JsonLinesSource(dir.Path("events/*.jsonl"), EventSchema())),
              UnorderedElementsAreArray(expected));
}

TEST_P(JsonLinesSourceTest, UnescapesStrings) {
  ScratchDirectory dir;
  std::string path = dir.Write(
      "e.jsonl",
      R"({"id":1,"user":"tab\there \"q\" back\\slash \u00e9\ud83d\ude00 \/","score":1e2,"active":false})"
      "\n");
  std::vector<Event> expected = {
      {1, "tab\there \"q\" back\\slash \xC3\xA9\xF0\x9F\x98\x80 /", 100, false, 0}};
  EXPECT_THAT(ReadAll(JsonLinesSource(path, EventSchema())),
              UnorderedElementsAreArray(expected));
}

// A struct without member initialisers: an absent optional field must still read 0,
// never the value an earlier record left in a pooled batch's slot.
struct Bare {
  int64_t id;
  int64_t port;
  bool operator==(const Bare&) const = default;
};

std::ostream& operator<<(std::ostream& out, const Bare& b) {
  return out << "{" << b.id << ", " << b.port << "}";
}

TEST_P(JsonLinesSourceTest, AbsentOptionalFieldIsZeroInAStructWithoutDefaults) {
  ScratchDirectory dir;
  std::vector<Bare> expected;
  std::string content;
  for (int64_t k = 0; k < 5000; ++k) {
    const bool has_port = k % 3 != 0;
    expected.push_back(Bare{k, has_port ? 7000 + k : 0});
    content += "{\"id\":" + std::to_string(k) +
               (has_port ? ",\"port\":" + std::to_string(7000 + k) : "") + "}\n";
  }
  std::string path = dir.Write("bare.jsonl", content);
  auto schema =
      RecordSchema<Bare>().Field("id", &Bare::id).OptionalField("port", &Bare::port);
  EXPECT_THAT(ReadAll(JsonLinesSource(path, schema)),
              UnorderedElementsAreArray(expected));
}

TEST_P(JsonLinesSourceTest, EmptyFilesProduceNothing) {
  ScratchDirectory dir;
  dir.Write("in/a.jsonl", "");
  dir.Write("in/b.jsonl", "\n\r\n");
  EXPECT_TRUE(ReadAll(JsonLinesSource(dir.Path("in"), EventSchema())).empty());
}

TEST_P(JsonLinesSourceTest, MissingInputFailsTheBuildNamingThePath) {
  ScratchDirectory dir;
  Dataflow flow;
  std::string missing = dir.Path("events.jsonl");
  flow.Source(JsonLinesSource(missing, EventSchema())).Sink([](const Event&) {});
  EXPECT_THAT(flow.Build(GetParam().Options()),
              StatusIs(absl::StatusCode::kNotFound, missing));
}

INSTANTIATE_TEST_SUITE_P(Configs, JsonLinesSourceTest, AllRunConfigs(), RunConfigName);

}  // namespace
}  // namespace sluice
