// A generator of random Cohort programs over the standard Patient schema,
// produced as source TEXT so that the real parser and checker type them (a
// program the checker rejects is a generator bug, counted by the tests).
// Covers every operator, every stdlib function, quantifiers (nested ones
// whose inner body does not use the outer variable), aggregates, optional
// fields, enums, sets, windows, in-lists, coalesce, defines, consts and
// `in segment`.
#pragma once

#include <random>
#include <string>
#include <vector>

namespace cohort::jit_test {

class ProgramGen {
 public:
  explicit ProgramGen(uint64_t seed) : rng_(seed) {}

  /// A whole program: defines, then 1-3 segments (later ones may reference
  /// earlier ones), each with excludes and channels.
  std::string Program() {
    std::string out = "use Patient\n";
    if (R(2)) {
      out += "const window = " + DayDuration() + "\n";
      has_const_ = true;
    }
    int ndef = R(3);
    for (int k = 0; k < ndef; ++k) {
      std::string name = "d" + std::to_string(k);
      if (R(2)) {
        out += "define " + name + " = " + Bool(2, nullptr) + "\n";
        bool_defines_.push_back(name);
      } else {
        out += "define " + name + " = " + Int(2, nullptr) + "\n";
        int_defines_.push_back(name);
      }
    }
    int nseg = 1 + R(3);
    for (int s = 0; s < nseg; ++s) {
      std::string name = "S" + std::to_string(s);
      out += "segment " + name + " \"generated\"\n";
      out += "  where " + Bool(3, nullptr) + "\n";
      int nex = R(3);
      for (int k = 0; k < nex; ++k) out += "  exclude " + Bool(3, nullptr) + "\n";
      static const char* channels[] = {"sms", "email", "phone", "portal", "mail"};
      int nch = R(3);
      std::vector<int> used;
      for (int k = 0; k < nch; ++k) {
        int c = R(5);
        bool dup = false;
        for (int u : used) dup |= u == c;
        if (dup) continue;
        used.push_back(c);
        std::string consent = R(2) ? "consent" : std::string("consent.") + channels[c];
        std::string cond;
        switch (R(3)) {
          case 0: cond = consent; break;
          case 1: cond = consent + " and " + Bool(2, nullptr); break;
          default: cond = "(" + Bool(2, nullptr) + ") and " + consent; break;
        }
        out += std::string("  channel ") + channels[c] + (k > 0 ? " after " + DayDuration() : "") + " if " + cond + "\n";
      }
      out += "  message \"m\" cta \"c\"\n  purpose treatment\n";
      segments_.push_back(name);
    }
    return out;
  }

 private:
  /// The innermost quantifier variable: an event, or a set item.
  struct Scope {
    std::string var;
    bool is_event;
  };

  std::mt19937_64 rng_;
  std::vector<std::string> bool_defines_, int_defines_, segments_;
  bool has_const_ = false;
  int vars_ = 0;

  int R(int n) { return static_cast<int>(rng_() % static_cast<uint64_t>(n)); }
  template <size_t N>
  const char* Pick(const char* const (&items)[N]) {
    return items[R(static_cast<int>(N))];
  }

  std::string Paren(const std::string& s) { return "(" + s + ")"; }

  std::string StrLit() {
    static const char* const pool[] = {"",   "a",   "ab",    "A",   "en",  "es",    "ES",          "vi",
                                       "MA", "NY",  "02139", "E11", "E1",  "E11.9", "I10",         "sms",
                                       "email", "primary_care", "cardiology", "\xc3\x89lan", "e", "zz"};
    return std::string("\"") + Pick(pool) + "\"";
  }
  std::string DateLit() {
    static const char* const d[] = {"2026-11-23", "2026-11-20", "2024-02-29", "2025-03-31", "2026-01-01",
                                    "1960-02-29", "2026-12-31", "2000-01-01"};
    return Pick(d);
  }
  std::string TsLit() {
    static const char* const t[] = {"2026-11-20T14:03:00Z", "2026-11-23T00:00:00Z", "2026-11-22T23:59:59Z",
                                    "2024-02-29T12:00:00Z"};
    return Pick(t);
  }
  std::string DayDuration() {
    static const char* const d[] = {"1 day",   "2 days",  "3 days",   "7 days", "14 days", "30 days", "2 weeks",
                                    "1 month", "6 months", "18 months", "1 year", "2 years", "90 days", "0 days"};
    return Pick(d);
  }
  std::string AnyDuration() {
    static const char* const d[] = {"36 hours", "1 hour", "90 minutes", "24 hours"};
    return R(3) == 0 ? Pick(d) : DayDuration();
  }
  std::string IntLit() {
    static const char* const i[] = {"0", "1", "2", "3", "5", "18", "65", "365", "9223372036854775807",
                                    "4611686018427387904", "3037000500", "100"};
    return Pick(i);
  }
  std::string NewVar() { return "v" + std::to_string(vars_++); }

