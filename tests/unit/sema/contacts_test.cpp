// Contact history and frequency caps in the checker (issue 12): the
// desugaring into a quantifier over the appended contacts column, errors
// with codes and locations, the formatter's and dumps' spelling.
#include "core/contacts.h"
#include "tests/unit/sema/sema_test_util.h"

using namespace cohort;
using namespace cohort::test;

namespace {

const char* kHead = "use Patient\n";

}  // namespace

TEST_CASE("contacts: `contacted` appends the contacts column and becomes `any`") {
  CompileResult plain = CompileText(std::string(kHead) + "segment S \"s\"\n  where age(birth_date) > 18\n  purpose operations\n");
  REQUIRE(plain.ok());
  CHECK(plain.program->contacts_column == kNoColumn);
  const size_t base_columns = plain.program->schema->columns.size();

  CompileResult r = CompileText(std::string(kHead) +
                                "segment S \"s\"\n  where age(birth_date) > 18\n"
                                "  exclude contacted by sms within last 7 days\n  purpose operations\n");
  INFO(Rendered(r));
  REQUIRE(r.ok());
  const ir::Program& p = *r.program;
  REQUIRE(p.contacts_column == base_columns);  // appended: no other column moves
  REQUIRE(p.schema->columns.size() == base_columns + 1);
  CHECK(p.schema->columns[p.contacts_column].path == kContactsPath);
  CHECK(p.schema->columns[p.contacts_column].synthetic);
  CHECK(RangeText(r, p.contacts_use) == "contacted by sms within last 7 days");
  const ir::Expr& q = p.expr(p.segments[0].excludes[0]);
  CHECK(q.kind == ir::ExprKind::kQuantifier);
  CHECK(q.quant == ir::Quant::kAny);
  CHECK(q.column == p.contacts_column);
  CHECK(!q.nullable);  // never unknown
  CHECK(ir::Verify(p).empty());
  CHECK(ir::DumpExpr(p, p.segments[0].excludes[0]).find("\"sms\"") != std::string::npos);
}

TEST_CASE("contacts: usable in define, where and channel conditions") {
  CompileResult r = CompileText(std::string(kHead) +
                                "define recent = contacted within last 2 weeks\n"
                                "segment S \"s\"\n  where not recent\n"
                                "  channel sms if consent and not contacted by sms within last 30 days\n"
                                "  purpose operations\n");
  INFO(Rendered(r));
  CHECK(r.ok());
}

TEST_CASE("contacts: errors have codes and locations") {
  auto one = [](const std::string& body, const char* code, const char* text) {
    CompileResult r = CompileText(std::string(kHead) + body);
    INFO(Rendered(r));
    const Diagnostic* d = Find(r, code);
    REQUIRE(d != nullptr);
    CHECK(RangeText(r, d->range) == text);
  };
  one("segment S \"s\"\n  where contacted by text within last 7 days\n  purpose operations\n", "E0107", "text");
  one("segment S \"s\"\n  where contacted within last 3 hours\n  purpose operations\n", "E0211", "3 hours");
  one("segment S \"s\"\n  where contacted within last 7\n  purpose operations\n", "E0201", "7");
  one("segment S \"s\"\n  where contacted via sms within last 7 days\n  purpose operations\n", "E0002", "via");
  one("segment S \"s\"\n  where true\n  channel sms if consent\n  purpose operations\n"
      "campaign C\n  priority S\n  cap 0 messages per 7 days\n",
      "E0701", "0");
  one("segment S \"s\"\n  where true\n  channel sms if consent\n  purpose operations\n"
      "campaign C\n  priority S\n  cap 2 messages per 9999 days\n",
      "E0701", "9999");
  one("segment S \"s\"\n  where true\n  channel sms if consent\n  purpose operations\n"
      "campaign C\n  priority S\n  cap 2 texts per 7 days\n",
      "E0002", "texts");
}

TEST_CASE("contacts: a cap is checked into the campaign and needs the ledger") {
  CompileResult r = CompileText(std::string(kHead) +
                                "segment S \"s\"\n  where true\n  channel sms if consent\n  purpose operations\n"
                                "campaign C\n  priority S\n  cap 1 message per 1 day\n");
  INFO(Rendered(r));
  REQUIRE(r.ok());
  CHECK(r.program->campaigns[0].cap_messages == 1);
  CHECK(r.program->campaigns[0].cap_days == 1);
  CHECK(r.program->contacts_column != kNoColumn);
  CHECK(ir::Dump(*r.program).find("cap 1 per 1 days") != std::string::npos);
  auto d = LedgerDiagnostic(r, false, false);
  REQUIRE(d);
  CHECK(d->code() == "E0702");
  CHECK(RangeText(r, d->range) == "cap 1 message per 1 day");
  CHECK(!LedgerDiagnostic(r, true, false));
  // A database source with a ledger: its history is uploaded (issue 12).
  CHECK(!LedgerDiagnostic(r, true, true));
  REQUIRE(LedgerDiagnostic(r, false, true));
  CHECK(LedgerDiagnostic(r, false, true)->code() == "E0703");
}
