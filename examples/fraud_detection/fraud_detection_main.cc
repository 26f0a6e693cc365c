// The fraud-detection demo: generated card transactions keyed by card, with three
// rules: a rolling per-card total that alerts when a card's spend crosses a
// threshold, a 60 s event-time sliding window that alerts on spend velocity, and a
// keyed process function (state + timers) that alerts on two large purchases close
// together. Alerts go to a JSON-lines file; a summary goes to stdout and per-operator
// metrics to stderr. Runs on embedded defaults: no input files, no servers.

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_format.h"
#include "sluice/examples/fraud_detection/card_total_rule.h"
#include "sluice/examples/fraud_detection/card_velocity_rule.h"
#include "sluice/examples/fraud_detection/repeat_large_purchase_rule.h"
#include "sluice/examples/fraud_detection/transaction.h"
#include "sluice/examples/fraud_detection/transaction_log.h"
#include "sluice/sluice.h"

ABSL_FLAG(uint64_t, transactions, 20'000'000, "Transactions to generate (0: unbounded).");
ABSL_FLAG(uint64_t, cards, 20'000, "Distinct cards in the generated stream.");
ABSL_FLAG(double, rate, 0, "Transactions per second (0: as fast as possible).");
ABSL_FLAG(int64_t, threshold_cents, 25'000'000,
          "Alert when a card's total reaches this.");
ABSL_FLAG(int64_t, velocity_cents, 250'000,
          "Alert when a card spends this much within 60 s of event time.");
ABSL_FLAG(int64_t, large_cents, 150'000,
          "A purchase this large counts for the repeat-large-purchase rule.");
ABSL_FLAG(int64_t, repeat_within_ms, 30'000,
          "Alert on two large purchases on a card within this much event time.");
ABSL_FLAG(std::string, alerts, "fraud_alerts.jsonl", "JSON-lines file for alerts.");
ABSL_FLAG(int, parallelism, 2, "Parallel instances per operator.");
ABSL_FLAG(int, threads, 0, "Worker threads (0: one per core).");
ABSL_FLAG(bool, print_plan, false, "Print the logical graph and the task plan.");
ABSL_FLAG(std::string, log_dir, "",
          "Read the transactions from the embedded event log in this directory (topic "
          "'transactions', created with --transactions generated ones if missing) "
          "instead of generating them in the job.");
ABSL_FLAG(std::string, checkpoint_dir, "",
          "Take exactly-once checkpoints here and, on start, go on from the latest "
          "one: kill the job (even with kill -9) and run it again with the same "
          "flags. Needs --log_dir. --alerts is then a directory of committed files.");
ABSL_FLAG(int64_t, checkpoint_interval_ms, 1000, "Pause between checkpoints.");
ABSL_FLAG(bool, allow_start_from_scratch, false,
          "With --checkpoint_dir: start from scratch even where that commits alerts "
          "again, which is otherwise refused: when --checkpoint_dir has no checkpoint "
          "but --alerts holds committed alerts, or when every checkpoint in "
          "--checkpoint_dir is damaged.");

namespace fraud {
namespace {

// Collects alerts for the summary; shared by all sink instances.
class AlertLog {
 public:
  void Add(const Alert& alert) {
    std::lock_guard<std::mutex> lock(mutex_);
    alerts_.push_back(alert);
  }
  std::vector<Alert> Sorted() const {
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<Alert> sorted = alerts_;
    std::sort(sorted.begin(), sorted.end(), [](const Alert& a, const Alert& b) {
      return a.timestamp_ms < b.timestamp_ms;
    });
    return sorted;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<Alert> alerts_;
};

sluice::RecordSchema<Alert> AlertSchema() {
  return sluice::RecordSchema<Alert>()
      .Field("rule", &Alert::rule)
      .Field("card", &Alert::card)
      .Field("total_cents", &Alert::total_cents)
      .Field("transactions", &Alert::count)
      .Field("timestamp_ms", &Alert::timestamp_ms);
}

// The alerts committed to the exactly-once alerts directory, across every run, read
// back by a second, bounded dataflow (committed part files are named part-*).
absl::StatusOr<std::vector<Alert>> CommittedAlerts(const std::string& dir) {
  sluice::CollectorSink<Alert> committed;
  sluice::Dataflow flow;
  flow.Source(sluice::JsonLinesSource(dir + "/part-*", AlertSchema()))
      .Name("committed_alerts")
      .Sink(committed);
  absl::Status status = flow.Run();
  // A run whose alerts were all committed by earlier runs may find no file at all.
  if (!status.ok() && !absl::IsNotFound(status)) return status;
  std::vector<Alert> alerts = committed.Items();
  std::sort(alerts.begin(), alerts.end(), [](const Alert& a, const Alert& b) {
    return a.timestamp_ms < b.timestamp_ms;
  });
  return alerts;
}

void PrintSummary(const std::vector<Alert>& alerts, uint64_t transactions,
                  const TransactionGenerator& generator) {
  size_t compromised = 0;
  for (const Alert& alert : alerts) compromised += generator.IsCompromised(alert.card);
  std::printf("\n== fraud_detection summary\n");
  std::printf("transactions processed: %llu\n",
              static_cast<unsigned long long>(transactions));
  std::printf("alerts raised:          %zu (%zu on cards the generator compromised)\n",
              alerts.size(), compromised);
  std::map<std::string, size_t> per_rule;
  for (const Alert& alert : alerts) ++per_rule[alert.rule];
  for (const auto& [rule, n] : per_rule) std::printf("  %-21s %zu\n", rule.c_str(), n);
  std::printf("alerts written to:      %s\n", absl::GetFlag(FLAGS_alerts).c_str());
  size_t shown = std::min<size_t>(alerts.size(), 5);
  if (shown > 0) std::printf("first %zu alerts:\n", shown);
  for (size_t i = 0; i < shown; ++i) {
    std::printf("  %-12s card %6llu: $%.2f over %lld transactions (t=%lld ms)\n",
                alerts[i].rule.c_str(), static_cast<unsigned long long>(alerts[i].card),
                alerts[i].total_cents / 100.0, static_cast<long long>(alerts[i].count),
                static_cast<long long>(alerts[i].timestamp_ms));
  }
}

int Run() {
  TransactionGeneratorOptions generator_options;
  generator_options.cards = std::max<uint64_t>(1, absl::GetFlag(FLAGS_cards));
  TransactionGenerator generator(generator_options);
  uint64_t count = absl::GetFlag(FLAGS_transactions);

  const std::string log_dir = absl::GetFlag(FLAGS_log_dir);
  const std::string checkpoint_dir = absl::GetFlag(FLAGS_checkpoint_dir);
  if (!checkpoint_dir.empty() && log_dir.empty()) {
    std::fprintf(stderr,
                 "fraud_detection: --checkpoint_dir needs --log_dir (a "
                 "replayable source)\n");
    return 2;
  }
  if (!log_dir.empty() && count == 0) {
    std::fprintf(stderr, "fraud_detection: --log_dir needs --transactions > 0\n");
    return 2;
  }
  const int parallelism = std::max(1, absl::GetFlag(FLAGS_parallelism));
  if (!log_dir.empty()) {
    absl::Status made =
        EnsureTransactionTopic(log_dir, 2 * parallelism, count, generator);
    if (!made.ok()) {
      std::fprintf(stderr, "fraud_detection: %s\n", made.ToString().c_str());
      return 1;
    }
  }

  auto log = std::make_shared<AlertLog>();
  sluice::Dataflow flow;
  auto read = [&]() -> sluice::Stream<Transaction> {
    if (log_dir.empty()) {
      auto source =
          sluice::GeneratorSource(generator).RatePerSecond(absl::GetFlag(FLAGS_rate));
      if (count > 0) source = source.Count(count);
      return flow.Source(source).Name("transactions");
    }
    return flow.Source(sluice::LogSource(log_dir, kTransactionTopic))
        .Name("transaction_log")
        .Map(DecodeTransaction)
        .Name("transactions");
  }();
  // Event time: the generator's timestamps increase with the transaction index.
  auto transactions =
      read.AssignTimestamps(
              [](const Transaction& txn) { return txn.timestamp_ms; },
              sluice::WatermarkStrategy::BoundedOutOfOrderness(std::chrono::seconds(1)))
          .Name("event_time");
  auto total_alerts =
      transactions.KeyBy([](const Transaction& txn) { return txn.card; })
          .Aggregate(CardTotalRule(absl::GetFlag(FLAGS_threshold_cents)))
          .Name("card_totals")
          .Filter([](const CardUpdate& update) { return update.crossed; })
          .Name("threshold_crossed")
          .Map([](const CardUpdate& u) {
            return Alert{u.card, u.total_cents, u.count, u.timestamp_ms, "card_total"};
          })
          .Name("to_alert");
  auto repeat_alerts =
      transactions.KeyBy([](const Transaction& txn) { return txn.card; })
          .Process(RepeatLargePurchaseRule(absl::GetFlag(FLAGS_large_cents),
                                           absl::GetFlag(FLAGS_repeat_within_ms)))
          .Name("repeat_large_purchase");
  auto alerts =
      total_alerts
          .Union(VelocityAlerts(transactions, absl::GetFlag(FLAGS_velocity_cents)),
                 repeat_alerts)
          .Name("alerts");
  if (checkpoint_dir.empty()) {
    alerts.Sink(sluice::JsonLinesSink<Alert>(absl::GetFlag(FLAGS_alerts), AlertSchema()))
        .Name("alerts_file");
    alerts.Sink([log](const Alert& alert) { log->Add(alert); }).Name("summary");
  } else {
    // Committed when a checkpoint completes: what a killed run wrote after its last
    // checkpoint is discarded and written again by the next run.
    alerts
        .Sink(sluice::JsonLinesSink<Alert>(absl::GetFlag(FLAGS_alerts), AlertSchema())
                  .ExactlyOnce())
        .Name("alerts_files");
  }

  sluice::JobOptions options;
  options.parallelism = parallelism;
  options.threads = absl::GetFlag(FLAGS_threads);
  options.print_metrics = true;  // the table on stderr when the job ends
  options.checkpoints.dir = checkpoint_dir;
  options.checkpoints.interval =
      std::chrono::milliseconds(absl::GetFlag(FLAGS_checkpoint_interval_ms));
  if (!checkpoint_dir.empty()) options.checkpoints.restore_from = "latest";
  options.checkpoints.allow_start_from_scratch =
      absl::GetFlag(FLAGS_allow_start_from_scratch);
  auto job = flow.Build(options);
  if (!job.ok()) {
    std::fprintf(stderr, "fraud_detection: %s\n", job.status().ToString().c_str());
    return 1;
  }
  if (absl::GetFlag(FLAGS_print_plan)) {
    std::printf("%s\n%s\n", flow.ToText().c_str(), job->PlanText().c_str());
  }
  absl::Status status = job->Run();
  if (!status.ok()) {
    std::fprintf(stderr, "fraud_detection: %s\n", status.ToString().c_str());
    // The job refused to commit alerts a second time (the error names the option).
    if (absl::StrContains(status.message(), "allow_start_from_scratch")) {
      std::fprintf(stderr,
                   "fraud_detection: to start from scratch anyway, committing every "
                   "alert again, run with --allow_start_from_scratch\n");
    }
    return 1;
  }
  const uint64_t processed = job->MetricsOf(read)->records_out;
  if (checkpoint_dir.empty()) {
    PrintSummary(log->Sorted(), processed, generator);
  } else {
    std::printf("\ntransactions read in this run: %llu (the rest before a restart)\n",
                static_cast<unsigned long long>(processed));
    auto committed = CommittedAlerts(absl::GetFlag(FLAGS_alerts));
    if (!committed.ok()) {
      std::fprintf(stderr, "fraud_detection: cannot read the committed alerts: %s\n",
                   committed.status().ToString().c_str());
      return 1;
    }
    PrintSummary(*committed, count, generator);
  }
  return 0;
}

}  // namespace
}  // namespace fraud

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "Fraud detection over generated card transactions: a rolling per-card total\n"
      "(alert when a card crosses --threshold_cents) and a 60 s sliding window of\n"
      "spend (alert at --velocity_cents), and two purchases of --large_cents within\n"
      "--repeat_within_ms. Alerts go to --alerts as JSON\n"
      "lines, a summary to stdout, per-operator metrics to stderr.\n"
      "Example: fraud_detection --transactions=1000000 --parallelism=2\n"
      "Over the embedded log with exactly-once checkpoints (kill it, run it again):\n"
      "  fraud_detection --log_dir=/tmp/fraud/log --checkpoint_dir=/tmp/fraud/chk "
      "--alerts=/tmp/fraud/alerts\n"
      "It refuses to start from scratch over alerts committed before (no checkpoint "
      "left to go on from, or none that can be read): see --allow_start_from_scratch.");
  absl::ParseCommandLine(argc, argv);
  return fraud::Run();
}
