#include "sluice/engine/job.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <optional>
#include <thread>

#include "absl/strings/str_cat.h"
#include "sluice/engine/job_layout.h"
#include "sluice/engine/job_restore.h"
#include "sluice/engine/planner.h"
#include "sluice/io/http/job_http_server.h"
#include "sluice/runtime/chain_task.h"
#include "sluice/runtime/checkpoint/checkpoint_coordinator.h"
#include "sluice/runtime/checkpoint/checkpoint_storage.h"
#include "sluice/runtime/checkpoint/task_snapshot.h"
#include "sluice/runtime/event_time/watermark_alignment.h"
#include "sluice/runtime/fan_output.h"
#include "sluice/runtime/scheduler_clock.h"
#include "sluice/runtime/status_macros.h"

namespace sluice {

class Job::Impl {
 public:
  Impl(LogicalGraph graph, JobOptions options)
      : graph_(std::move(graph)),
        options_(options),
        http_(std::make_unique<JobHttpServer>(options_.http)) {}

  absl::Status PlanJob() {
    SLUICE_RETURN_IF_ERROR(ValidateJobOptions(options_));
    SLUICE_RETURN_IF_ERROR(CheckCheckpointOptions(options_.checkpoints));
    Planner planner(PlannerOptions{options_.parallelism, options_.chaining});
    SLUICE_ASSIGN_OR_RETURN(plan_, planner.Plan(graph_));
    for (const LogicalNode& node : graph_.nodes()) {
      if (node.is_sink || node.make_source) continue;
      for (const LogicalEdge& edge : node.inputs) {
        if (edge.partitioning == Partitioning::kKeyHash &&
            plan_.node_parallelism[node.id] > options_.max_key_groups) {
          return absl::InvalidArgumentError(absl::StrCat(
              "keyed operator '", node.name, "' has parallelism ",
              plan_.node_parallelism[node.id], " but only ", options_.max_key_groups,
              " key groups: raise JobOptions::max_key_groups"));
        }
      }
    }
    return absl::OkStatus();
  }

