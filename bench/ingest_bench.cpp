// CSV ingest benchmark: loads a data directory written by `cohort gen` with
// the Patient schema on N threads, streaming the batches (as `cohort run`
// does), and prints one line: threads, seconds, MB/s, MB/s per thread, CPU
// seconds (user + system) and MB per CPU-second (the per-core rate, which a
// busy shared machine disturbs less than wall time), the tokenizer's block
// classifier and peak RSS. Run one process per thread count so peak RSS is
// per configuration; COHORT_CSV_SCAN=portable|sse2|avx2 picks the classifier.
//
// With --program FILE only the columns that program reads are converted
// (the column projection of `cohort run`); without it every column is.
//
//   cohort_ingest_bench --data DIR [--threads N] [--chunk-mb N] [--program FILE]
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <fmt/format.h>

#include "compiler/driver/driver.h"
#include "runtime/csv_scan.h"
#include "runtime/loader.h"

using namespace cohort;

int main(int argc, char** argv) {
  std::string data_dir;
  int threads = 1;
  size_t chunk_mb = 0;
  std::string program_file;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--data") data_dir = argv[i + 1];
    else if (a == "--threads") threads = std::stoi(argv[i + 1]);
    else if (a == "--chunk-mb") chunk_mb = std::stoul(argv[i + 1]);
    else if (a == "--program") program_file = argv[i + 1];
  }
  if (data_dir.empty()) {
    fmt::print(stderr, "usage: cohort_ingest_bench --data DIR [--threads N] [--chunk-mb N] [--program FILE]\n");
    return 2;
  }
  std::string text = "use Patient\nsegment X \"\" where true\n";
  if (!program_file.empty()) {
    std::ifstream in(program_file);
    std::stringstream ss;
    ss << in.rdbuf();
    text = ss.str();
  }
  CompileResult probe = Compile(text, CompileOptions{});
  if (!probe.ok()) {
    fmt::print(stderr, "cannot compile the program\n");
    return 1;
  }
  const Schema& schema = *probe.program->schema;
  std::error_code ec;
  double bytes = 0;
  for (const char* f : {"patients.csv", "events.csv"})
    bytes += static_cast<double>(std::filesystem::file_size(std::filesystem::path(data_dir) / f, ec));
  LoadOptions options;
  options.threads = threads;
  options.chunk_bytes = chunk_mb << 20;
  if (!program_file.empty())
    options.projection = std::make_shared<const ir::UsedColumns>(ir::FindUsedColumns(*probe.program));
  struct rusage ru0 {};
  getrusage(RUSAGE_SELF, &ru0);
  const double cpu0 = static_cast<double>(ru0.ru_utime.tv_sec + ru0.ru_stime.tv_sec) +
                      static_cast<double>(ru0.ru_utime.tv_usec + ru0.ru_stime.tv_usec) / 1e6;
  auto t0 = std::chrono::steady_clock::now();
  std::vector<DataError> errors;
  auto reader = OpenRecordReader(probe.program->schema, data_dir, options, &errors);
  if (!reader) {
    for (auto& e : errors) fmt::print(stderr, "{}\n", e.ToString());
    return 1;
  }
  int64_t rows = 0;
  Batch b(schema);
  while (reader->Next(&b, 16384)) rows += b.num_rows();
  for (auto& e : reader->errors()) fmt::print(stderr, "{}\n", e.ToString());
  if (!reader->errors().empty()) return 1;
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  struct rusage ru {};
  getrusage(RUSAGE_SELF, &ru);
  const double cpu = static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
                     static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6 - cpu0;
  const double mb = bytes / 1e6;
  fmt::print("threads={} projected={} scan={} records={} list_rows={} input={:.0f}MB seconds={:.2f} MB/s={:.0f} "
             "MB/s/thread={:.0f} cpu_seconds={:.2f} MB/cpu_s={:.0f} peak_rss={:.0f}MB\n",
             threads, program_file.empty() ? "no" : "yes", CsvScanPathName(DefaultCsvScanPath()), rows,
             reader->stats().list_rows, mb, secs, mb / secs, mb / secs / threads, cpu, mb / cpu,
             static_cast<double>(ru.ru_maxrss) / 1024.0);
  return 0;
}
