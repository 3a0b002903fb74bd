// Earlier contacts per key, read from the contact ledger (issue 12): what
// `contacted ... within last N days` and campaign caps count. Only rows of
// channel lists count (holdout rows are not contacts), and the rows of the
// run being made (the same run id: a re-run of the same inputs on the same
// day) are left out, so a re-run never counts itself.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "runtime/batch.h"
#include "runtime/measure/ledger.h"

namespace cohort::measure {

/// One earlier contact of a key.
struct Contact {
  std::string channel;
  int32_t send_on = 0;  ///< days since epoch
  bool operator==(const Contact&) const = default;
};

/// Contacts by key.
class ContactIndex {
 public:
  /// Channel-list rows of every run in `runs` except those of `exclude_run_id`.
  static ContactIndex FromLedger(const std::vector<LedgerRun>& runs, const std::string& exclude_run_id);
  void Add(std::string_view key, Contact c);
  /// The contacts of `key` (sorted by send_on, then channel), or null.
  const std::vector<Contact>* Find(std::string_view key) const;
  size_t keys() const { return by_key_.size(); }

  /// Replaces the contents of list column `column` of `batch` (the program's
  /// contacts column, core/contacts.h) with each row's contacts, keys read
  /// from `key_column`.
  void Fill(Batch* batch, ColumnId column, ColumnId key_column) const;

 private:
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
  };
  std::unordered_map<std::string, std::vector<Contact>, Hash, std::equal_to<>> by_key_;
};

/// Reads the ledger directory `dir` into `index` (a directory that does not
/// exist yet is an empty history: the first run creates it). Returns "" or
/// an error message naming the file (never a value).
std::string ReadContacts(const std::string& dir, const std::string& exclude_run_id, ContactIndex* index);

}  // namespace cohort::measure
