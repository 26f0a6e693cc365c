// A fresh directory for one test's input and output files, removed afterwards, with
// plain-C++ file reading and writing so tests check files independently of io/.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "gtest/gtest.h"

namespace sluice::testing {

class ScratchDirectory {
 public:
  ScratchDirectory() {
    std::string pattern = ::testing::TempDir() + "sluice_io_XXXXXX";
    char* made = ::mkdtemp(pattern.data());
    EXPECT_NE(made, nullptr) << "mkdtemp failed for " << pattern;
    path_ = pattern;
  }
  ~ScratchDirectory() {
    std::error_code error;
    std::filesystem::remove_all(path_, error);
  }
  ScratchDirectory(const ScratchDirectory&) = delete;
  ScratchDirectory& operator=(const ScratchDirectory&) = delete;

  const std::string& path() const { return path_; }
  std::string Path(std::string_view name) const {
    return (std::filesystem::path(path_) / name).string();
  }

  // Writes `content` byte for byte to `name` (creating its directories); returns its
  // path.
  std::string Write(std::string_view name, std::string_view content) const {
    std::filesystem::path file = std::filesystem::path(path_) / name;
    std::filesystem::create_directories(file.parent_path());
    std::ofstream out(file, std::ios::binary);
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    EXPECT_TRUE(out.good()) << "cannot write " << file;
    return file.string();
  }

  static std::string Read(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    EXPECT_TRUE(in.good()) << "cannot read " << path;
    std::stringstream content;
    content << in.rdbuf();
    return content.str();
  }

  // The file's lines without their "\n"; a final "\n" does not start another line.
  static std::vector<std::string> ReadLines(const std::string& path) {
    std::string content = Read(path);
    std::vector<std::string> lines;
    size_t start = 0;
    while (start < content.size()) {
      size_t end = content.find('\n', start);
      if (end == std::string::npos) end = content.size();
      lines.push_back(content.substr(start, end - start));
      start = end + 1;
    }
    return lines;
  }

 private:
  std::string path_;
};

}  // namespace sluice::testing
