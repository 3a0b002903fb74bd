// The public header set: self-contained, free of ANTLR and LLVM, and enough
// to compile and run a segment file end to end.
#include <cohort/cohort.h>

#if defined(ANTLR4CPP_PUBLIC) || defined(ANTLR4CPP_STATIC) || defined(LLVM_VERSION_MAJOR) || defined(LLVM_CONFIG_H)
#error "a public Cohort header pulled in an ANTLR or LLVM header"
#endif

#include <doctest/doctest.h>

TEST_CASE("embedding: compile, pick an engine, evaluate a batch") {
  cohort::CompileOptions options;
  options.today = cohort::ParseDate("2026-11-23");
  cohort::CompileResult r = cohort::Compile(R"(use Patient
segment Spanish "Spanish speakers"
  where language == "es"
  channel sms if consent
  message "m" cta "c"
  purpose operations
)",
                                            options);
  REQUIRE(r.ok());
  std::string note;
  auto engine = cohort::MakeBestEngine(r.program, &note);
  REQUIRE(engine != nullptr);
  CHECK(cohort::HasJit() == note.empty());

  cohort::Batch batch(*r.program->schema);
  const cohort::Schema& schema = *r.program->schema;
  for (const char* lang : {"es", "en"}) {
    for (cohort::ColumnId c = 0; c < schema.columns.size(); ++c) {
      cohort::ColumnData& col = batch.column(c);
      const cohort::ColumnDef& def = schema.columns[c];
      if (def.path == "language") col.AppendString(lang);
      else if (def.path == "id") col.AppendString(std::string("P-") + lang);
      else if (def.type.kind == cohort::TypeKind::kStringSet || def.type.kind == cohort::TypeKind::kList) col.AppendListEnd(0);
      else if (def.path == "consent.sms") col.AppendBool(true);
      else if (def.optional) col.AppendNull();
      else if (def.type.kind == cohort::TypeKind::kBool) col.AppendBool(false);
      else if (def.type.kind == cohort::TypeKind::kDate) col.AppendDate(0);
      else if (def.type.kind == cohort::TypeKind::kEnum) col.AppendEnum(0);
      else if (def.type.kind == cohort::TypeKind::kString) col.AppendString("");
      else col.AppendInt(0);
    }
  }
  batch.set_num_rows(2);
  cohort::BatchResult result;
  cohort::ExecContext ctx;
  ctx.today = *options.today;
  engine->Evaluate(batch.View(), ctx, &result);
  REQUIRE(result.segments.size() == 1);
  CHECK(result.segments[0].member == std::vector<uint8_t>{1, 0});
  cohort::Decisions d;
  cohort::Decide(*r.program, batch.View(), result, &d, ctx.today);
  CHECK(d.listed[0][0] == std::vector<uint8_t>{1, 0});
}
