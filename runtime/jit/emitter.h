// The IR -> LLVM IR emitter shared by the emit_*.cpp files (one per node
// family). Internal to the JIT component (runtime/jit).
//
// Value model: every expression yields a Val = (value, valid) where `valid`
// is an i1 (the constant true when the IR node is not nullable). Booleans are
// Kleene tri-states as (i1 value, i1 valid); a value is meaningless when
// `valid` is false. Strings are (ptr, i32 length). Dates are i32 days, ints and
// timestamps i64, decimals double, enums i8 codes.
//
// Cheap nodes are emitted branch-free (selects and bit operations) so row
// loops made only of cheap nodes auto-vectorize; expensive nodes (quantifier
// loops, calls, string comparisons) may branch. Clause evaluation is split:
// a branch-free pass over all rows for the cheap conjuncts, then a pass that
// evaluates the expensive conjuncts only on surviving rows (emit_segment.cpp).
#pragma once

#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/Module.h>

#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/ir.h"

namespace cohort::codegen {

/// Whether stdlib function `fn` is computed inline (cheap, branch-free).
bool IsInlineFunction(uint32_t fn);

/// An emitted expression value: see the file comment for the encoding.
struct Val {
  llvm::Value* v = nullptr;      ///< the value (strings: pointer to the bytes)
  llvm::Value* len = nullptr;    ///< strings only: i32 byte length
  llvm::Value* valid = nullptr;  ///< i1: present (or known, for booleans)
};

/// Pointers of one column, loaded once in the kernel's entry block.
struct ColumnPtrs {
  llvm::Value* col = nullptr;      ///< const CohortColumn*
  llvm::Value* values = nullptr;
  llvm::Value* offsets = nullptr;  ///< const int32_t*
  llvm::Value* data = nullptr;
  /// Validity read as base[(i >> 3) & vmask]: base is the bitmap and vmask -1,
  /// or, when the column has no bitmap, a 0xFF byte and vmask 0 (branch-free).
  llvm::Value* vbase = nullptr;
  llvm::Value* vmask = nullptr;
  /// Strings: i1, the column is dictionary-encoded in this batch (then
  /// `values` holds int32 codes and dict_* describe the dictionary; otherwise
  /// dict_* are loaded from the column itself and never used).
  llvm::Value* is_dict = nullptr;
  llvm::Value* dict_offsets = nullptr;
  llvm::Value* dict_data = nullptr;
  llvm::Value* dict_len = nullptr;  ///< i64 entries (0 when not dictionary-encoded)
};

/// The current element of the innermost quantifier or aggregate.
struct Element {
  ColumnId column = kNoColumn;  ///< the list or set column iterated over
  bool is_set = false;
  llvm::Value* index = nullptr;  ///< i64 index into the column's children
};

/// Lowers one checked program to the `cohort_program` kernel.
class Emitter {
 public:
  /// `vectorize`: shape row loops for the vectorizer (RowLoop).
  Emitter(const ir::Program& program, llvm::Module& module, bool vectorize = true);
  /// Emits the kernel; false (with `error`) if something is not supported.
  bool Run(std::string* error);

  // ---- Dispatch (emitter.cpp) ----------------------------------------------
  /// The tri-state value of expression `id` at the current row/element.
  Val Emit(ir::ExprId id);
  /// i1: expression `id` (a bool) is TRUE. Short-circuits expensive parts.
  llvm::Value* EmitTruth(ir::ExprId id);
  /// i1: expression `id` (a bool) is FALSE (valid and false).
  llvm::Value* EmitFalsity(ir::ExprId id);
  /// Whether evaluating `id` may branch, loop or call (memoized).
  bool IsExpensive(ir::ExprId id);
  /// i1 at the RowLoop's row: T (truth) or F of each item, AND-ed (all) or
  /// OR-ed, when every item is made only of bitmaps (bool columns, `is
  /// missing`/`is present` of a column, and/or/not) and they read two or
  /// more: computed a 32-row word at a time from the bitmaps and spread to
  /// bytes once per chunk (emit_logic.cpp). nullptr otherwise.
  llvm::Value* ChunkBitsOf(const std::vector<ir::ExprId>& items, bool all, bool truth);
  /// Whether `id` is made only of bitmaps; adds the bitmaps it reads to *bitmaps.
  bool IsBitExpr(ir::ExprId id, int* bitmaps);

