// The job's HTTP server on its own, on loopback: every limit answers with its status,
// the server keeps serving others while clients misbehave, and Stop frees the port.
#include "sluice/io/http/http_server.h"

#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "sluice/tests/http/http_test_client.h"

namespace sluice {
namespace {

using testing::Curl;
using testing::Exchange;
using testing::RawConnection;
using testing::RawResponse;
using testing::Request;

class HttpServerTest : public ::testing::Test {
 protected:
  void StartServer(HttpServerOptions options = HttpServerOptions()) {
    auto started = HttpServer::Start(options);
    ASSERT_TRUE(started.ok()) << started.status();
    server_ = std::move(*started);
    HttpRoute echo;
    echo.methods = {"POST", "PUT"};
    echo.content_types = {"text/plain"};
    echo.handler = [](HttpRequest& request) {
      HttpResponse response;
      response.content_type = "text/plain";
      response.body = "got " + request.body;
      return response;
    };
    ASSERT_TRUE(server_->routes().Add("/echo", echo).ok());
    HttpRoute secret = echo;
    secret.bearer_token = "s3cret-token";
    ASSERT_TRUE(server_->routes().Add("/secret", secret).ok());
    port_ = server_->port();
  }
  std::string Url(std::string_view path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + std::string(path);
  }

  std::unique_ptr<HttpServer> server_;
  int port_ = 0;
};

TEST_F(HttpServerTest, PortZeroPicksAFreePortAndReportsIt) {
  StartServer();
  EXPECT_GT(port_, 0);
  EXPECT_EQ(server_->address(), "127.0.0.1:" + std::to_string(port_));
}

TEST_F(HttpServerTest, CurlGetsTheEndpointsAnswer) {
  StartServer();
  auto result =
      Curl("-X POST -H 'Content-Type: text/plain' --data-binary hello", Url("/echo"));
  EXPECT_EQ(result.status, 200);
  EXPECT_EQ(result.body, "got hello");
}

TEST_F(HttpServerTest, ExpectContinueGetsA100BeforeTheBody) {
  StartServer();
  std::string body(200000, 'x');
  RawConnection connection(port_);
  ASSERT_TRUE(connection.Send(absl::StrCat(
      "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: ",
      body.size(), "\r\nExpect: 100-continue\r\n\r\n")));
  EXPECT_EQ(connection.Read(std::chrono::seconds(5)).status, 100);
  ASSERT_TRUE(connection.Send(body));
  RawResponse response = connection.Read();
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "got " + body);
}

TEST_F(HttpServerTest, CurlPostsALargeBodyFromAFile) {
  StartServer();
  std::string path = ::testing::TempDir() + "/http_server_test_body_" +
                     std::to_string(getpid()) + ".txt";
  std::string body(300000, 'y');
  FILE* file = std::fopen(path.c_str(), "wb");
  ASSERT_NE(file, nullptr);
  std::fwrite(body.data(), 1, body.size(), file);
  std::fclose(file);
  auto result =
      Curl("-H 'Content-Type: text/plain' --data-binary @'" + path + "'", Url("/echo"));
  EXPECT_EQ(result.status, 200);
  EXPECT_EQ(result.body, "got " + body);
}

TEST_F(HttpServerTest, UnknownPathIs404) {
  StartServer();
  EXPECT_EQ(Exchange(port_, Request("POST", "/nope", "text/plain", "x")).status, 404);
  EXPECT_EQ(Curl("", Url("/nope")).status, 404);
}

TEST_F(HttpServerTest, WrongMethodIs405WithAllow) {
  StartServer();
  RawResponse response = Exchange(port_, Request("GET", "/echo", "", ""));
  EXPECT_EQ(response.status, 405);
  EXPECT_EQ(response.headers["allow"], "POST, PUT");
}

TEST_F(HttpServerTest, WrongOrMissingContentTypeIs415) {
  StartServer();
  EXPECT_EQ(Exchange(port_, Request("POST", "/echo", "application/xml", "<a/>")).status,
            415);
  EXPECT_EQ(Exchange(port_, Request("POST", "/echo", "", "x")).status, 415);
  EXPECT_EQ(
      Exchange(port_, Request("POST", "/echo", "Text/Plain; charset=utf-8", "x")).status,
      200);
}

TEST_F(HttpServerTest, BearerTokenIsChecked) {
  StartServer();
  RawResponse none = Exchange(port_, Request("POST", "/secret", "text/plain", "x"));
  EXPECT_EQ(none.status, 401);
  EXPECT_EQ(none.headers["www-authenticate"], "Bearer");
  EXPECT_EQ(Exchange(port_, Request("POST", "/secret", "text/plain", "x",
                                    "Authorization: Bearer s3cret-tokex\r\n"))
                .status,
            401);
  EXPECT_EQ(Exchange(port_, Request("POST", "/secret", "text/plain", "x",
                                    "Authorization: Bearer s3cret-token-longer\r\n"))
                .status,
            401);
  EXPECT_EQ(Curl("-H 'Content-Type: text/plain' -H 'Authorization: Bearer s3cret-token' "
                 "--data-binary x",
                 Url("/secret"))
                .status,
            200);
}

TEST_F(HttpServerTest, OversizedBodyIs413WhetherDeclaredOrChunked) {
  HttpServerOptions options;
  options.max_body_bytes = 1000;
  StartServer(options);
  EXPECT_EQ(
      Exchange(port_, Request("POST", "/echo", "text/plain", std::string(1001, 'a')))
          .status,
      413);
  EXPECT_EQ(
      Exchange(port_, Request("POST", "/echo", "text/plain", std::string(1000, 'a')))
          .status,
      200);
  // Chunked: no length up front; the limit is found while reading.
  std::string chunked =
      "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n"
      "Transfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 3; ++i) chunked += "190\r\n" + std::string(400, 'b') + "\r\n";
  chunked += "0\r\n\r\n";
  EXPECT_EQ(Exchange(port_, chunked).status, 413);
}

TEST_F(HttpServerTest, OversizedHeadersAre431) {
  HttpServerOptions options;
  options.max_header_bytes = 1024;
  StartServer(options);
  std::string big = "X-Big: " + std::string(2000, 'h') + "\r\n";
  EXPECT_EQ(Exchange(port_, Request("POST", "/echo", "text/plain", "x", big)).status,
            431);
}

TEST_F(HttpServerTest, SlowHeadersGet408AndTheConnectionCloses) {
  HttpServerOptions options;
  options.header_timeout = std::chrono::milliseconds(300);
  StartServer(options);
  RawConnection slowloris(port_);
  ASSERT_TRUE(slowloris.Send("POST /echo HTTP/1.1\r\nHost: x\r\n"));
  auto start = std::chrono::steady_clock::now();
  // Dribbles a header byte every 100 ms: each byte arrives in time, the whole never.
  std::thread dribble([&] {
    for (int i = 0; i < 15; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      if (!slowloris.Send("X")) return;
    }
  });
  RawResponse response = slowloris.Read(std::chrono::seconds(3));
  dribble.join();
  EXPECT_EQ(response.status, 408);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(1200));
  EXPECT_TRUE(slowloris.ClosedByPeer(std::chrono::seconds(2)));
}

