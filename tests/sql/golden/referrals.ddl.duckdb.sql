-- Cohort: tables of schema `Provider` (duckdb dialect); timestamps are UTC
-- key "npi"
CREATE TABLE "providers" (
  "npi" TEXT,
  "name" TEXT,
  "specialty" TEXT,
  "practice_state" TEXT,
  "practice_zip" TEXT,
  "accepts_new_patients" BOOLEAN,
  "in_network" BOOLEAN,
  "last_referral_date" DATE,
  "referral_count_12mo" BIGINT,
  "referrals_prior_12m" BIGINT,
  "leakage_rate" DOUBLE,
  "liaison" TEXT,
  "sanctions" TEXT,
  "ok_to_email" BOOLEAN,
  "ok_to_call" BOOLEAN,
  "ok_to_mail" BOOLEAN,
  "ok_to_fax" BOOLEAN
);
-- key "provider_npi"
CREATE TABLE "referrals" (
  "provider_npi" TEXT,
  "received_at" TIMESTAMP,
  "status" TEXT,
  "service_line" TEXT,
  "urgent" BOOLEAN
);
