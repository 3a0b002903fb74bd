// Frequency caps in SQL (issue 12): runtime/run/decide.cpp ApplyCaps, exactly.
//
// A cap admits a key's candidate sends one by one (capped campaigns in
// declaration order, each in priority order of its segments, then step
// order), and a refused send does not count for the next: the admissions are
// a greedy sequence, which a running count over all candidates would get
// wrong. But the candidates are static (every channel step of every segment
// of a capped campaign, with its `send_on` fixed by `today`), so the sequence
// unrolls into one CTE per candidate, each adding the candidate's final list
// flag `#l<s>_<c>` from its pre-cap flag `#p<s>_<c>` and the flags decided
// before it.
//
// A send on day d is admitted when no window of W days containing d holds
// more than N messages, the new one included (CapAdmits). Such a window's
// count only grows where a message enters at its right edge, so it suffices
// to check the windows ending at d and at each counted day in (d, d + W).
// Checking a window that ends at a static day whose send turned out not to
// count is harmless (it still contains d), so every static right edge is
// checked unconditionally. Per window, the count is the key's ledger rows
// (the table `contacts`) in it plus this run's counted sends in it; for the
// ledger's own right edges the ledger count comes from a window function
// (COUNT(*) OVER a RANGE of W days per key).
#include <fmt/format.h>

#include <set>

#include "compiler/sql/emitter.h"
#include "core/contacts.h"
#include "core/dates.h"

namespace cohort::sql {

namespace {

struct Send {
  size_t s, c;
  int32_t day;
};

class CapEmitter {
 public:
  CapEmitter(const ir::Program& p, const SqlOptions& o, const Spelling& sp) : p_(p), o_(o), sp_(sp) {}

  std::string Emit(const std::string& from, std::string* last) {
    std::string out;
    std::set<uint32_t> windows;
    for (const ir::Campaign& c : p_.campaigns)
      if (c.cap_messages) windows.insert(c.cap_days);
    // The ledger rows with the count of the key's ledger rows in the W days
    // ending on each (peers of the same day included, as CapAdmits counts).
    for (uint32_t w : windows)
      out += fmt::format(
          ",\n-- frequency caps: each ledger row with the key's ledger rows in the {w} days ending on it\n{cte} AS (\n"
          "  SELECT c.{key} AS {k}, c.{send_on} AS {d},\n    COUNT(*) OVER (PARTITION BY c.{key} ORDER BY {day} RANGE "
          "BETWEEN {back} PRECEDING AND CURRENT ROW) AS {n}\n  FROM {contacts} AS c\n)",
          fmt::arg("w", w), fmt::arg("cte", I(LedgerWindows(w))), fmt::arg("key", I(kContactsKeyColumn)), fmt::arg("k", I("k")),
          fmt::arg("send_on", I("send_on")), fmt::arg("d", I("d")), fmt::arg("day", DayNumber("c." + I("send_on"))),
          fmt::arg("back", w - 1), fmt::arg("n", I("n")), fmt::arg("contacts", I(kContactsTable)));
    // Counted before any capped campaign: this run's sends of segments no cap governs.
    std::vector<Send> counted;
    for (size_t s = 0; s < p_.segments.size(); ++s)
      if (!Capped(s))
        for (size_t c = 0; c < p_.segments[s].channels.size(); ++c) counted.push_back({s, c, SendOn(s, c)});
    std::string prev = from;
    size_t k = 0;
    for (const ir::Campaign& camp : p_.campaigns) {
      if (!camp.cap_messages) continue;
      for (uint32_t s : camp.segments) {
        for (size_t c = 0; c < p_.segments[s].channels.size(); ++c) {
          const Send cand{s, c, SendOn(s, c)};
          std::string name = fmt::format("#q{}", k++);
          out += fmt::format(",\n-- cap of campaign {}: {} step {} on {}\n{} AS {}(\n  SELECT r.*, ({} AND NOT ({})) AS {}\n  FROM {} AS r\n)",
                             camp.name, p_.segments[s].name, p_.segments[s].channels[c].step, FormatDate(cand.day), I(name),
                             sp_.spark() ? "" : "MATERIALIZED ", "r." + I(PreCapColumn(s, c)), Refused(cand, counted, camp),
                             I(ListedColumn(s, c)), I(prev));
          counted.push_back(cand);
          prev = name;
        }
      }
    }
    *last = prev;
    return out;
  }

