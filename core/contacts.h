// Contact history (issue 12): how the contact ledger reaches every engine.
// A program that reads `contacted ... within last N days` or has a campaign
// `cap` gets one synthetic list column, `__contacts`, appended to its schema
// (so no other ColumnId moves). Its elements are the key's earlier contacts
// {channel: string, send_on: date}: loaders create it empty (it has no
// file), the run pipeline fills it per batch from the ledger, and `cohort
// test` fills it from fixtures. `contacted` is checked into an `any`
// quantifier over it, so the interpreter, the JIT and SQL need nothing new;
// in SQL it is the table `contacts(key, channel, send_on)`.
#pragma once

#include <memory>
#include <string_view>

#include "core/schema.h"

namespace cohort {

/// Path of the synthetic column (not a name a schema can declare: see IsContactsColumn).
inline constexpr std::string_view kContactsPath = "__contacts";
/// Its SQL table and the table's key column.
inline constexpr std::string_view kContactsTable = "contacts";
inline constexpr std::string_view kContactsKeyColumn = "key";
/// Field indices of a contact record.
inline constexpr uint32_t kContactChannelField = 0;
inline constexpr uint32_t kContactSendOnField = 1;

/// The record type of one contact: `Contact { channel: string, send_on: date }`.
std::shared_ptr<const RecordDef> ContactRecord();

/// A copy of `schema` with the contacts column appended at
/// `schema.columns.size()` (and its SQL list source). The copy shares the
/// schema's record definitions.
std::shared_ptr<Schema> WithContactsColumn(const Schema& schema);

}  // namespace cohort
