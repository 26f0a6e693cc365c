// word_count: counts the words of text files (a file, a directory or a glob), writes
// "word,count" rows to a CSV file and prints the most frequent words. One bounded
// dataflow: ReduceAtEnd gives each word's final count when the input ends.
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "sluice/sluice.h"

ABSL_FLAG(std::string, input, "", "Text file, directory or glob pattern to read.");
ABSL_FLAG(std::string, output, "word_counts.csv", "CSV file for the final counts.");
ABSL_FLAG(int, parallelism, 2, "Parallel instances per operator.");
ABSL_FLAG(int, top, 10, "How many of the most frequent words to print.");
ABSL_FLAG(bool, skip_bad_lines, false,
          "Skip (and count) lines that are not valid UTF-8 instead of failing.");

namespace {

struct WordCount {
  std::string word;
  int64_t count = 0;
};

// Lower-cased runs of letters, digits and apostrophes.
void SplitWords(const std::string& line, sluice::Collector<std::string>& out) {
  std::string word;
  for (char c : line) {
    unsigned char u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || c == '\'' || u >= 0x80) {
      word.push_back(static_cast<char>(std::tolower(u)));
    } else if (!word.empty()) {
      out.Emit(std::move(word));
      word.clear();
    }
  }
  if (!word.empty()) out.Emit(std::move(word));
}

int Run() {
  std::string input = absl::GetFlag(FLAGS_input);
  if (input.empty()) {
    std::fprintf(stderr, "word_count: --input is required (a file, directory or glob)\n");
    return 2;
  }
  auto lines = sluice::TextLineSource(input);
  if (absl::GetFlag(FLAGS_skip_bad_lines)) {
    lines = lines.OnBadRecord(sluice::BadRecordPolicy::Skip());
  }

  // One final count per word when the input ends; each goes to the CSV file and to
  // a collector for the summary below.
  sluice::CollectorSink<WordCount> totals;
  sluice::Dataflow flow;
  auto counts = flow.Source(lines)
                    .Name("lines")
                    .FlatMap<std::string>(SplitWords)
                    .Name("split")
                    .Map([](const std::string& word) {
                      return WordCount{word, 1};
                    })
                    .KeyBy([](const WordCount& wc) { return wc.word; })
                    .ReduceAtEnd([](const WordCount& a, const WordCount& b) {
                      return WordCount{a.word, a.count + b.count};
                    })
                    .Name("count");
  counts
      .Sink(sluice::CsvSink<WordCount>(absl::GetFlag(FLAGS_output),
                                       sluice::RecordSchema<WordCount>()
                                           .Field("word", &WordCount::word)
                                           .Field("count", &WordCount::count))
                .Header())
      .Name("csv");
  counts.Sink(totals).Name("totals");
  sluice::JobOptions options;
  options.parallelism = absl::GetFlag(FLAGS_parallelism);
  options.print_metrics = true;  // the table on stderr when the job ends
  absl::Status status = flow.Run(options);
  if (!status.ok()) {
    std::fprintf(stderr, "word_count: %s\n", status.ToString().c_str());
    return 1;
  }

  std::vector<WordCount> sorted = totals.Items();
  std::sort(sorted.begin(), sorted.end(), [](const WordCount& a, const WordCount& b) {
    return a.count != b.count ? a.count > b.count : a.word < b.word;
  });
  int top = std::min<int>(absl::GetFlag(FLAGS_top), static_cast<int>(sorted.size()));
  for (int i = 0; i < top; ++i) {
    std::printf("%8lld  %s\n", static_cast<long long>(sorted[i].count),
                sorted[i].word.c_str());
  }
  std::printf("%zu distinct words; all counts in %s\n", sorted.size(),
              absl::GetFlag(FLAGS_output).c_str());
  if (absl::GetFlag(FLAGS_skip_bad_lines) && lines.bad_records().skipped() > 0) {
    std::printf("skipped %llu lines that were not valid UTF-8\n",
                static_cast<unsigned long long>(lines.bad_records().skipped()));
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "Counts words in text files.\nExample: word_count --input='docs/*.md'");
  absl::ParseCommandLine(argc, argv);
  return Run();
}
