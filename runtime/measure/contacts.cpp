#include "runtime/measure/contacts.h"

#include <algorithm>
#include <filesystem>
#include <tuple>

#include "core/contacts.h"

namespace cohort::measure {

ContactIndex ContactIndex::FromLedger(const std::vector<LedgerRun>& runs, const std::string& exclude_run_id) {
  ContactIndex index;
  for (const LedgerRun& run : runs) {
    if (run.run_id == exclude_run_id) continue;
    for (const LedgerRow& row : run.rows)
      if (row.list != "holdout") index.Add(row.key, Contact{row.list, row.send_on});
  }
  return index;
}

void ContactIndex::Add(std::string_view key, Contact c) {
  auto it = by_key_.find(key);
  if (it == by_key_.end()) it = by_key_.emplace(std::string(key), std::vector<Contact>{}).first;
  std::vector<Contact>& v = it->second;
  auto less = [](const Contact& a, const Contact& b) { return std::tie(a.send_on, a.channel) < std::tie(b.send_on, b.channel); };
  v.insert(std::upper_bound(v.begin(), v.end(), c, less), std::move(c));
}

const std::vector<Contact>* ContactIndex::Find(std::string_view key) const {
  auto it = by_key_.find(key);
  return it == by_key_.end() ? nullptr : &it->second;
}

void ContactIndex::Fill(Batch* batch, ColumnId column, ColumnId key_column) const {
  batch->ClearExternal(column);
  const CohortBatchView& view = batch->View();
  const CohortColumn& keys = view.columns[key_column];
  ColumnData& col = batch->column(column);
  col.Clear();
  ColumnData& channel = col.children.at(kContactChannelField);
  ColumnData& send_on = col.children.at(kContactSendOnField);
  for (int64_t r = 0; r < view.num_rows; ++r) {
    if (const std::vector<Contact>* cs = IsValid(keys, r) ? Find(StringAt(keys, r)) : nullptr) {
      for (const Contact& c : *cs) {
        channel.AppendString(c.channel);
        send_on.AppendDate(c.send_on);
      }
    }
    col.AppendListEnd(channel.length);
  }
}

std::string ReadContacts(const std::string& dir, const std::string& exclude_run_id, ContactIndex* index) {
  std::error_code ec;
  if (!std::filesystem::exists(dir, ec)) {
    *index = ContactIndex{};
    return "";
  }
  std::vector<LedgerRun> runs;
  std::string error = ReadLedger(dir, &runs);
  if (!error.empty()) return error;
  *index = ContactIndex::FromLedger(runs, exclude_run_id);
  return "";
}

}  // namespace cohort::measure
