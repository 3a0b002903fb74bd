// `cohort gen`: deterministic synthetic patients for the standard Patient
// schema. Each patient draws from its own PRNG stream (seed, index), so output
// depends only on the options, never on chunking, time or the machine. Rows
// are streamed; events are buffered per chunk of patients and sorted by time
// within the chunk, so events.csv is not grouped by patient (as real exports).
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "core/dates.h"
#include "runtime/loader.h"

namespace cohort {
namespace {

constexpr int64_t kChunkPatients = 1 << 16;
constexpr int64_t kSecondsPerDay = 86'400;

/// splitmix64: seeds streams and mixes (seed, index) pairs.
inline uint64_t SplitMix(uint64_t& state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

/// xoshiro256** seeded through splitmix64; one per patient.
class Rng {
 public:
  Rng(uint64_t seed, uint64_t stream) {
    uint64_t sm = seed * 0xD1342543DE82EF95ULL ^ (stream + 0x632BE59BD9B4E019ULL);
    for (auto& x : s_) x = SplitMix(sm);
  }
  uint64_t Next() {
    uint64_t result = Rotl(s_[1] * 5, 7) * 9;
    uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = Rotl(s_[3], 45);
    return result;
  }
  /// Uniform in [0, n) (n > 0); the tiny modulo bias does not matter here.
  int64_t Below(int64_t n) { return static_cast<int64_t>(Next() % static_cast<uint64_t>(n)); }
  /// Uniform in [lo, hi].
  int64_t Range(int64_t lo, int64_t hi) { return lo + Below(hi - lo + 1); }
  /// Uniform in [0, 1).
  double Unit() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }
  bool Chance(double p) { return Unit() < p; }
  /// Index drawn with the given weights.
  template <size_t N>
  size_t Pick(const double (&weights)[N]) {
    double total = 0;
    for (double w : weights) total += w;
    double x = Unit() * total;
    for (size_t i = 0; i < N; ++i) {
      if (x < weights[i]) return i;
      x -= weights[i];
    }
    return N - 1;
  }

 private:
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4];
};

/// A buffered file writer that reports the first I/O error.
class OutFile {
 public:
  ~OutFile() {
    if (fd_ >= 0) ::close(fd_);
  }
  bool Open(const std::string& path) {
    path_ = path;
    fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd_ < 0) error_ = fmt::format("cannot create {}: {}", path, std::strerror(errno));
    buf_.reserve(kFlushAt + 4096);
    return fd_ >= 0;
  }
  void Put(std::string_view s) {
    buf_.append(s);
    if (buf_.size() >= kFlushAt) Flush();
  }
  void Put(char c) { buf_.push_back(c); }
  void PutInt(int64_t v) {
    char tmp[24];
    auto r = fmt::format_to_n(tmp, sizeof tmp, "{}", v);
    buf_.append(tmp, r.size);
  }
  /// `P0000042`.
  void PutId(int64_t n) {
    char tmp[24];
    auto r = fmt::format_to_n(tmp, sizeof tmp, "P{:07}", n);
    buf_.append(tmp, r.size);
  }
  void PutDate(int32_t days) {
    int32_t y;
    uint32_t m, d;
    CivilFromDays(days, &y, &m, &d);
    char tmp[10] = {char('0' + y / 1000 % 10), char('0' + y / 100 % 10), char('0' + y / 10 % 10), char('0' + y % 10),
                    '-', char('0' + m / 10), char('0' + m % 10), '-', char('0' + d / 10), char('0' + d % 10)};
    buf_.append(tmp, 10);
  }
  /// `YYYY-MM-DDTHH:MM:SSZ` of whole seconds since the epoch.
  void PutTimestamp(int64_t seconds) {
    int64_t day = seconds >= 0 ? seconds / kSecondsPerDay : -((-seconds + kSecondsPerDay - 1) / kSecondsPerDay);
    int64_t rem = seconds - day * kSecondsPerDay;
    PutDate(static_cast<int32_t>(day));
    int h = static_cast<int>(rem / 3600), mi = static_cast<int>(rem / 60 % 60), s = static_cast<int>(rem % 60);
    char tmp[10] = {'T', char('0' + h / 10), char('0' + h % 10), ':', char('0' + mi / 10), char('0' + mi % 10),
                    ':', char('0' + s / 10), char('0' + s % 10), 'Z'};
    buf_.append(tmp, 10);
  }
  void Flush() {
    size_t off = 0;
    while (error_.empty() && off < buf_.size()) {
      ssize_t n = ::write(fd_, buf_.data() + off, buf_.size() - off);
      if (n < 0) {
        if (errno == EINTR) continue;
        error_ = fmt::format("cannot write {}: {}", path_, std::strerror(errno));
        break;
      }
      off += static_cast<size_t>(n);
    }
    buf_.clear();
  }
  /// Flushes and closes; false (with error()) on failure.
  bool Close() {
    Flush();
    if (fd_ >= 0 && ::close(fd_) != 0 && error_.empty())
      error_ = fmt::format("cannot write {}: {}", path_, std::strerror(errno));
    fd_ = -1;
    return error_.empty();
  }
  const std::string& error() const { return error_; }

