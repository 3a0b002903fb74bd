// Orchestration of the interpreter: the plan, node dispatch and frames,
// leaves (columns, quantifier variables), define/segment references with
// their per-batch caches, segments, the Engine and the Session API.
#include "runtime/interp/interpreter.h"

#include <algorithm>

#include "runtime/dict_plan.h"
#include "runtime/interp/eval.h"

namespace cohort::interp {

namespace {

bool IsNumericLeaf(const ir::Expr& e) {
  if (e.kind != ir::ExprKind::kColumn && e.kind != ir::ExprKind::kVarField) return false;
  switch (e.type.kind) {
    case TypeKind::kBool:
    case TypeKind::kInt:
    case TypeKind::kDate:
    case TypeKind::kTimestamp:
    case TypeKind::kEnum:
    case TypeKind::kDecimal: return true;
    default: return false;
  }
}

/// Plan::cheap for node `id` (memo: 0 unknown, 1 no, 2 yes).
bool Cheap(const ir::Program& p, const std::vector<ir::ExprId>& dict, ir::ExprId id, std::vector<uint8_t>& memo,
           int depth) {
  if (id >= p.exprs.size() || depth > 64) return false;
  if (memo[id] != 0) return memo[id] == 2;
  const ir::Expr& e = p.exprs[id];
  using K = ir::ExprKind;
  bool cheap = false;
  if (dict[id] != ir::kNoExpr) {
    cheap = true;  // a table lookup per row (eval_dict.cpp)
  } else {
    switch (e.kind) {
      case K::kLiteral:
      case K::kToday:
      case K::kNow: cheap = true; break;
      case K::kColumn:
      case K::kVarField: cheap = e.type.kind == TypeKind::kBool; break;
      case K::kCompare:
      case K::kIsMissing:
        cheap = true;
        for (ir::ExprId a : e.args)
          cheap = cheap && a < p.exprs.size() && (IsNumericLeaf(p.exprs[a]) || p.exprs[a].kind == K::kLiteral);
        break;
      case K::kNot:
      case K::kAnd:
      case K::kOr:
        cheap = true;
        for (ir::ExprId a : e.args) cheap = cheap && Cheap(p, dict, a, memo, depth + 1);
        break;
      default: break;
    }
  }
  memo[id] = cheap ? 2 : 1;
  return cheap;
}

}  // namespace

// ---- Plan ----------------------------------------------------------------------

Plan::Plan(std::shared_ptr<const ir::Program> program) : program_(std::move(program)) {
  const ir::Program& p = *program_;
  dict_sources_ = DictionaryPredicates(p);
  std::vector<uint8_t> memo(p.exprs.size(), 0);
  cheap_.resize(p.exprs.size());
  for (ir::ExprId id = 0; id < p.exprs.size(); ++id) cheap_[id] = Cheap(p, dict_sources_, id, memo, 0) ? 1 : 0;
  in_lists_.resize(p.exprs.size());
  for (ir::ExprId id = 0; id < p.exprs.size(); ++id) {
    const ir::Expr& e = p.exprs[id];
    if (e.kind != ir::ExprKind::kInList) continue;
    InListTable& t = in_lists_[id];
    t.bools.assign(2, 0);
    // Re-sorted here (not trusting the checker's order) so lookups are
    // binary searches under exactly the comparison the interpreter uses.
    for (const ir::Value& v : e.list) {
      if (v.is_null) continue;  // a missing item can never equal a present value
      switch (StorageOf(v.kind)) {
        case Storage::kBool: t.bools[v.i != 0 ? 1 : 0] = 1; break;
        case Storage::kInt: t.ints.push_back(v.i); break;
        case Storage::kDouble: t.dbls.push_back(v.d); break;
        case Storage::kString: t.strs.push_back(v.s); break;
        default: break;
      }
    }
    std::sort(t.ints.begin(), t.ints.end());
    std::sort(t.dbls.begin(), t.dbls.end());
    std::sort(t.strs.begin(), t.strs.end());
  }
}

// ---- Evaluator -------------------------------------------------------------------

Evaluator::Evaluator(const Plan& plan, const CohortBatchView& batch, const ExecContext& ctx)
    : plan_(plan), p_(plan.program()), batch_(batch), ctx_(ctx) {
  rows_.n = batch.num_rows > 0 ? static_cast<size_t>(batch.num_rows) : 0;
  all_.resize(rows_.n);
  for (size_t r = 0; r < rows_.n; ++r) all_[r] = static_cast<uint32_t>(r);
  defines_.resize(p_.defines.size());
  members_.resize(p_.segments.size());
  member_state_.assign(p_.segments.size(), 0);
}

Vec Evaluator::Eval(ir::ExprId id, const Frame& f, const Sel& sel) {
  const ir::Expr& e = p_.exprs[id];
  if (f.is_element() && e.level == 0) {
    // Constants need no per-row work.
    if (e.kind == ir::ExprKind::kLiteral || e.kind == ir::ExprKind::kToday || e.kind == ir::ExprKind::kNow)
      return Dispatch(id, e, rows_, sel);
    // A row-level sub-expression of a quantifier body: once per row that owns
    // a selected element, then broadcast through the parent index.
    Sel rows;
    rows.reserve(sel.size());
    const std::vector<uint32_t>& parent = *f.parent;
    for (uint32_t el : sel)
      if (rows.empty() || rows.back() != parent[el]) rows.push_back(parent[el]);
    Vec rv = Dispatch(id, e, rows_, rows);
    return Gather(rv, parent, sel, f.n);
  }
  return Dispatch(id, e, f, sel);
}

Vec Evaluator::Dispatch(ir::ExprId id, const ir::Expr& e, const Frame& f, const Sel& sel) {
  using K = ir::ExprKind;
  if (!f.dict && plan_.dict_source(id) != ir::kNoExpr) {
    Vec out;
    if (TryDictionary(id, e, f, sel, &out)) return out;
  }
  switch (e.kind) {
    case K::kLiteral: return MakeConst(e.literal);
    case K::kColumn: return EvalColumn(e, f, sel);
    case K::kVarItem: return EvalVarItem(e, f, sel);
    case K::kVarField: return EvalVarField(e, f, sel);
    case K::kToday: return EvalToday(e);
    case K::kNow: return EvalNow(e);
    case K::kNot: return EvalNot(e, f, sel);
    case K::kAnd:
    case K::kOr: return EvalAndOr(e, f, sel);
    case K::kCompare: return EvalCompare(e, f, sel);
    case K::kArith: return EvalArith(e, f, sel);
    case K::kNeg: return EvalNeg(e, f, sel);
    case K::kCast: return EvalCast(e, f, sel);
    case K::kAddDuration: return EvalAddDuration(e, f, sel);
    case K::kInList: return EvalInList(id, e, f, sel);
    case K::kInSet: return EvalInSet(e, f, sel);
    case K::kIsMissing: return EvalIsMissing(e, f, sel);
    case K::kCoalesce: return EvalCoalesce(e, f, sel);
    case K::kCall: return EvalCall(e, f, sel);
    case K::kQuantifier: return EvalQuantifier(e, f, sel);
    case K::kAggregate: return EvalAggregate(e, f, sel);
    case K::kDefineRef: return EvalDefineRef(e, f, sel);
    case K::kSegmentRef: return EvalSegmentRef(e, f, sel);
  }
  return MakeMissingConst(e.type.kind);
}

// ---- Leaves ----------------------------------------------------------------------

Vec Evaluator::EvalColumn(const ir::Expr& e, const Frame& f, const Sel& sel) {
  if (f.dict) return ReadColumn(*f.dict, TypeKind::kString, sel, f.n);
  if (e.column >= batch_.num_columns) return MakeMissingConst(e.type.kind);
  return ReadColumn(batch_.columns[e.column], e.type.kind, sel, f.n);
}

Vec Evaluator::EvalVarItem(const ir::Expr& e, const Frame& f, const Sel& sel) {
  if (f.dict) return ReadColumn(*f.dict, TypeKind::kString, sel, f.n);
  // The verifier guarantees an enclosing quantifier over a set; stay total anyway.
  if (!f.is_element() || f.list->num_children < 1) return MakeMissingConst(e.type.kind);
  return ReadColumn(f.list->children[0], TypeKind::kString, sel, f.n);
}

Vec Evaluator::EvalVarField(const ir::Expr& e, const Frame& f, const Sel& sel) {
  if (f.dict) return ReadColumn(*f.dict, TypeKind::kString, sel, f.n);
  if (!f.is_element() || e.index >= f.list->num_children) return MakeMissingConst(e.type.kind);
  return ReadColumn(f.list->children[e.index], e.type.kind, sel, f.n);
}

Frame Evaluator::ElementFrame(ColumnId column, const Sel& rows, std::vector<uint32_t>* parent, Sel* elems) const {
  Frame ef;
  if (column >= batch_.num_columns) return ef;
  const CohortColumn& c = batch_.columns[column];
  if (!c.offsets || rows_.n == 0) return ef;
  ef.list = &c;
  ef.n = static_cast<size_t>(std::max<int32_t>(c.offsets[rows_.n], 0));
  ef.parent = parent;
  parent->assign(ef.n, 0);
  size_t total = 0;
  for (uint32_t r : rows)
    if (IsValid(c, r)) total += static_cast<size_t>(std::max(0, c.offsets[r + 1] - c.offsets[r]));
  elems->clear();
  elems->reserve(total);
  for (uint32_t r : rows) {
    if (!IsValid(c, r)) continue;  // a missing list is an empty list
    for (int32_t k = c.offsets[r]; k < c.offsets[r + 1]; ++k) {
      elems->push_back(static_cast<uint32_t>(k));
      (*parent)[k] = r;
    }
  }
  return ef;
}

// ---- References --------------------------------------------------------------------

Vec Evaluator::EvalDefineRef(const ir::Expr& e, const Frame& f, const Sel& sel) {
  if (e.index >= p_.defines.size()) return MakeMissingConst(e.type.kind);
  const ir::ExprId body = p_.defines[e.index].body;
  DefineCache& c = defines_[e.index];
  if (!c.started) {
    c.vec = MakeVec(e.type.kind, rows_.n);
    c.done.assign(rows_.n, 0);
    c.started = true;
  }
  Sel todo;
  for (uint32_t r : sel)
    if (!c.done[r]) todo.push_back(r);
  if (!todo.empty()) {
    // Only the rows not computed yet: a define used by several clauses under
    // different selections is evaluated at most once per row and batch.
    Vec v = Eval(body, rows_, todo);
    DefineCache& c2 = defines_[e.index];  // same slot; defines_ never resizes
    CopyAt(v, &c2.vec, todo);
    for (uint32_t r : todo) c2.done[r] = 1;
  }
  return defines_[e.index].vec;
}

Vec Evaluator::EvalSegmentRef(const ir::Expr& e, const Frame& f, const Sel& sel) {
  Vec out = MakeVec(TypeKind::kBool, f.n);
  if (e.index >= p_.segments.size()) {
    for (uint32_t r : sel) out.SetTruth(r, kFalse);
    return out;
  }
  const std::vector<uint8_t>& m = Member(e.index);
  for (uint32_t r : sel) out.SetTruth(r, m[r] ? kTrue : kFalse);
  return out;
}

// ---- Segments ----------------------------------------------------------------------

const std::vector<uint8_t>& Evaluator::Member(uint32_t index) {
  if (member_state_[index] == 2) return members_[index];
  if (member_state_[index] == 1) {
    // A reference cycle (the checker rejects these): treat as not a member.
    members_[index].assign(rows_.n, 0);
    return members_[index];
  }
  SegmentResult r;
  const ir::Segment& seg = p_.segments[index];
  r.where.assign(rows_.n, 0);
  r.member.assign(rows_.n, 0);
  r.excludes.assign(seg.excludes.size(), std::vector<uint8_t>(rows_.n, 0));
  ComputeSegment(index, &r, /*with_channels=*/false);
  return members_[index];
}

namespace {

/// keep[p] = 1 where `v` is TRUE, for p in sel. `dense`: sel is every row
/// (0..n-1), so one contiguous, vectorizable pass.
void TrueAt(const Vec& v, const Sel& sel, bool dense, std::vector<uint8_t>* keep) {
  uint8_t* k = keep->data();
  if (v.is_const) {
    const uint8_t t = v.valid[0] & v.b[0];
    if (dense) std::fill(keep->begin(), keep->begin() + static_cast<std::ptrdiff_t>(sel.size()), t);
    else for (uint32_t p : sel) k[p] = t;
    return;
  }
  const uint8_t* valid = v.valid.data();
  const uint8_t* b = v.b.data();
  if (dense) {
    for (size_t p = 0, n = sel.size(); p < n; ++p) k[p] = valid[p] & b[p];
    return;
  }
  for (uint32_t p : sel) k[p] = valid[p] & b[p];
}

}  // namespace

void Evaluator::ComputeSegment(uint32_t index, SegmentResult* out, bool with_channels) {
  const ir::Segment& seg = p_.segments[index];
  member_state_[index] = 1;
  const Sel& all = AllRows();
  // The `where` rows as a selection, only when a later clause needs them.
  const bool later = !seg.excludes.empty() || (with_channels && !seg.channels.empty());
  Sel where_sel;
  if (seg.where == ir::kNoExpr) {
    if (later) where_sel = all;
    std::fill(out->where.begin(), out->where.end(), 1);
  } else {
    TrueAt(EvalRows(seg.where, all), all, /*dense=*/true, &out->where);
    if (later) where_sel = Compact(all, out->where.data());
  }

  // Each exclude over every `where` row (not only those earlier excludes
  // kept), so per-clause attrition counts are independent of clause order.
  std::vector<uint8_t> excluded;
  if (!seg.excludes.empty()) excluded.assign(rows_.n, 0);
  for (size_t k = 0; k < seg.excludes.size(); ++k) {
    if (where_sel.empty()) break;
    TrueAt(EvalRows(seg.excludes[k], where_sel), where_sel, where_sel.size() == rows_.n, &out->excludes[k]);
    const uint8_t* x = out->excludes[k].data();
    for (uint32_t r : where_sel) excluded[r] |= x[r];
  }
  if (excluded.empty()) {
    out->member = out->where;
  } else {
    for (uint32_t r : where_sel) out->member[r] = excluded[r] ^ 1;
  }
  members_[index] = out->member;
  member_state_[index] = 2;

  if (!with_channels || seg.channels.empty()) return;
  const Sel member_sel = excluded.empty() ? std::move(where_sel) : Compact(where_sel, out->member.data());
  for (size_t c = 0; c < seg.channels.size(); ++c) {
    if (member_sel.empty()) break;
    const ir::Channel& ch = seg.channels[c];
    if (ch.condition == ir::kNoExpr) continue;  // no condition: never admitted
    TrueAt(EvalRows(ch.condition, member_sel), member_sel, member_sel.size() == rows_.n, &out->channels[c]);
  }
}

// ---- Engine and Session ------------------------------------------------------------

Interpreter::Interpreter(std::shared_ptr<const ir::Program> program)
    : plan_(std::make_shared<const Plan>(std::move(program))) {}

Interpreter::~Interpreter() = default;

const ir::Program& Interpreter::program() const { return plan_->program(); }

void Interpreter::Evaluate(const CohortBatchView& batch, const ExecContext& ctx, BatchResult* out) const {
  const ir::Program& p = plan_->program();
  out->Reset(p, batch.num_rows);
  Evaluator ev(*plan_, batch, ctx);
  std::vector<uint8_t> done(p.segments.size(), 0);
  for (uint32_t s : p.segment_order) {
    if (s >= p.segments.size() || done[s]) continue;
    ev.ComputeSegment(s, &out->segments[s], true);
    done[s] = 1;
  }
  // Segments missing from segment_order (hand-built programs): their
  // references are computed lazily, so any order is still correct.
  for (uint32_t s = 0; s < p.segments.size(); ++s)
    if (!done[s]) ev.ComputeSegment(s, &out->segments[s], true);
}

std::vector<cohort::Truth> Interpreter::EvaluateTruth(ir::ExprId id, const CohortBatchView& batch,
                                                      const ExecContext& ctx) const {
  Session s(*this, batch, ctx);
  return s.Truth(id);
}

std::vector<ir::Value> Interpreter::EvaluateValues(ir::ExprId id, const CohortBatchView& batch,
                                                   const ExecContext& ctx) const {
  Session s(*this, batch, ctx);
  return s.Values(id);
}

Session::Session(const Interpreter& interp, const CohortBatchView& batch, const ExecContext& ctx)
    : ev_(std::make_unique<Evaluator>(*interp.plan_, batch, ctx)) {}

Session::~Session() = default;

std::vector<cohort::Truth> Session::Truth(ir::ExprId id) {
  const Frame& f = ev_->row_frame();
  std::vector<cohort::Truth> out(f.n, cohort::Truth::kUnknown);
  if (id >= ev_->program().exprs.size() || ev_->program().exprs[id].level != 0) return out;
  const Sel& all = ev_->AllRows();
  Vec v = ev_->EvalRows(id, all);
  if (v.kind == TypeKind::kBool) {
    for (uint32_t r : all) out[r] = static_cast<cohort::Truth>(v.Truth(r));
  } else {
    for (uint32_t r : all) out[r] = v.Valid(r) ? cohort::Truth::kTrue : cohort::Truth::kUnknown;
  }
  return out;
}

std::vector<ir::Value> Session::Values(ir::ExprId id) {
  const Frame& f = ev_->row_frame();
  std::vector<ir::Value> out(f.n);
  if (id >= ev_->program().exprs.size() || ev_->program().exprs[id].level != 0) {
    for (auto& v : out) v.is_null = true;
    return out;
  }
  const Sel& all = ev_->AllRows();
  Vec v = ev_->EvalRows(id, all);
  for (uint32_t r : all) out[r] = ToValue(v, r);
  return out;
}

void Evaluator::EachElement(ir::ExprId q, ir::ExprId value, std::vector<uint32_t>* rows, Vec* truth, Vec* values,
                            Sel* elems) {
  const ir::Expr& e = p_.exprs[q];
  Frame ef = ElementFrame(e.column, AllRows(), rows, elems);
  if (elems->empty()) return;
  *truth = Eval(e.args[0], ef, *elems);
  *values = Eval(value, ef, *elems);
}

Session::Elements Session::EachElement(ir::ExprId quantifier, ir::ExprId value) {
  Elements out;
  const ir::Program& p = ev_->program();
  if (quantifier >= p.exprs.size() || value >= p.exprs.size() || p.exprs[quantifier].kind != ir::ExprKind::kQuantifier ||
      p.exprs[quantifier].args.empty())
    return out;
  std::vector<uint32_t> parent;
  Vec truth, values;
  Sel elems;
  ev_->EachElement(quantifier, value, &parent, &truth, &values, &elems);
  for (uint32_t el : elems) {
    out.row.push_back(parent[el]);
    out.truth.push_back(static_cast<cohort::Truth>(truth.Truth(el)));
    out.value.push_back(ToValue(values, el));
  }
  return out;
}

const std::vector<uint8_t>& Session::Member(uint32_t index) {
  static const std::vector<uint8_t> kEmpty;
  if (index >= ev_->program().segments.size()) return kEmpty;
  return ev_->Member(index);
}

SegmentResult Session::Segment(uint32_t index) {
  SegmentResult r;
  const ir::Program& p = ev_->program();
  if (index >= p.segments.size()) return r;
  const size_t n = ev_->row_frame().n;
  const ir::Segment& seg = p.segments[index];
  r.where.assign(n, 0);
  r.member.assign(n, 0);
  r.excludes.assign(seg.excludes.size(), std::vector<uint8_t>(n, 0));
  r.channels.assign(seg.channels.size(), std::vector<uint8_t>(n, 0));
  ev_->ComputeSegment(index, &r, true);
  return r;
}

}  // namespace cohort::interp

namespace cohort {

std::unique_ptr<Engine> MakeInterpreter(std::shared_ptr<const ir::Program> program) {
  return std::make_unique<interp::Interpreter>(std::move(program));
}

}  // namespace cohort
