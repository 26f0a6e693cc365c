// The job's HTTP server: Boost.Beast on Asio, on its own I/O threads (never the job's
// workers). Endpoints (ingest paths, later SSE and metrics) share it through its
// route table. Every limit in HttpServerOptions has its status: 413, 431, 408, 503
// for too many connections; the route table adds 404, 405, 415 and 401. docs/HTTP.md.
//
//   auto server = HttpServer::Start(options);          // binds; port 0 picks one
//   (*server)->routes().Add("/ingest", route);
//   ... (*server)->address() ...                       // "127.0.0.1:40123"
//   (*server)->Stop();                                 // or the destructor
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "sluice/io/http/http_route_table.h"
#include "sluice/io/http/http_server_options.h"

namespace sluice {

struct HttpServerCounters {
  uint64_t connections_accepted = 0;
  uint64_t connections_refused = 0;  // over max_connections
  int connections_open = 0;
  std::map<int, uint64_t> responses_by_status;
};

class HttpServer {
 public:
  // Binds options.listen and starts the I/O threads. Fails, naming the address, if it
  // cannot listen there (in use, not a local address, no permission).
  static absl::StatusOr<std::unique_ptr<HttpServer>> Start(
      const HttpServerOptions& options);
  ~HttpServer();  // Stop()
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // The bound address, "host:port".
  const std::string& address() const;
  int port() const;
  const HttpServerOptions& options() const;
  HttpRouteTable& routes();

  // Stops accepting and closes the listener (the port is free when this returns).
  // A request whose answer is being written gets it; requests still being read are
  // answered 503 if they are complete within a second, and cut off otherwise; idle
  // connections are closed. Idempotent.
  void Stop();
  HttpServerCounters counters() const;

  class Impl;

 private:
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace sluice