 private:
  // ---- Node families ---------------------------------------------------------
  Val EmitNode(ir::ExprId id, const ir::Expr& e);                 // emitter.cpp: the per-kind switch
  Val EmitLiteral(const ir::Value& v, const Type& type);          // emitter.cpp
  Val EmitColumn(const ir::Expr& e);                              // emitter.cpp
  Val EmitNot(const ir::Expr& e);                                 // emit_logic.cpp
  Val EmitAndOr(const ir::Expr& e);                               // emit_logic.cpp
  Val EmitIsMissing(const ir::Expr& e);                           // emit_logic.cpp
  Val EmitCoalesce(const ir::Expr& e);                            // emit_logic.cpp
  Val EmitCompare(const ir::Expr& e);                             // emit_compare.cpp
  Val EmitInList(const ir::Expr& e);                              // emit_compare.cpp
  Val EmitInSet(const ir::Expr& e);                               // emit_compare.cpp
  Val EmitArith(const ir::Expr& e);                               // emit_arith.cpp
  Val EmitNeg(const ir::Expr& e);                                 // emit_arith.cpp
  Val EmitCast(const ir::Expr& e);                                // emit_arith.cpp
  Val EmitToday(const ir::Expr& e);                               // emit_time.cpp
  Val EmitNow(const ir::Expr& e);                                 // emit_time.cpp
  Val EmitAddDuration(const ir::Expr& e);                         // emit_time.cpp
  Val EmitQuantifier(const ir::Expr& e);                          // emit_list.cpp
  /// Quantifiers answered from per-element running counts (emit_list.cpp).
  bool Precomputable(const ir::Expr& e);
  bool ElementOnly(ir::ExprId id);  ///< reads only the element and per-call constants
  bool RowFree(ir::ExprId id);      ///< reads neither a row nor an element
  Val EmitPrecomputedQuantifier(const ir::Expr& e, bool is_set);
  struct ElementCounts {
    llvm::Value* counts = nullptr;  ///< i32[r1 - r0 + 1]: TRUE bodies before each row boundary
    llvm::Value* r0 = nullptr;      ///< i64 the first row counted
  };
  /// Emits the counts of quantifier `e` over the elements of rows [r0, r1).
  ElementCounts EmitElementCounts(const ir::Expr& e, bool is_set, llvm::Value* r0, llvm::Value* r1, int slot);
  Val EmitAggregate(const ir::Expr& e);                           // emit_list.cpp
  Val EmitVarItem(const ir::Expr& e);                             // emit_list.cpp
  Val EmitVarField(const ir::Expr& e);                            // emit_list.cpp
  Val EmitCall(const ir::Expr& e);                                // emit_call.cpp
  /// A dictionary predicate (runtime/dict_plan.h): table[code] when its
  /// source is dictionary-encoded in the batch, else the per-row code.
  Val EmitDictPredicate(ir::ExprId id, const ir::Expr& e);        // emit_dict.cpp
  /// The per-entry truth table (i8 0/1/2 per code) of predicate `id` over the
  /// dictionary of `src`, computed once per kernel call in the prologue, and
  /// the (last) code whose entry is `find` (i64, -1 if none; find < 0: none).
  struct DictTableVals {
    llvm::Value* table = nullptr;
    llvm::Value* match = nullptr;
  };
  DictTableVals DictTable(ir::ExprId id, const ColumnPtrs& src, int find);  // emit_dict.cpp
  /// The row code of dictionary predicate `id` knowing its source is
  /// dictionary-encoded (table lookup, or a code compare for `x ==/!= "c"`).
  Val EmitDictLookup(ir::ExprId id, const ir::Expr& e, const ir::Expr& leaf, const ColumnPtrs& cols,
                     llvm::Value* idx);                                 // emit_dict.cpp
  /// i64: the code of constant `s` in the dictionary of `src` (found once
  /// per kernel call in the prologue; -1 if absent or `src` is plain).
  llvm::Value* DictCodeOf(const ColumnPtrs& src, const std::string& s);  // emit_dict.cpp
  /// Top-level string columns that are sources of dictionary predicates
  /// under `id` (through defines), at most a few.
  void DictColumns(ir::ExprId id, std::vector<ColumnId>* out);        // emit_dict.cpp
  /// The clause loops (emit_segment.cpp), emitted once per version by EmitClause.
  void EmitClauseBody(ir::ExprId expr, llvm::Value* gate, llvm::Value* out);  // emit_segment.cpp
  /// A plain or dictionary-encoded string of `cols` at `idx` (ptr, len).
  Val ReadString(const ColumnPtrs& cols, llvm::Value* idx);       // emit_dict.cpp
  Val EmitSegmentRef(const ir::Expr& e);                          // emit_segment.cpp
  void EmitSegment(uint32_t seg);                                 // emit_segment.cpp
  /// A segment as clause passes (where, excludes, member, channels).
  void EmitSegmentPasses(uint32_t seg);                           // emit_segment.cpp
  /// Is every clause of the segment cheap (under the current assume_dict_)?
  bool SegmentFusible(uint32_t seg);                              // emit_segment.cpp
  /// A segment of cheap clauses as one pass writing all its masks.
  void EmitFusedSegment(uint32_t seg);                            // emit_segment.cpp
  /// A clause: when dictionary predicates read top-level columns, two
  /// versions (all those columns dictionary-encoded in this batch, or not).
  void EmitClause(ir::ExprId expr, llvm::Value* gate, llvm::Value* out);  // emit_dict.cpp
  /// Two versions of some code: `dict` when all of `cols` are dictionary-
  /// encoded in this batch (emitted assuming so: their predicates are cheap
  /// lookups), `other` otherwise.
  void EmitDictVersions(const std::vector<ColumnId>& cols, const std::function<void()>& dict,
                        const std::function<void()>& other);  // emit_dict.cpp