  // ---- Typed expression generators -------------------------------------------

  std::string Int(int depth, const Scope* s) {
    if (depth <= 0) {
      static const char* const f[] = {"telehealth_visits", "in_person_visits", "no_show_count"};
      return R(2) ? Pick(f) : IntLit();
    }
    switch (R(16)) {
      case 0: {
        static const char* const ops[] = {" + ", " - ", " * "};
        return Paren(Int(depth - 1, s) + Pick(ops) + Int(depth - 1, s));
      }
      case 1: return "-" + Paren(Int(depth - 1, s));
      case 2: return R(2) ? "age" : "age(birth_date)";
      case 3: return "days_since(" + Date(depth - 1, s) + ")";
      case 4: return "days_until(" + Date(depth - 1, s) + ")";
      case 5: return "length(" + Str(depth - 1, s) + ")";
      case 6: return (R(2) ? "year(" : "month(") + Date(depth - 1, s) + ")";
      case 7: return Count(depth - 1);
      case 8: return "coalesce(" + Int(depth - 1, s) + ", " + Int(depth - 1, s) + ")";
      case 9: {
        // min/max of an int per element.
        std::string v = NewVar();
        Scope inner{v, R(2) == 0};
        std::string value = inner.is_event ? "days_since(date_of(" + v + ".at))" : "length(" + v + ")";
        std::string where = R(2) ? " where " + Bool(depth - 1, &inner) : "";
        return std::string(R(2) ? "min(" : "max(") + value + " for " + v + " in " +
               (inner.is_event ? "events" : "conditions") + where + ")";
      }
      case 10:
        if (!int_defines_.empty()) return int_defines_[R(static_cast<int>(int_defines_.size()))];
        return Int(0, s);
      default: return Int(0, s);
    }
  }

  std::string Dec(int depth, const Scope* s) {
    switch (R(5)) {
      case 0: return Paren(Int(depth - 1, s) + " / " + Int(depth - 1, s));
      case 1: return Paren(Int(depth - 1, s) + " * 1.5");
      case 2: return depth > 0 ? "-" + Paren(Dec(depth - 1, s)) : "0.25";
      case 3: return depth > 0 ? Paren(Dec(depth - 1, s) + " + " + Dec(depth - 1, s)) : "2.5";
      default: return R(2) ? "0.5" : "3.0";
    }
  }

  std::string Str(int depth, const Scope* s) {
    if (s && R(3) == 0) return s->is_event ? s->var + ".channel" : s->var;
    if (depth <= 0) {
      static const char* const f[] = {"language", "zip", "state", "service_line", "id"};
      return R(3) ? Pick(f) : StrLit();
    }
    switch (R(8)) {
      case 0: return "lower(" + Str(depth - 1, s) + ")";
      case 1: return "upper(" + Str(depth - 1, s) + ")";
      case 2: return "coalesce(" + Str(depth - 1, s) + ", " + Str(depth - 1, s) + ")";
      case 3: {
        std::string v = NewVar();
        Scope inner{v, false};
        std::string where = R(2) ? " where " + Bool(depth - 1, &inner) : "";
        return std::string(R(2) ? "min(" : "max(") + (R(2) ? v : "lower(" + v + ")") + " for " + v +
               " in conditions" + where + ")";
      }
      default: return Str(0, s);
    }
  }

