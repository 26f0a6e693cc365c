// Fuzzes reading CSV: a file's bytes through RecordReader (lines, CRLF, byte-order
// mark, quoted line breaks, UTF-8 checks) and each record through CsvParser and
// CsvRecordDecoder. No input may crash or read out of bounds, and every record that
// splits must split again, to the same fields, once written back by AppendCsvField.
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sluice/io/file/record_reader.h"
#include "sluice/io/records/csv_escaping.h"
#include "sluice/io/records/csv_parser.h"
#include "sluice/io/records/csv_record_decoder.h"
#include "sluice/tests/fuzz/fuzz_types.h"
#include "sluice/tests/fuzz/invariant.h"

namespace sluice::fuzz {
namespace {

void CheckRoundTrip(CsvParser& parser, char delimiter, std::string_view record) {
  std::vector<std::string_view> fields;
  if (!parser.Split(record, &fields).ok()) return;
  const std::vector<std::string> first(fields.begin(), fields.end());
  std::string written;
  for (size_t i = 0; i < first.size(); ++i) {
    if (i > 0) written.push_back(delimiter);
    AppendCsvField(first[i], delimiter, &written);
  }
  if (!parser.Split(written, &fields).ok()) Broken("a written record does not split");
  if (std::vector<std::string>(fields.begin(), fields.end()) != first) {
    Broken("a written record splits into other fields");
  }
}

}  // namespace
}  // namespace sluice::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sluice;
  using namespace sluice::fuzz;
  if (size == 0) return 0;
  // The first byte picks the dialect; the rest is the file.
  const char delimiter = ",;\t|"[data[0] & 3];
  RecordFormat format;
  format.header_line = (data[0] & 4) != 0;
  format.skip_blank_lines = true;
  format.quoted_line_breaks = true;
  format.delimiter = delimiter;

  // A file in memory: RecordReader reads paths.
  const int fd = ::memfd_create("csv", 0);
  if (fd < 0) Broken("memfd_create failed");
  if (::write(fd, data + 1, size - 1) != static_cast<ssize_t>(size - 1)) {
    Broken("write to memfd failed");
  }
  InputFile file;
  file.path = "/proc/self/fd/" + std::to_string(fd);
  file.size = size - 1;
  RecordReader reader(format);
  CsvParser parser(delimiter);
  CsvRecordDecoder<Row> decoder(RowSchema(), delimiter);
  if (reader.Open({file}).ok()) {
    TextRecord record;
    while (true) {
      absl::StatusOr<bool> more = reader.Next(&record);
      if (!more.ok() || !*more) break;
      if (!record.defect.empty()) continue;
      CheckRoundTrip(parser, delimiter, record.text);
      if (record.header) {
        (void)decoder.CheckHeader(record.text);
        continue;
      }
      Row row;
      (void)decoder.Decode(record.text, row);
    }
    reader.Close();
  }
  ::close(fd);
  return 0;
}
