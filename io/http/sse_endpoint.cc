#include "sluice/io/http/sse_endpoint.h"

#include <chrono>
#include <random>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace sluice {
namespace {

// Tells this run's ids from an earlier run's (a restarted job counts from 1 again).
std::string NewRunId() {
  std::random_device device;
  uint64_t bits =
      (uint64_t{device()} << 32) ^ device() ^
      static_cast<uint64_t>(std::chrono::system_clock::now().time_since_epoch().count());
  return absl::StrCat(absl::Hex(bits & 0xffffffffffULL, absl::kZeroPad10));
}

}  // namespace

SseEndpoint::SseEndpoint(SseEndpointSettings settings)
    : settings_(std::move(settings)), run_(NewRunId()) {}

HttpRoute SseEndpoint::Route() {
  HttpRoute route;
  route.methods = {"GET"};
  route.bearer_token = settings_.bearer_token;
  route.handler = [this](HttpRequest& request) { return Handle(request); };
  return route;
}

HttpResponse SseEndpoint::Handle(const HttpRequest& request) {
  std::optional<LastEventId> last;
  std::string_view header = request.Header("last-event-id");
  if (!header.empty()) {
    size_t dash = header.rfind('-');
    uint64_t number = 0;
    if (dash == std::string_view::npos || dash == 0 ||
        !absl::SimpleAtoi(std::string(header.substr(dash + 1)), &number)) {
      return HttpResponse::Error(
          400, absl::StrCat("Last-Event-ID '", std::string(header.substr(0, 64)),
                            "' is not an event id of this stream (<run>-<number>)"));
    }
    last = LastEventId{std::string(header.substr(0, dash)), number};
  }
  HttpResponse response;
  response.content_type = "text/event-stream";
  response.stream_options = settings_.client;
  response.open_stream = [this, last](std::shared_ptr<HttpStream> stream) {
    Attach(stream, last);
  };
  return response;
}

void SseEndpoint::Attach(const std::shared_ptr<HttpStream>& stream,
                         const std::optional<LastEventId>& last) {
  std::lock_guard lock(mutex_);
  // Clients that left since the last Publish (on an idle stream, there may be many).
  std::erase_if(clients_, [&](const std::shared_ptr<HttpStream>& client) {
    HttpStream::State state = client->state();
    if (state == HttpStream::State::kCutOff) ++counters_.clients_cut_off;
    return state != HttpStream::State::kOpen;
  });
  ++counters_.clients_connected;
  if (last) {
    ++counters_.resumed;
    std::string replay = Replay(*last);
    if (!replay.empty() && !stream->Send(replay)) {
      if (stream->state() == HttpStream::State::kCutOff) ++counters_.clients_cut_off;
      return;
    }
  }
  clients_.push_back(stream);
}

std::string SseEndpoint::Replay(const LastEventId& last) {
  uint64_t oldest = replay_.empty() ? next_number_ : replay_.front().number;
  bool same_run = last.run == run_;
  // An id of this run not sent yet: the client made it up; it gets the live events.
  if (same_run && last.number >= next_number_) return std::string();
  std::string out;
  uint64_t after = last.number;
  if (!same_run || last.number + 1 < oldest) {
    ++counters_.gaps;
    std::string missed =
        same_run ? absl::StrCat(oldest - last.number - 1) : std::string("null");
    absl::StrAppend(&out, "event: sluice-gap\ndata: {\"missed\":", missed, "}\n\n");
    after = 0;
  }
  for (const Event& event : replay_) {
    if (event.number > after) out += event.bytes;
  }
  return out;
}

void SseEndpoint::AppendEvent(uint64_t number, std::string_view data,
                              std::string* out) const {
  absl::StrAppend(out, "id: ", run_, "-", number, "\n");
  if (!settings_.event_name.empty()) {
    absl::StrAppend(out, "event: ", settings_.event_name, "\n");
  }
  // CR, LF and CRLF all end a line for an SSE client: each starts a new data: line.
  size_t start = 0;
  for (size_t i = 0; i <= data.size(); ++i) {
    if (i < data.size() && data[i] != '\n' && data[i] != '\r') continue;
    out->append("data: ").append(data.substr(start, i - start)).push_back('\n');
    if (i + 1 < data.size() && data[i] == '\r' && data[i + 1] == '\n') ++i;
    start = i + 1;
  }
  out->push_back('\n');
}

void SseEndpoint::Publish(const std::vector<std::string>& data) {
  if (data.empty()) return;
  std::lock_guard lock(mutex_);
  std::string batch;
  for (const std::string& element : data) {
    size_t start = batch.size();
    AppendEvent(next_number_, element, &batch);
    replay_.push_back(Event{next_number_, batch.substr(start)});
    replay_bytes_ += batch.size() - start;
    ++next_number_;
  }
  counters_.events += data.size();
  while (!replay_.empty() && (replay_.size() > settings_.replay_events ||
                              replay_bytes_ > settings_.replay_bytes)) {
    replay_bytes_ -= replay_.front().bytes.size();
    replay_.pop_front();
  }
  std::erase_if(clients_, [&](const std::shared_ptr<HttpStream>& client) {
    if (client->Send(batch)) return false;
    if (client->state() == HttpStream::State::kCutOff) ++counters_.clients_cut_off;
    return true;
  });
}

SseCounters SseEndpoint::counters() const {
  std::lock_guard lock(mutex_);
  SseCounters counters = counters_;
  counters.clients_open = clients_.size();
  return counters;
}

}  // namespace sluice