  absl::Status Start();
  void Cancel() {
    cancelled_.store(true, std::memory_order_release);
    http_->SetReady(false);
    // Tasks of a job whose Start() failed were never launched and must stay idle:
    // waking them would run them outside the count Wait() tracks.
    if (!launched_.load(std::memory_order_acquire)) return;
    if (coordinator_) coordinator_->Abandon();  // cancelled tasks never acknowledge
    for (auto& task : tasks_) task->Wake();
  }
  absl::Status Wait();
  std::string HttpAddress() const { return http_->address(); }
  void Fail(absl::Status status) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (status_.ok()) status_ = std::move(status);
    }
    if (coordinator_) coordinator_->Abandon();
    Cancel();
  }
  absl::Status StopWithSavepoint(const std::string& dir);
  CheckpointStats Checkpoints() const {
    return coordinator_ ? coordinator_->stats() : CheckpointStats();
  }
  std::vector<OperatorMetricsSnapshot> Metrics() const {
    std::lock_guard<std::mutex> lock(metrics_mutex_);
    std::vector<OperatorMetricsSnapshot> out;
    for (const auto& metrics : metrics_) out.push_back(metrics->Snapshot());
    return out;
  }
  OperatorMetricsSnapshot MetricsOfNode(int node) const {
    OperatorMetricsSnapshot total;
    total.name = graph_.node(node).name;
    total.instance = -1;
    std::lock_guard<std::mutex> lock(metrics_mutex_);
    if (static_cast<size_t>(node) >= metrics_of_node_.size()) return total;
    for (const OperatorMetrics* metrics : metrics_of_node_[node]) {
      OperatorMetricsSnapshot one = metrics->Snapshot();
      total.parallelism = one.parallelism;
      total.Add(one);
    }
    return total;
  }
  double WallSeconds() const {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!started_) return 0;
    auto end = finished_at_ ? *finished_at_ : std::chrono::steady_clock::now();
    return std::chrono::duration<double>(end - started_at_).count();
  }

  LogicalGraph graph_;
  PhysicalPlan plan_;
  JobOptions options_;

 private:
  OperatorContext ContextFor(int node, int instance) const {
    OperatorContext context;
    context.name = graph_.node(node).name;
    context.instance = instance;
    context.parallelism = plan_.node_parallelism[node];
    context.max_key_groups = options_.max_key_groups;
    context.batch_size = options_.batch_size;
    context.batch_jitter_seed = options_.batch_jitter_seed;
    context.alignment = alignment_.get();
    context.checkpointing = coordinator_ != nullptr;
    context.http = http_.get();
    return context;
  }
  void CreateChannels();
  std::unique_ptr<Output> CreateTail(const PlannedChain& chain, int instance);
  // Start's steps, in order.
  absl::Status Launch();
  void CreateScheduler();
  void CreateMetrics();
  absl::Status CreateCoordinator();
  absl::Status CreateTasks();
  void ConnectChannels(const std::vector<std::vector<ChainTask*>>& task_of);
  absl::Status OpenTasks();
  void RunTasks();
  static absl::Status CheckCheckpointOptions(const CheckpointOptions& options);
  // The checkpoint of a job whose tasks all finished: it records the sinks' last
  // pending files, so a crash during the final commit loses nothing.
  absl::Status TakeFinalCheckpoint();
  absl::StatusOr<std::unique_ptr<ChainTask>> CreateTask(int chain_index, int instance);
  Channel* ChannelAt(int exchange, int producer, int consumer) const;

  std::vector<std::unique_ptr<OperatorMetrics>> metrics_;
  std::vector<std::vector<OperatorMetrics*>> metrics_of_node_;
  std::vector<std::unique_ptr<Channel>> channels_;
  std::vector<std::vector<Channel*>> exchange_channels_;  // [exchange][p * C + c]
  std::vector<bool> task_is_source_;
  std::vector<int> task_chain_;
  std::vector<int> task_instance_;
  // Checkpoints (options_.checkpoints.dir set) and the state restored.
  std::unique_ptr<CheckpointStorage> checkpoint_storage_;
  std::unique_ptr<CheckpointCoordinator> coordinator_;
  std::optional<JobRestore> restore_;  // set when the job restores
  std::atomic<bool> stopped_with_savepoint_{false};
  mutable std::mutex metrics_mutex_;  // guards metrics_ while Start() fills it

  std::atomic<bool> cancelled_{false};
  mutable std::mutex mutex_;
  std::condition_variable done_cv_;
  absl::Status status_;
  size_t running_tasks_ = 0;
  bool started_ = false;
  std::atomic<bool> launched_{false};
  bool waited_ = false;
  std::chrono::steady_clock::time_point started_at_;
  std::optional<std::chrono::steady_clock::time_point> finished_at_;
  // Destroyed after the tasks, which forget their wake-ups in it.
  std::shared_ptr<ProcessingClock> clock_;
  // Shared by the tasks' timestamp assigners; outlives them.
  std::unique_ptr<WatermarkAlignment> alignment_ = std::make_unique<WatermarkAlignment>();
  std::vector<std::unique_ptr<ChainTask>> tasks_;
  // Started by the first endpoint that needs it (an HttpSource opening); stopped when
  // the tasks have finished, and before they are destroyed.
  std::unique_ptr<JobHttpServer> http_;
  // Last: destroyed first, while the tasks and the state its callback uses still exist.
  std::unique_ptr<Scheduler> scheduler_;
};

Channel* Job::Impl::ChannelAt(int exchange, int producer, int consumer) const {
  const PlannedExchange& e = plan_.exchanges[exchange];
  if (e.partitioning == Partitioning::kForward) {
    return producer == consumer ? exchange_channels_[exchange][producer] : nullptr;
  }
  int consumers = plan_.chains[e.consumer_chain].parallelism;
  return exchange_channels_[exchange][producer * consumers + consumer];
}

void Job::Impl::CreateChannels() {
  exchange_channels_.resize(plan_.exchanges.size());
  for (size_t e = 0; e < plan_.exchanges.size(); ++e) {
    const PlannedExchange& exchange = plan_.exchanges[e];
    int producers = plan_.chains[exchange.producer_chain].parallelism;
    int consumers = plan_.chains[exchange.consumer_chain].parallelism;
    int count = exchange.partitioning == Partitioning::kForward ? producers
                                                                : producers * consumers;
    for (int i = 0; i < count; ++i) {
      channels_.push_back(
          std::make_unique<Channel>(options_.channel_capacity, exchange.port));
      exchange_channels_[e].push_back(channels_.back().get());
    }
  }
}

