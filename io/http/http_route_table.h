// The endpoints of the job's HTTP server, by path, and the checks every request
// passes before its endpoint sees it: the path (404), the method (405 with Allow),
// the Content-Type (415) and the bearer token (401). Also /healthz and /readyz.
// Thread-safe: the I/O threads look routes up while sources add theirs.
#pragma once

#include <functional>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "sluice/io/http/http_message.h"

namespace sluice {

struct HttpRoute {
  // Methods accepted, upper case ("POST"). Another gets 405 naming these.
  std::vector<std::string> methods;
  // Media types accepted (without parameters, lower case); empty: any. A request with
  // a body and another type, or none, gets 415 naming these.
  std::vector<std::string> content_types;
  // Non-empty: a request must carry "Authorization: Bearer <token>", or gets 401.
  // Read it from the environment or a file (BearerToken in http_bearer_token.h).
  std::string bearer_token;
  // Runs on an I/O thread and must not block: it answers at once (503 when the job
  // cannot take more).
  std::function<HttpResponse(HttpRequest&)> handler;
};

class HttpRouteTable {
 public:
  // Fails if `path` is taken or is not an absolute path.
  absl::Status Add(std::string path, HttpRoute route);
  void Remove(const std::string& path);
  // /readyz answers 200 once the job is running, 503 before and after.
  void SetReady(bool ready);

  // After the headers, before the body is read: the answer if the request must be
  // refused (wrong path, method, type or token), else nullopt.
  std::optional<HttpResponse> Check(const HttpRequest& head) const;
  // The endpoint's answer to a request that passed Check, body complete.
  HttpResponse Handle(HttpRequest& request) const;

 private:
  std::optional<HttpResponse> CheckRoute(const HttpRoute& route,
                                         const HttpRequest& head) const;

  mutable std::shared_mutex mutex_;
  absl::flat_hash_map<std::string, std::shared_ptr<const HttpRoute>> routes_;
  bool ready_ = false;
};

// The media type of a Content-Type value: lower case, without parameters
// ("Text/CSV; header=present" -> "text/csv").
std::string MediaType(std::string_view content_type);

}  // namespace sluice
