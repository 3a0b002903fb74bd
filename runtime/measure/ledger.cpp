#include "runtime/measure/ledger.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include <fmt/format.h>

#include "core/dates.h"
#include "core/strings.h"
#include "runtime/audit/audit.h"

namespace cohort::measure {

namespace fs = std::filesystem;

namespace {

constexpr char kHeader[] = "run_id,run_date,key,segment,list,step,send_on,variant";


/// Splits one CSV line (RFC 4180 quoting; a ledger line never holds a newline
/// inside quotes because keys and names do not). False when malformed.
bool SplitLine(std::string_view line, std::vector<std::string>* out) {
  out->clear();
  std::string cur;
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (quoted) {
      if (c == '"') {
        if (i + 1 < line.size() && line[i + 1] == '"') {
          cur.push_back('"');
          ++i;
        } else {
          quoted = false;
        }
      } else {
        cur.push_back(c);
      }
    } else if (c == '"' && cur.empty()) {
      quoted = true;
    } else if (c == ',') {
      out->push_back(std::move(cur));
      cur.clear();
    } else {
      cur.push_back(c);
    }
  }
  if (quoted) return false;
  out->push_back(std::move(cur));
  return true;
}

std::string Render(const LedgerRun& run) {
  std::string out = std::string(kHeader) + "\n";
  const std::string date = FormatDate(run.run_date);
  for (const LedgerRow& r : run.rows) {
    out += run.run_id + "," + date + ",";
    AppendCsvField(out, r.key);
    out.push_back(',');
    AppendCsvField(out, r.segment);
    out.push_back(',');
    AppendCsvField(out, r.list);
    out += fmt::format(",{},{},", r.step, FormatDate(r.send_on));
    AppendCsvField(out, r.variant);
    out.push_back('\n');
  }
  return out;
}

}  // namespace

std::string LedgerRunId(const std::vector<std::string>& input_hashes, int32_t run_date) {
  std::string all;
  for (const auto& h : input_hashes) all += h + "\n";
  all += FormatDate(run_date);
  return audit::Sha256Hex(all).substr(0, 16);
}

std::string WriteLedger(const std::string& dir, LedgerRun run, bool* already) {
  *already = false;
  std::sort(run.rows.begin(), run.rows.end(), [](const LedgerRow& a, const LedgerRow& b) {
    return std::tie(a.segment, a.list, a.key) < std::tie(b.segment, b.list, b.key);
  });
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return fmt::format("cannot create ledger directory `{}`: {}", dir, ec.message());
  fs::path target = fs::path(dir) / fmt::format("run-{}-{}.csv", FormatDate(run.run_date), run.run_id);
  const std::string content = Render(run);
  if (fs::exists(target, ec)) {
    std::ifstream in(target, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    if (ss.str() == content) {
      *already = true;
      return {};
    }
    return fmt::format("ledger file `{}` exists with other rows for the same run id; the ledger is never edited",
                       target.string());
  }
  std::random_device rd;
  fs::path tmp = fs::path(dir) / fmt::format(".run-{}.tmp-{}-{:08x}", run.run_id, ::getpid(), rd());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444);
  if (fd < 0) return fmt::format("cannot create `{}`: {}", tmp.string(), std::strerror(errno));
  size_t done = 0;
  while (done < content.size()) {
    ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      ::close(fd);
      ::unlink(tmp.c_str());
      return fmt::format("cannot write `{}`: {}", tmp.string(), std::strerror(errno));
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    ::unlink(tmp.c_str());
    return fmt::format("cannot flush `{}`: {}", tmp.string(), std::strerror(errno));
  }
  // link() fails if the target appeared meanwhile (a concurrent identical
  // run): the ledger is append-only, never overwritten.
  if (::link(tmp.c_str(), target.c_str()) != 0) {
    int e = errno;
    ::unlink(tmp.c_str());
    if (e == EEXIST) {
      *already = true;
      return {};
    }
    return fmt::format("cannot move `{}` into place: {}", target.string(), std::strerror(e));
  }
  ::unlink(tmp.c_str());
  return {};
}

std::string ReadLedger(const std::string& dir, std::vector<LedgerRun>* runs) {
  runs->clear();
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return fmt::format("ledger directory `{}` does not exist", dir);
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    std::string name = e.path().filename().string();
    if (name.rfind("run-", 0) == 0 && e.path().extension() == ".csv") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  std::vector<std::string> f;
  for (const fs::path& p : files) {
    std::ifstream in(p, std::ios::binary);
    if (!in) return fmt::format("cannot read `{}`", p.string());
    std::string line;
    if (!std::getline(in, line) || line != kHeader)
      return fmt::format("{}:1: not a ledger file; expected the header `{}`", p.string(), kHeader);
    LedgerRun run;
    int64_t lineno = 1;
    while (std::getline(in, line)) {
      ++lineno;
      if (line.empty()) continue;
      if (!SplitLine(line, &f) || f.size() != 8)
        return fmt::format("{}:{}: expected 8 columns", p.string(), lineno);
      auto date = ParseDate(f[1]);
      auto send = ParseDate(f[6]);
      if (!date || !send) return fmt::format("{}:{}: invalid date; expected YYYY-MM-DD", p.string(), lineno);
      char* end = nullptr;
      long step = std::strtol(f[5].c_str(), &end, 10);
      if (f[5].empty() || *end || step < 0) return fmt::format("{}:{}: column `step`: invalid number", p.string(), lineno);
      if (run.run_id.empty()) {
        run.run_id = f[0];
        run.run_date = *date;
      } else if (f[0] != run.run_id || *date != run.run_date) {
        return fmt::format("{}:{}: a ledger file holds one run", p.string(), lineno);
      }
      run.rows.push_back({f[2], f[3], f[4], static_cast<uint32_t>(step), *send, f[7]});
    }
    runs->push_back(std::move(run));
  }
  return {};
}

}  // namespace cohort::measure
