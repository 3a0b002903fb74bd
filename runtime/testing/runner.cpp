#include "runtime/testing/runner.h"

#include "core/strings.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <random>

#include <fmt/format.h>

#include "core/dates.h"
#include "core/md5.h"
#include "runtime/run/decide.h"
#include "runtime/run/explain.h"
#include "runtime/interp/interpreter.h"

namespace cohort::testing {

namespace {

/// Clause text in failure messages is cut to this many characters.
constexpr size_t kClauseWidth = 100;

void AppendValue(ColumnData& col, const ir::Value& v) {
  if (v.is_null) {
    col.AppendNull();
    return;
  }
  switch (col.kind) {
    case TypeKind::kBool: col.AppendBool(v.i != 0); break;
    case TypeKind::kInt:
    case TypeKind::kTimestamp: col.AppendInt(v.i); break;
    case TypeKind::kDecimal: col.AppendDecimal(v.d); break;
    case TypeKind::kDate: col.AppendDate(static_cast<int32_t>(v.i)); break;
    case TypeKind::kEnum: col.AppendEnum(static_cast<uint8_t>(v.i)); break;
    case TypeKind::kString: col.AppendString(v.s); break;
    default: col.AppendNull(); break;
  }
}

std::string Where(const SourceManager& sm, SourceRange r) {
  if (!r.valid() || r.file > sm.size()) return "?";
  const SourceFile& f = sm.Get(r.file);
  LineCol lc = f.Position(r.begin);
  return fmt::format("{}:{}:{}", f.name(), lc.line, lc.col);
}

}  // namespace

size_t Coverage::covered() const {
  size_t n = 0;
  for (const auto& c : clauses) n += c.seen_true + c.seen_false;
  return n;
}

Batch BuildBatch(const Schema& schema, const std::vector<test::Record>& records) {
  Batch b(schema);
  for (const test::Record& rec : records) {
    for (ColumnId c = 0; c < schema.columns.size() && c < rec.cells.size(); ++c) {
      ColumnData& col = b.column(c);
      const test::Cell& cell = rec.cells[c];
      if (col.kind == TypeKind::kStringSet) {
        ColumnData& child = col.children.at(0);
        for (const auto& s : cell.set_items) child.AppendString(s);
        col.AppendListEnd(child.length);
      } else if (col.kind == TypeKind::kList) {
        for (const auto& row : cell.list_rows) {
          for (size_t k = 0; k < col.children.size() && k < row.size(); ++k) AppendValue(col.children[k], row[k]);
        }
        col.AppendListEnd(col.children.empty() ? 0 : col.children[0].length);
      } else {
        AppendValue(col, cell.scalar);
      }
    }
  }
  b.set_num_rows(static_cast<int64_t>(records.size()));
  return b;
}

std::vector<TestResult> RunCases(std::shared_ptr<const ir::Program> program, const std::vector<EngineRef>& engines,
                                 const std::vector<test::Case>& cases, int32_t default_today, const SourceManager& sm,
                                 const std::string& file, Coverage* coverage) {
  const ir::Program& p = *program;
  interp::Interpreter interp(program);
  if (coverage && coverage->clauses.empty()) {
    for (const ir::Segment& seg : p.segments) {
      coverage->clauses.push_back({seg.name, "where", p.expr(seg.where).range});
      for (size_t k = 0; k < seg.excludes.size(); ++k) {
        coverage->clauses.push_back({seg.name, fmt::format("exclude {}", k + 1), p.expr(seg.excludes[k]).range});
      }
      for (const ir::Channel& ch : seg.channels) {
        coverage->clauses.push_back({seg.name, "channel " + ch.name, p.expr(ch.condition).range});
      }
    }
  }
  std::vector<TestResult> results;
  for (const test::Case& tc : cases) {
    auto start = std::chrono::steady_clock::now();
    TestResult tr;
    tr.name = tc.name;
    tr.file = file;
    tr.range = tc.range;
    Batch batch = BuildBatch(*p.schema, tc.records);
    const CohortBatchView& view = batch.View();
    ExecContext ctx;
    ctx.today = tc.today.value_or(default_today);
    ctx.now = static_cast<int64_t>(ctx.today) * 86400LL * 1000000LL;
    // Why each record is (not) listed: the interpreter's clause values and
    // the shared decisions on its result (runtime/run/explain.h), computed
    // once per segment and test.
    interp::Session session(interp, view, ctx);
    BatchResult reference;
    interp.Evaluate(view, ctx, &reference);
    Decisions reference_decisions;
    Decide(p, view, reference, &reference_decisions, ctx.today);
    std::vector<std::optional<SegmentExplanation>> explained(p.segments.size());
    auto explain = [&](uint32_t s) -> const SegmentExplanation& {
      if (!explained[s]) explained[s] = ExplainSegment(p, s, view, session, reference_decisions, ctx.today);
      return *explained[s];
    };
    auto text = [&](ir::ExprId id) { return Shorten(ClauseText(sm, p.expr(id).range), kClauseWidth); };
    // A failure that several engines produce identically is reported once,
    // tagged with every engine (`[interp, jit]`); engines that disagree are
    // reported separately, which is what a reader needs to see.
    struct Failure {
      std::string where, text, expected, actual;
      std::vector<std::string> engines;
    };
    std::vector<Failure> failures;

    if (coverage) {
      size_t i = 0;
      for (uint32_t s = 0; s < p.segments.size(); ++s) {
        const SegmentExplanation& e = explain(s);
        auto mark = [&](auto truth_of_row) {
          for (int64_t r = 0; r < e.num_rows; ++r) {
            Truth t = truth_of_row(r);
            coverage->clauses[i].seen_true |= t == Truth::kTrue;
            coverage->clauses[i].seen_false |= t == Truth::kFalse;
          }
          ++i;
        };
        mark([&](int64_t r) { return e.where[r]; });
        for (uint32_t k = 0; k < p.segments[s].excludes.size(); ++k) mark([&](int64_t r) { return e.Exclude(k, r); });
        for (const auto& ch : e.channels) mark([&](int64_t r) { return ch[r].condition; });
      }
    }

    // Why a record is (not) a member.
    auto explain_member = [&](uint32_t s, uint32_t r) {
      const ir::Segment& seg = p.segments[s];
      const SegmentExplanation& e = explain(s);
      if (e.where[r] != Truth::kTrue) return fmt::format("`where` is {}: {}", TruthName(e.where[r]), text(seg.where));
      for (uint32_t k = 0; k < seg.excludes.size(); ++k) {
        if (e.Exclude(k, r) == Truth::kTrue) return fmt::format("`exclude {}` is TRUE: {}", k + 1, text(seg.excludes[k]));
      }
      return std::string("`where` is TRUE and no `exclude` is TRUE");
    };
    // The clause an expectation names, for one record.
    auto clause_truth = [&](const test::Expect& x, uint32_t r) {
      const SegmentExplanation& e = explain(x.segment);
      switch (x.clause) {
        case test::ClauseKind::kWhere: return e.where[r];
        case test::ClauseKind::kExclude: return e.Exclude(x.exclude, r);
        default: return e.channels[x.channel][r].condition;
      }
    };

    for (const EngineRef& eng : engines) {
      BatchResult res;
      eng.engine->Evaluate(view, ctx, &res);
      Decisions o;  // the shared contact rules (runtime/run/decide.h)
      Decide(p, view, res, &o, ctx.today);
      for (const test::Expect& x : tc.expects) {
        const test::Record& rec = tc.records[x.record];
        uint32_t r = x.record;
        std::string expected, actual;
        bool ok = true;
        switch (x.kind) {
          case test::ExpectKind::kMember: {
            bool m = res.segments[x.segment].member[r];
            ok = m != x.negated;
            const std::string& sn = p.segments[x.segment].name;
            expected = fmt::format("{} {}in `{}`", rec.name, x.negated ? "not " : "", sn);
            actual = fmt::format("{} {}in `{}` ({})", rec.name, m ? "" : "not ", sn, explain_member(x.segment, r));
            break;
          }
          case test::ExpectKind::kChannel: {
            const ir::Segment& seg = p.segments[x.segment];
            const ir::Channel& ch = seg.channels[x.channel];
            bool listed = o.listed[x.segment][x.channel][r];
            int32_t send_on = AddDuration(ctx.today, ch.after, +1);
            bool match = listed && (!x.send_on || *x.send_on == send_on);
            ok = match != x.negated;
            expected = fmt::format("{} {}on the `{}` list of `{}`{}", rec.name, x.negated ? "not " : "", ch.name,
                                   seg.name, x.send_on ? " sent on " + FormatDate(*x.send_on) : "");
            if (listed) {
              actual = fmt::format("listed, sent on {}", FormatDate(send_on));
            } else if (!res.segments[x.segment].member[r]) {
              actual = "not listed: not a member (" + explain_member(x.segment, r) + ")";
            } else if (o.taken[x.segment][r]) {
              actual = "not listed: taken by an earlier segment of its campaign";
            } else if (o.held[x.segment][r]) {
              actual = "not listed: held out";
            } else {
              Truth t = explain(x.segment).channels[x.channel][r].condition;
              actual = fmt::format("not listed: `channel {}` condition is {} (consent must be TRUE): {}", ch.name,
                                   TruthName(t), text(ch.condition));
            }
            break;
          }
          case test::ExpectKind::kHeldOut: {
            const ir::Segment& seg = p.segments[x.segment];
            bool held = o.held[x.segment][r];
            ok = held != x.negated;
            expected = fmt::format("{} {}held out of `{}`", rec.name, x.negated ? "not " : "", seg.name);
            if (held) {
              actual = fmt::format("held out (bucket {} < {})", HoldoutBucket(rec.key, seg.name), seg.holdout_bp);
            } else if (!res.segments[x.segment].member[r]) {
              actual = "not a member (" + explain_member(x.segment, r) + ")";
            } else if (o.taken[x.segment][r]) {
              actual = "taken by an earlier segment of its campaign";
            } else {
              actual = fmt::format("not held out: key `{}` has bucket {}, holdout takes buckets below {}", rec.key,
                                   HoldoutBucket(rec.key, seg.name), seg.holdout_bp);
            }
            break;
          }
          case test::ExpectKind::kAssigned: {
            int32_t got = o.owner[x.campaign][r];
            ok = got == x.segment;
            auto name = [&](int32_t s) { return s < 0 ? std::string("nothing") : "`" + p.segments[s].name + "`"; };
            expected = fmt::format("`{}` assigns {} to {}", p.campaigns[x.campaign].name, rec.name, name(x.segment));
            actual = fmt::format("assigned to {}", name(got));
            if (x.segment >= 0 && got != x.segment) actual += "; in `" + p.segments[x.segment].name + "`: " + explain_member(x.segment, r);
            break;
          }
          case test::ExpectKind::kClause: {
            Truth t = clause_truth(x, r);
            const ir::Segment& seg = p.segments[x.segment];
            std::string clause = x.clause == test::ClauseKind::kWhere     ? "where"
                                 : x.clause == test::ClauseKind::kExclude ? fmt::format("exclude {}", x.exclude + 1)
                                                                          : "channel " + seg.channels[x.channel].name;
            expected = fmt::format("`{}` of `{}` is {} for {}", clause, seg.name, TruthName(x.truth), rec.name);
            ok = t == x.truth;
            actual = fmt::format("{} ({})", TruthName(t), text(x.clause_expr));
            // Every engine's TRUE mask must agree with the interpreter where it is defined.
            const SegmentResult& sr = res.segments[x.segment];
            bool defined = true;
            uint8_t mask = 0;
            if (x.clause == test::ClauseKind::kWhere) mask = sr.where[r];
            else if (x.clause == test::ClauseKind::kExclude) defined = sr.where[r], mask = sr.excludes[x.exclude][r];
            else defined = sr.member[r], mask = sr.channels[x.channel][r];
            if (ok && defined && (mask == 1) != (x.truth == Truth::kTrue)) {
              ok = false;
              actual = fmt::format("{} in the interpreter but the engine's mask says {}", TruthName(t),
                                   mask ? "TRUE" : "not TRUE");
            }
            break;
          }
        }
        if (!ok) {
          Failure f{Where(sm, x.range), x.text, expected, actual, {std::string(eng.name)}};
          auto same = std::find_if(failures.begin(), failures.end(), [&](const Failure& g) {
            return g.where == f.where && g.text == f.text && g.expected == f.expected && g.actual == f.actual;
          });
          if (same != failures.end()) same->engines.push_back(f.engines[0]);
          else failures.push_back(std::move(f));
        }
      }
    }
    for (const Failure& f : failures) {
      tr.failures.push_back(fmt::format("{}: [{}] {}\n    expected: {}\n    actual:   {}", f.where,
                                        fmt::join(f.engines, ", "), f.text, f.expected, f.actual));
    }
    tr.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    results.push_back(std::move(tr));
  }
  return results;
}

std::string JUnitXml(const std::vector<TestResult>& results) {
  std::vector<std::string> files;
  for (const auto& r : results) {
    if (std::find(files.begin(), files.end(), r.file) == files.end()) files.push_back(r.file);
  }
  size_t total = results.size(), failed = 0;
  double secs = 0;
  for (const auto& r : results) failed += !r.passed(), secs += r.seconds;
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += fmt::format("<testsuites name=\"cohort test\" tests=\"{}\" failures=\"{}\" errors=\"0\" time=\"{:.3f}\">\n", total,
                     failed, secs);
  for (const auto& f : files) {
    size_t n = 0, nf = 0;
    double t = 0;
    for (const auto& r : results) {
      if (r.file != f) continue;
      ++n, nf += !r.passed(), t += r.seconds;
    }
    out += fmt::format("  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"0\" time=\"{:.3f}\">\n",
                       EscapeXml(f), n, nf, t);
    for (const auto& r : results) {
      if (r.file != f) continue;
      out += fmt::format("    <testcase name=\"{}\" classname=\"{}\" time=\"{:.3f}\"", EscapeXml(r.name), EscapeXml(f),
                         r.seconds);
      if (r.passed()) {
        out += "/>\n";
        continue;
      }
      out += ">\n";
      std::string body;
      for (const auto& m : r.failures) body += m + "\n";
      out += fmt::format("      <failure message=\"{} expectation{} failed\" type=\"assertion\">{}</failure>\n",
                         r.failures.size(), r.failures.size() == 1 ? "" : "s", EscapeXml(body));
      out += "    </testcase>\n";
    }
    out += "  </testsuite>\n";
  }
  out += "</testsuites>\n";
  return out;
}

std::string WriteFileAtomic(const std::string& path, const std::string& content) {
  namespace fs = std::filesystem;
  fs::path target(path);
  fs::path dir = target.parent_path().empty() ? fs::path(".") : target.parent_path();
  std::random_device rd;
  fs::path tmp = dir / fmt::format(".{}.tmp-{}-{:08x}", target.filename().string(), ::getpid(), rd());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return fmt::format("cannot write `{}`: {}", path, std::strerror(errno));
  size_t off = 0;
  while (off < content.size()) {
    ssize_t w = ::write(fd, content.data() + off, content.size() - off);
    if (w < 0) {
      if (errno == EINTR) continue;
      std::string err = fmt::format("cannot write `{}`: {}", path, std::strerror(errno));
      ::close(fd);
      ::unlink(tmp.c_str());
      return err;
    }
    off += static_cast<size_t>(w);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    ::unlink(tmp.c_str());
    return fmt::format("cannot write `{}`: {}", path, std::strerror(errno));
  }
  std::error_code ec;
  fs::rename(tmp, target, ec);
  if (ec) {
    fs::remove(tmp, ec);
    return fmt::format("cannot move `{}` into place: {}", path, ec.message());
  }
  return "";
}

}  // namespace cohort::testing