std::unique_ptr<Output> Job::Impl::CreateTail(const PlannedChain& chain, int instance) {
  std::vector<FanOutput::Route> routes;
  for (int e : chain.outputs) {
    const PlannedExchange& exchange = plan_.exchanges[e];
    std::vector<Channel*> targets;
    int consumers = plan_.chains[exchange.consumer_chain].parallelism;
    for (int c = 0; c < consumers; ++c) {
      if (Channel* channel = ChannelAt(e, instance, c)) targets.push_back(channel);
    }
    std::unique_ptr<Output> edge;
    if (exchange.partitioning == Partitioning::kKeyHash) {
      edge = exchange.edge->make_key_hash_output(
          std::move(targets), instance, ContextFor(exchange.producer_node, instance));
    } else {
      edge = std::make_unique<ChannelOutput>(exchange.partitioning, std::move(targets),
                                             instance);
    }
    routes.push_back(FanOutput::Route{exchange.edge->from_output, std::move(edge)});
  }
  // One edge reading the main output needs no routing.
  if (routes.size() == 1 && routes[0].output == 0) return std::move(routes[0].edge);
  return std::make_unique<FanOutput>(std::move(routes));
}

absl::StatusOr<std::unique_ptr<ChainTask>> Job::Impl::CreateTask(int chain_index,
                                                                 int instance) {
  const PlannedChain& chain = plan_.chains[chain_index];
  TaskEnvironment env;
  env.scheduler = scheduler_.get();
  env.clock = clock_.get();
  env.cancelled = &cancelled_;
  env.fail = [this](absl::Status status) { Fail(std::move(status)); };
  env.checkpoints = coordinator_.get();
  env.task_index = static_cast<int>(tasks_.size());

  std::optional<ChainTask::SourceStage> source;
  std::vector<ChainTask::Stage> stages;
  for (int node_id : chain.nodes) {
    const LogicalNode& node = graph_.node(node_id);
    OperatorMetrics* metrics = metrics_of_node_[node_id][instance];
    // Factories copy user functions and connector specs; a copy that throws fails the
    // start like any other operator error.
    try {
      OperatorContext context = ContextFor(node_id, instance);
      context.metrics = metrics;
      if (restore_) context.restored_states = restore_->states_of(node_id);
      if (node.make_source) {
        source = ChainTask::SourceStage{node.make_source(), context, metrics, node_id};
        if (coordinator_ && !source->op->SupportsCheckpoints()) {
          return absl::FailedPreconditionError(absl::StrCat(
              "source '", node.name, "' (", node.kind,
              ") does not record its position in checkpoints, so a job reading it "
              "cannot take them: clear JobOptions::checkpoints.dir, or read the data "
              "through a source that does (LogSource, FollowedTextSource, "
              "GeneratorSource)"));
        }
      } else {
        stages.push_back(
            ChainTask::Stage{node.make_operator(), context, metrics, node_id});
      }
    } catch (const std::exception& e) {
      return absl::UnknownError(absl::StrCat("operator '", node.name,
                                             "' threw while being created: ", e.what()));
    }
  }
  std::vector<Channel*> inputs;
  for (int e : chain.inputs) {
    int producers = plan_.chains[plan_.exchanges[e].producer_chain].parallelism;
    for (int p = 0; p < producers; ++p) {
      if (Channel* channel = ChannelAt(e, p, instance)) inputs.push_back(channel);
    }
  }
  std::string name =
      absl::StrCat(graph_.node(chain.nodes.front()).name, "[", instance, "]");
  return std::make_unique<ChainTask>(std::move(name), std::move(env), std::move(source),
                                     std::move(stages), std::move(inputs),
                                     CreateTail(chain, instance));
}

