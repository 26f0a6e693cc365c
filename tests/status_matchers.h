// GoogleTest matchers for absl::Status and absl::StatusOr (Abseil 20220623 ships none).
#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gmock/gmock.h"

namespace sluice::testing {

inline const absl::Status& GetStatus(const absl::Status& status) { return status; }
template <class T>
const absl::Status& GetStatus(const absl::StatusOr<T>& status_or) {
  return status_or.status();
}

MATCHER(IsOk, "is OK") {
  const absl::Status& status = GetStatus(arg);
  if (!status.ok()) *result_listener << "status is " << status.ToString();
  return status.ok();
}

// StatusIs(code, substring): the status has `code` and its message contains `substring`.
MATCHER_P2(StatusIs, code, substring,
           std::string("has code ") + absl::StatusCodeToString(code) +
               " and a message containing \"" + std::string(substring) + "\"") {
  const absl::Status& status = GetStatus(arg);
  *result_listener << "status is " << status.ToString();
  return status.code() == code &&
         std::string(status.message()).find(substring) != std::string::npos;
}

}  // namespace sluice::testing

#define SLUICE_ASSERT_OK(expr) ASSERT_THAT((expr), ::sluice::testing::IsOk())
#define SLUICE_EXPECT_OK(expr) EXPECT_THAT((expr), ::sluice::testing::IsOk())
