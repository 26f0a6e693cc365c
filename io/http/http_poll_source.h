// A source for HTTP APIs that only offer pull: it GETs a URL every interval and
// emits the JSON objects of the answer's array as records (decoded by a RecordSchema):
//
//   flow.Source(sluice::HttpPollSource("https://api.example.com/items", schema,
//                                      std::chrono::seconds(30))
//                   .Rows("items").NextPageField("next").ChangedOnly("id"));
//
// Snapshot mode (default): each poll walks the pages (Link rel="next", or
// NextPageField) and emits every row, or with ChangedOnly(key) only the rows whose key
// is new or whose JSON differs from the last time that key was emitted. The first
// request of a poll sends If-None-Match / If-Modified-Since; a 304 emits nothing.
// Cursor mode (Cursor(param, field)): GET URL?param=<cursor>, the answer's <field> is
// the next cursor; pages follow each other while they hold rows, then wait the
// interval (http_poller.h has the statuses).
//
// Guarantee: each page is emitted whole between two checkpoints, and the checkpoint
// holds the cursor after the last emitted page (cursor mode) and the keys and hashes
// of the emitted rows (ChangedOnly). A restored job resumes at that cursor: a feed
// that answers the same cursor with the same rows is read exactly once. In snapshot
// mode without ChangedOnly, every poll emits every row by design; with it, a restore
// emits only rows that changed after the checkpoint. One instance polls.
#pragma once

#include <algorithm>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "sluice/io/http/bearer_token.h"
#include "sluice/io/http/http_poller.h"
#include "sluice/io/records/bad_record_policy.h"
#include "sluice/io/records/json_object_reader.h"
#include "sluice/io/records/json_record_decoder.h"
#include "sluice/io/records/record_schema.h"
#include "sluice/runtime/batch_sizer.h"
#include "sluice/runtime/connector_spec.h"
#include "sluice/runtime/operator.h"
#include "sluice/runtime/stable_hash.h"
#include "sluice/runtime/status_macros.h"

namespace sluice {

template <class T>
class HttpPollSource final : public SourceSpec<T> {
 public:
  HttpPollSource(std::string url, RecordSchema<T> schema,
                 std::chrono::milliseconds interval)
      : schema_(std::move(schema)) {
    options_.url = std::move(url);
    options_.interval = interval;
  }

  // The rows are the array in this top-level field (default: the answer is the array).
  [[nodiscard]] HttpPollSource Rows(std::string field) const {
    HttpPollSource copy = *this;
    copy.options_.rows_field = std::move(field);
    return copy;
  }
  // Snapshot mode: the next page's URL is in this top-level field (besides the Link
  // header, which is always followed).
  [[nodiscard]] HttpPollSource NextPageField(std::string field) const {
    HttpPollSource copy = *this;
    copy.options_.next_field = std::move(field);
    return copy;
  }
  // Cursor mode: requests carry ?<param>=<cursor>; the answer's <field> is the next.
  [[nodiscard]] HttpPollSource Cursor(std::string param, std::string field) const {
    HttpPollSource copy = *this;
    copy.options_.cursor_param = std::move(param);
    copy.options_.cursor_field = std::move(field);
    return copy;
  }
  // Snapshot mode: emit a row only if its `key` field is new or the row changed.
  [[nodiscard]] HttpPollSource ChangedOnly(std::string key) const {
    HttpPollSource copy = *this;
    copy.changed_key_ = std::move(key);
    return copy;
  }
  [[nodiscard]] HttpPollSource Header(std::string name, std::string value) const {
    HttpPollSource copy = *this;
    copy.options_.headers.emplace_back(std::move(name), std::move(value));
    return copy;
  }
  [[nodiscard]] HttpPollSource BearerToken(sluice::BearerToken token) const {
    HttpPollSource copy = *this;
    copy.token_ = std::move(token);
    return copy;
  }
  // Per request. Default 10 s.
  [[nodiscard]] HttpPollSource Timeout(std::chrono::milliseconds timeout) const {
    HttpPollSource copy = *this;
    copy.options_.timeout = timeout;
    return copy;
  }
  [[nodiscard]] HttpPollSource Retries(std::chrono::milliseconds initial_backoff,
                                       std::chrono::milliseconds max_backoff) const {
    HttpPollSource copy = *this;
    copy.options_.initial_backoff = initial_backoff;
    copy.options_.max_backoff = max_backoff;
    return copy;
  }
  [[nodiscard]] HttpPollSource OnBadRecord(BadRecordPolicy policy) const {
    HttpPollSource copy = *this;
    copy.policy_ = std::move(policy);
    return copy;
  }

