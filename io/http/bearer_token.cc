#include "sluice/io/http/bearer_token.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace sluice {

absl::StatusOr<std::string> BearerToken::Read() const {
  std::string token;
  switch (kind_) {
    case Kind::kNone:
      return std::string();
    case Kind::kEnv: {
      const char* value = std::getenv(where_.c_str());
      if (value == nullptr) {
        return absl::FailedPreconditionError(absl::StrCat(
            "the bearer token's environment variable ", where_, " is not set"));
      }
      token = value;
      break;
    }
    case Kind::kFile: {
      std::ifstream in(where_, std::ios::binary);
      if (!in) {
        return absl::FailedPreconditionError(
            absl::StrCat("cannot read the bearer token file ", where_));
      }
      std::ostringstream content;
      content << in.rdbuf();
      token = content.str();
      break;
    }
  }
  token = std::string(absl::StripAsciiWhitespace(token));
  if (token.empty()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the bearer token in ", kind_ == Kind::kEnv ? "environment variable " : "file ",
        where_, " is empty"));
  }
  return token;
}

absl::Status BearerToken::Check(std::string_view who) const {
  absl::StatusOr<std::string> token = Read();
  if (token.ok()) return absl::OkStatus();
  return absl::FailedPreconditionError(
      absl::StrCat(std::string(who), ": ", token.status().message()));
}

}  // namespace sluice
