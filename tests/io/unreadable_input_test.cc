// Input that cannot be read fails the job, naming the path, instead of dropping out
// of it: unsearchable directories, unreadable subdirectories under a pattern,
// dangling links, FIFOs and sockets among the files. Issue 17, defect 4.
//
// Permissions do not stop root, so as root each check runs in a child process that
// has become the unprivileged user `nobody` (uid 65534).
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sluice/io/file/input_file_set.h"
#include "sluice/io/file/record_reader.h"
#include "sluice/sluice.h"
#include "sluice/tests/io/scratch_directory.h"
#include "sluice/tests/run_config.h"
#include "sluice/tests/status_matchers.h"

namespace sluice {
namespace {

using ::sluice::testing::QuietOptions;
using ::sluice::testing::ScratchDirectory;
using ::sluice::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;

constexpr uid_t kNobody = 65534;

// Runs `check` as a user permissions apply to and returns the status text it gives
// ("OK" or "CODE: message"). As root: in a forked child that drops to `nobody`.
std::string RunUnprivileged(const std::function<absl::Status()>& check) {
  if (::geteuid() != 0) return check().ToString();
  int pipe_fds[2];
  if (::pipe(pipe_fds) != 0) return "pipe failed";
  pid_t child = ::fork();
  if (child == 0) {
    ::close(pipe_fds[0]);
    std::string result = (::setgid(kNobody) == 0 && ::setuid(kNobody) == 0)
                             ? check().ToString()
                             : "setuid failed";
    (void)!::write(pipe_fds[1], result.data(), result.size());
    ::_exit(0);
  }
  ::close(pipe_fds[1]);
  std::string result;
  char buffer[4096];
  for (ssize_t n; (n = ::read(pipe_fds[0], buffer, sizeof(buffer))) > 0;) {
    result.append(buffer, static_cast<size_t>(n));
  }
  ::close(pipe_fds[0]);
  int wait_status = 0;
  ::waitpid(child, &wait_status, 0);
  return result;
}

// A scratch directory the unprivileged user may enter.
class OpenScratch : public ScratchDirectory {
 public:
  OpenScratch() { std::filesystem::permissions(path(), std::filesystem::perms(0755)); }
};

absl::Status ResolveStatus(const std::string& location) {
  return InputFileSet::Resolve(location).status();
}

TEST(UnreadableInputTest, DirectoryWithoutSearchPermissionFails) {
  OpenScratch dir;
  const std::string a = dir.Write("in/a.csv", "1\n");
  dir.Write("in/b.csv", "2\n");
  ::chmod(dir.Path("in").c_str(), 0444);  // names can be listed, files not examined
  // Before the fix: OK with no files, and a job over it OK with 0 records.
  const std::string result =
      RunUnprivileged([&] { return ResolveStatus(dir.Path("in")); });
  EXPECT_THAT(result,
              HasSubstr("PERMISSION_DENIED: cannot examine input '" + dir.Path("in/")));
  const std::string job = RunUnprivileged([&] {
    Dataflow flow;
    flow.Source(TextLineSource(dir.Path("in"))).Sink([](const std::string&) {});
    return flow.Build(QuietOptions()).status();
  });
  EXPECT_THAT(job, HasSubstr("PERMISSION_DENIED: operator 'text_lines#0': cannot "
                             "examine input '" +
                             dir.Path("in/")));
  ::chmod(dir.Path("in").c_str(), 0755);
}

TEST(UnreadableInputTest, PatternThroughAnUnreadableDirectoryFails) {
  OpenScratch dir;
  dir.Write("g/a/x.csv", "1\n");
  dir.Write("g/b/x.csv", "2\n");
  dir.Write("g/c/x.csv", "3\n");
  ::chmod(dir.Path("g/b").c_str(), 0000);
  // glob(3) left g/b/x.csv out without a word, even with GLOB_ERR.
  EXPECT_THAT(RunUnprivileged([&] { return ResolveStatus(dir.Path("g/*/x.csv")); }),
              HasSubstr("PERMISSION_DENIED: cannot examine '" + dir.Path("g/b/x.csv")));
  EXPECT_THAT(RunUnprivileged([&] { return ResolveStatus(dir.Path("g/*/*.csv")); }),
              HasSubstr("PERMISSION_DENIED: cannot look into '" + dir.Path("g/b")));
  // A pattern that does not go through it is unaffected.
  EXPECT_EQ(RunUnprivileged([&] { return ResolveStatus(dir.Path("g/[ac]/x.csv")); }),
            "OK");
  ::chmod(dir.Path("g/b").c_str(), 0755);
}

// Checked when the job starts (RecordReader::Open, before any record is read), so
// the job fails then and not halfway. A child must not start a job: it forked
// without the parent's worker threads.
TEST(UnreadableInputTest, UnreadableFileFailsWhenTheReaderOpens) {
  OpenScratch dir;
  dir.Write("in/a.csv", "1\n");
  dir.Write("in/b.csv", "2\n");
  ::chmod(dir.Path("in/b.csv").c_str(), 0200);
  EXPECT_THAT(RunUnprivileged([&]() -> absl::Status {
                absl::StatusOr<InputFileSet> files =
                    InputFileSet::Resolve(dir.Path("in"));
                if (!files.ok()) return files.status();
                return RecordReader(RecordFormat()).Open(files->files());
              }),
              HasSubstr("PERMISSION_DENIED: cannot open '" + dir.Path("in/b.csv") + "'"));
}

TEST(UnreadableInputTest, DanglingLinkInADirectoryFails) {
  ScratchDirectory dir;
  dir.Write("in/a.csv", "1\n");
  ASSERT_EQ(::symlink(dir.Path("gone.csv").c_str(), dir.Path("in/b.csv").c_str()), 0);
  EXPECT_THAT(ResolveStatus(dir.Path("in")),
              StatusIs(absl::StatusCode::kNotFound, "input '" + dir.Path("in/b.csv") +
                                                        "' is a dangling symbolic link"));
  EXPECT_THAT(ResolveStatus(dir.Path("in/*.csv")),
              StatusIs(absl::StatusCode::kNotFound, "dangling symbolic link"));
}

TEST(UnreadableInputTest, LinkLoopInADirectoryFails) {
  ScratchDirectory dir;
  dir.Write("in/a.csv", "1\n");
  ASSERT_EQ(::symlink("loop.csv", dir.Path("in/loop.csv").c_str()), 0);
  EXPECT_THAT(ResolveStatus(dir.Path("in")),
              StatusIs(absl::StatusCode::kUnknown,
                       "cannot examine input '" + dir.Path("in/loop.csv") + "'"));
}

TEST(UnreadableInputTest, FifoOrSocketAmongTheFilesFails) {
  ScratchDirectory dir;
  dir.Write("in/a.csv", "1\n");
  ASSERT_EQ(::mkfifo(dir.Path("in/pipe.csv").c_str(), 0644), 0);
  EXPECT_THAT(ResolveStatus(dir.Path("in")),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       "input '" + dir.Path("in/pipe.csv") +
                           "' is a named pipe, not a regular file"));
  EXPECT_THAT(ResolveStatus(dir.Path("in/*.csv")),
              StatusIs(absl::StatusCode::kFailedPrecondition, "is a named pipe"));
  std::filesystem::remove(dir.Path("in/pipe.csv"));