  /// Truth of a conjunction: cheap conjuncts branch-free, then the expensive
  /// ones in order, each only while the result can still be TRUE.
  llvm::Value* EmitAllTrue(const std::vector<ir::ExprId>& conjuncts);      // emit_logic.cpp
  /// Top-level conjuncts of `id`, looking through `and` and define references.
  void Conjuncts(ir::ExprId id, std::vector<ir::ExprId>* out);             // emit_logic.cpp
  /// Three-way string comparison (i32 <0, 0, >0) or equality (i1).
  llvm::Value* StringEquals(const Val& a, const Val& b);                   // emit_compare.cpp
  llvm::Value* StringCompare(const Val& a, const Val& b);                  // emit_compare.cpp
  /// A stdlib call computed inline (no C call), or nullptr if not inlined.
  llvm::Value* InlineCall(uint32_t fn, const std::vector<Val>& args);       // emit_call.cpp
  /// i1 comparison of two present scalars of kind `kind`.
  llvm::Value* CompareScalars(ir::CmpOp op, TypeKind kind, const Val& a, const Val& b);  // emit_compare.cpp

  // ---- Infrastructure (emitter.cpp) -------------------------------------------
 public:
  /// Records the first unsupported construct; emission continues with dummies.
  void Fail(std::string message);
  bool failed() const { return !error_.empty(); }

  llvm::IRBuilder<>& b() { return builder_; }
  llvm::LLVMContext& ctx() { return ctx_; }
  llvm::Module& module() { return module_; }
  const ir::Program& program() const { return program_; }
  const ir::Expr& expr(ir::ExprId id) const { return program_.expr(id); }

  llvm::Type* ScalarType(TypeKind kind);
  llvm::Value* True() { return builder_.getTrue(); }
  llvm::Value* False() { return builder_.getFalse(); }
  /// A dummy value of `type` (used after a failure to keep emitting).
  Val Dummy(const Type& type);

  /// Pointers of top-level column `c` / child `k` of column `c` (entry block).
  const ColumnPtrs& Column(ColumnId c);
  const ColumnPtrs& Child(ColumnId c, uint32_t k);
  /// Reads element `idx` (i64) of a column holding `kind`; validity only when
  /// `nullable` (the IR's promise; a non-nullable node never reads the bitmap).
  Val ReadColumn(const ColumnPtrs& cols, TypeKind kind, bool nullable, llvm::Value* idx);
  llvm::Value* ReadBit(llvm::Value* base, llvm::Value* idx);
  llvm::Value* ReadValidity(const ColumnPtrs& cols, llvm::Value* idx);
  /// offsets[idx] and offsets[idx + 1] as i64.
  std::pair<llvm::Value*, llvm::Value*> ReadRange(const ColumnPtrs& cols, llvm::Value* idx);