TEST_F(HttpServerTest, SlowBodyGets408) {
  HttpServerOptions options;
  options.body_timeout = std::chrono::milliseconds(300);
  StartServer(options);
  RawConnection slow(port_);
  ASSERT_TRUE(
      slow.Send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n"
                "Content-Length: 100\r\n\r\nonly part"));
  EXPECT_EQ(slow.Read(std::chrono::seconds(3)).status, 408);
}

TEST_F(HttpServerTest, IdleKeepAliveConnectionIsClosedQuietly) {
  HttpServerOptions options;
  options.header_timeout = std::chrono::milliseconds(300);
  StartServer(options);
  RawConnection idle(port_);
  ASSERT_TRUE(idle.Send(Request("POST", "/echo", "text/plain", "one")));
  EXPECT_EQ(idle.Read().status, 200);
  // Nothing more is sent: closed with no 408.
  EXPECT_TRUE(idle.ClosedByPeer(std::chrono::seconds(3)));
  EXPECT_EQ(idle.Read(std::chrono::milliseconds(100)).status, 0);
}

TEST_F(HttpServerTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  StartServer();
  RawConnection connection(port_);
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(
        connection.Send(Request("POST", "/echo", "text/plain", std::to_string(i))));
    RawResponse response = connection.Read();
    ASSERT_EQ(response.status, 200);
    EXPECT_EQ(response.body, "got " + std::to_string(i));
  }
  // Two requests sent back to back (pipelined) are answered in order.
  ASSERT_TRUE(connection.Send(Request("POST", "/echo", "text/plain", "a") +
                              Request("POST", "/echo", "text/plain", "b")));
  EXPECT_EQ(connection.Read().body, "got a");
  EXPECT_EQ(connection.Read().body, "got b");
}

TEST_F(HttpServerTest, GarbageGets400AndOthersAreStillServed) {
  StartServer();
  static constexpr char kTlsHello[] = "\x16\x03\x01\x02\x00garbage\r\n\r\n";
  EXPECT_EQ(Exchange(port_, std::string(kTlsHello, sizeof(kTlsHello) - 1)).status, 400);
  EXPECT_EQ(Exchange(port_, "GET / HTTP/9.9\r\n\r\n").status, 400);
  RawConnection half(port_);
  ASSERT_TRUE(half.Send("POST /echo HTTP/1.1\r\nContent-Le"));
  half.ShutdownWrite();  // half-closed mid-header
  EXPECT_TRUE(half.ClosedByPeer(std::chrono::seconds(3)));
  EXPECT_EQ(Exchange(port_, Request("POST", "/echo", "text/plain", "ok")).status, 200);
}