 private:
  static constexpr size_t kFlushAt = size_t{1} << 20;
  int fd_ = -1;
  std::string path_;
  std::string buf_;
  std::string error_;
};

// ---- Vocabularies and weights -------------------------------------------------

const char* const kSexes[] = {"female", "male", "other", "unknown"};
const double kSexW[] = {51, 47, 1, 1};

const char* const kLanguages[] = {"en", "es", "vi", "zh", "pt", "ht", "fr", "ru", "ar", "ko"};
const double kLanguageW[] = {70, 18, 3, 2.5, 2.5, 1.5, 1, 0.5, 0.5, 0.5};

struct State {
  const char* code;
  const char* zip_prefixes[3];
};
const State kStates[] = {
    {"MA", {"021", "017", "019"}}, {"NH", {"030", "031", "038"}}, {"RI", {"028", "029", "028"}},
    {"CT", {"060", "064", "068"}}, {"NY", {"100", "112", "146"}}, {"ME", {"040", "041", "044"}},
    {"VT", {"050", "054", "056"}}, {"FL", {"331", "327", "336"}}, {"CA", {"900", "941", "921"}},
};
const double kStateW[] = {58, 9, 8, 7, 6, 4, 3, 3, 2};

const char* const kPayers[] = {"commercial", "medicare", "medicaid", "self_pay", "other"};

const char* const kServiceLines[] = {"primary_care", "cardiology",   "endocrinology", "behavioral_health",
                                     "orthopedics",  "oncology",     "obstetrics",    "dermatology",
                                     "pulmonology",  "neurology"};
const double kServiceLineW[] = {45, 10, 6, 8, 7, 4, 4, 5, 4, 3};

const char* const kApptKinds[] = {"video", "phone", "in_person"};
const double kApptKindW[] = {30, 15, 55};

const char* const kNoShowReasons[] = {"scheduling", "technical", "transport", "unknown"};
const double kNoShowReasonW[] = {35, 28, 20, 17};

const char* const kDevices[] = {"none", "phone_only", "smartphone", "computer"};
const double kDeviceW[] = {6, 12, 57, 25};

const char* const kDischargeTypes[] = {"inpatient", "emergency", "observation"};
const double kDischargeTypeW[] = {45, 40, 15};

/// ICD-10 codes with adult and pediatric prevalence (independent draws).
struct Condition {
  const char* code;
  double adult;
  double child;
  double senior_boost;
};
const Condition kConditions[] = {
    {"I10", 0.24, 0.005, 2.0},    {"E11.9", 0.10, 0.003, 1.8},  {"E78.5", 0.16, 0.005, 1.7},
    {"J45.909", 0.07, 0.09, 0.8}, {"F32.9", 0.08, 0.02, 0.9},   {"F41.1", 0.07, 0.03, 0.8},
    {"E66.9", 0.10, 0.05, 0.9},   {"K21.9", 0.07, 0.01, 1.3},   {"M54.50", 0.06, 0.005, 1.2},
    {"N18.30", 0.02, 0.001, 3.0}, {"I25.10", 0.03, 0.0, 3.0},   {"E11.65", 0.02, 0.001, 1.8},
    {"G47.33", 0.04, 0.002, 1.5}, {"F90.0", 0.01, 0.06, 0.3},   {"Z87.891", 0.05, 0.0, 1.5},
};

