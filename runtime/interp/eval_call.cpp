// Standard-library calls, dispatched through a call table generated from
// core/functions.def: one entry per row, each a template instantiated on the
// row's C symbol, so adding a function needs no edit here. Every function is
// NullIfAnyNull (the only NullBehavior): each argument is evaluated only where
// the previous ones are present, and the C implementation (stdlib/fn_impl.cpp,
// shared with the JIT) runs only on positions where all are present. The C
// arguments are marshalled from the C signature (core/functions.def explains
// the mapping): (const char*, int32_t) is a string argument, a `char*` the
// output buffer of a string result, an int32_t past the registry arguments
// the run date.
#include <memory>
#include <tuple>

#include "runtime/interp/eval.h"
#include "stdlib/functions.h"

namespace cohort::interp {

namespace {

inline int32_t Len(std::string_view s) { return static_cast<int32_t>(s.size()); }

/// What one call sees at position p.
struct CallEnv {
  const std::vector<Vec>& args;
  uint32_t p;
  int32_t today;
  char* out;  ///< output buffer of a string result
};

/// The C arguments of parameter types Ps..., the K-th registry argument next.
template <size_t K, class... Ps>
struct Marshal;
template <size_t K>
struct Marshal<K> {
  static std::tuple<> Get(const CallEnv&) { return {}; }
};
template <size_t K, class... Ps>
struct Marshal<K, const char*, int32_t, Ps...> {  // a string argument
  static auto Get(const CallEnv& e) {
    std::string_view s = e.args[K].s[e.args[K].At(e.p)];
    return std::tuple_cat(std::tuple<const char*, int32_t>(s.data(), Len(s)), Marshal<K + 1, Ps...>::Get(e));
  }
};
template <size_t K, class... Ps>
struct Marshal<K, char*, Ps...> {  // the output buffer: consumes no argument
  static auto Get(const CallEnv& e) { return std::tuple_cat(std::tuple<char*>(e.out), Marshal<K, Ps...>::Get(e)); }
};
template <size_t K, class... Ps>
struct Marshal<K, int32_t, Ps...> {  // a date, or the run date past the arguments
  static auto Get(const CallEnv& e) {
    int32_t v = K < e.args.size() ? static_cast<int32_t>(e.args[K].i[e.args[K].At(e.p)]) : e.today;
    return std::tuple_cat(std::tuple<int32_t>(v), Marshal<K + 1, Ps...>::Get(e));
  }
};
template <size_t K, class... Ps>
struct Marshal<K, int64_t, Ps...> {  // int, timestamp
  static auto Get(const CallEnv& e) {
    return std::tuple_cat(std::tuple<int64_t>(e.args[K].i[e.args[K].At(e.p)]), Marshal<K + 1, Ps...>::Get(e));
  }
};
template <size_t K, class... Ps>
struct Marshal<K, double, Ps...> {  // decimal
  static auto Get(const CallEnv& e) {
    return std::tuple_cat(std::tuple<double>(e.args[K].d[e.args[K].At(e.p)]), Marshal<K + 1, Ps...>::Get(e));
  }
};
template <size_t K, class... Ps>
struct Marshal<K, bool, Ps...> {
  static auto Get(const CallEnv& e) {
    return std::tuple_cat(std::tuple<bool>(e.args[K].b[e.args[K].At(e.p)] != 0), Marshal<K + 1, Ps...>::Get(e));
  }
};

template <class R, class... Ps>
constexpr bool ReturnsString(R (*)(Ps...)) {
  return (std::is_same_v<Ps, char*> || ...);
}

/// Calls `Fn` at every position of `present`, writing `out`.
template <auto Fn>
void CallEach(const std::vector<Vec>& args, const Sel& present, int32_t today, Vec& out) {
  auto call = [&]<class R, class... Ps>(R (*)(Ps...), const CallEnv& env) {
    return std::apply(Fn, Marshal<0, Ps...>::Get(env));
  };
  if constexpr (ReturnsString(Fn)) {
    // A string result is at most as long as the first argument: one arena
    // for every position, allocated before any view into it is taken.
    size_t total = 0;
    for (uint32_t p : present) total += args[0].s[args[0].At(p)].size();
    auto arena = std::make_shared<std::string>(total, '\0');
    size_t at = 0;
    for (uint32_t p : present) {
      char* base = arena->data() + at;
      int32_t n = call(Fn, CallEnv{args, p, today, base});
      n = n < 0 ? 0 : n;
      out.s[p] = std::string_view(base, static_cast<size_t>(n));
      at += static_cast<size_t>(n);
    }
    out.arenas.push_back(std::move(arena));
  } else {
    for (uint32_t p : present) {
      auto r = call(Fn, CallEnv{args, p, today, nullptr});
      if constexpr (std::is_same_v<decltype(r), bool>) out.b[p] = r;
      else if constexpr (std::is_floating_point_v<decltype(r)>) out.d[p] = r;
      else out.i[p] = r;
    }
  }
}

// A row with another null behaviour needs its own handling in EvalCall.
#define FN(Id, Name, Result, Params, Null, Today, PerDict, Sym, CSig, Implicit, Doc) \
  static_assert(NullBehavior::Null == NullBehavior::kNullIfAnyNull, "the interpreter implements NullIfAnyNull only");
#include "core/functions.def"
#undef FN

using CallFn = void (*)(const std::vector<Vec>&, const Sel&, int32_t, Vec&);

/// The interpreter's call table, indexed by FnId.
constexpr CallFn kCalls[] = {
#define FN(Id, Name, Result, Params, Null, Today, PerDict, Sym, CSig, Implicit, Doc) &CallEach<&Sym>,
#include "core/functions.def"
#undef FN
};

}  // namespace

Vec Evaluator::EvalCall(const ir::Expr& e, const Frame& f, const Sel& sel) {
  Vec out = MakeVec(e.type.kind, f.n);
  if (e.index >= std::size(kCalls)) return out;  // unknown function id: the verifier rejects this
  std::vector<Vec> args;
  args.reserve(e.args.size());
  Sel present = sel;
  for (ir::ExprId a : e.args) {
    if (present.empty()) return out;
    args.push_back(Eval(a, f, present));
    present = PresentIn(args.back(), present);
  }
  if (present.empty()) return out;
  kCalls[e.index](args, present, ctx_.today, out);
  for (uint32_t p : present) out.valid[p] = 1;
  return out;
}

}  // namespace cohort::interp
