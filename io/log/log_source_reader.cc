#include "sluice/io/log/log_source_reader.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "sluice/runtime/batch_pool.h"
#include "sluice/runtime/element.h"
#include "sluice/runtime/state/state_codec.h"

namespace sluice {
namespace {

// A read asks for about this many bytes (at least one batch comes back).
constexpr size_t kReadBytes = 1 << 20;

int64_t NanosOf(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch())
      .count();
}

// Offsets a repair recorded as lost, which the read passed over: there is nothing to
// wait for there, so reading goes on after them (with a word on standard error).
void PassOverLost(const std::string& topic, int partition, const log::LogChunk& chunk,
                  int64_t* next) {
  const log::OffsetRange& lost = chunk.lost();
  if (lost.empty()) return;
  log::WarnOnStderr(absl::StrCat("log source: topic '", topic, "' partition ", partition,
                                 ": offsets ", lost.ToString(),
                                 " were lost to damage (recorded by sluice-log repair); "
                                 "reading on at ",
                                 lost.to));
  *next = std::max(*next, lost.to);
}

}  // namespace

absl::Status LogSourceReader::Open(const OperatorContext& context) {
  sizer_ = BatchSizer(context);
  auto topic = log::LogTopic::Open(settings_.dir, settings_.topic,
                                   log::LogPartition::Access::kReadOnly);
  if (!topic.ok()) return topic.status();
  topic_ = std::move(*topic);
  if (context.restored_states != nullptr) {
    if (absl::Status s = ReadRestoredOffsets(*context.restored_states); !s.ok()) return s;
  }
  for (int p = context.instance; p < topic_->partition_count();
       p += context.parallelism) {
    auto partition = std::make_unique<Partition>();
    partition->index = p;
    partition->log = &topic_->partition(p);
    if (absl::Status s = Start(*partition); !s.ok()) return s;
    partitions_.push_back(std::move(partition));
  }
  last_refresh_ = Clock::now();
  return absl::OkStatus();
}

absl::Status LogSourceReader::Start(Partition& partition) {
  log::LogPartition& log = *partition.log;
  const int64_t first = log.start_offset(), end = log.end_offset();
  partition.end = end;
  partition.next = first;
  if (settings_.start == LogSource::Settings::Start::kLatest) partition.next = end;
  if (restored_) {
    // A partition the checkpoint does not know (added since) starts as configured.
    if (auto it = restored_->find(partition.index); it != restored_->end()) {
      if (it->second < first || it->second > end) {
        return absl::DataLossError(
            absl::StrCat("log source: cannot resume topic '", settings_.topic,
                         "' partition ", partition.index, " at checkpointed offset ",
                         it->second, ": it holds [", first, ", ", end, ")",
                         it->second < first ? "; retention deleted the records in between"
                                            : "; the log lost records the job had read"));
      }
      partition.next = it->second;
      return absl::OkStatus();
    }
  }
  auto given = settings_.offsets.find(partition.index);
  if (settings_.start == LogSource::Settings::Start::kOffsets &&
      given != settings_.offsets.end()) {
    if (given->second < first || given->second > end) {
      return absl::OutOfRangeError(absl::StrCat(
          "log source: topic '", settings_.topic, "' partition ", partition.index,
          " holds offsets [", first, ", ", end, "); offset ", given->second,
          given->second < first ? " was deleted by retention" : " is past its end"));
    }
    partition.next = given->second;
  }
  return absl::OkStatus();
}

