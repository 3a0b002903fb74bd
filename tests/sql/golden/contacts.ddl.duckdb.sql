-- Cohort: tables of schema `Patient` (duckdb dialect); timestamps are UTC
-- key "id"
CREATE TABLE "patients" (
  "id" TEXT,
  "birth_date" DATE,
  "sex" TEXT,
  "language" TEXT,
  "zip" TEXT,
  "state" TEXT,
  "payer_type" TEXT,
  "service_line" TEXT,
  "telehealth_visits" BIGINT,
  "in_person_visits" BIGINT,
  "last_visit" DATE,
  "next_appointment" DATE,
  "next_appointment_kind" TEXT,
  "no_show_count" BIGINT,
  "last_no_show_reason" TEXT,
  "portal_active" BOOLEAN,
  "device_access" TEXT,
  "discharged_on" DATE,
  "discharge_type" TEXT,
  "care_gap_due" DATE,
  "conditions" TEXT,
  "consent.sms" BOOLEAN,
  "consent.email" BOOLEAN,
  "consent.phone" BOOLEAN,
  "consent.portal" BOOLEAN,
  "consent.mail" BOOLEAN
);
-- key "patient_id"
CREATE TABLE "events" (
  "patient_id" TEXT,
  "kind" TEXT,
  "at" TIMESTAMP,
  "channel" TEXT
);
-- key "key"
CREATE TABLE "contacts" (
  "key" TEXT,
  "channel" TEXT,
  "send_on" DATE
);