  /// An i1/i8/... stack slot in the entry block (promoted to SSA by mem2reg).
  llvm::AllocaInst* Slot(llvm::Type* type, const char* name);
  /// A private constant byte string; returns a pointer to its first byte.
  llvm::Value* ConstBytes(const std::string& bytes);
  /// Declares (once) an external C function of the kernel ABI.
  llvm::FunctionCallee Extern(const std::string& name, llvm::Type* ret, const std::vector<llvm::Type*>& params,
                              bool reads_memory, bool writes_memory);

  /// Runs `then` only when `cond` holds; otherwise the value is `otherwise`.
  /// Both values must have the same shape (same kinds of fields set).
  Val Guarded(llvm::Value* cond, const std::function<Val()>& then, const Val& otherwise);
  /// Counted loop over [begin, end) (i64). When `keep_going` is given, it is
  /// evaluated before each iteration and the loop stops when it is false.
  void Loop(llvm::Value* begin, llvm::Value* end, const std::function<void(llvm::Value*)>& body,
            const std::function<llvm::Value*()>& keep_going = nullptr);
  /// The loop over the batch's rows of a clause pass (body gets the row).
  /// Without vectorize_ a plain Loop. Otherwise rows run in chunks of kRowChunk: every bitmap the body reads at the row
  /// (validity, bool values) is expanded to one byte per row once per chunk,
  /// so the body reads consecutive bytes and the loop vectorizes; the inner
  /// loop is bottom-tested (no scalar remainder in a full chunk).
  /// `branch_free` (no per-row branches in the body): vectorize it
  /// kRowVectorWidth rows at a time.
  void RowLoop(const std::function<void(llvm::Value*)>& body, bool branch_free);
  /// A loop over [begin, end) (unsigned) vectorized `width` at a time (1:
  /// left alone; 0: as the vectorizer decides).
  void BoundedLoop(llvm::Value* begin, llvm::Value* end, const std::function<void(llvm::Value*)>& body, int width);
  static constexpr int kRowChunkLog2 = 10;
  static constexpr int64_t kRowChunk = int64_t{1} << kRowChunkLog2;
  static constexpr int kRowVectorWidth = 32;  ///< rows per vector step of a branch-free row loop

  llvm::Value* today() { return today_; }
  llvm::Value* now() { return now_; }
  llvm::Value* runtime() { return rt_; }
  llvm::Value* row() { return row_; }
  llvm::Value* num_rows() { return num_rows_; }
  int NextScratchSlot() { return scratch_slots_++; }

 private:
  const ir::Program& program_;
  llvm::Module& module_;
  llvm::LLVMContext& ctx_;
  llvm::IRBuilder<> builder_;
  llvm::IRBuilder<> entry_builder_;  // appends to the entry block (loads, allocas)
  std::string error_;
  bool vectorize_ = true;

  llvm::StructType* column_ty_ = nullptr;
  llvm::StructType* view_ty_ = nullptr;
  llvm::StructType* ctx_ty_ = nullptr;
  llvm::Function* fn_ = nullptr;
  llvm::Value* batch_ = nullptr;
  llvm::Value* columns_ = nullptr;  // const CohortColumn*
  llvm::Value* masks_ = nullptr;    // uint8_t* const*
  llvm::Value* rt_ = nullptr;
  llvm::Value* today_ = nullptr;    // i32
  llvm::Value* now_ = nullptr;      // i64
  llvm::Value* num_rows_ = nullptr; // i64
  llvm::Value* ones_ = nullptr;     // a 0xFF byte (validity of bitmap-less columns)
  llvm::Value* row_ = nullptr;      // i64 current row

