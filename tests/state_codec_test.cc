// EncodeState/DecodeState round trips, checked against the original values, and
// damaged input ending in a reported failure rather than a crash.
#include "sluice/runtime/state/state_codec.h"

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/inlined_vector.h"
#include "gtest/gtest.h"

namespace sluice {
namespace {

struct Point {
  int32_t x;
  double y;
  bool operator==(const Point&) const = default;
};

struct Profile {
  std::string name;
  std::vector<Point> points;
  std::optional<int64_t> limit;
  absl::flat_hash_map<std::string, int32_t> counts;
  auto Fields() { return std::tie(name, points, limit, counts); }
  bool operator==(const Profile&) const = default;
};

template <class T>
T RoundTrip(const T& value) {
  std::string bytes;
  StateWriter out(bytes);
  EncodeState(value, out);
  StateReader in(bytes);
  T decoded{};
  DecodeState(in, decoded);
  EXPECT_FALSE(in.failed());
  EXPECT_TRUE(in.done());
  return decoded;
}

TEST(StateCodecTest, RoundTripsBuiltInTypes) {
  EXPECT_EQ(RoundTrip<int64_t>(-42), -42);
  EXPECT_EQ(RoundTrip<double>(2.5), 2.5);
  EXPECT_EQ(RoundTrip(std::string("")), "");
  EXPECT_EQ(RoundTrip(std::string("héllo\0x", 8)), std::string("héllo\0x", 8));
  EXPECT_EQ(RoundTrip(Point{3, -1.5}), (Point{3, -1.5}));
  EXPECT_EQ(RoundTrip(std::optional<std::string>()), std::nullopt);
  EXPECT_EQ(RoundTrip(std::optional<std::string>("x")), "x");
  EXPECT_EQ(RoundTrip(std::vector<std::string>{"a", "", "ccc"}),
            (std::vector<std::string>{"a", "", "ccc"}));
  absl::InlinedVector<int64_t, 2> inlined = {1, 2, 3, 4};
  EXPECT_EQ(RoundTrip(inlined), inlined);
  std::map<int, std::string> ordered = {{1, "one"}, {-7, "minus seven"}};
  EXPECT_EQ(RoundTrip(ordered), ordered);
  auto pair = std::make_pair(std::string("k"), int64_t{9});
  EXPECT_EQ(RoundTrip(pair), pair);
  auto tuple = std::make_tuple(1, std::string("two"), 3.0);
  EXPECT_EQ(RoundTrip(tuple), tuple);
}

TEST(StateCodecTest, RoundTripsStructsThatListTheirFields) {
  Profile profile{"card-7", {{1, 1.0}, {2, 4.0}}, 500, {{"grocery", 3}, {"fuel", 1}}};
  EXPECT_EQ(RoundTrip(profile), profile);
  EXPECT_EQ(RoundTrip(Profile{}), Profile{});
}

TEST(StateCodecTest, EveryTruncationFailsCleanly) {
  Profile profile{"card-7", {{1, 1.0}, {2, 4.0}}, 500, {{"grocery", 3}}};
  std::string bytes;
  StateWriter out(bytes);
  EncodeState(profile, out);
  for (size_t cut = 0; cut < bytes.size(); ++cut) {
    StateReader in(std::string_view(bytes).substr(0, cut));
    Profile decoded;
    DecodeState(in, decoded);
    EXPECT_TRUE(in.failed()) << "cut at " << cut << " of " << bytes.size();
  }
}

TEST(StateCodecTest, HugeCountsAreRejectedBeforeAllocating) {
  std::string bytes;
  StateWriter out(bytes);
  out.Size(uint64_t{1} << 60);  // a damaged element count
  StateReader in(bytes);
  std::vector<int64_t> decoded;
  DecodeState(in, decoded);
  EXPECT_TRUE(in.failed());
  EXPECT_TRUE(decoded.empty());
}

TEST(StateCodecTest, UniquePtrIsEncodedLikeAnOptional) {
  EXPECT_EQ(RoundTrip(std::unique_ptr<Profile>()), nullptr);
  auto profile = std::make_unique<Profile>(
      Profile{"card-7", {{1, 1.0}}, std::nullopt, {{"fuel", 2}}});
  std::unique_ptr<Profile> decoded = RoundTrip(profile);
  ASSERT_NE(decoded, nullptr);
  EXPECT_EQ(*decoded, *profile);
  std::string bytes = "\x02";  // neither absent (0) nor present (1)
  StateReader in(bytes);
  DecodeState(in, decoded);
  EXPECT_TRUE(in.failed());
}

TEST(StateCodecTest, InvalidOptionalTagFails) {
  std::string bytes = "\x07";
  StateReader in(bytes);
  std::optional<int32_t> decoded;
  DecodeState(in, decoded);
  EXPECT_TRUE(in.failed());
}

TEST(StateCodecTest, ABoolMustBeZeroOrOne) {
  for (char byte : {'\x00', '\x01', '\x02', '\xff'}) {
    std::string bytes(1, byte);
    StateReader in(bytes);
    bool decoded = false;
    DecodeState(in, decoded);
    EXPECT_EQ(in.failed(), byte != '\x00' && byte != '\x01') << int(byte);
  }
}

static_assert(StateEncodable<Profile>);
static_assert(!StateEncodable<int*>);
static_assert(!StateEncodable<std::string_view>);
static_assert(!StateEncodable<std::vector<const char*>>);
static_assert(StateEncodable<std::vector<std::optional<std::string>>>);
struct Opaque {
  std::string name;  // not trivially copyable, and no Fields()
};
static_assert(!StateEncodable<Opaque>);
static_assert(!StateEncodable<std::vector<Opaque>>);
static_assert(StateEncodable<std::unique_ptr<Profile>>);
static_assert(!StateEncodable<std::unique_ptr<Opaque>>);
static_assert(!StateEncodable<std::shared_ptr<Profile>>);

}  // namespace
}  // namespace sluice
