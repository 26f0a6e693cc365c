#include "sluice/runtime/storage/crc32c.h"

#include <string>

#include "gtest/gtest.h"

namespace sluice {
namespace {

// Check values from RFC 3720 (iSCSI), appendix B.4, and the CRC catalogue.
TEST(Crc32cTest, MatchesPublishedCheckValues) {
  EXPECT_EQ(Crc32c("123456789"), 0xE3069283u);
  EXPECT_EQ(Crc32c(std::string(32, '\0')), 0x8A9136AAu);
  EXPECT_EQ(Crc32c(std::string(32, '\xff')), 0x62A8AB43u);
  std::string ascending;
  for (int i = 0; i < 32; ++i) ascending.push_back(static_cast<char>(i));
  EXPECT_EQ(Crc32c(ascending), 0x46DD794Eu);
  EXPECT_EQ(Crc32c(""), 0u);
}

TEST(Crc32cTest, ContinuesAcrossPieces) {
  std::string data;
  for (int i = 0; i < 10000; ++i) data.push_back(static_cast<char>(i * 7 + 3));
  const uint32_t whole = Crc32c(data);
  for (size_t cut : {0u, 1u, 7u, 64u, 4999u, 10000u}) {
    std::string_view view(data);
    EXPECT_EQ(Crc32c(view.substr(cut), Crc32c(view.substr(0, cut))), whole) << cut;
  }
}

}  // namespace
}  // namespace sluice
