#include "sluice/io/log/tool/damage_commands.h"

#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "sluice/io/log/log_verifier.h"

namespace sluice::log {
namespace {

void PrintProblems(const std::vector<LogProblem>& problems) {
  for (const LogProblem& problem : problems) {
    std::printf("    %s%s\n", problem.note ? "note: " : "", problem.ToString().c_str());
  }
}

// Prints one topic's report; returns whether it is damaged.
absl::StatusOr<bool> VerifyTopic(const std::string& dir, const std::string& name) {
  auto report = LogVerifier::VerifyTopic(dir, name);
  if (!report.ok()) return report.status();
  std::printf("topic %s: %zu partition(s)\n", name.c_str(), report->partitions.size());
  PrintProblems(report->problems);
  for (const LogVerifier::PartitionReport& p : report->partitions) {
    std::printf("  partition %d: offsets [%lld, %lld), %d segment(s)%s: %s\n",
                p.partition, static_cast<long long>(p.start_offset),
                static_cast<long long>(p.end_offset), p.segments,
                LostText(p.repaired).c_str(), Damaged(p.problems) ? "DAMAGED" : "ok");
    PrintProblems(p.problems);
  }
  for (const auto& [partition, lost] : report->Lost()) {
    std::printf("  offsets lost in partition %d: %s\n", partition,
                RangesText(lost).c_str());
  }
  return report->damaged();
}

}  // namespace

std::string RangesText(const std::vector<OffsetRange>& ranges) {
  std::string text;
  for (const OffsetRange& range : ranges) {
    absl::StrAppend(&text, text.empty() ? "" : " ", range.ToString());
  }
  return text;
}

std::string LostText(const std::vector<OffsetRange>& lost) {
  return lost.empty() ? "" : absl::StrCat(", lost ", RangesText(lost));
}

bool Damaged(const std::vector<LogProblem>& problems) {
  for (const LogProblem& problem : problems) {
    if (!problem.note) return true;
  }
  return false;
}

absl::Status VerifyCommand(const std::string& dir, const std::string& topic) {
  std::vector<std::string> names;
  if (!topic.empty()) {
    names.push_back(topic);
  } else {
    auto topics = LogVerifier::Topics(dir);
    if (!topics.ok()) return topics.status();
    names = std::move(*topics);
  }
  std::vector<std::string> damaged;
  for (const std::string& name : names) {
    auto bad = VerifyTopic(dir, name);
    if (!bad.ok()) return bad.status();
    if (*bad) damaged.push_back(name);
  }
  if (!damaged.empty()) {
    return absl::DataLossError(absl::StrCat(
        "damage in ", damaged.size(), " of ", names.size(), " topic(s) (",
        absl::StrJoin(damaged, ", "),
        "): `sluice-log repair` keeps every intact batch and records the lost offsets"));
  }
  std::printf("verify: %zu topic(s), no damage\n", names.size());
  return absl::OkStatus();
}

absl::Status RepairCommand(const std::string& dir, const std::string& topic,
                           const LogRepair::Options& options) {
  auto report = LogRepair::RepairTopic(dir, topic, options);
  if (!report.ok()) return report.status();
  std::printf("repair topic %s:\n", report->topic.c_str());
  for (const std::string& line : report->done) std::printf("  %s\n", line.c_str());
  std::vector<std::string> not_done;
  for (const LogRepair::PartitionReport& p : report->partitions) {
    const std::string lost =
        p.lost.empty() ? "no offset lost" : "offsets lost: " + RangesText(p.lost);
    std::printf("  partition %d: %s\n", p.partition, lost.c_str());
    for (const std::string& line : p.done) std::printf("    %s\n", line.c_str());
    for (const std::string& line : p.not_done) {
      std::printf("    NOT REPAIRED: %s\n", line.c_str());
      not_done.push_back(line);
    }
  }
  if (!not_done.empty()) {
    return absl::FailedPreconditionError(absl::StrCat(
        not_done.size(), " problem(s) not repaired: ", absl::StrJoin(not_done, "; ")));
  }
  return absl::OkStatus();
}

}  // namespace sluice::log
