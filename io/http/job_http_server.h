// A job's HTTP server, started when the first endpoint needs it (an HttpSource
// instance opening, inside Job::Start), so a job without HTTP endpoints opens no
// port. The parallel instances of one endpoint share one object, made by the first.
// Thread-safe.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "sluice/io/http/http_server.h"
#include "sluice/io/http/http_server_options.h"

namespace sluice {

class JobHttpServer {
 public:
  explicit JobHttpServer(HttpServerOptions options) : options_(std::move(options)) {}
  ~JobHttpServer() { Stop(); }

  // The server, started (bound) on the first call.
  absl::StatusOr<HttpServer*> Server();
  // The shared object of the endpoint at `path`, for the instances of the operator
  // `owner`: the first caller's `make` creates it (and adds its route); the owner's
  // later instances get the same one; another operator on the path fails.
  template <class Endpoint>
  absl::StatusOr<std::shared_ptr<Endpoint>> Shared(
      const std::string& path, const std::string& owner,
      const std::function<absl::StatusOr<std::shared_ptr<Endpoint>>(HttpServer&)>& make) {
    absl::StatusOr<HttpServer*> server = Server();
    if (!server.ok()) return server.status();
    std::lock_guard lock(mutex_);
    auto it = endpoints_.find(path);
    if (it != endpoints_.end()) {
      if (it->second.owner != owner) return ServedTwice(path, it->second.owner, owner);
      return std::static_pointer_cast<Endpoint>(it->second.object);
    }
    absl::StatusOr<std::shared_ptr<Endpoint>> made = make(**server);
    if (made.ok()) endpoints_[path] = OwnedEndpoint{owner, *made};
    return made;
  }

  // "host:port" once started, else "".
  std::string address() const;
  // /readyz: 200 while the job runs.
  void SetReady(bool ready);
  // Closes the port and the connections (HttpServer::Stop). Idempotent.
  void Stop();

 private:
  const HttpServerOptions options_;
  mutable std::mutex mutex_;
  std::unique_ptr<HttpServer> server_;
  bool stopped_ = false;
  struct OwnedEndpoint {
    std::string owner;
    std::shared_ptr<void> object;
  };
  static absl::Status ServedTwice(const std::string& path, const std::string& first,
                                  const std::string& second);
  absl::flat_hash_map<std::string, OwnedEndpoint> endpoints_;
};

}  // namespace sluice