  std::vector<uint32_t> mask_bases_;
  std::vector<llvm::Value*> mask_ptrs_;  // loaded in the entry block
  std::map<ColumnId, ColumnPtrs> columns_cache_;
  std::map<std::pair<ColumnId, uint32_t>, ColumnPtrs> children_cache_;
  std::map<std::string, llvm::Value*> const_bytes_;
  std::unordered_map<ir::ExprId, int> expensive_;  // -1 unknown, 0/1
  int scratch_slots_ = 0;
  std::vector<bool> segment_done_;  // member masks already written
  std::map<const ir::Expr*, bool> precomputable_;

  /// Inside a quantifier body: the element, and row-level values computed
  /// before the loop (every level-0 node of the body is evaluated once per row).
  std::vector<Element> elements_;
  std::unordered_map<ir::ExprId, Val> hoisted_;
  void Hoist(ir::ExprId id);
  int depth_ = 0;

  ColumnPtrs LoadColumnPtrs(llvm::Value* colptr);

  /// The chunk of the RowLoop being emitted: its first row and end, the row
  /// variable, and the bitmaps expanded for it (base, vmask -> byte buffer).
  /// A combination of bitmap expressions (ChunkBitsOf): T or F (truth) of
  /// each item, AND-ed (all) or OR-ed.
  struct BitRecipe {
    bool all = true;
    std::vector<std::pair<ir::ExprId, bool>> items;  ///< (expression, truth)
    bool operator==(const BitRecipe&) const = default;
  };
  /// A bitmap the chunk spreads to bytes: read at (base, vmask), or, with a
  /// recipe, computed from the bitmaps it combines.
  struct ChunkBits {
    llvm::Value* base = nullptr;
    llvm::Value* vmask = nullptr;
    llvm::AllocaInst* bytes = nullptr;
    std::optional<BitRecipe> recipe;
  };
  /// The recipe's bits at bitmap byte `byte_at` of the batch, as `t` (i8 or
  /// i32: 1 or 4 bitmap bytes); emitted in the chunk's preparation block.
  llvm::Value* RecipeBits(const BitRecipe& recipe, llvm::Type* t, llvm::Value* byte_at);
  llvm::Value* ExprBits(ir::ExprId id, bool truth, llvm::Type* t, llvm::Value* byte_at);
  /// A precomputed quantifier the chunk's body reads: its counts are made in
  /// the chunk's preparation block and passed through these slots.
  struct ChunkCounts {
    const ir::Expr* quantifier = nullptr;
    bool is_set = false;
    llvm::AllocaInst* counts = nullptr;
    llvm::AllocaInst* r0 = nullptr;
    int scratch_slot = 0;
  };
  struct RowChunk {
    llvm::Value* start = nullptr;
    llvm::Value* end = nullptr;
    llvm::Value* row = nullptr;
    std::vector<ChunkBits> bits;
    std::deque<ChunkCounts> counts;  // a deque: pointers stay valid as it grows
  };
  std::optional<RowChunk> chunk_;
  /// i1 bit `idx` of bitmap (base, vmask) from the chunk's byte buffer when
  /// idx is the RowLoop's row; nullptr otherwise (read the bitmap).
  llvm::Value* ChunkBit(llvm::Value* base, llvm::Value* vmask, llvm::Value* idx);
  /// Scoped-noalias metadata: each mask is its own scope, every other access
  /// (columns, dictionaries, scratch, slots) is known not to touch a mask, so
  /// the vectorizer needs no runtime overlap checks between them.
  void TagAliasScopes();

  // Dictionary predicates (emit_dict.cpp).
  std::vector<ir::ExprId> dict_sources_;  ///< per expr: source leaf or kNoExpr
  /// While computing a table: every string source reads entry `idx` of this
  /// dictionary (no row, no element).
  struct DictEntry {
    ColumnPtrs dict;
    llvm::Value* idx = nullptr;
  };
  std::optional<DictEntry> dict_entry_;
  std::map<std::pair<ir::ExprId, llvm::Value*>, DictTableVals> dict_tables_;
  /// Top-level columns known to be dictionary-encoded in the clause version
  /// being emitted (EmitClause): their predicates are cheap table lookups.
  std::vector<ColumnId> assume_dict_;
  llvm::BasicBlock* prologue_head_ = nullptr;  ///< runs once per call, after the entry block
  llvm::BasicBlock* prologue_tail_ = nullptr;
  llvm::Value* MaskPtr(uint32_t index);
};

}  // namespace cohort::codegen