absl::Status LogSourceReader::ReadRestoredOffsets(
    const std::vector<std::string>& states) {
  restored_.emplace();
  for (size_t i = 0; i < states.size(); ++i) {
    if (states[i].empty()) continue;
    std::vector<std::pair<int32_t, int64_t>> offsets;
    StateReader reader(states[i]);
    DecodeState(reader, offsets);
    if (reader.failed() || !reader.done()) {
      return absl::DataLossError(
          absl::StrCat("log source: the checkpointed offsets of instance ", i,
                       " of topic '", settings_.topic, "' are damaged"));
    }
    for (const auto& [partition, next] : offsets) (*restored_)[partition] = next;
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> LogSourceReader::SnapshotState() {
  std::vector<std::pair<int32_t, int64_t>> offsets;
  for (const auto& partition : partitions_) {
    offsets.emplace_back(partition->index, partition->next);
  }
  std::string out;
  StateWriter writer(out);
  EncodeState(offsets, writer);
  return out;
}

absl::StatusOr<SourceStep> LogSourceReader::Produce(Output& out) {
  if (!announced_) {
    // Before any data: a partition read later than another must still be waited for.
    for (const auto& partition : partitions_) {
      out.EmitControl(ElementKind::kSplitStart, partition->index);
    }
    announced_ = true;
  }
  const size_t want = sizer_.Next();
  bool any_open = false;
  for (size_t tried = 0; tried < partitions_.size(); ++tried) {
    Partition& partition = *partitions_[(turn_ + tried) % partitions_.size()];
    if (partition.ended) continue;
    any_open = true;
    auto emitted = EmitFrom(partition, want, out);
    if (!emitted.ok()) return emitted.status();
    if (*emitted > 0) {
      turn_ = (turn_ + tried + 1) % partitions_.size();  // the others go first next time
      return SourceStep::More();
    }
    if (!settings_.follow && partition.next >= partition.end) {
      // The end read to is the partition's end unless records after it were lost.
      if (absl::Status s = partition.log->CheckEnd(); !s.ok()) {
        return absl::Status(
            s.code(), absl::StrCat("log source: topic '", settings_.topic, "' partition ",
                                   partition.index, ": ", s.message()));
      }
      partition.ended = true;
      out.EmitControl(ElementKind::kSplitEnd, partition.index);
    }
  }
  if (!settings_.follow) {
    return any_open ? SourceStep::More() : SourceStep::End();
  }
  // Following, with nothing new: look at the files again once per poll interval.
  const Clock::time_point now = Clock::now();
  if (now - last_refresh_ >= settings_.poll) {
    last_refresh_ = now;
    if (absl::Status s = Refresh(); !s.ok()) return s;
    return SourceStep::More();
  }
  return SourceStep::WaitUntil(NanosOf(last_refresh_ + settings_.poll));
}

absl::StatusOr<size_t> LogSourceReader::EmitFrom(Partition& partition, size_t want,
                                                 Output& out) {
  const int64_t stop = settings_.follow ? partition.log->end_offset() : partition.end;
  if (partition.next >= stop) return 0;
  log::LogChunk& chunk = partition.chunk;
  if (chunk.empty() || partition.next >= chunk.next_offset()) {
    if (absl::Status s = partition.log->Read(partition.next, kReadBytes, &chunk);
        !s.ok()) {
      return absl::Status(
          s.code(), absl::StrCat("log source: topic '", settings_.topic, "' partition ",
                                 partition.index, " at offset ", partition.next, ": ",
                                 s.message()));
    }
    PassOverLost(settings_.topic, partition.index, chunk, &partition.next);
  }
  BatchPtr batch = AcquireBatch<LogMessage>();
  Batch<LogMessage>& messages = BatchAs<LogMessage>(batch);
  messages.split = partition.index;
  messages.items.reserve(want);
  for (const log::RecordBatchView& view : chunk.batches()) {
    if (view.next_offset() <= partition.next) continue;
    for (int64_t o = std::max(partition.next, view.base_offset());
         o < view.next_offset() && o < stop && messages.items.size() < want; ++o) {
      log::LogRecordView record =
          view.record(static_cast<uint32_t>(o - view.base_offset()));
      LogMessage& m = messages.items.emplace_back();
      m.partition = partition.index;
      m.offset = o;
      m.timestamp = record.timestamp();
      m.key.assign(record.key());
      m.value.assign(record.value());
      for (size_t h = 0; h < record.header_count(); ++h) {
        log::LogHeaderView header = record.header(h);
        m.headers.emplace_back(std::string(header.key), std::string(header.value));
      }
      partition.next = o + 1;
    }
    if (messages.items.size() >= want) break;
  }
  const size_t emitted = messages.items.size();
  if (emitted > 0) out.Emit(std::move(batch));
  return emitted;
}

absl::Status LogSourceReader::Refresh() {
  for (auto& partition : partitions_) {
    if (absl::Status s = partition->log->Refresh(); !s.ok()) return s;
  }
  return absl::OkStatus();
}

}  // namespace sluice
