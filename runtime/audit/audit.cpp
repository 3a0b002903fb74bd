#include "runtime/audit/audit.h"

#include <fcntl.h>
#include <pwd.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <fstream>
#include <regex>
#include <sstream>

#include <fmt/format.h>
#include <openssl/evp.h>

#include "core/version.h"

namespace cohort::audit {

namespace {

constexpr char kGenesis[] = "0000000000000000000000000000000000000000000000000000000000000000";

std::string Hex(const unsigned char* d, unsigned n) {
  static const char* k = "0123456789abcdef";
  std::string out(n * 2, '0');
  for (unsigned i = 0; i < n; ++i) {
    out[2 * i] = k[d[i] >> 4];
    out[2 * i + 1] = k[d[i] & 15];
  }
  return out;
}

/// Closes a file descriptor (and releases its lock) on every path.
struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

/// The last line of the file open at `fd` (without its newline), "" if empty.
bool ReadLastLine(int fd, std::string* line, std::string* error) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    *error = std::strerror(errno);
    return false;
  }
  line->clear();
  off_t end = st.st_size;
  if (end == 0) return true;
  // Read backwards in blocks until a newline before the last line is found.
  std::string tail;
  off_t pos = end;
  const off_t kBlock = 4096;
  while (pos > 0) {
    off_t n = std::min(kBlock, pos);
    pos -= n;
    std::string block(static_cast<size_t>(n), '\0');
    if (::pread(fd, block.data(), static_cast<size_t>(n), pos) != n) {
      *error = std::strerror(errno);
      return false;
    }
    tail.insert(0, block);
    std::string_view t = tail;
    if (!t.empty() && t.back() == '\n') t.remove_suffix(1);
    size_t nl = t.rfind('\n');
    if (nl != std::string_view::npos) {
      *line = std::string(t.substr(nl + 1));
      return true;
    }
  }
  std::string_view t = tail;
  if (!t.empty() && t.back() == '\n') t.remove_suffix(1);
  *line = std::string(t);
  return true;
}

/// The self-hash of an entry: SHA-256 of its dump without "hash".
std::string EntryHash(nlohmann::json entry) {
  entry.erase("hash");
  return Sha256Hex(entry.dump());
}

}  // namespace

std::string Sha256Hex(std::string_view bytes) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(bytes.data(), bytes.size(), md, &len, EVP_sha256(), nullptr);
  return Hex(md, len);
}

std::string Sha256File(const std::string& path, std::string* error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *error = fmt::format("cannot read `{}`", path);
    return {};
  }
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr);
  std::vector<char> buf(1 << 16);
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    if (in.gcount() > 0) EVP_DigestUpdate(ctx, buf.data(), static_cast<size_t>(in.gcount()));
  }
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx, md, &len);
  EVP_MD_CTX_free(ctx);
  if (in.bad()) {
    *error = fmt::format("cannot read `{}`", path);
    return {};
  }
  return Hex(md, len);
}

nlohmann::json Provenance() {
  nlohmann::json j;
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  j["time"] = buf;
  std::string user;
  if (struct passwd* pw = ::getpwuid(::geteuid())) user = pw->pw_name;
  else user = std::to_string(::geteuid());
  j["user"] = user;
  char host[256] = {0};
  if (::gethostname(host, sizeof host - 1) != 0) host[0] = 0;
  j["host"] = std::string(host);
  j["version"] = CohortVersion();
  return j;
}

std::string RedactCommandLine(const std::vector<std::string>& argv) {
  static const std::regex kUriPassword(R"(([a-zA-Z][a-zA-Z0-9+.-]*://[^:/@\s]*):[^@\s]*@)");
  static const std::regex kKeyword(R"((password\s*=\s*)('[^']*'|\S+))", std::regex::icase);
  std::string out;
  for (size_t i = 0; i < argv.size(); ++i) {
    std::string a = std::regex_replace(argv[i], kUriPassword, "$1:***@");
    a = std::regex_replace(a, kKeyword, "$1***");
    if (i) out.push_back(' ');
    bool quote = a.empty() || a.find_first_of(" \t\"'\\$") != std::string::npos;
    if (!quote) {
      out += a;
      continue;
    }
    out.push_back('\'');
    for (char c : a) {
      if (c == '\'') out += "'\\''";
      else out.push_back(c);
    }
    out.push_back('\'');
  }
  return out;
}