  std::string Kind() const override { return "http_poll_source"; }
  int MaxParallelism() const override { return 1; }
  absl::Status Validate() const override {
    const std::string& url = options_.url;
    if (!url.starts_with("http://") && !url.starts_with("https://")) {
      return absl::InvalidArgumentError(absl::StrCat(
          "HttpPollSource: the URL '", url, "' must start with http:// or https://"));
    }
    if (options_.interval.count() < 1 || options_.timeout.count() < 1 ||
        options_.initial_backoff.count() < 1 ||
        options_.max_backoff < options_.initial_backoff) {
      return absl::InvalidArgumentError(absl::StrCat(
          "HttpPollSource ", url,
          ": the interval and Timeout must be at least 1 ms, and Retries needs "
          "1 ms <= initial <= max"));
    }
    if (options_.cursor_param.empty() != options_.cursor_field.empty() ||
        (options_.cursor_mode() &&
         (!changed_key_.empty() || !options_.next_field.empty()))) {
      return absl::InvalidArgumentError(absl::StrCat(
          "HttpPollSource ", url,
          ": Cursor needs a parameter and a field, and does not combine with "
          "ChangedOnly or NextPageField (a cursor feed emits each row once)"));
    }
    const std::vector<std::string> names = schema_.Names();
    if (!changed_key_.empty() &&
        std::find(names.begin(), names.end(), changed_key_) == names.end()) {
      return absl::InvalidArgumentError(
          absl::StrCat("HttpPollSource ", url, ": ChangedOnly's key '", changed_key_,
                       "' is not a field of the schema"));
    }
    SLUICE_RETURN_IF_ERROR(schema_.Validate());
    SLUICE_RETURN_IF_ERROR(policy_.Validate());
    return token_.Check(absl::StrCat("HttpPollSource ", url));
  }
  std::unique_ptr<SourceOperator> CreateInstance() const override {
    return std::make_unique<Instance>(*this);
  }

 private:
  class Instance;

  HttpPollOptions options_;
  RecordSchema<T> schema_;
  std::string changed_key_;
  sluice::BearerToken token_;
  BadRecordPolicy policy_ = BadRecordPolicy::Fail();
};

template <class T>
class HttpPollSource<T>::Instance final : public SourceOperator {
 public:
  explicit Instance(const HttpPollSource& spec)
      : spec_(spec), decoder_(spec.schema_), key_reader_({spec.changed_key_}) {}

  absl::Status Open(const OperatorContext& context) override {
    sizer_ = BatchSizer(context);
    SLUICE_RETURN_IF_ERROR(spec_.policy_.Attach());
    attached_ = true;
    options_ = spec_.options_;
    SLUICE_ASSIGN_OR_RETURN(std::string token, spec_.token_.Read());
    if (!token.empty()) options_.headers.emplace_back("Authorization", "Bearer " + token);
    if (context.restored_states != nullptr && !context.restored_states->empty()) {
      SLUICE_RETURN_IF_ERROR(Restore((*context.restored_states)[0]));
    }
    wake_ = context.wake_source;
    return absl::OkStatus();
  }

