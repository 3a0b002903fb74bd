#include "core/contacts.h"

namespace cohort {

std::shared_ptr<const RecordDef> ContactRecord() {
  static const std::shared_ptr<const RecordDef> record = [] {
    auto r = std::make_shared<RecordDef>();
    r->name = "Contact";
    FieldDef channel;
    channel.name = "channel";
    channel.type = Type::String();
    channel.description = "the channel of a list the key was on";
    FieldDef send_on;
    send_on.name = "send_on";
    send_on.type = Type::Date();
    send_on.description = "the day the message was (or is) to be sent";
    r->fields = {channel, send_on};
    return r;
  }();
  return record;
}

namespace {

const FieldDef& ContactsField() {
  static const FieldDef field = [] {
    FieldDef f;
    f.name = std::string(kContactsPath);
    f.type = Type::List(ContactRecord());
    f.description = "earlier contacts of the record, from the contact ledger";
    return f;
  }();
  return field;
}

}  // namespace

std::shared_ptr<Schema> WithContactsColumn(const Schema& schema) {
  auto out = std::make_shared<Schema>(schema);
  ColumnDef c;
  c.path = std::string(kContactsPath);
  c.type = Type::List(ContactRecord());
  c.may_be_absent = true;
  c.synthetic = true;
  c.field = &ContactsField();
  out->columns.push_back(std::move(c));
  ListSource src;
  src.field = std::string(kContactsPath);
  src.file = std::string(kContactsTable) + ".csv";
  src.parent_column = std::string(kContactsKeyColumn);
  out->list_sources.push_back(std::move(src));
  return out;
}

}  // namespace cohort
