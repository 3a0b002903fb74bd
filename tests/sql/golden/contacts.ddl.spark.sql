-- Cohort: tables of schema `Patient` (spark dialect); timestamps are UTC
-- key `id`
CREATE TABLE `patients` (
  `id` STRING,
  `birth_date` DATE,
  `sex` STRING,
  `language` STRING,
  `zip` STRING,
  `state` STRING,
  `payer_type` STRING,
  `service_line` STRING,
  `telehealth_visits` BIGINT,
  `in_person_visits` BIGINT,
  `last_visit` DATE,
  `next_appointment` DATE,
  `next_appointment_kind` STRING,
  `no_show_count` BIGINT,
  `last_no_show_reason` STRING,
  `portal_active` BOOLEAN,
  `device_access` STRING,
  `discharged_on` DATE,
  `discharge_type` STRING,
  `care_gap_due` DATE,
  `conditions` STRING,
  `consent.sms` BOOLEAN,
  `consent.email` BOOLEAN,
  `consent.phone` BOOLEAN,
  `consent.portal` BOOLEAN,
  `consent.mail` BOOLEAN
);
-- key `patient_id`
CREATE TABLE `events` (
  `patient_id` STRING,
  `kind` STRING,
  `at` TIMESTAMP,
  `channel` STRING
);
-- key `key`
CREATE TABLE `contacts` (
  `key` STRING,
  `channel` STRING,
  `send_on` DATE
);
