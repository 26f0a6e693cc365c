#include "sluice/io/http/http_route_table.h"

#include <mutex>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "sluice/io/records/json_string.h"

namespace sluice {
namespace {

bool Contains(const std::vector<std::string>& list, std::string_view value) {
  for (const std::string& item : list) {
    if (item == value) return true;
  }
  return false;
}

// Compares in time independent of where the strings first differ, so a client
// cannot find the token a byte at a time by timing 401s.
bool SameToken(std::string_view a, std::string_view b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (size_t i = 0; i < a.size(); ++i) {
    diff |= static_cast<unsigned char>(a[i] ^ (i < b.size() ? b[i] : 0));
  }
  return diff == 0;
}

HttpResponse Plain(int status, std::string body) {
  HttpResponse response;
  response.status = status;
  response.content_type = "text/plain";
  response.body = std::move(body);
  return response;
}

}  // namespace

HttpResponse HttpResponse::Error(int status, std::string_view message) {
  std::string body = "{\"error\":";
  AppendJsonString(message, &body);
  body += "}\n";
  return Json(status, std::move(body));
}

std::string MediaType(std::string_view content_type) {
  std::string_view type = content_type.substr(0, content_type.find(';'));
  while (!type.empty() && absl::ascii_isspace(type.front())) type.remove_prefix(1);
  while (!type.empty() && absl::ascii_isspace(type.back())) type.remove_suffix(1);
  return absl::AsciiStrToLower(std::string(type));
}

absl::Status HttpRouteTable::Add(std::string path, HttpRoute route) {
  if (path.empty() || path[0] != '/') {
    return absl::InvalidArgumentError(
        absl::StrCat("HTTP path '", path, "' must start with '/'"));
  }
  if (path == "/healthz" || path == "/readyz") {
    return absl::InvalidArgumentError(
        absl::StrCat("HTTP path ", path, " is the server's own"));
  }
  std::unique_lock lock(mutex_);
  auto [it, added] =
      routes_.try_emplace(path, std::make_shared<const HttpRoute>(std::move(route)));
  if (!added) {
    return absl::AlreadyExistsError(absl::StrCat(
        "HTTP path ", path, " is served twice: give each endpoint its own path"));
  }
  return absl::OkStatus();
}

void HttpRouteTable::Remove(const std::string& path) {
  std::unique_lock lock(mutex_);
  routes_.erase(path);
}

void HttpRouteTable::SetReady(bool ready) {
  std::unique_lock lock(mutex_);
  ready_ = ready;
}

std::optional<HttpResponse> HttpRouteTable::Check(const HttpRequest& head) const {
  std::shared_lock lock(mutex_);
  if (head.path == "/healthz" || head.path == "/readyz") {
    if (head.method == "GET" || head.method == "HEAD") return std::nullopt;
    HttpResponse refused = HttpResponse::Error(405, "use GET");
    refused.headers.emplace_back("Allow", "GET, HEAD");
    return refused;
  }
  auto it = routes_.find(head.path);
  if (it == routes_.end()) {
    return HttpResponse::Error(404, absl::StrCat("no endpoint at ", head.path));
  }
  return CheckRoute(*it->second, head);
}

std::optional<HttpResponse> HttpRouteTable::CheckRoute(const HttpRoute& route,
                                                       const HttpRequest& head) const {
  if (!Contains(route.methods, head.method)) {
    HttpResponse refused = HttpResponse::Error(
        405, absl::StrCat(head.path, " accepts ", absl::StrJoin(route.methods, ", ")));
    refused.headers.emplace_back("Allow", absl::StrJoin(route.methods, ", "));
    return refused;
  }
  if (!route.bearer_token.empty()) {
    std::string_view given = head.Header("authorization");
    bool bearer = given.starts_with("Bearer ");
    if (bearer) given.remove_prefix(7);
    if (!bearer || !SameToken(given, route.bearer_token)) {
      HttpResponse refused = HttpResponse::Error(
          401, "missing or wrong bearer token (Authorization: Bearer <token>)");
      refused.headers.emplace_back("WWW-Authenticate", "Bearer");
      return refused;
    }
  }
  if (!route.content_types.empty() &&
      !Contains(route.content_types, MediaType(head.Header("content-type")))) {
    return HttpResponse::Error(415,
                               absl::StrCat("Content-Type must be one of: ",
                                            absl::StrJoin(route.content_types, ", ")));
  }
  return std::nullopt;
}

HttpResponse HttpRouteTable::Handle(HttpRequest& request) const {
  std::shared_ptr<const HttpRoute> route;
  {
    std::shared_lock lock(mutex_);
    if (request.path == "/healthz") return Plain(200, "ok\n");
    if (request.path == "/readyz") {
      return ready_ ? Plain(200, "ready\n") : Plain(503, "not ready\n");
    }
    auto it = routes_.find(request.path);
    if (it == routes_.end()) {
      // Removed while the body was read: the job is stopping.
      return HttpResponse::Error(503, "the job is stopping");
    }
    route = it->second;
  }
  return route->handler(request);
}

}  // namespace sluice