absl::Status Job::Impl::Start() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (started_) return absl::FailedPreconditionError("Job::Start called twice");
    started_ = true;
    started_at_ = std::chrono::steady_clock::now();
  }
  absl::Status status = Launch();
  if (status.ok()) http_->SetReady(true);
  if (!status.ok()) {
    for (auto& task : tasks_) (void)task->CloseAll();
    http_->Stop();
    std::lock_guard<std::mutex> lock(mutex_);
    finished_at_ = std::chrono::steady_clock::now();
    waited_ = true;
    status_ = status;
  }
  return status;
}

absl::Status Job::Impl::Launch() {
  CreateScheduler();
  CreateMetrics();
  SLUICE_ASSIGN_OR_RETURN(restore_, JobRestore::Load(options_.checkpoints, graph_, plan_,
                                                     options_.max_key_groups));
  SLUICE_RETURN_IF_ERROR(CreateCoordinator());
  CreateChannels();
  SLUICE_RETURN_IF_ERROR(CreateTasks());
  SLUICE_RETURN_IF_ERROR(OpenTasks());
  RunTasks();
  return absl::OkStatus();
}

void Job::Impl::CreateScheduler() {
  int threads = options_.threads > 0
                    ? options_.threads
                    : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  scheduler_ = std::make_unique<Scheduler>(threads, [this](Task*) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (--running_tasks_ == 0) done_cv_.notify_all();
  });
  clock_ = options_.clock ? options_.clock
                          : std::make_shared<SchedulerClock>(scheduler_.get());
}

void Job::Impl::CreateMetrics() {
  metrics_of_node_.resize(graph_.size());
  std::lock_guard<std::mutex> metrics_lock(metrics_mutex_);
  for (const PlannedChain& chain : plan_.chains) {
    for (int node_id : chain.nodes) {
      for (int i = 0; i < chain.parallelism; ++i) {
        metrics_.push_back(std::make_unique<OperatorMetrics>(graph_.node(node_id).name, i,
                                                             chain.parallelism));
        metrics_of_node_[node_id].push_back(metrics_.back().get());
      }
    }
  }
}

// With a checkpoint directory: its storage and the coordinator, numbering on from the
// highest checkpoint there or restored.
absl::Status Job::Impl::CreateCoordinator() {
  if (options_.checkpoints.dir.empty()) return absl::OkStatus();
  SLUICE_ASSIGN_OR_RETURN(
      checkpoint_storage_,
      CheckpointStorage::Open(options_.checkpoints.dir, options_.checkpoints.retain));
  SLUICE_ASSIGN_OR_RETURN(int64_t last_id, checkpoint_storage_->HighestId());
  if (restore_) last_id = std::max(last_id, restore_->checkpoint().id());
  coordinator_ = std::make_unique<CheckpointCoordinator>(
      checkpoint_storage_.get(),
      CheckpointCoordinator::Options{options_.checkpoints.interval,
                                     options_.checkpoints.timeout},
      last_id, [this](absl::Status status) { Fail(std::move(status)); },
      [](std::string_view message) {
        std::fprintf(stderr, "sluice: %.*s\n", static_cast<int>(message.size()),
                     message.data());
      });
  coordinator_->AddFixedBlob(
      StateNames::kJobLayout,
      JobLayout::Of(graph_, plan_, options_.max_key_groups).Encode());
  return absl::OkStatus();
}

absl::Status Job::Impl::CreateTasks() {
  std::vector<std::vector<ChainTask*>> task_of(plan_.chains.size());
  for (size_t c = 0; c < plan_.chains.size(); ++c) {
    for (int i = 0; i < plan_.chains[c].parallelism; ++i) {
      SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<ChainTask> task,
                              CreateTask(static_cast<int>(c), i));
      tasks_.push_back(std::move(task));
      task_is_source_.push_back(
          static_cast<bool>(graph_.node(plan_.chains[c].nodes.front()).make_source));
      task_chain_.push_back(static_cast<int>(c));
      task_instance_.push_back(i);
      tasks_.back()->AttachScheduler(scheduler_.get());
      task_of[c].push_back(tasks_.back().get());
    }
  }
  ConnectChannels(task_of);
  return absl::OkStatus();
}