  std::string Date(int depth, const Scope* s) {
    if (depth <= 0) {
      static const char* const f[] = {"birth_date", "last_visit", "next_appointment", "discharged_on", "care_gap_due"};
      switch (R(4)) {
        case 0: return DateLit();
        case 1: return "today";
        default: return Pick(f);
      }
    }
    switch (R(7)) {
      case 0: return Paren(Date(depth - 1, s) + (R(2) ? " + " : " - ") + (R(3) == 0 && has_const_ ? "window" : DayDuration()));
      case 1: return "date_of(" + Ts(depth - 1, s) + ")";
      case 2: return "coalesce(" + Date(depth - 1, s) + ", " + Date(depth - 1, s) + ")";
      case 3: {
        std::string v = NewVar();
        Scope inner{v, true};
        std::string where = R(2) ? " where " + Bool(depth - 1, &inner) : "";
        return std::string(R(2) ? "min(" : "max(") + "date_of(" + v + ".at) for " + v + " in events" + where + ")";
      }
      default: return Date(0, s);
    }
  }

  std::string Ts(int depth, const Scope* s) {
    if (s && s->is_event && R(2)) return s->var + ".at";
    if (depth <= 0) return R(2) ? "now" : TsLit();
    switch (R(4)) {
      case 0: return Paren(Ts(depth - 1, s) + (R(2) ? " + " : " - ") + AnyDuration());
      case 1: {
        std::string v = NewVar();
        Scope inner{v, true};
        std::string where = R(2) ? " where " + Bool(depth - 1, &inner) : "";
        return std::string(R(2) ? "min(" : "max(") + v + ".at for " + v + " in events" + where + ")";
      }
      default: return Ts(0, s);
    }
  }

  std::string Cmp() {
    static const char* const ops[] = {" == ", " != ", " < ", " <= ", " > ", " >= "};
    return Pick(ops);
  }

  std::string EnumAtom(const Scope* s) {
    struct E {
      const char* field;
      std::vector<const char*> labels;
    };
    static const std::vector<E> enums = {
        {"sex", {"female", "male", "other", "unknown"}},
        {"payer_type", {"commercial", "medicare", "medicaid", "self_pay", "other"}},
        {"next_appointment_kind", {"video", "phone", "in_person"}},
        {"last_no_show_reason", {"scheduling", "technical", "transport", "unknown"}},
        {"device_access", {"none", "phone_only", "smartphone", "computer"}},
        {"discharge_type", {"inpatient", "emergency", "observation"}},
    };
    static const E kind{"kind", {"intake_completed", "scheduling_link_clicked", "booked", "email_opened",
                                 "email_clicked", "sms_replied", "portal_login", "opted_out"}};
    const bool event = s && s->is_event && R(2);
    const E& e = event ? kind : enums[R(static_cast<int>(enums.size()))];
    std::string field = event ? s->var + ".kind" : e.field;
    auto label = [&] { return std::string(e.labels[R(static_cast<int>(e.labels.size()))]); };
    switch (R(4)) {
      case 0: return field + " == " + label();
      case 1: return field + " != " + label();
      default: {
        std::string list = "[" + label();
        for (int k = R(3); k > 0; --k) list += ", " + label();
        return field + (R(2) ? " in " : " not in ") + list + "]";
      }
    }
  }

  std::string Quantifier(int depth) {
    std::string v = NewVar();
    Scope inner{v, R(3) != 0};
    static const char* const q[] = {"any ", "all ", "no "};
    return Paren(std::string(Pick(q)) + v + " in " + (inner.is_event ? "events" : "conditions") + " where " +
                 Bool(depth, &inner));
  }

  std::string Count(int depth) {
    std::string v = NewVar();
    Scope inner{v, R(3) != 0};
    std::string where = R(4) ? " where " + Bool(depth, &inner) : "";
    return "count(" + v + " in " + (inner.is_event ? "events" : "conditions") + where + ")";
  }

