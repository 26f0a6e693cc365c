// The keyed state of an operator that keeps state but cannot yet be snapshotted by
// key group (the broadcast table join: its table is copied to every instance, not
// split by key group). Every snapshot or restore fails with a message naming why,
// so a checkpoint never silently leaves that state out.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "runtime/state/keyed_state_backend.h"

namespace sluice {

class UnsupportedStateBackend final : public KeyedStateBackend {
 public:
  UnsupportedStateBackend(std::string why, int key_group_count, const size_t* key_count)
      : why_(std::move(why)), key_group_count_(key_group_count), key_count_(key_count) {}

  int key_group_count() const override { return key_group_count_; }
  size_t key_count() const override { return *key_count_; }
  absl::StatusOr<std::vector<std::pair<int, std::string>>> SnapshotKeyGroups() override {
    return absl::UnimplementedError(why_);
  }
  absl::StatusOr<std::string> SnapshotKeyGroup(int) override {
    return absl::UnimplementedError(why_);
  }
  absl::Status RestoreKeyGroup(std::string_view) override {
    return absl::UnimplementedError(why_);
  }

 private:
  std::string why_;
  int key_group_count_;
  const size_t* key_count_;
};

}  // namespace sluice