// Tells each channel which task produces into it and which consumes it.
void Job::Impl::ConnectChannels(const std::vector<std::vector<ChainTask*>>& task_of) {
  for (size_t e = 0; e < plan_.exchanges.size(); ++e) {
    const PlannedExchange& exchange = plan_.exchanges[e];
    int producers = plan_.chains[exchange.producer_chain].parallelism;
    int consumers = plan_.chains[exchange.consumer_chain].parallelism;
    for (int p = 0; p < producers; ++p) {
      for (int c = 0; c < consumers; ++c) {
        if (Channel* channel = ChannelAt(static_cast<int>(e), p, c)) {
          channel->Connect(task_of[exchange.producer_chain][p],
                           task_of[exchange.consumer_chain][c]);
        }
      }
    }
  }
}

absl::Status Job::Impl::OpenTasks() {
  for (auto& task : tasks_) SLUICE_RETURN_IF_ERROR(task->Open());
  if (!restore_) return absl::OkStatus();
  for (size_t t = 0; t < tasks_.size(); ++t) {
    SLUICE_RETURN_IF_ERROR(restore_->RestoreTask(*tasks_[t],
                                                 plan_.chains[task_chain_[t]].nodes,
                                                 task_is_source_[t], task_instance_[t]));
  }
  return absl::OkStatus();
}

void Job::Impl::RunTasks() {
  if (coordinator_) {
    std::vector<CheckpointParticipant*> participants;
    std::vector<bool> is_source;
    for (size_t t = 0; t < tasks_.size(); ++t) {
      participants.push_back(tasks_[t].get());
      is_source.push_back(task_is_source_[t]);
    }
    coordinator_->SetParticipants(std::move(participants), std::move(is_source));
  }
  running_tasks_ = tasks_.size();
  launched_.store(true, std::memory_order_release);
  // Every task runs once: sources start producing, the others park on their inputs.
  for (auto& task : tasks_) task->Wake();
  if (coordinator_) coordinator_->Start();
}

absl::Status Job::Impl::CheckCheckpointOptions(const CheckpointOptions& options) {
  if (options.dir.empty()) {
    if (options.restore_from == "latest") {
      return absl::InvalidArgumentError(
          "checkpoints.restore_from is \"latest\" but checkpoints.dir is not set");
    }
    return absl::OkStatus();
  }
  if (options.interval < std::chrono::milliseconds::zero()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "checkpoints.interval must be >= 0, not ", options.interval.count(), " ms"));
  }
  if (options.retain < 1) {
    return absl::InvalidArgumentError("checkpoints.retain must be >= 1");
  }
  if (options.timeout < std::chrono::milliseconds(1)) {
    return absl::InvalidArgumentError(
        absl::StrCat("checkpoints.timeout must be at least 1 ms, not ",
                     options.timeout.count(), " ms"));
  }
  return absl::OkStatus();
}

absl::Status Job::Impl::TakeFinalCheckpoint() {
  absl::Status status = coordinator_->TakeCheckpoint(
      [this](int64_t id) { return checkpoint_storage_->Begin(id); });
  if (!status.ok()) {
    return absl::Status(status.code(),
                        absl::StrCat("final checkpoint failed: ", status.message()));
  }
  return absl::OkStatus();
}

absl::Status Job::Impl::StopWithSavepoint(const std::string& dir) {
  if (!coordinator_ || !launched_.load(std::memory_order_acquire)) {
    return absl::FailedPreconditionError(
        "StopWithSavepoint needs a started job with JobOptions::checkpoints.dir set");
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (running_tasks_ == 0 || waited_) {
      return absl::FailedPreconditionError(
          "StopWithSavepoint: the job has already ended");
    }
  }
  SLUICE_RETURN_IF_ERROR(coordinator_->TakeCheckpoint(
      [&dir](int64_t id) { return CheckpointStorage::BeginSavepoint(dir, id); }));
  // The sinks committed what the savepoint covers (delivered before they stop);
  // what came after it is discarded and read again by a job started from it.
  stopped_with_savepoint_.store(true, std::memory_order_release);
  Cancel();
  return absl::OkStatus();
}

