// Rules the parser makes unreachable from text (it reports a missing `where`
// and an empty `priority` as syntax errors) still hold when a tree is built
// by other front ends: the checker never trusts the tree's shape.
#include <doctest/doctest.h>

#include "compiler/sema/checker.h"
#include "core/schema.h"

namespace cohort {
namespace {

TEST_CASE("E0310 and E0311 on a hand-built tree") {
  SourceManager sm;
  FileId f = sm.Add("t.cohort", "segment S\ncampaign C\n");
  DiagnosticBag diags;
  auto schema = LoadStdlibSchema("Patient", sm, diags);
  REQUIRE(schema);
  ast::Module m;
  m.file = f;
  ast::Segment s;
  s.name = "S";
  s.name_range = SourceRange{f, 8, 9};
  m.segments.push_back(std::move(s));
  m.order.emplace_back(ast::Module::DeclKind::kSegment, 0);
  ast::Campaign c;
  c.name = "C";
  c.name_range = SourceRange{f, 19, 20};
  m.campaigns.push_back(std::move(c));
  m.order.emplace_back(ast::Module::DeclKind::kCampaign, 0);
  auto p = Check(m, schema, sm, diags);
  CHECK(p == nullptr);
  std::vector<std::string> codes;
  for (const auto& d : diags.all()) codes.emplace_back(d.code());
  CHECK(codes == std::vector<std::string>{"E0310", "E0311"});
}

TEST_CASE("null sub-trees after syntax errors never crash the checker") {
  SourceManager sm;
  FileId f = sm.Add("t.cohort", "x");
  DiagnosticBag diags;
  auto schema = LoadStdlibSchema("Patient", sm, diags);
  REQUIRE(schema);
  ast::Module m;
  ast::Segment s;
  s.name = "S";
  auto where = std::make_unique<ast::Expr>();
  where->kind = ast::ExprKind::kBinary;
  where->op = ast::Op::kAnd;
  where->args.push_back(nullptr);
  where->args.push_back(std::make_unique<ast::Expr>());  // kError
  s.where = std::move(where);
  ast::ChannelClause ch;
  ch.name = "sms";
  ch.condition = std::make_unique<ast::Expr>();
  ch.condition->kind = ast::ExprKind::kQuantifier;  // no operands at all
  s.channels.push_back(std::move(ch));
  s.excludes.push_back(nullptr);
  m.segments.push_back(std::move(s));
  auto p = Check(m, schema, sm, diags);
  CHECK(p == nullptr);

  // Even when nothing is reported (the parser already did), holes never escape.
  ast::Module quiet;
  ast::Segment q;
  q.name = "Q";
  q.where = std::make_unique<ast::Expr>();  // kError placeholder
  quiet.segments.push_back(std::move(q));
  DiagnosticBag d2;
  CHECK(Check(quiet, schema, sm, d2) == nullptr);
  CHECK(d2.all().empty());
  (void)f;
}

}  // namespace
}  // namespace cohort
