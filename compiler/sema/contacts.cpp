// Contact history and frequency caps (issue 12; docs/language.md "Contact
// history"). `contacted [by C] within last N days` is checked into
//   any c in __contacts where c.send_on >= today - N [and c.channel == "C"]
// over the synthetic contacts column (core/contacts.h), which is appended to
// the program's schema only when contact history or a cap is used. So every
// engine evaluates it with the code it already has for quantifiers.
#include <fmt/format.h>

#include "compiler/sema/checker_impl.h"
#include "core/contacts.h"

namespace cohort::sema {

ColumnId Checker::UseContacts(SourceRange use) {
  if (!contacts_use_.valid()) contacts_use_ = use;
  return static_cast<ColumnId>(schema_->columns.size());
}

void Checker::FinishContacts() {
  if (!contacts_use_.valid() || !p_) return;
  p_->schema = WithContactsColumn(*schema_);
  p_->contacts_column = static_cast<ColumnId>(schema_->columns.size());
  p_->contacts_use = contacts_use_;
}

Checked Checker::CheckContacted(const ast::Expr& e, const Ctx& ctx) {
  if (e.args.empty() || !e.args[0]) return Error();
  const SourceRange r = e.range;
  if (!e.text.empty() && !schema_->FindChannel(e.text)) {
    std::vector<std::string> names;
    for (const ChannelDef& c : schema_->channels) names.push_back(c.name);
    diags_.Emit(DiagKind::UnknownChannel, e.text_range.valid() ? e.text_range : r, e.text, DidYouMean(e.text, names));
    return Error();
  }
  auto dur = DurationOf(*e.args[0], ctx, "`contacted within last`");
  if (!dur) return Error();
  if (dur->micros != 0) {
    diags_.Emit(DiagKind::DurationOnDate, e.args[0]->range, Text(e.args[0]->range),
                "contacts are counted in whole days (`send_on` is a date); use days, weeks, months or years");
    return Error();
  }
  const RecordDef& rec = *ContactRecord();
  auto field = [&](uint32_t index) {
    ir::Expr x;
    x.kind = ir::ExprKind::kVarField;
    x.index = index;
    x.type = rec.fields[index].type;
    x.level = 1;
    x.range = r;
    Checked c;
    c.type = x.type;
    c.level = 1;
    c.id = Add(std::move(x));
    return c;
  };
  auto cmp = [&](ir::CmpOp op, Checked lhs, Checked rhs) {
    Checked c = Make(ir::ExprKind::kCompare, Type::Bool(), false, {lhs, rhs}, r);
    p_->exprs[c.id].cmp = op;
    return c;
  };
  // Sends scheduled for later days count too: only the lower bound.
  Checked today = Make(ir::ExprKind::kToday, Type::Date(), false, {}, r);
  Checked body = cmp(ir::CmpOp::kGe, field(kContactSendOnField), AddDuration(today, *dur, -1, r, r, ""));
  if (!e.text.empty()) {
    ir::Value v;
    v.s = e.text;
    Checked channel = cmp(ir::CmpOp::kEq, field(kContactChannelField), Literal(v, Type::String(), r));
    body = Make(ir::ExprKind::kAnd, Type::Bool(), false, {body, channel}, r);
  }
  Checked q = Make(ir::ExprKind::kQuantifier, Type::Bool(), false, {body}, r);
  ir::Expr& node = p_->exprs[q.id];
  node.quant = ir::Quant::kAny;
  node.level = 0;
  node.column = UseContacts(r);
  q.level = 0;
  return q;
}

void Checker::CheckCap(const ast::Campaign& c, ir::Campaign& out) {
  // Bounds keep the window arithmetic of the pipeline small and exact.
  constexpr int64_t kMaxMessages = 1000, kMaxDays = 3660;
  bool ok = true;
  if (c.cap_messages < 1 || c.cap_messages > kMaxMessages) {
    diags_.Emit(DiagKind::CapOutOfRange, c.cap_messages_range, "a number of messages",
                fmt::format("from 1 to {}", kMaxMessages), c.cap_messages);
    ok = false;
  }
  if (c.cap_days < 1 || c.cap_days > kMaxDays) {
    diags_.Emit(DiagKind::CapOutOfRange, c.cap_days_range, "a number of days", fmt::format("from 1 to {}", kMaxDays),
                c.cap_days);
    ok = false;
  }
  if (!ok) return;
  out.cap_messages = static_cast<uint32_t>(c.cap_messages);
  out.cap_days = static_cast<uint32_t>(c.cap_days);
  UseContacts(c.cap->range);
}

}  // namespace cohort::sema