enum EventKind : uint8_t {
  kIntakeCompleted,
  kSchedulingLinkClicked,
  kBooked,
  kEmailOpened,
  kEmailClicked,
  kSmsReplied,
  kPortalLogin,
  kOptedOut,
};
const char* const kEventKinds[] = {"intake_completed", "scheduling_link_clicked", "booked",      "email_opened",
                                   "email_clicked",    "sms_replied",             "portal_login", "opted_out"};
const char* const kChannels[] = {"", "sms", "email", "phone", "portal"};

/// One event buffered until its chunk is sorted and written.
struct GenEvent {
  int64_t at;        ///< seconds since the epoch
  uint32_t patient;  ///< index within the whole run
  uint8_t kind;
  uint8_t channel;   ///< index into kChannels (0 = missing)
  bool operator<(const GenEvent& o) const {
    if (at != o.at) return at < o.at;
    if (patient != o.patient) return patient < o.patient;
    if (kind != o.kind) return kind < o.kind;
    return channel < o.channel;
  }
};

/// The channel an event of `kind` happened on.
uint8_t EventChannel(uint8_t kind, Rng& rng) {
  switch (kind) {
    case kEmailOpened:
    case kEmailClicked: return 2;
    case kSmsReplied: return 1;
    case kPortalLogin: return 4;
    case kSchedulingLinkClicked: return rng.Chance(0.5) ? 1 : 2;
    case kIntakeCompleted: return rng.Chance(0.6) ? 4 : 0;
    case kBooked: return rng.Chance(0.3) ? 3 : (rng.Chance(0.5) ? 4 : 0);
    case kOptedOut: return rng.Chance(0.6) ? 1 : 2;
    default: return 0;
  }
}

/// Writes one optional consent flag: mostly true, some false, some missing.
void PutConsent(OutFile& out, Rng& rng, double yes, double no) {
  double x = rng.Unit();
  if (x < yes) out.Put("true");
  else if (x < yes + no) out.Put("false");
}

