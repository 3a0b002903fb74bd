// CREATE TABLE statements for a schema's data files, so that
// `COPY t FROM 'file.csv' (FORMAT csv, HEADER)` loads the pinned CSV layout
// unchanged: one table per file, named after it without `.csv`, columns named
// exactly as the CSV headers, in schema order (COPY matches by position, so
// the CSV columns must come in this order; the DDL lists them as the schema
// declares them, which is how `cohort gen` writes them).
#include <fmt/format.h>

#include "compiler/sql/emitter.h"

namespace cohort::sql {

namespace {

std::string ColumnType(const Spelling& sp, TypeKind k) {
  // Enums are their label text, sets the raw `;`-joined text.
  return sp.Type(k);
}

}  // namespace

std::string EmitDdl(const Schema& schema, Dialect dialect) {
  Spelling sp{dialect};
  std::string out = fmt::format("-- Cohort: tables of schema `{}` ({} dialect); timestamps are UTC\n", schema.name,
                                DialectName(dialect));
  // `-- key` names the column that ties rows to a record (the record key, or
  // a list's parent column): what a distributed setup partitions by.
  auto table = [&](const std::string& file, const std::vector<std::pair<std::string, TypeKind>>& cols,
                   const std::string& key) {
    out += "-- key " + sp.Ident(key) + "\n";
    out += "CREATE TABLE " + sp.Ident(TableName(file)) + " (\n";
    for (size_t i = 0; i < cols.size(); ++i)
      out += fmt::format("  {} {}{}\n", sp.Ident(cols[i].first), ColumnType(sp, cols[i].second), i + 1 < cols.size() ? "," : "");
    out += ");\n";
  };
  std::vector<std::pair<std::string, TypeKind>> records;
  for (const ColumnDef& c : schema.columns) {
    if (c.type.kind == TypeKind::kList) continue;
    records.push_back({c.source.empty() ? c.path : c.source, c.type.kind});
  }
  const ColumnDef& key = schema.columns[schema.key_column()];
  table(schema.records_file, records, key.source.empty() ? key.path : key.source);
  for (const ListSource& ls : schema.list_sources) {
    ColumnId id = schema.FindColumn(ls.field);
    if (id == kNoColumn) continue;
    const RecordDef& rec = *schema.columns[id].type.record_def;
    std::vector<std::pair<std::string, TypeKind>> cols{{ls.parent_column, TypeKind::kString}};
    for (const FieldDef& f : rec.fields) cols.push_back({f.source.empty() ? f.name : f.source, f.type.kind});
    table(ls.file, cols, ls.parent_column);
    // PostgreSQL evaluates a quantifier in a SELECT list per record: without
    // an index on the parent key each one scans the whole list table.
    if (dialect == Dialect::kPostgres)
      out += fmt::format("CREATE INDEX ON {} ({});\n", sp.Ident(TableName(ls.file)), sp.Ident(ls.parent_column));
  }
  return out;
}

}  // namespace cohort::sql

namespace cohort::sql {

namespace {

std::string JsonString(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') out += '\\', out += static_cast<char>(c);
    else if (c < 0x20) out += fmt::format("\\u{:04x}", c);
    else out += static_cast<char>(c);
  }
  return out + "\"";
}

}  // namespace

std::string ListManifestJson(const ir::Program& p) {
  std::string out = "{\"segments\": [";
  for (size_t s = 0; s < p.segments.size(); ++s) {
    const ir::Segment& seg = p.segments[s];
    std::string header = "key,send_on,message,cta";
    if (!seg.variants.empty()) header += ",variant";  // issue 12: the query's `variant` column
    for (ColumnId c : seg.exports) header += "," + p.schema->columns[c].path;
    out += fmt::format("{}\n  {{\"name\": {}, \"header\": {}, \"lists\": [", s ? "," : "", JsonString(seg.name), JsonString(header));
    for (const ir::Channel& ch : seg.channels) out += JsonString(ch.name) + ", ";
    out += "\"holdout\"]}";
  }
  return out + "\n]}\n";
}

}  // namespace cohort::sql

namespace cohort::sql {

std::vector<ExtractQuery> EmitExtractQueries(const Schema& schema) {
  Spelling sp{Dialect::kPostgres};
  auto cell = [&](const std::string& name, TypeKind k) {
    std::string c = sp.Ident(name);
    switch (k) {
      case TypeKind::kBool: return fmt::format("CASE WHEN {c} THEN 'true' WHEN NOT {c} THEN 'false' END AS {c}", fmt::arg("c", c));
      case TypeKind::kTimestamp:
        return fmt::format("to_char({c}, 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') AS {c}", fmt::arg("c", c));
      case TypeKind::kDate: return fmt::format("to_char({c}, 'YYYY-MM-DD') AS {c}", fmt::arg("c", c));
      default: return c;
    }
  };
  auto query = [&](const std::string& file, const std::vector<std::pair<std::string, TypeKind>>& cols) {
    std::string q = "SELECT ";
    for (size_t i = 0; i < cols.size(); ++i) q += (i ? ", " : "") + cell(cols[i].first, cols[i].second);
    return ExtractQuery{file, TableName(file), q + " FROM " + sp.Ident(TableName(file))};
  };
  std::vector<ExtractQuery> out;
  std::vector<std::pair<std::string, TypeKind>> records;
  for (const ColumnDef& c : schema.columns)
    if (c.type.kind != TypeKind::kList) records.push_back({c.source.empty() ? c.path : c.source, c.type.kind});
  out.push_back(query(schema.records_file, records));
  for (const ListSource& ls : schema.list_sources) {
    ColumnId id = schema.FindColumn(ls.field);
    if (id == kNoColumn || schema.columns[id].synthetic) continue;  // contacts come from the ledger (issue 12)
    std::vector<std::pair<std::string, TypeKind>> cols{{ls.parent_column, TypeKind::kString}};
    for (const FieldDef& f : schema.columns[id].type.record_def->fields) cols.push_back({f.source.empty() ? f.name : f.source, f.type.kind});
    out.push_back(query(ls.file, cols));
  }
  return out;
}

}  // namespace cohort::sql