  std::string Bool(int depth, const Scope* s) {
    if (depth <= 0) return BoolAtom(0, s);
    switch (R(10)) {
      case 0:
      case 1: return Paren(Bool(depth - 1, s) + " and " + Bool(depth - 1, s));
      case 2:
      case 3: return Paren(Bool(depth - 1, s) + " or " + Bool(depth - 1, s));
      case 4: return "not " + Paren(Bool(depth - 1, s));
      case 5: return Paren(Bool(depth - 1, s) + " and " + Bool(depth - 1, s) + " and " + Bool(depth - 1, s));
      default: return BoolAtom(depth - 1, s);
    }
  }

  std::string BoolAtom(int depth, const Scope* s) {
    switch (R(26)) {
      case 0: {
        static const char* const f[] = {"portal_active", "consent.sms", "consent.email", "consent.phone",
                                        "consent.portal", "consent.mail"};
        return Pick(f);
      }
      case 1:
      case 2: return Int(depth, s) + Cmp() + Int(depth, s);
      case 3: return Str(depth, s) + Cmp() + Str(depth, s);
      case 4: return Date(depth, s) + Cmp() + Date(depth, s);
      case 5: return Date(depth, s) + (R(2) ? " before " : " after ") + Date(depth, s);
      case 6: return Ts(depth, s) + Cmp() + Ts(depth, s);
      case 7:
      case 8: return EnumAtom(s);
      case 9: {
        std::string list = "[" + StrLit();
        for (int k = R(4); k > 0; --k) list += ", " + StrLit();
        return Str(depth, s) + (R(2) ? " in " : " not in ") + list + "]";
      }
      case 10: {
        std::string list = "[" + IntLit();
        for (int k = R(3); k > 0; --k) list += ", " + IntLit();
        return Int(depth, s) + (R(2) ? " in " : " not in ") + list + "]";
      }
      case 11: {
        static const char* const f[] = {"zip", "state", "payer_type", "service_line", "last_visit",
                                        "next_appointment", "next_appointment_kind", "last_no_show_reason",
                                        "device_access", "discharged_on", "discharge_type", "care_gap_due",
                                        "consent.sms", "consent.email"};
        std::string x = R(4) == 0 ? Paren(Int(depth, s)) : (s && s->is_event && R(2) ? s->var + ".channel" : Pick(f));
        return x + (R(2) ? " is missing" : " is present");
      }
      case 12:
        return Date(depth, s) + " within " + (R(2) ? "last " : "next ") +
               (has_const_ && R(3) == 0 ? std::string("window") : DayDuration());
      case 13:
        return Ts(depth, s) + " within " + (R(2) ? "last " : "next ") + DayDuration();
      case 14:
      case 15: return Quantifier(depth);
      case 16: return Count(depth) + Cmp() + IntLit();
      case 17: return Str(depth, s) + (R(2) ? " in conditions" : " not in conditions");
      case 18: {
        static const char* const fns[] = {"starts_with(", "ends_with(", "contains("};
        return std::string(Pick(fns)) + Str(depth, s) + ", " + Str(depth, s) + ")";
      }
      case 19:
        if (!segments_.empty()) return "in segment " + segments_[R(static_cast<int>(segments_.size()))];
        return "portal_active";
      case 20:
        if (!bool_defines_.empty()) return bool_defines_[R(static_cast<int>(bool_defines_.size()))];
        return "consent.sms";
      case 21: return Dec(depth, s) + Cmp() + (R(2) ? Dec(depth, s) : Int(depth, s));
      case 22: return std::string(R(2) ? "portal_active" : "consent.email") + (R(2) ? " == " : " != ") + Pick({"consent.sms", "true", "false"});
      case 23: return "coalesce(consent.sms, " + std::string(R(2) ? "false" : "portal_active") + ")";
      case 24: return R(2) ? "true" : "false";
      case 25: {  // issue 12: contact history, read from the contacts column
        static const char* const ch[] = {"", "by sms ", "by email ", "by phone ", "by portal ", "by mail "};
        return std::string("contacted ") + Pick(ch) + "within last " + DayDuration();
      }
      default: return EnumAtom(s);
    }
  }

  const char* Pick(std::initializer_list<const char*> items) { return items.begin()[R(static_cast<int>(items.size()))]; }
};

}  // namespace cohort::jit_test
