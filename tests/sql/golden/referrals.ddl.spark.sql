-- Cohort: tables of schema `Provider` (spark dialect); timestamps are UTC
-- key `npi`
CREATE TABLE `providers` (
  `npi` STRING,
  `name` STRING,
  `specialty` STRING,
  `practice_state` STRING,
  `practice_zip` STRING,
  `accepts_new_patients` BOOLEAN,
  `in_network` BOOLEAN,
  `last_referral_date` DATE,
  `referral_count_12mo` BIGINT,
  `referrals_prior_12m` BIGINT,
  `leakage_rate` DOUBLE,
  `liaison` STRING,
  `sanctions` STRING,
  `ok_to_email` BOOLEAN,
  `ok_to_call` BOOLEAN,
  `ok_to_mail` BOOLEAN,
  `ok_to_fax` BOOLEAN
);
-- key `provider_npi`
CREATE TABLE `referrals` (
  `provider_npi` STRING,
  `received_at` TIMESTAMP,
  `status` STRING,
  `service_line` STRING,
  `urgent` BOOLEAN
);
