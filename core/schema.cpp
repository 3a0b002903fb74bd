// Schema finalization (flattening records into batch columns, validation),
// lookups, fingerprints, and locating the standard schemas on disk.
#include "core/schema.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "core/schema_internal.h"

namespace cohort {
namespace detail {

SourceRange SchemaRanges::ForField(const FieldDef* f) const {
  for (const auto& fr : field_ranges)
    if (fr.owner && fr.index < fr.owner->fields.size() && &fr.owner->fields[fr.index] == f) return fr.range;
  return fallback;
}

SourceRange SchemaRanges::ForChannel(const std::string& name) const {
  auto it = channels.find(name);
  return it == channels.end() ? fallback : it->second;
}

namespace {

/// `FirstTime` -> `first_time`; the default parent-key prefix of list files.
std::string SnakeCase(std::string_view name) {
  std::string out;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    if (c >= 'A' && c <= 'Z') {
      if (i > 0 && name[i - 1] != '_') out += '_';
      out += static_cast<char>(c - 'A' + 'a');
    } else {
      out += c;
    }
  }
  return out;
}

/// Walks the record tree and appends leaf columns.
class Flattener {
 public:
  Flattener(Schema& s, DiagnosticBag& d, const SchemaRanges& r) : schema_(s), diags_(d), ranges_(r) {}

  void Record(const RecordDef& rec, const std::string& prefix, bool optional, bool sensitive, bool absent = false) {
    stack_.push_back(&rec);
    for (const FieldDef& f : rec.fields) Field(f, prefix, optional, sensitive, absent);
    stack_.pop_back();
  }

 private:
  bool CheckEnum(const FieldDef& f) {
    const size_t n = f.type.enum_def ? f.type.enum_def->labels.size() : 0;
    if (n == 0 || n > 255) {
      diags_.Emit(DiagKind::SchemaSyntax, ranges_.ForField(&f),
                  fmt::format("enum field `{}` must have 1 to 255 labels, found {}", f.name, n));
      return false;
    }
    return true;
  }

  void Field(const FieldDef& f, const std::string& prefix, bool optional, bool sensitive, bool absent) {
    const std::string path = prefix.empty() ? f.name : prefix + "." + f.name;
    const bool opt = optional || f.optional;
    const bool sens = sensitive || f.sensitive;
    absent_ = absent || f.may_be_absent;
    switch (f.type.kind) {
      case TypeKind::kRecord: {
        const RecordDef* r = f.type.record_def.get();
        if (!r) break;
        if (std::find(stack_.begin(), stack_.end(), r) != stack_.end()) {
          diags_.Emit(DiagKind::SchemaSyntax, ranges_.ForField(&f),
                      fmt::format("record `{}` contains itself through field `{}`; records cannot be recursive",
                                  r->name, path));
          return;
        }
        Record(*r, path, opt, sens, absent_);
        return;
      }
      case TypeKind::kList: {
        const RecordDef* r = f.type.record_def.get();
        if (!r) break;
        if (!prefix.empty()) {
          diags_.Emit(DiagKind::SchemaSyntax, ranges_.ForField(&f),
                      fmt::format("list field `{}` must be at the top level of the schema", path));
          return;
        }
        bool ok = true;
        for (const FieldDef& e : r->fields) {
          if (e.type.kind == TypeKind::kError || e.type.kind == TypeKind::kDuration || !e.type.is_scalar()) {
            diags_.Emit(DiagKind::SchemaSyntax, ranges_.ForField(&e),
                        fmt::format("field `{}` of `{}` is `{}`; records in a list hold only scalar fields", e.name,
                                    r->name, e.type.ToString()));
            ok = false;
          } else if (e.type.kind == TypeKind::kEnum && !CheckEnum(e)) {
            ok = false;
          }
        }
        if (!ok) return;
        // A list is never missing (no rows = the empty list).
        Add(f, path, /*optional=*/false, sens);
        return;
      }
      case TypeKind::kEnum:
        if (!CheckEnum(f)) return;
        Add(f, path, opt, sens);
        return;
      case TypeKind::kStringSet:
        // A set is never missing (an empty cell = the empty set).
        Add(f, path, /*optional=*/false, sens);
        return;
      case TypeKind::kBool:
      case TypeKind::kInt:
      case TypeKind::kDecimal:
      case TypeKind::kString:
      case TypeKind::kDate:
      case TypeKind::kTimestamp:
        Add(f, path, opt, sens);
        return;
      case TypeKind::kError:
      case TypeKind::kDuration:
        break;
    }
    diags_.Emit(DiagKind::SchemaSyntax, ranges_.ForField(&f),
                fmt::format("field `{}` has no valid type (`{}`)", path, f.type.ToString()));
  }