absl::Status Job::Impl::Wait() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!started_) return absl::FailedPreconditionError("Job::Wait called before Start");
  }
  {
    std::unique_lock<std::mutex> lock(mutex_);
    done_cv_.wait(lock, [this] { return running_tasks_ == 0; });
  }
  scheduler_->Drain();
  http_->Stop();  // frees the port; the sources have closed their endpoints
  if (coordinator_) coordinator_->Stop();
  bool all_completed = true;
  for (const auto& task : tasks_) all_completed = all_completed && task->completed();
  bool first_wait;
  absl::Status status;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    first_wait = !waited_;
    waited_ = true;
    if (!finished_at_) finished_at_ = std::chrono::steady_clock::now();
    // A Cancel() that came after every task had finished its input changes nothing.
    if (status_.ok() && cancelled_.load() && !all_completed &&
        !stopped_with_savepoint_.load()) {
      status_ = absl::CancelledError("job was cancelled");
    }
    status = status_;
  }
  // The job's successful end is its last checkpoint: transactional sinks commit.
  if (first_wait && status.ok() && all_completed) {
    if (coordinator_) status = TakeFinalCheckpoint();
    for (size_t t = 0; t < tasks_.size() && status.ok(); ++t) {
      status = tasks_[t]->NotifyCheckpointComplete(kFinalCheckpoint);
    }
    // The final checkpoint's own commit notices report failures through Fail().
    std::lock_guard<std::mutex> lock(mutex_);
    if (status_.ok()) status_ = status;
    status = status_;
  }
  if (first_wait && options_.print_metrics) {
    std::fprintf(stderr, "%s", FormatMetricsTable(Metrics(), WallSeconds()).c_str());
    if (coordinator_) {
      const CheckpointStats c = coordinator_->stats();
      std::fprintf(stderr,
                   "checkpoints: %lld completed, %lld failed; last: id %lld, %.1f ms, "
                   "%.2f MB, alignment %.1f ms, snapshot pause %.1f ms; largest %.2f MB, "
                   "longest pause %.1f ms\n",
                   static_cast<long long>(c.completed), static_cast<long long>(c.failed),
                   static_cast<long long>(c.last_id), c.last_duration_ms,
                   static_cast<double>(c.last_size_bytes) / 1e6, c.last_alignment_ms,
                   c.last_sync_ms, static_cast<double>(c.largest_size_bytes) / 1e6,
                   c.longest_sync_ms);
    }
  }
  return status;
}

absl::StatusOr<Job> Job::Create(LogicalGraph graph, JobOptions options) {
  auto impl = std::make_unique<Impl>(std::move(graph), options);
  SLUICE_RETURN_IF_ERROR(impl->PlanJob());
  return Job(std::move(impl));
}

Job::Job(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Job::Job(Job&&) noexcept = default;
Job& Job::operator=(Job&&) noexcept = default;

Job::~Job() {
  if (impl_ == nullptr) return;
  impl_->Cancel();
  // Tasks must stop before they are destroyed; Wait() drains them.
  (void)impl_->Wait();
}

std::string Job::http_address() const { return impl_->HttpAddress(); }
absl::Status Job::Start() { return impl_->Start(); }
void Job::Cancel() { impl_->Cancel(); }
absl::Status Job::Wait() { return impl_->Wait(); }
absl::Status Job::StopWithSavepoint(const std::string& dir) {
  return impl_->StopWithSavepoint(dir);
}
CheckpointStats Job::Checkpoints() const { return impl_->Checkpoints(); }
absl::Status Job::Run() {
  SLUICE_RETURN_IF_ERROR(Start());
  return Wait();
}
std::vector<OperatorMetricsSnapshot> Job::Metrics() const { return impl_->Metrics(); }

absl::StatusOr<OperatorMetricsSnapshot> Job::MetricsOfNode(const LogicalGraph& graph,
                                                           int node) const {
  if (graph.id() != impl_->graph_.id() || node < 0 || node >= impl_->graph_.size()) {
    return absl::InvalidArgumentError(
        "MetricsOf: the stream belongs to another dataflow than this job's");
  }
  return impl_->MetricsOfNode(node);
}
std::string Job::MetricsTable() const {
  return FormatMetricsTable(impl_->Metrics(), impl_->WallSeconds());
}
const LogicalGraph& Job::graph() const { return impl_->graph_; }
const PhysicalPlan& Job::plan() const { return impl_->plan_; }
std::string Job::PlanText() const { return impl_->plan_.ToText(impl_->graph_); }

}  // namespace sluice