 private:
  std::string I(std::string_view n) const { return sp_.Ident(n); }

  bool Capped(size_t s) const { return CappedSegment(p_, s); }
  int32_t SendOn(size_t s, size_t c) const { return AddDuration(o_.today, p_.segments[s].channels[c].after, +1); }
  static std::string LedgerWindows(uint32_t w) { return fmt::format("#cw{}", w); }

  /// A date column as a day number (an integer a RANGE frame can offset).
  std::string DayNumber(const std::string& date) const {
    return sp_.spark() ? fmt::format("datediff({}, DATE '1970-01-01')", date) : fmt::format("({} - DATE '1970-01-01')", date);
  }

  /// 1 when `flag` else 0.
  std::string One(const std::string& flag) const { return fmt::format("CASE WHEN {} THEN 1 ELSE 0 END", flag); }

  /// Is the candidate refused: does a window of the campaign's W days that
  /// contains its day hold more than N messages with it?
  std::string Refused(const Send& cand, const std::vector<Send>& counted, const ir::Campaign& camp) const {
    const int64_t w = camp.cap_days, d = cand.day;
    auto flag = [&](const Send& j) { return "r." + I(ListedColumn(j.s, j.c)); };
    // The windows ending at d and at each static counted day in (d, d + W).
    std::set<int64_t> ends{d};
    for (const Send& j : counted)
      if (j.day > d && j.day < d + w) ends.insert(j.day);
    std::vector<std::string> over;
    for (int64_t end : ends) {
      const int64_t begin = end - w + 1;
      std::string n = fmt::format("(SELECT COUNT(*) FROM {} AS c WHERE c.{} = r.{} AND c.{} BETWEEN {} AND {})", I(kContactsTable),
                                  I(kContactsKeyColumn), I("#key"), I("send_on"), sp_.Date(static_cast<int32_t>(begin)),
                                  sp_.Date(static_cast<int32_t>(end)));
      for (const Send& j : counted)
        if (j.day >= begin && j.day <= end) n += " + " + One(flag(j));
      over.push_back(fmt::format("1 + {} > {}", n, camp.cap_messages));
    }
    // The windows ending at each of the key's ledger days in (d, d + W).
    std::string run = "0";
    for (const Send& j : counted)
      run += " + " + One(fmt::format("{} AND e.{} BETWEEN {} AND {}", flag(j), I("d"), sp_.Date(j.day),
                                     sp_.Date(static_cast<int32_t>(j.day + w - 1))));
    over.push_back(fmt::format("EXISTS (SELECT 1 FROM {} AS e WHERE e.{} = r.{} AND e.{} > {} AND e.{} < {} AND 1 + e.{} + {} > {})",
                               I(LedgerWindows(camp.cap_days)), I("k"), I("#key"), I("d"), sp_.Date(cand.day), I("d"),
                               sp_.Date(static_cast<int32_t>(d + w)), I("n"), run, camp.cap_messages));
    std::string out;
    for (const std::string& o : over) out += (out.empty() ? "" : "\n      OR ") + o;
    return out;
  }

  const ir::Program& p_;
  const SqlOptions& o_;
  const Spelling& sp_;
};

}  // namespace

bool HasCaps(const ir::Program& p) {
  for (const ir::Campaign& c : p.campaigns)
    if (c.cap_messages) return true;
  return false;
}

bool CappedSegment(const ir::Program& p, size_t s) {
  const int32_t c = p.segments[s].campaign;
  return c >= 0 && p.campaigns[static_cast<size_t>(c)].cap_messages > 0;
}

std::string PreCapColumn(size_t s, size_t c) { return fmt::format("#p{}_{}", s, c); }
std::string ListedColumn(size_t s, size_t c) { return fmt::format("#l{}_{}", s, c); }

std::string CapCtes(const ir::Program& p, const SqlOptions& o, const Spelling& sp, const std::string& from,
                    std::string* last) {
  return CapEmitter(p, o, sp).Emit(from, last);
}

}  // namespace cohort::sql