/// Writes patient `index` to `out` and appends its events to `events`.
void GeneratePatient(const GenOptions& o, int64_t index, OutFile& out, std::vector<GenEvent>* events) {
  Rng rng(o.seed, static_cast<uint64_t>(index));
  const int32_t today = o.today;
  const int64_t now_s = int64_t{today} * kSecondsPerDay;

  // Age: 15% children, adults skewed towards middle and older age.
  int64_t age;
  if (rng.Chance(0.15)) age = rng.Range(0, 17);
  else age = std::min<int64_t>(100, 18 + rng.Below(31) + rng.Below(31) + (rng.Chance(0.3) ? rng.Below(25) : 0));
  int32_t birth = today - static_cast<int32_t>(age * 36525 / 100) - static_cast<int32_t>(rng.Below(365));
  const bool child = age < 18, senior = age >= 65;

  out.PutId(index + 1);
  out.Put(',');
  out.PutDate(birth);
  out.Put(',');
  out.Put(kSexes[rng.Pick(kSexW)]);
  out.Put(',');
  const size_t lang = rng.Pick(kLanguageW);
  out.Put(kLanguages[lang]);
  out.Put(',');
  // zip, state (a few missing).
  const State& st = kStates[rng.Pick(kStateW)];
  if (!rng.Chance(0.02)) {
    out.Put(st.zip_prefixes[rng.Below(3)]);
    int64_t tail = rng.Below(100);
    out.Put(char('0' + tail / 10));
    out.Put(char('0' + tail % 10));
  }
  out.Put(',');
  if (!rng.Chance(0.015)) out.Put(st.code);
  out.Put(',');
  // payer_type
  if (!rng.Chance(0.03)) {
    size_t payer;
    if (senior) payer = rng.Chance(0.82) ? 1 : (rng.Chance(0.6) ? 0 : 2);
    else if (child) payer = rng.Chance(0.55) ? 0 : (rng.Chance(0.9) ? 2 : 4);
    else {
      const double w[] = {66, 2, 20, 8, 4};
      payer = rng.Pick(w);
    }
    out.Put(kPayers[payer]);
  }
  out.Put(',');
  // service_line
  if (!rng.Chance(0.05)) out.Put(child && rng.Chance(0.6) ? "pediatrics" : kServiceLines[rng.Pick(kServiceLineW)]);
  out.Put(',');
  // Visit counts: many never had a telehealth visit.
  const bool digital = rng.Chance(age >= 75 ? 0.3 : 0.6);
  int64_t tele = rng.Chance(0.5) ? 0 : 1 + rng.Below(3) + (rng.Chance(0.3) ? rng.Below(12) : 0);
  int64_t inperson = rng.Chance(0.08) ? 0 : 1 + rng.Below(6) + (rng.Chance(0.3) ? rng.Below(25) : 0);
  out.PutInt(tele);
  out.Put(',');
  out.PutInt(inperson);
  out.Put(',');
  // last_visit: mostly within a year, a long tail beyond 18 months, some never.
  if (!(tele + inperson == 0 || rng.Chance(0.05))) {
    int64_t ago;
    double x = rng.Unit();
    if (x < 0.6) ago = rng.Range(0, 365);
    else if (x < 0.8) ago = rng.Range(366, 548);
    else ago = rng.Range(549, 2000);
    out.PutDate(today - static_cast<int32_t>(ago));
  }
  out.Put(',');
  // next_appointment (+ kind).
  const bool has_next = rng.Chance(0.35);
  if (has_next) out.PutDate(today + static_cast<int32_t>(rng.Chance(0.3) ? rng.Range(0, 7) : rng.Range(8, 120)));
  out.Put(',');
  if (has_next && !rng.Chance(0.05)) out.Put(kApptKinds[rng.Pick(kApptKindW)]);
  out.Put(',');
  // no-shows
  int64_t no_shows = rng.Chance(0.7) ? 0 : 1 + rng.Below(2) + (rng.Chance(0.2) ? rng.Below(5) : 0);
  out.PutInt(no_shows);
  out.Put(',');
  if (no_shows > 0 && !rng.Chance(0.05)) out.Put(kNoShowReasons[rng.Pick(kNoShowReasonW)]);
  out.Put(',');
  // portal_active, device_access
  const bool portal = rng.Chance(digital ? 0.75 : 0.2);
  out.Put(portal ? "true" : "false");
  out.Put(',');
  if (!rng.Chance(0.07)) {
    size_t dev = rng.Pick(kDeviceW);
    if (!digital && dev >= 2 && rng.Chance(0.5)) dev = rng.Below(2);
    out.Put(kDevices[dev]);
  }
  out.Put(',');
  // Discharges in recent weeks for a few percent, weighted to the last days.
  if (rng.Chance(senior ? 0.09 : 0.05)) {
    int64_t ago = rng.Chance(0.25) ? rng.Range(0, 3) : rng.Range(4, 60);
    out.PutDate(today - static_cast<int32_t>(ago));
    out.Put(',');
    out.Put(kDischargeTypes[rng.Pick(kDischargeTypeW)]);
  } else {
    out.Put(',');
  }
  out.Put(',');
  // Conditions (0-4), then the care gap which depends on them.
  const Condition* picked[4];
  size_t n_cond = 0;
  for (const Condition& c : kConditions) {
    double p = child ? c.child : c.adult * (senior ? c.senior_boost : 1.0);
    if (n_cond < 4 && rng.Chance(p)) picked[n_cond++] = &c;
  }
  bool chronic = false;
  for (size_t i = 0; i < n_cond; ++i)
    chronic |= std::strncmp(picked[i]->code, "E11", 3) == 0 || std::strncmp(picked[i]->code, "I10", 3) == 0;
  if (rng.Chance(chronic ? 0.75 : 0.25)) out.PutDate(today + static_cast<int32_t>(rng.Range(-240, 180)));
  out.Put(',');
  for (size_t i = 0; i < n_cond; ++i) {
    if (i) out.Put(';');
    out.Put(picked[i]->code);
  }
  // consent.sms, email, phone, portal, mail
  out.Put(',');
  PutConsent(out, rng, 0.82, 0.12);
  out.Put(',');
  PutConsent(out, rng, 0.86, 0.08);
  out.Put(',');
  PutConsent(out, rng, 0.88, 0.07);
  out.Put(',');
  PutConsent(out, rng, portal ? 0.9 : 0.6, 0.1);
  out.Put(',');
  PutConsent(out, rng, 0.9, 0.05);
  out.Put('\n');

  // Events: 0-12 over the last 120 days; some patients text but ignore email.
  const uint32_t pid = static_cast<uint32_t>(index);
  const bool texter = rng.Chance(0.25);
  int64_t n_events = rng.Chance(0.25) ? 0 : 1 + (rng.Below(12) + rng.Below(12)) / 2;
  auto add = [&](uint8_t kind, int64_t at) { events->push_back(GenEvent{at, pid, kind, EventChannel(kind, rng)}); };
  for (int64_t i = 0; i < n_events; ++i) {
    const double w_email[] = {5, 9, 9, 30, 10, 8, 18, 0};
    const double w_text[] = {5, 10, 9, 0, 0, 45, 12, 0};
    uint8_t kind = static_cast<uint8_t>(texter ? rng.Pick(w_text) : rng.Pick(w_email));
    add(kind, now_s - rng.Range(1, 120 * kSecondsPerDay));
  }
  // Recent intent, so the short-window segments have members on `today`.
  if (rng.Chance(0.025)) {
    int64_t at = now_s - rng.Range(1, 2 * kSecondsPerDay);
    add(kIntakeCompleted, at);
    if (rng.Chance(0.35)) add(kBooked, std::min(now_s - 1, at + rng.Range(600, 6 * 3600)));
  }
  if (rng.Chance(0.04)) add(kSchedulingLinkClicked, now_s - rng.Range(1, 7 * kSecondsPerDay));
  if (rng.Chance(0.02)) add(kOptedOut, now_s - rng.Range(1, 120 * kSecondsPerDay));
}

