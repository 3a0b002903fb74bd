// Schema files: the standard Patient schema, the provider example, mapping,
// every schema diagnostic, and robustness on truncated input.
#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

#include "core/schema.h"

using namespace cohort;

namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream b;
  b << in.rdbuf();
  return b.str();
}

/// Parses `text` as a schema file named `t.schema`.
struct Parsed {
  SourceManager sm;
  DiagnosticBag diags;
  std::shared_ptr<Schema> schema;
  FileId file = 0;
  explicit Parsed(std::string text) {
    file = sm.Add("t.schema", std::move(text));
    schema = ParseSchema(sm, file, diags);
  }
  std::string Rendered() const {
    std::string out;
    for (const auto& d : diags.all()) out += RenderText(d, sm);
    return out;
  }
};

}  // namespace

TEST_CASE("stdlib Patient schema loads") {
  SourceManager sm;
  DiagnosticBag diags;
  auto s = LoadStdlibSchema("Patient", sm, diags);
  std::string msgs;
  for (const auto& d : diags.all()) msgs += RenderText(d, sm);
  INFO(msgs);
  REQUIRE(s != nullptr);
  CHECK(diags.all().empty());
}

TEST_CASE("Patient schema has exactly the columns of LANGUAGE.md section 5") {
  SourceManager sm;
  DiagnosticBag diags;
  auto s = LoadStdlibSchema("Patient", sm, diags);
  REQUIRE(s != nullptr);
  struct Expect {
    const char* path;
    const char* type;
    bool optional;
    bool sensitive;
  };
  const Expect expected[] = {
      {"id", "string", false, false},
      {"birth_date", "date", false, false},
      {"sex", "enum(female, male, other, unknown)", false, false},
      {"language", "string", false, false},
      {"zip", "string", true, false},
      {"state", "string", true, false},
      {"payer_type", "enum(commercial, medicare, medicaid, self_pay, other)", true, false},
      {"service_line", "string", true, false},
      {"telehealth_visits", "int", false, false},
      {"in_person_visits", "int", false, false},
      {"last_visit", "date", true, false},
      {"next_appointment", "date", true, false},
      {"next_appointment_kind", "enum(video, phone, in_person)", true, false},
      {"no_show_count", "int", false, false},
      {"last_no_show_reason", "enum(scheduling, technical, transport, unknown)", true, false},
      {"portal_active", "bool", false, false},
      {"device_access", "enum(none, phone_only, smartphone, computer)", true, false},
      {"discharged_on", "date", true, false},
      {"discharge_type", "enum(inpatient, emergency, observation)", true, false},
      {"care_gap_due", "date", true, false},
      {"conditions", "set<string>", false, true},
      {"consent.sms", "bool", true, false},
      {"consent.email", "bool", true, false},
      {"consent.phone", "bool", true, false},
      {"consent.portal", "bool", true, false},
      {"consent.mail", "bool", true, false},
      {"events", "list<Event>", false, false},
  };
  REQUIRE(s->columns.size() == std::size(expected));
  for (size_t i = 0; i < std::size(expected); ++i) {
    const ColumnDef& c = s->columns[i];
    INFO("column ", i, " ", c.path);
    CHECK(c.path == expected[i].path);
    CHECK(c.source == expected[i].path);  // no mapping in the standard schema
    CHECK(c.type.ToString() == expected[i].type);
    CHECK(c.optional == expected[i].optional);
    CHECK(c.sensitive == expected[i].sensitive);
    REQUIRE(c.field != nullptr);
    CHECK(!c.field->description.empty());
    CHECK(s->FindColumn(c.path) == i);
  }
  CHECK(s->name == "Patient");
  CHECK(s->key_field == "id");
  CHECK(s->key_column() == 0);
  CHECK(s->records_file == "patients.csv");
  CHECK(s->FindColumn("consent") == kNoColumn);
  CHECK(s->FindColumn("nope") == kNoColumn);

  // Event, the element record of `events`.
  const Type& ev = s->columns[s->FindColumn("events")].type;
  REQUIRE(ev.record_def != nullptr);
  const RecordDef& e = *ev.record_def;
  CHECK(e.name == "Event");
  REQUIRE(e.fields.size() == 3);
  CHECK(e.fields[0].name == "kind");
  CHECK(e.fields[0].type.ToString() ==
        "enum(intake_completed, scheduling_link_clicked, booked, email_opened, email_clicked, sms_replied, "
        "portal_login, opted_out)");
  CHECK_FALSE(e.fields[0].optional);
  CHECK(e.fields[1].name == "at");
  CHECK(e.fields[1].type.kind == TypeKind::kTimestamp);
  CHECK_FALSE(e.fields[1].optional);
  CHECK(e.fields[2].name == "channel");
  CHECK(e.fields[2].type.kind == TypeKind::kString);
  CHECK(e.fields[2].optional);
  REQUIRE(s->records.size() == 1);
  CHECK(s->records[0].get() == ev.record_def.get());

  REQUIRE(s->list_sources.size() == 1);
  CHECK(s->list_sources[0].field == "events");
  CHECK(s->list_sources[0].file == "events.csv");
  CHECK(s->list_sources[0].parent_column == "patient_id");

  const char* channels[] = {"sms", "email", "phone", "portal", "mail"};
  REQUIRE(s->channels.size() == 5);
  for (size_t i = 0; i < 5; ++i) {
    const ChannelDef* ch = s->FindChannel(channels[i]);
    REQUIRE(ch != nullptr);
    CHECK(ch == &s->channels[i]);
    CHECK(ch->consent_path == std::string("consent.") + channels[i]);
    CHECK(ch->consent_column == s->FindColumn(ch->consent_path));
    CHECK(ch->consent_column != kNoColumn);
  }
  CHECK(s->FindChannel("fax") == nullptr);
  // Line numbers for go-to-definition point at the declaring line.
  const FieldDef* id = s->columns[0].field;
  CHECK(sm.Get(1).Line(id->line).substr(0, 3) == "id:");
}