  absl::StatusOr<SourceStep> Produce(Output& out) override {
    // Started here, not in Open: the poller wakes the task, which it may do only from
    // the first Produce on.
    if (!poller_) poller_ = std::make_unique<HttpPoller>(options_, cursor_, wake_);
    SLUICE_ASSIGN_OR_RETURN(std::optional<HttpPollPage> page, poller_->Take());
    if (!page) {
      auto wake = std::chrono::steady_clock::now() + std::chrono::milliseconds(200);
      return SourceStep::WaitUntil(
          std::chrono::duration_cast<std::chrono::nanoseconds>(wake.time_since_epoch())
              .count());
    }
    // The whole page between two checkpoints, so the cursor after it is exact.
    BatchPtr batch = AcquireBatch<T>();
    size_t cut = sizer_.Next();
    for (const std::string& row : page->rows) {
      ++rows_;
      if (!spec_.changed_key_.empty() && !Changed(row)) continue;
      T& record = BatchAs<T>(batch).items.emplace_back(T());
      absl::Status decoded = decoder_.Decode(row, record);
      if (!decoded.ok()) {
        BatchAs<T>(batch).items.pop_back();
        SLUICE_RETURN_IF_ERROR(Reject(*page, row, decoded));
      }
      if (BatchAs<T>(batch).items.size() >= cut) {
        out.Emit(std::move(batch));
        batch = AcquireBatch<T>();
        cut = sizer_.Next();
      }
    }
    if (!BatchAs<T>(batch).items.empty()) out.Emit(std::move(batch));
    if (spec_.options_.cursor_mode()) cursor_ = page->cursor;
    return SourceStep::More();
  }

  // Cursor mode: the cursor. ChangedOnly: one "key\thash" line per emitted key.
  bool SupportsCheckpoints() const override { return true; }
  absl::StatusOr<std::string> SnapshotState() override {
    if (spec_.options_.cursor_mode()) return cursor_;
    std::string state;
    for (const auto& [key, hash] : emitted_)
      absl::StrAppend(&state, key, "\t", hash, "\n");
    return state;
  }

  absl::Status Close() override {
    poller_.reset();  // joins its thread: no wake after this
    if (!attached_) return absl::OkStatus();
    attached_ = false;
    return spec_.policy_.Detach();
  }

 private:
  // True if the row's key is new or the row differs from when the key was emitted.
  // A row without the key (or not an object) is always emitted.
  bool Changed(const std::string& row) {
    if (!key_reader_.Read(row).ok()) return true;
    const JsonFieldValue& value = key_reader_.values()[0];
    if (value.type != JsonFieldValue::Type::kString &&
        value.type != JsonFieldValue::Type::kNumber) {
      return true;
    }
    std::string key(value.text);
    if (key.find('\n') != std::string::npos) return true;  // the state is line-based
    // StableHash, not absl::Hash: Abseil salts per process, and these hashes are
    // compared with ones a checkpoint of an earlier process holds.
    uint64_t hash = StableHash(row);
    auto [it, added] = emitted_.try_emplace(key, hash);
    if (added) return true;
    if (it->second == hash) return false;
    it->second = hash;
    return true;
  }

  absl::Status Restore(const std::string& state) {
    if (spec_.options_.cursor_mode()) {
      cursor_ = state;
      return absl::OkStatus();
    }
    std::vector<std::string> lines = absl::StrSplit(state, '\n', absl::SkipEmpty());
    for (std::string_view line : lines) {
      size_t tab = line.rfind('\t');
      uint64_t hash = 0;
      if (tab == std::string_view::npos ||
          !absl::SimpleAtoi(std::string(line.substr(tab + 1)), &hash)) {
        return absl::DataLossError(absl::StrCat("HttpPollSource ", spec_.options_.url,
                                                ": the checkpointed state is damaged"));
      }
      emitted_[std::string(line.substr(0, tab))] = hash;
    }
    return absl::OkStatus();
  }

  absl::Status Reject(const HttpPollPage& page, const std::string& row,
                      const absl::Status& why) {
    if (spec_.policy_.action() == BadRecordPolicy::Action::kFail) {
      return absl::InvalidArgumentError(absl::StrCat(
          "HttpPollSource ", page.url, ": row ", rows_, ": ", why.message()));
    }
    return spec_.policy_.Report(absl::StrCat("GET ", page.url), rows_,
                                std::string(why.message()), row);
  }

  HttpPollSource spec_;
  JsonRecordDecoder<T> decoder_;
  JsonObjectReader key_reader_;
  HttpPollOptions options_;
  std::function<void()> wake_;
  std::unique_ptr<HttpPoller> poller_;
  BatchSizer sizer_;
  std::string cursor_;
  absl::flat_hash_map<std::string, uint64_t> emitted_;  // ChangedOnly: key -> row hash
  uint64_t rows_ = 0;  // rows read, for positions in messages
  bool attached_ = false;
};

}  // namespace sluice