const char* kPatientsHeader =
    "id,birth_date,sex,language,zip,state,payer_type,service_line,telehealth_visits,in_person_visits,"
    "last_visit,next_appointment,next_appointment_kind,no_show_count,last_no_show_reason,portal_active,"
    "device_access,discharged_on,discharge_type,care_gap_due,conditions,consent.sms,consent.email,"
    "consent.phone,consent.portal,consent.mail\n";

/// A temporary name next to `final_path` (same directory, so rename is atomic).
std::string TempPath(const std::string& final_path) {
  return fmt::format("{}.tmp-{}", final_path, static_cast<long>(::getpid()));
}

}  // namespace

std::string GenerateData(const GenOptions& options, const std::string& dir) {
  if (options.patients < 0) return "the number of patients must not be negative";
  if (options.patients > int64_t{UINT32_MAX}) return "too many patients";
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return fmt::format("cannot create directory {}: {}", dir, ec.message());
  const std::string patients_path = (std::filesystem::path(dir) / "patients.csv").string();
  const std::string events_path = (std::filesystem::path(dir) / "events.csv").string();
  const std::string patients_tmp = TempPath(patients_path), events_tmp = TempPath(events_path);
  auto cleanup = [&] {
    std::filesystem::remove(patients_tmp, ec);
    std::filesystem::remove(events_tmp, ec);
  };

  OutFile patients, events;
  if (!patients.Open(patients_tmp)) return patients.error();
  if (!events.Open(events_tmp)) {
    cleanup();
    return events.error();
  }
  patients.Put(kPatientsHeader);
  events.Put("patient_id,kind,at,channel\n");
  std::vector<GenEvent> chunk_events;
  for (int64_t begin = 0; begin < options.patients; begin += kChunkPatients) {
    int64_t end = std::min(options.patients, begin + kChunkPatients);
    chunk_events.clear();
    for (int64_t i = begin; i < end; ++i) GeneratePatient(options, i, patients, &chunk_events);
    std::sort(chunk_events.begin(), chunk_events.end());
    for (const GenEvent& e : chunk_events) {
      events.PutId(int64_t{e.patient} + 1);
      events.Put(',');
      events.Put(kEventKinds[e.kind]);
      events.Put(',');
      events.PutTimestamp(e.at);
      events.Put(',');
      events.Put(kChannels[e.channel]);
      events.Put('\n');
    }
    if (!patients.error().empty() || !events.error().empty()) break;
  }
  bool ok_p = patients.Close();
  bool ok_e = events.Close();
  if (!ok_p || !ok_e) {
    cleanup();
    return !ok_p ? patients.error() : events.error();
  }
  // Both files are complete before either is renamed into place.
  if (std::rename(events_tmp.c_str(), events_path.c_str()) != 0 ||
      std::rename(patients_tmp.c_str(), patients_path.c_str()) != 0) {
    std::string err = fmt::format("cannot write into {}: {}", dir, std::strerror(errno));
    cleanup();
    return err;
  }
  return "";
}

}  // namespace cohort