  void Add(const FieldDef& f, const std::string& path, bool optional, bool sensitive) {
    // An absent column leaves every value missing: only fields that may be
    // missing (`T?`, or a set, whose "nothing" is the empty set) may say so.
    if (absent_ && !optional && f.type.kind != TypeKind::kStringSet) {
      diags_.Emit(DiagKind::SchemaSyntax, ranges_.ForField(&f),
                  fmt::format("field `{}` is read `if present` but is not optional; an absent column leaves it "
                              "missing, so declare it `{}?`",
                              path, f.type.ToString()));
      return;
    }
    ColumnDef c;
    c.path = path;
    c.source = f.source.empty() ? path : f.source;
    c.type = f.type;
    c.optional = optional;
    c.sensitive = sensitive;
    c.may_be_absent = absent_;
    c.field = &f;
    schema_.columns.push_back(std::move(c));
  }

  Schema& schema_;
  DiagnosticBag& diags_;
  const SchemaRanges& ranges_;
  std::vector<const RecordDef*> stack_;
  bool absent_ = false;  ///< the field being flattened may have no column (set by Field)
};

}  // namespace

bool FinalizeSchema(Schema& schema, DiagnosticBag& diags, const SchemaRanges& ranges) {
  const size_t errors_before = diags.error_count();
  schema.columns.clear();
  if (!schema.root || schema.root->fields.empty()) {
    diags.Emit(DiagKind::SchemaSyntax, ranges.fallback, fmt::format("schema `{}` declares no fields", schema.name));
    return false;
  }
  Flattener(schema, diags, ranges).Record(*schema.root, "", false, false);

  // Two fields read from one CSV column is almost always a copy-paste slip.
  std::map<std::string, const ColumnDef*> by_source;
  for (const ColumnDef& c : schema.columns) {
    auto [it, inserted] = by_source.emplace(c.source, &c);
    if (!inserted)
      diags.Emit(DiagKind::SchemaSyntax, ranges.ForField(c.field),
                 fmt::format("fields `{}` and `{}` both read column `{}`", it->second->path, c.path, c.source));
  }

  // The key: a top-level, non-optional string.
  if (schema.key_field.empty()) {
    diags.Emit(DiagKind::SchemaSyntax, ranges.fallback,
               "missing `key` declaration; name the field that identifies a record, e.g. `key id`");
  } else {
    SourceRange kr = ranges.key.valid() ? ranges.key : ranges.fallback;
    int idx = schema.root->Find(schema.key_field);
    if (idx < 0) {
      std::vector<std::string> names;
      for (const auto& f : schema.root->fields)
        if (f.type.kind == TypeKind::kString) names.push_back(f.name);
      std::string hint = DidYouMean(schema.key_field, names);
      diags.Emit(DiagKind::SchemaBadKey, kr, schema.key_field,
                 hint.empty() ? std::string("is not a top-level field of the schema") : "does not exist" + hint);
    } else {
      const FieldDef& kf = schema.root->fields[idx];
      if (kf.type.kind != TypeKind::kString)
        diags.Emit(DiagKind::SchemaBadKey, kr, schema.key_field,
                   fmt::format("must be a `string`, found `{}`", kf.type.ToString()));
      else if (kf.optional)
        diags.Emit(DiagKind::SchemaBadKey, kr, schema.key_field, "must not be optional; every record needs a key");
    }
  }

  // Channels: unique, consent field exists and is a bool.
  std::vector<std::string> bool_paths;
  for (const ColumnDef& c : schema.columns)
    if (c.type.kind == TypeKind::kBool) bool_paths.push_back(c.path);
  for (size_t i = 0; i < schema.channels.size(); ++i) {
    ChannelDef& ch = schema.channels[i];
    ch.consent_column = kNoColumn;
    SourceRange cr = ranges.ForChannel(ch.name);
    bool dup = false;
    for (size_t j = 0; j < i; ++j) dup = dup || schema.channels[j].name == ch.name;
    if (dup) {
      diags.Emit(DiagKind::SchemaBadChannel, cr, ch.name, "is declared twice");
      continue;
    }
    ColumnId col = schema.FindColumn(ch.consent_path);
    if (col == kNoColumn) {
      diags.Emit(DiagKind::SchemaBadChannel, cr, ch.name,
                 fmt::format("consent field `{}` does not exist{}", ch.consent_path,
                             DidYouMean(ch.consent_path, bool_paths)));
      continue;
    }
    const ColumnDef& c = schema.columns[col];
    if (c.type.kind != TypeKind::kBool) {
      diags.Emit(DiagKind::SchemaBadChannel, cr, ch.name,
                 fmt::format("consent field `{}` must be `bool`, found `{}`", ch.consent_path, c.type.ToString()));
      continue;
    }
    ch.consent_column = col;
  }

  // List sources: exactly one per top-level list column; defaults filled in.
  const std::string default_parent = (schema.name.empty() ? std::string("parent") : SnakeCase(schema.name)) + "_id";
  for (ListSource& ls : schema.list_sources) {
    ColumnId col = schema.FindColumn(ls.field);
    const int fi = schema.root->Find(ls.field);
    if (col == kNoColumn && fi >= 0 && schema.root->fields[fi].type.kind == TypeKind::kList)
      continue;  // the list field itself was rejected above
    if (col == kNoColumn || schema.columns[col].type.kind != TypeKind::kList) {
      diags.Emit(DiagKind::SchemaSyntax, ranges.fallback,
                 fmt::format("list source for `{}`, which is not a list field", ls.field));
      continue;
    }
    if (ls.file.empty()) ls.file = ls.field + ".csv";
    if (ls.parent_column.empty()) ls.parent_column = default_parent;
    if (ls.file == schema.records_file)
      diags.Emit(DiagKind::SchemaSyntax, ranges.ForField(schema.columns[col].field),
                 fmt::format("list `{}` reads `{}`, which is the records file; give it its own file", ls.field,
                             ls.file));
  }
  for (const ColumnDef& c : schema.columns) {
    if (c.type.kind != TypeKind::kList) continue;
    size_t n = std::count_if(schema.list_sources.begin(), schema.list_sources.end(),
                             [&](const ListSource& ls) { return ls.field == c.path; });
    if (n == 0) schema.list_sources.push_back(ListSource{c.path, c.path + ".csv", default_parent});
    if (n > 1)
      diags.Emit(DiagKind::SchemaSyntax, ranges.ForField(c.field),
                 fmt::format("list `{}` has more than one source file", c.path));
  }
  for (size_t i = 0; i < schema.list_sources.size(); ++i)
    for (size_t j = 0; j < i; ++j)
      if (schema.list_sources[i].file == schema.list_sources[j].file && schema.list_sources[i].field != schema.list_sources[j].field)
        diags.Emit(DiagKind::SchemaSyntax, ranges.fallback,
                   fmt::format("lists `{}` and `{}` both read `{}`; give each its own file",
                               schema.list_sources[j].field, schema.list_sources[i].field, schema.list_sources[i].file));

  return diags.error_count() == errors_before;
}

}  // namespace detail

