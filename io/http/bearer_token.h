// Where an endpoint's bearer token comes from: an environment variable or a file,
// never the code. Read when the job is built (to fail early) and again when it
// starts (the value the endpoint checks).
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace sluice {

class BearerToken {
 public:
  // No token: the endpoint is open to anyone who can reach the address.
  BearerToken() = default;
  static BearerToken FromEnv(std::string variable) {
    return BearerToken(Kind::kEnv, std::move(variable));
  }
  // The file's content, without surrounding whitespace.
  static BearerToken FromFile(std::string path) {
    return BearerToken(Kind::kFile, std::move(path));
  }

  bool required() const { return kind_ != Kind::kNone; }
  // The token; fails, naming the variable or file, if it is unset, unreadable or
  // empty. "" when no token is required.
  absl::StatusOr<std::string> Read() const;
  // Read()'s error for a connector's Validate, prefixed with `who` ("HttpSink URL").
  absl::Status Check(std::string_view who) const;

 private:
  enum class Kind { kNone, kEnv, kFile };
  BearerToken(Kind kind, std::string where) : kind_(kind), where_(std::move(where)) {}

  Kind kind_ = Kind::kNone;
  std::string where_;
};

}  // namespace sluice