std::string Append(const std::string& path, nlohmann::json entry) {
  Fd f;
  f.fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  if (f.fd < 0) return fmt::format("cannot open audit log `{}`: {}", path, std::strerror(errno));
  while (::flock(f.fd, LOCK_EX) != 0) {
    if (errno != EINTR) return fmt::format("cannot lock audit log `{}`: {}", path, std::strerror(errno));
  }
  std::string last, error;
  if (!ReadLastLine(f.fd, &last, &error)) return fmt::format("cannot read audit log `{}`: {}", path, error);
  int64_t seq = 1;
  std::string prev = kGenesis;
  if (!last.empty()) {
    nlohmann::json lj = nlohmann::json::parse(last, nullptr, /*allow_exceptions=*/false);
    if (!lj.is_object() || !lj.contains("seq") || !lj["seq"].is_number_integer())
      return fmt::format("audit log `{}` does not end with a valid entry; run `cohort audit verify`", path);
    seq = lj["seq"].get<int64_t>() + 1;
    prev = Sha256Hex(last);
  }
  entry["seq"] = seq;
  entry["prev"] = prev;
  entry["hash"] = EntryHash(entry);
  std::string line = entry.dump() + "\n";
  size_t done = 0;
  while (done < line.size()) {
    ssize_t n = ::write(f.fd, line.data() + done, line.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fmt::format("cannot write audit log `{}`: {}", path, std::strerror(errno));
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(f.fd) != 0) return fmt::format("cannot flush audit log `{}`: {}", path, std::strerror(errno));
  return {};
}

VerifyResult Verify(const std::string& path) {
  VerifyResult r;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    r.ok = false;
    r.problem = fmt::format("cannot read `{}`", path);
    return r;
  }
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(std::move(line));
  r.lines = static_cast<int64_t>(lines.size());
  auto fail = [&](int64_t at, std::string what) {
    r.ok = false;
    r.bad_line = at;
    r.problem = std::move(what);
    return r;
  };
  // First pass: each line on its own (parses, carries its fields, matches its hash).
  std::vector<int64_t> seqs;
  for (size_t i = 0; i < lines.size(); ++i) {
    const int64_t n = static_cast<int64_t>(i) + 1;
    nlohmann::json j = nlohmann::json::parse(lines[i], nullptr, /*allow_exceptions=*/false);
    if (!j.is_object()) return fail(n, "not a JSON object: the line was altered");
    if (!j.contains("hash") || !j["hash"].is_string() || !j.contains("seq") || !j["seq"].is_number_integer() ||
        !j.contains("prev") || !j["prev"].is_string())
      return fail(n, "missing `seq`, `prev` or `hash`: the line was altered");
    if (j["hash"].get<std::string>() != EntryHash(j))
      return fail(n, "its content does not match its hash: the line was altered");
    seqs.push_back(j["seq"].get<int64_t>());
    // The link to the previous line's exact bytes.
    std::string want = i == 0 ? std::string(kGenesis) : Sha256Hex(lines[i - 1]);
    bool seq_ok = seqs.back() == n;
    if (seq_ok && j["prev"].get<std::string>() != want) {
      if (i == 0) return fail(1, "the first entry does not start the chain: entries before it were removed");
      return fail(n - 1, "its bytes do not match the next line's `prev`: the line was altered");
    }
    if (!seq_ok) {
      const int64_t expect = n;
      bool later = false;
      for (size_t k = i + 1; k < lines.size() && !later; ++k) {
        nlohmann::json lk = nlohmann::json::parse(lines[k], nullptr, false);
        later = lk.is_object() && lk.contains("seq") && lk["seq"] == expect;
      }
      if (later || seqs.back() < expect)
        return fail(n, fmt::format("entry {} stands where entry {} belongs: lines were reordered or duplicated",
                                   seqs.back(), expect));
      int64_t gone = seqs.back() - expect;
      return fail(n, fmt::format("entry {} follows entry {}: {} entr{} removed before this line", seqs.back(),
                                 expect - 1, gone, gone == 1 ? "y was" : "ies were"));
    }
  }
  return r;
}

}  // namespace cohort::audit