  int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  const std::string socket_path = dir.Path("in/s.csv");
  ASSERT_LT(socket_path.size(), sizeof(address.sun_path));
  std::snprintf(address.sun_path, sizeof(address.sun_path), "%s", socket_path.c_str());
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  EXPECT_THAT(ResolveStatus(dir.Path("in")),
              StatusIs(absl::StatusCode::kFailedPrecondition, "is a socket"));
  ::close(fd);
}

// A FIFO named as the location is read: the check when the job starts must not open
// it (that took the writer's first open, and the writer then failed with EPIPE).
TEST(UnreadableInputTest, NamedPipeAsTheLocationIsRead) {
  ScratchDirectory dir;
  const std::string pipe = dir.Path("pipe");
  ASSERT_EQ(::mkfifo(pipe.c_str(), 0644), 0);
  std::thread writer([&] {
    std::FILE* out = std::fopen(pipe.c_str(), "w");
    ASSERT_NE(out, nullptr);
    std::fputs("one\ntwo\nthree\n", out);
    std::fclose(out);
  });
  Dataflow flow;
  CollectorSink<std::string> sink;
  flow.Source(TextLineSource(pipe)).Sink(sink);
  SLUICE_EXPECT_OK(flow.Run(QuietOptions()));
  writer.join();
  EXPECT_THAT(sink.Items(), UnorderedElementsAre("one", "two", "three"));
}

}  // namespace
}  // namespace sluice