bool Schema::Finalize(DiagnosticBag& diags, SourceRange where) {
  detail::SchemaRanges ranges;
  ranges.fallback = where;
  return detail::FinalizeSchema(*this, diags, ranges);
}

ColumnId Schema::FindColumn(std::string_view path) const {
  for (size_t i = 0; i < columns.size(); ++i)
    if (columns[i].path == path) return static_cast<ColumnId>(i);
  return kNoColumn;
}

const ChannelDef* Schema::FindChannel(std::string_view n) const {
  for (const auto& c : channels)
    if (c.name == n) return &c;
  return nullptr;
}

namespace {

/// 64-bit FNV-1a; strings are length-prefixed so ("ab","c") != ("a","bc").
class Fnv {
 public:
  void Bytes(const void* p, size_t n) {
    const auto* b = static_cast<const unsigned char*>(p);
    for (size_t i = 0; i < n; ++i) {
      h_ ^= b[i];
      h_ *= 0x100000001b3ULL;
    }
  }
  void U64(uint64_t v) {
    unsigned char b[8];
    for (int i = 0; i < 8; ++i) b[i] = static_cast<unsigned char>(v >> (8 * i));  // fixed byte order
    Bytes(b, 8);
  }
  void Str(std::string_view s) {
    U64(s.size());
    Bytes(s.data(), s.size());
  }
  void TypeOf(const Type& t) {
    U64(static_cast<uint64_t>(t.kind));
    if (t.kind == TypeKind::kEnum && t.enum_def) {
      U64(t.enum_def->labels.size());
      for (const auto& l : t.enum_def->labels) Str(l);
    }
    if (t.kind == TypeKind::kList && t.record_def) {
      // Element records are scalar-only (validated), so this does not recurse deeply.
      Str(t.record_def->name);
      U64(t.record_def->fields.size());
      for (const auto& f : t.record_def->fields) {
        Str(f.name);
        Str(f.source);
        U64(f.optional);
        U64(f.sensitive);
        if (f.type.kind != TypeKind::kList) TypeOf(f.type);
      }
    }
  }
  uint64_t value() const { return h_; }