TEST_F(HttpServerTest, ConnectionsOverTheLimitGet503) {
  HttpServerOptions options;
  options.max_connections = 20;
  StartServer(options);
  std::vector<std::unique_ptr<RawConnection>> held;
  for (int i = 0; i < 20; ++i) {
    held.push_back(std::make_unique<RawConnection>(port_));
    ASSERT_TRUE(held.back()->Send("POST /echo HTTP/1.1\r\n"));  // incomplete: held open
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  RawResponse refused = Exchange(port_, Request("POST", "/echo", "text/plain", "x"));
  EXPECT_EQ(refused.status, 503);
  EXPECT_EQ(refused.headers["retry-after"], "1");
  held.clear();
  // Once they are gone, new connections are served again.
  RawResponse served;
  for (int i = 0; i < 50 && served.status != 200; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    served = Exchange(port_, Request("POST", "/echo", "text/plain", "x"));
  }
  EXPECT_EQ(served.status, 200);
  EXPECT_GE(server_->counters().connections_refused, 1u);
}

TEST_F(HttpServerTest, AThousandConcurrentConnectionsDoNotStopTheServer) {
  HttpServerOptions options;
  options.max_connections = 2000;
  StartServer(options);
  // Both ends of 1000 connections live in this process: 2000 descriptors.
  rlimit files{};
  getrlimit(RLIMIT_NOFILE, &files);
  ASSERT_GE(files.rlim_max, 2200u) << "raise the hard limit of open files (ulimit -Hn)";
  files.rlim_cur = files.rlim_max;
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &files), 0);
  std::vector<std::unique_ptr<RawConnection>> idle;
  for (int i = 0; i < 1000; ++i) {
    idle.push_back(std::make_unique<RawConnection>(port_));
    ASSERT_TRUE(idle.back()->connected()) << i;
  }
  std::vector<std::thread> clients;
  std::atomic<int> ok{0};
  for (int t = 0; t < 8; ++t) {
    clients.emplace_back([&] {
      for (int i = 0; i < 20; ++i) {
        if (Exchange(port_, Request("POST", "/echo", "text/plain", "x")).status == 200)
          ++ok;
      }
    });
  }
  for (auto& client : clients) client.join();
  EXPECT_EQ(ok.load(), 160);
  // The short-lived connections' sessions end a moment after their clients.
  for (int i = 0; i < 200 && server_->counters().connections_open != 1000; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(server_->counters().connections_open, 1000);
}

TEST_F(HttpServerTest, HealthAndReadiness) {
  StartServer();
  EXPECT_EQ(Curl("", Url("/healthz")).status, 200);
  EXPECT_EQ(Curl("", Url("/readyz")).status, 503);
  server_->routes().SetReady(true);
  EXPECT_EQ(Curl("", Url("/readyz")).status, 200);
  EXPECT_EQ(Exchange(port_, Request("POST", "/healthz", "text/plain", "x")).status, 405);
}

TEST_F(HttpServerTest, StopClosesConnectionsAndFreesThePort) {
  StartServer();
  RawConnection idle(port_);
  ASSERT_TRUE(idle.Send(Request("POST", "/echo", "text/plain", "x")));
  EXPECT_EQ(idle.Read().status, 200);
  server_->Stop();
  EXPECT_TRUE(idle.ClosedByPeer(std::chrono::seconds(3)));
  HttpServerOptions again;
  again.listen = "127.0.0.1:" + std::to_string(port_);
  auto restarted = HttpServer::Start(again);
  ASSERT_TRUE(restarted.ok()) << restarted.status();
  EXPECT_EQ((*restarted)->port(), port_);
}

TEST_F(HttpServerTest, ATakenPortFailsStartNamingTheAddress) {
  StartServer();
  HttpServerOptions same;
  same.listen = server_->address();
  auto second = HttpServer::Start(same);
  ASSERT_FALSE(second.ok());
  EXPECT_NE(std::string(second.status().message()).find(server_->address()),
            std::string::npos)
      << second.status();
}

TEST(HttpServerOptionsTest, BadOptionsAreNamed) {
  HttpServerOptions options;
  options.listen = "localhost";
  EXPECT_NE(std::string(ValidateHttpServerOptions(options).message()).find("http.listen"),
            std::string::npos);
  options.listen = "not-an-ip:80";
  auto started = HttpServer::Start(options);
  ASSERT_FALSE(started.ok());
  EXPECT_NE(std::string(started.status().message()).find("not an IP address"),
            std::string::npos);
  options = HttpServerOptions();
  options.io_threads = 0;
  EXPECT_NE(std::string(ValidateHttpServerOptions(options).message()).find("io_threads"),
            std::string::npos);
}

}  // namespace
}  // namespace sluice
