-- Cohort: the rows of every list (duckdb dialect, today 2026-11-23)
-- source: examples/telehealth.cohort
WITH
"#base" AS (
  SELECT "id", "language", "telehealth_visits", "next_appointment", "no_show_count", "last_no_show_reason", "portal_active", "discharged_on", "discharge_type", "care_gap_due", "conditions", "consent.sms", "consent.email", "consent.phone", "consent.portal" FROM "patients"
),
-- segment IntakeNoBooking
"#a0" AS (
  SELECT r.*,
    COALESCE(EXISTS (SELECT 1 FROM "events" AS q1 WHERE q1."patient_id" = r."id" AND COALESCE(((NULLIF(q1."kind", '') = 'intake_completed') AND (q1."at" >= TIMESTAMP '2026-11-21 00:00:00') AND (q1."at" < TIMESTAMP '2026-11-24 00:00:00')), FALSE)), FALSE) AS "#w0",
    COALESCE(EXISTS (SELECT 1 FROM "events" AS q2 WHERE q2."patient_id" = r."id" AND COALESCE(((NULLIF(q2."kind", '') = 'booked') AND (q2."at" >= TIMESTAMP '2026-11-21 00:00:00') AND (q2."at" < TIMESTAMP '2026-11-24 00:00:00')), FALSE)), FALSE) AS "#x0_0",
    COALESCE(((r."next_appointment" >= DATE '2026-11-23') AND (r."next_appointment" <= DATE '2026-11-30')), FALSE) AS "#x0_1",
    COALESCE(r."consent.sms", FALSE) AS "#c0_0",
    COALESCE(r."consent.sms", FALSE) AS "#k0_0",
    COALESCE(r."consent.phone", FALSE) AS "#c0_1",
    COALESCE(r."consent.phone", FALSE) AS "#k0_1"
  FROM "#base" AS r
),
"#b0" AS (
  SELECT r.*, (r."#w0" AND NOT r."#x0_0" AND NOT r."#x0_1") AS "#m0"
  FROM "#a0" AS r
),
-- segment FirstTimeSpanish
"#a1" AS (
  SELECT r.*,
    COALESCE(((r."telehealth_visits" = 0) AND (NULLIF(r."language", '') = 'es')), FALSE) AS "#w1",
    COALESCE(((r."next_appointment" >= DATE '2026-11-23') AND (r."next_appointment" <= DATE '2026-12-07')), FALSE) AS "#x1_0",
    COALESCE(r."consent.sms", FALSE) AS "#c1_0",
    COALESCE(r."consent.sms", FALSE) AS "#k1_0",
    COALESCE(r."consent.email", FALSE) AS "#c1_1",
    COALESCE(r."consent.email", FALSE) AS "#k1_1",
    COALESCE((r."consent.phone" AND EXISTS (SELECT 1 FROM "events" AS q3 WHERE q3."patient_id" = r."id" AND COALESCE(((NULLIF(q3."kind", '') = 'scheduling_link_clicked') AND (q3."at" >= TIMESTAMP '2026-11-16 00:00:00') AND (q3."at" < TIMESTAMP '2026-11-24 00:00:00')), FALSE))), FALSE) AS "#c1_2",
    COALESCE(r."consent.phone", FALSE) AS "#k1_2"
  FROM "#b0" AS r
),
"#b1" AS (
  SELECT r.*, (r."#w1" AND NOT r."#x1_0") AS "#m1"
  FROM "#a1" AS r
),
-- segment FirstTimeEnglish
"#a2" AS (
  SELECT r.*,
    COALESCE(((r."telehealth_visits" = 0) AND (NULLIF(r."language", '') = 'en')), FALSE) AS "#w2",
    COALESCE(((r."next_appointment" >= DATE '2026-11-23') AND (r."next_appointment" <= DATE '2026-12-07')), FALSE) AS "#x2_0",
    COALESCE(r."consent.email", FALSE) AS "#c2_0",
    COALESCE(r."consent.email", FALSE) AS "#k2_0",
    COALESCE(r."consent.sms", FALSE) AS "#c2_1",
    COALESCE(r."consent.sms", FALSE) AS "#k2_1"
  FROM "#b1" AS r
),
"#b2" AS (
  SELECT r.*, (r."#w2" AND NOT r."#x2_0") AS "#m2"
  FROM "#a2" AS r
),
-- segment NoShowTechBarrier
"#a3" AS (
  SELECT r.*,
    COALESCE(((r."no_show_count" >= 1) AND (NULLIF(r."last_no_show_reason", '') = 'technical')), FALSE) AS "#w3",
    COALESCE(((r."next_appointment" >= DATE '2026-11-23') AND (r."next_appointment" <= DATE '2026-11-30')), FALSE) AS "#x3_0",
    COALESCE(r."consent.phone", FALSE) AS "#c3_0",
    COALESCE(r."consent.phone", FALSE) AS "#k3_0"
  FROM "#b2" AS r
),
"#b3" AS (
  SELECT r.*, (r."#w3" AND NOT r."#x3_0") AS "#m3"
  FROM "#a3" AS r
),
-- segment NoShowScheduling
"#a4" AS (
  SELECT r.*,
    COALESCE(((r."no_show_count" >= 1) AND (NULLIF(r."last_no_show_reason", '') = 'scheduling')), FALSE) AS "#w4",
    COALESCE(((r."next_appointment" >= DATE '2026-11-23') AND (r."next_appointment" <= DATE '2026-11-30')), FALSE) AS "#x4_0",
    COALESCE(r."#m3", FALSE) AS "#x4_1",
    COALESCE(r."consent.sms", FALSE) AS "#c4_0",
    COALESCE(r."consent.sms", FALSE) AS "#k4_0",
    COALESCE(r."consent.email", FALSE) AS "#c4_1",
    COALESCE(r."consent.email", FALSE) AS "#k4_1"
  FROM "#b3" AS r
),
"#b4" AS (
  SELECT r.*, (r."#w4" AND NOT r."#x4_0" AND NOT r."#x4_1") AS "#m4"
  FROM "#a4" AS r
),
-- segment OverdueChronicCheckin
"#a5" AS (
  SELECT r.*,
    COALESCE((EXISTS (SELECT 1 FROM (SELECT DISTINCT t.v FROM (SELECT unnest(string_split(COALESCE(r."conditions", ''), ';')) AS v) AS t WHERE t.v <> '') AS q4 WHERE TRUE AND COALESCE((starts_with(q4.v, 'E11') OR starts_with(q4.v, 'I10')), FALSE)) AND (r."care_gap_due" < DATE '2026-11-23')), FALSE) AS "#w5",
    COALESCE(((r."next_appointment" >= DATE '2026-11-23') AND (r."next_appointment" <= DATE '2026-11-30')), FALSE) AS "#x5_0",
    COALESCE((r."consent.portal" AND r."portal_active"), FALSE) AS "#c5_0",
    COALESCE(r."consent.portal", FALSE) AS "#k5_0",
    COALESCE(r."consent.sms", FALSE) AS "#c5_1",
    COALESCE(r."consent.sms", FALSE) AS "#k5_1"
  FROM "#b4" AS r
),
"#b5" AS (
  SELECT r.*, (r."#w5" AND NOT r."#x5_0") AS "#m5"
  FROM "#a5" AS r
),
-- segment PostDischarge
"#a6" AS (
  SELECT r.*,
    COALESCE(((r."discharged_on" >= DATE '2026-11-20') AND (r."discharged_on" <= DATE '2026-11-23') AND (NULLIF(r."discharge_type", '') IN ('inpatient', 'emergency'))), FALSE) AS "#w6",
    COALESCE(((r."next_appointment" >= DATE '2026-11-23') AND (r."next_appointment" <= DATE '2026-11-30')), FALSE) AS "#x6_0",
    COALESCE(r."consent.phone", FALSE) AS "#c6_0",
    COALESCE(r."consent.phone", FALSE) AS "#k6_0"
  FROM "#b5" AS r
),
"#b6" AS (
  SELECT r.*, (r."#w6" AND NOT r."#x6_0") AS "#m6"
  FROM "#a6" AS r
),
-- campaign priority: a member of an earlier segment of the campaign is taken
"#t" AS (
  SELECT r.*,
    (r."#m0" AND FALSE) AS "#t0",
    (r."#m1" AND (r."#m0")) AS "#t1",
    (r."#m2" AND (r."#m0" OR r."#m1")) AS "#t2",
    (r."#m3" AND (r."#m0" OR r."#m1" OR r."#m2")) AS "#t3",
    (r."#m4" AND (r."#m0" OR r."#m1" OR r."#m2" OR r."#m3")) AS "#t4",
    (r."#m5" AND FALSE) AS "#t5",
    (r."#m6" AND FALSE) AS "#t6"
  FROM "#b6" AS r
),
-- holdout: MD5 bucket of key:segment (core/md5.h)
"#h" AS (
  SELECT r.*,
    (FALSE) AS "#h0",
    (r."#m1" AND NOT r."#t1" AND (CAST('0x' || substr(md5(r."id" || ':FirstTimeSpanish'), 1, 8) AS BIGINT) % 10000) < 1000) AS "#h1",
    (r."#m2" AND NOT r."#t2" AND (CAST('0x' || substr(md5(r."id" || ':FirstTimeEnglish'), 1, 8) AS BIGINT) % 10000) < 1000) AS "#h2",
    (FALSE) AS "#h3",
    (FALSE) AS "#h4",
    (FALSE) AS "#h5",
    (FALSE) AS "#h6"
  FROM "#t" AS r
),
-- lists: members neither taken nor held out, consent TRUE, condition TRUE
"#d" AS (
  SELECT r."id" AS "#key",
    r."#w0", r."#x0_0", r."#x0_1", r."#m0", r."#t0", r."#h0",
    r."#k0_0", r."#c0_0", (r."#m0" AND NOT r."#t0" AND NOT r."#h0" AND r."#k0_0" AND r."#c0_0") AS "#l0_0",
    r."#k0_1", r."#c0_1", (r."#m0" AND NOT r."#t0" AND NOT r."#h0" AND r."#k0_1" AND r."#c0_1") AS "#l0_1",
    r."#w1", r."#x1_0", r."#m1", r."#t1", r."#h1",
    r."#k1_0", r."#c1_0", (r."#m1" AND NOT r."#t1" AND NOT r."#h1" AND r."#k1_0" AND r."#c1_0") AS "#l1_0",
    r."#k1_1", r."#c1_1", (r."#m1" AND NOT r."#t1" AND NOT r."#h1" AND r."#k1_1" AND r."#c1_1") AS "#l1_1",
    r."#k1_2", r."#c1_2", (r."#m1" AND NOT r."#t1" AND NOT r."#h1" AND r."#k1_2" AND r."#c1_2") AS "#l1_2",
    r."#w2", r."#x2_0", r."#m2", r."#t2", r."#h2",
    r."#k2_0", r."#c2_0", (r."#m2" AND NOT r."#t2" AND NOT r."#h2" AND r."#k2_0" AND r."#c2_0") AS "#l2_0",
    r."#k2_1", r."#c2_1", (r."#m2" AND NOT r."#t2" AND NOT r."#h2" AND r."#k2_1" AND r."#c2_1") AS "#l2_1",
    r."#w3", r."#x3_0", r."#m3", r."#t3", r."#h3",
    r."#k3_0", r."#c3_0", (r."#m3" AND NOT r."#t3" AND NOT r."#h3" AND r."#k3_0" AND r."#c3_0") AS "#l3_0",
    r."#w4", r."#x4_0", r."#x4_1", r."#m4", r."#t4", r."#h4",
    r."#k4_0", r."#c4_0", (r."#m4" AND NOT r."#t4" AND NOT r."#h4" AND r."#k4_0" AND r."#c4_0") AS "#l4_0",
    r."#k4_1", r."#c4_1", (r."#m4" AND NOT r."#t4" AND NOT r."#h4" AND r."#k4_1" AND r."#c4_1") AS "#l4_1",
    r."#w5", r."#x5_0", r."#m5", r."#t5", r."#h5",
    r."#k5_0", r."#c5_0", (r."#m5" AND NOT r."#t5" AND NOT r."#h5" AND r."#k5_0" AND r."#c5_0") AS "#l5_0",
    r."#k5_1", r."#c5_1", (r."#m5" AND NOT r."#t5" AND NOT r."#h5" AND r."#k5_1" AND r."#c5_1") AS "#l5_1",
    r."#w6", r."#x6_0", r."#m6", r."#t6", r."#h6",
    r."#k6_0", r."#c6_0", (r."#m6" AND NOT r."#t6" AND NOT r."#h6" AND r."#k6_0" AND r."#c6_0") AS "#l6_0"
  FROM "#h" AS r
),
"#rows" AS (
  SELECT 'IntakeNoBooking' AS "segment", 'sms' AS "list", r."#key" AS "key", '2026-11-23' AS "send_on", 'intake-followup' AS "message", 'choose_a_time' AS "cta", 0 AS "#s", 0 AS "#o" FROM "#d" AS r WHERE r."#l0_0"
  UNION ALL
  SELECT 'IntakeNoBooking' AS "segment", 'phone' AS "list", r."#key" AS "key", '2026-11-24' AS "send_on", 'intake-followup' AS "message", 'choose_a_time' AS "cta", 0 AS "#s", 1 AS "#o" FROM "#d" AS r WHERE r."#l0_1"
  UNION ALL
  SELECT 'IntakeNoBooking' AS "segment", 'holdout' AS "list", r."#key" AS "key", CAST(NULL AS TEXT) AS "send_on", CAST(NULL AS TEXT) AS "message", CAST(NULL AS TEXT) AS "cta", 0 AS "#s", 2 AS "#o" FROM "#d" AS r WHERE r."#h0"
  UNION ALL
  SELECT 'FirstTimeSpanish' AS "segment", 'sms' AS "list", r."#key" AS "key", '2026-11-23' AS "send_on", 'onboarding-es' AS "message", 'book_video_visit' AS "cta", 1 AS "#s", 0 AS "#o" FROM "#d" AS r WHERE r."#l1_0"
  UNION ALL
  SELECT 'FirstTimeSpanish' AS "segment", 'email' AS "list", r."#key" AS "key", '2026-11-25' AS "send_on", 'onboarding-es' AS "message", 'book_video_visit' AS "cta", 1 AS "#s", 1 AS "#o" FROM "#d" AS r WHERE r."#l1_1"
  UNION ALL
  SELECT 'FirstTimeSpanish' AS "segment", 'phone' AS "list", r."#key" AS "key", '2026-11-28' AS "send_on", 'onboarding-es' AS "message", 'book_video_visit' AS "cta", 1 AS "#s", 2 AS "#o" FROM "#d" AS r WHERE r."#l1_2"
  UNION ALL
  SELECT 'FirstTimeSpanish' AS "segment", 'holdout' AS "list", r."#key" AS "key", CAST(NULL AS TEXT) AS "send_on", CAST(NULL AS TEXT) AS "message", CAST(NULL AS TEXT) AS "cta", 1 AS "#s", 3 AS "#o" FROM "#d" AS r WHERE r."#h1"
  UNION ALL
  SELECT 'FirstTimeEnglish' AS "segment", 'email' AS "list", r."#key" AS "key", '2026-11-23' AS "send_on", 'onboarding-en' AS "message", 'book_video_visit' AS "cta", 2 AS "#s", 0 AS "#o" FROM "#d" AS r WHERE r."#l2_0"
  UNION ALL
  SELECT 'FirstTimeEnglish' AS "segment", 'sms' AS "list", r."#key" AS "key", '2026-11-25' AS "send_on", 'onboarding-en' AS "message", 'book_video_visit' AS "cta", 2 AS "#s", 1 AS "#o" FROM "#d" AS r WHERE r."#l2_1"
  UNION ALL
  SELECT 'FirstTimeEnglish' AS "segment", 'holdout' AS "list", r."#key" AS "key", CAST(NULL AS TEXT) AS "send_on", CAST(NULL AS TEXT) AS "message", CAST(NULL AS TEXT) AS "cta", 2 AS "#s", 2 AS "#o" FROM "#d" AS r WHERE r."#h2"
  UNION ALL
  SELECT 'NoShowTechBarrier' AS "segment", 'phone' AS "list", r."#key" AS "key", '2026-11-23' AS "send_on", 'tech-readiness-checklist' AS "message", 'reschedule' AS "cta", 3 AS "#s", 0 AS "#o" FROM "#d" AS r WHERE r."#l3_0"
  UNION ALL
  SELECT 'NoShowTechBarrier' AS "segment", 'holdout' AS "list", r."#key" AS "key", CAST(NULL AS TEXT) AS "send_on", CAST(NULL AS TEXT) AS "message", CAST(NULL AS TEXT) AS "cta", 3 AS "#s", 1 AS "#o" FROM "#d" AS r WHERE r."#h3"
  UNION ALL
  SELECT 'NoShowScheduling' AS "segment", 'sms' AS "list", r."#key" AS "key", '2026-11-23' AS "send_on", 'reschedule-options' AS "message", 'reschedule' AS "cta", 4 AS "#s", 0 AS "#o" FROM "#d" AS r WHERE r."#l4_0"
  UNION ALL
  SELECT 'NoShowScheduling' AS "segment", 'email' AS "list", r."#key" AS "key", '2026-11-24' AS "send_on", 'reschedule-options' AS "message", 'reschedule' AS "cta", 4 AS "#s", 1 AS "#o" FROM "#d" AS r WHERE r."#l4_1"
  UNION ALL
  SELECT 'NoShowScheduling' AS "segment", 'holdout' AS "list", r."#key" AS "key", CAST(NULL AS TEXT) AS "send_on", CAST(NULL AS TEXT) AS "message", CAST(NULL AS TEXT) AS "cta", 4 AS "#s", 2 AS "#o" FROM "#d" AS r WHERE r."#h4"
  UNION ALL
  SELECT 'OverdueChronicCheckin' AS "segment", 'portal' AS "list", r."#key" AS "key", '2026-11-23' AS "send_on", 'chronic-checkin' AS "message", 'book_video_visit' AS "cta", 5 AS "#s", 0 AS "#o" FROM "#d" AS r WHERE r."#l5_0"
  UNION ALL
  SELECT 'OverdueChronicCheckin' AS "segment", 'sms' AS "list", r."#key" AS "key", '2026-11-26' AS "send_on", 'chronic-checkin' AS "message", 'book_video_visit' AS "cta", 5 AS "#s", 1 AS "#o" FROM "#d" AS r WHERE r."#l5_1"
  UNION ALL
  SELECT 'OverdueChronicCheckin' AS "segment", 'holdout' AS "list", r."#key" AS "key", CAST(NULL AS TEXT) AS "send_on", CAST(NULL AS TEXT) AS "message", CAST(NULL AS TEXT) AS "cta", 5 AS "#s", 2 AS "#o" FROM "#d" AS r WHERE r."#h5"
  UNION ALL
  SELECT 'PostDischarge' AS "segment", 'phone' AS "list", r."#key" AS "key", '2026-11-23' AS "send_on", 'post-discharge-call' AS "message", 'confirm_followup' AS "cta", 6 AS "#s", 0 AS "#o" FROM "#d" AS r WHERE r."#l6_0"
  UNION ALL
  SELECT 'PostDischarge' AS "segment", 'holdout' AS "list", r."#key" AS "key", CAST(NULL AS TEXT) AS "send_on", CAST(NULL AS TEXT) AS "message", CAST(NULL AS TEXT) AS "cta", 6 AS "#s", 1 AS "#o" FROM "#d" AS r WHERE r."#h6"
)
SELECT "segment", "list", "key", "send_on", "message", "cta"
FROM "#rows"
ORDER BY "#s", "#o", "key";