 private:
  uint64_t h_ = 0xcbf29ce484222325ULL;
};

std::string ExeDir() {
  std::error_code ec;
  auto p = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return {};
  return p.parent_path().string();
}

bool IsDir(const std::string& p) {
  std::error_code ec;
  return !p.empty() && std::filesystem::is_directory(p, ec);
}

/// `Patient` -> `patient`, `CareGap` -> `care_gap`; empty if not an identifier.
std::string StdlibFileStem(std::string_view name) {
  if (name.empty()) return {};
  for (char c : name)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) return {};
  return detail::SnakeCase(name);
}

/// `care_gap` -> `CareGap`.
std::string CamelCase(std::string_view stem) {
  std::string out;
  bool up = true;
  for (char c : stem) {
    if (c == '_') {
      up = true;
      continue;
    }
    out += up && c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
    up = false;
  }
  return out;
}

}  // namespace

uint64_t Schema::Fingerprint() const {
  Fnv h;
  h.Str("cohort-schema-v1");
  h.Str(name);
  h.Str(key_field);
  h.Str(records_file);
  h.U64(columns.size());
  for (const auto& c : columns) {
    h.Str(c.path);
    h.Str(c.source);
    h.TypeOf(c.type);
    h.U64(c.optional);
    h.U64(c.sensitive);
  }
  h.U64(channels.size());
  for (const auto& ch : channels) {
    h.Str(ch.name);
    h.Str(ch.consent_path);
  }
  h.U64(list_sources.size());
  for (const auto& ls : list_sources) {
    h.Str(ls.field);
    h.Str(ls.file);
    h.Str(ls.parent_column);
  }
  return h.value();
}

std::string StdlibDir() {
  if (const char* env = std::getenv("COHORT_STDLIB"); env && *env) return env;
  std::string exe = ExeDir();
  if (!exe.empty()) {
    for (const char* rel : {"/../share/cohort/stdlib", "/stdlib", "/../stdlib"}) {
      std::string p = exe + rel;
      if (IsDir(p)) return std::filesystem::path(p).lexically_normal().string();
    }
  }
  return COHORT_SOURCE_DIR "/stdlib";
}

std::vector<std::string> StdlibSchemaNames() {
  std::vector<std::string> names;
  std::error_code ec;
  for (std::filesystem::directory_iterator it(StdlibDir(), ec), end; !ec && it != end; it.increment(ec)) {
    const auto& p = it->path();
    if (p.extension() == ".schema") names.push_back(CamelCase(p.stem().string()));
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::shared_ptr<Schema> LoadSchemaFile(const std::string& path, SourceManager& sm, DiagnosticBag& diags,
                                       SourceRange use_range) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    diags.Emit(DiagKind::SchemaNotFound, use_range, path, "it is a directory");
    return nullptr;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    diags.Emit(DiagKind::SchemaNotFound, use_range, path,
               std::filesystem::exists(path, ec) ? "permission denied" : "no such file");
    return nullptr;
  }
  std::ostringstream buf;
  buf << in.rdbuf();
  if (in.bad()) {
    diags.Emit(DiagKind::SchemaNotFound, use_range, path, "read error");
    return nullptr;
  }
  FileId id = sm.Add(path, buf.str());
  return ParseSchema(sm, id, diags);
}

std::shared_ptr<Schema> LoadStdlibSchema(std::string_view name, SourceManager& sm, DiagnosticBag& diags) {
  std::string stem = StdlibFileStem(name);
  // Names are case-sensitive: `use patient` is not `Patient`.
  if (stem.empty() || CamelCase(stem) != name) return nullptr;
  std::string path = StdlibDir() + "/" + stem + ".schema";
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return nullptr;
  return LoadSchemaFile(path, sm, diags, SourceRange{});
}

}  // namespace cohort
