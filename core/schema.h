// A record schema: the type every expression is checked against, how records
// are laid out in batches (flattened leaf columns), how CSV columns map to
// fields, which fields are sensitive, and which channels need which consent.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/diagnostic.h"
#include "core/types.h"

namespace cohort {

/// Index of a leaf column of the flattened top-level record (batch column).
using ColumnId = uint32_t;
inline constexpr ColumnId kNoColumn = UINT32_MAX;

/// A leaf column of the flattened record: `consent.sms`, `events`, `id`.
/// Records are flattened; lists and sets stay one column with children.
struct ColumnDef {
  std::string path;          ///< dotted field path, e.g. `consent.sms`
  std::string source;        ///< CSV header to read it from (path unless mapped)
  Type type;                 ///< never kRecord
  bool optional = false;     ///< missing allowed (also true if a parent record is optional)
  bool sensitive = false;    ///< this field or a parent is sensitive
  bool may_be_absent = false;  ///< `if present` (here or on a parent record): the header may lack the column
  const FieldDef* field = nullptr;  ///< the declaring field (owned by the schema)
  /// Not read from data: filled by the run pipeline (the `__contacts` column
  /// of core/contacts.h). Loaders give every record an empty list.
  bool synthetic = false;
};

/// A channel and the boolean field holding its consent flag.
struct ChannelDef {
  std::string name;            ///< `sms`
  std::string consent_path;    ///< `consent.sms`
  ColumnId consent_column = kNoColumn;
};

/// How one CSV file is written (`file "x.csv" delimiter "|" null "NULL"`):
/// real EHR and CRM exports differ in delimiter, quoting and null markers.
struct CsvDialect {
  char delimiter = ',';    ///< `,` `|` `;` or tab
  char quote = '"';        ///< '\0' when the file has no quoting (`quote none`)
  std::string null_token;  ///< a cell meaning "missing" besides the empty cell (`NULL`, `\N`); "" = none
  bool header = true;      ///< false (`no header`): columns come in schema declaration order
};

/// Where a list<Record> field's rows come from: a separate CSV file whose
/// `parent_column` holds the owning record's key (`events.csv`, `patient_id`).
struct ListSource {
  std::string field;          ///< top-level list field, e.g. `events`
  std::string file;           ///< file name inside the data directory
  std::string parent_column;  ///< column naming the owner's key
  CsvDialect dialect;
};

/// A loaded schema. Immutable once built; shared by IR and engines.
class Schema {
 public:
  std::string name;                       ///< `Patient`
  std::string description;
  std::string file_path;                  ///< where it was loaded from ("" for built-ins)
  std::shared_ptr<RecordDef> root;        ///< the top-level record
  std::vector<std::shared_ptr<RecordDef>> records;  ///< named record types (Event)
  std::string key_field;                  ///< `id` (a top-level string field)
  std::string records_file = "patients.csv";  ///< main CSV file in a data dir
  CsvDialect records_dialect;             ///< how records_file is written
  std::vector<ListSource> list_sources;
  std::vector<ChannelDef> channels;
  std::vector<ColumnDef> columns;         ///< flattened leaves, in declaration order

  /// Flattens `root` into `columns` and resolves channel consent columns.
  /// Returns false (with diagnostics) on inconsistencies.
  bool Finalize(DiagnosticBag& diags, SourceRange where = {});
  /// Column of a dotted path (`consent.sms`), or kNoColumn.
  ColumnId FindColumn(std::string_view path) const;
  /// The channel named `name`, or nullptr.
  const ChannelDef* FindChannel(std::string_view name) const;
  ColumnId key_column() const { return FindColumn(key_field); }
  /// A stable 64-bit hash of the schema's structure (for kernel caches).
  uint64_t Fingerprint() const;
};

/// Parses a schema file (format documented in stdlib/README.md and
/// stdlib/patient.schema). Errors go to `diags` with ranges in `file`.
std::shared_ptr<Schema> ParseSchema(const SourceManager& sm, FileId file, DiagnosticBag& diags);

/// Loads a standard schema by name (`Patient`), from the stdlib directory.
/// Returns nullptr (no diagnostic) when there is no such schema.
std::shared_ptr<Schema> LoadStdlibSchema(std::string_view name, SourceManager& sm, DiagnosticBag& diags);

/// Reads and parses a schema file (`use "schemas/provider.schema"`). A file
/// that cannot be read gives E0406 at `use_range`; nullptr on any error.
std::shared_ptr<Schema> LoadSchemaFile(const std::string& path, SourceManager& sm, DiagnosticBag& diags,
                                       SourceRange use_range = {});

/// Names of the standard schemas (for "did you mean").
std::vector<std::string> StdlibSchemaNames();

/// The directory holding stdlib files: $COHORT_STDLIB, else next to the
/// executable (../share/cohort/stdlib), else the source tree's stdlib/.
std::string StdlibDir();

}  // namespace cohort
