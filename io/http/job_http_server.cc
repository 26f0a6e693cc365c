#include "sluice/io/http/job_http_server.h"

#include "absl/strings/str_cat.h"

namespace sluice {

absl::StatusOr<HttpServer*> JobHttpServer::Server() {
  std::lock_guard lock(mutex_);
  if (stopped_) return absl::CancelledError("the job's HTTP server has stopped");
  if (server_ == nullptr) {
    absl::StatusOr<std::unique_ptr<HttpServer>> started = HttpServer::Start(options_);
    if (!started.ok()) return started.status();
    server_ = std::move(*started);
  }
  return server_.get();
}

absl::Status JobHttpServer::ServedTwice(const std::string& path, const std::string& first,
                                        const std::string& second) {
  return absl::AlreadyExistsError(
      absl::StrCat("HTTP path ", path, " is served twice, by '", first, "' and '", second,
                   "': give each endpoint its own path"));
}

std::string JobHttpServer::address() const {
  std::lock_guard lock(mutex_);
  return server_ ? server_->address() : std::string();
}

void JobHttpServer::SetReady(bool ready) {
  std::lock_guard lock(mutex_);
  if (server_) server_->routes().SetReady(ready);
}

void JobHttpServer::Stop() {
  std::unique_ptr<HttpServer> server;
  {
    std::lock_guard lock(mutex_);
    stopped_ = true;
    server = std::move(server_);
  }
  if (server) server->Stop();
  // The endpoints go after the server: its threads may have been using them.
  std::lock_guard lock(mutex_);
  endpoints_.clear();
}

}  // namespace sluice
