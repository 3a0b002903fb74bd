-- Cohort: the rows of every list (duckdb dialect, today 2026-11-23)
-- source: examples/primary_care.cohort
WITH
"#base" AS (
  SELECT "id", "birth_date", "state", "payer_type", "service_line", "last_visit", "next_appointment", "portal_active", "device_access", "consent.sms", "consent.email", "consent.phone", "consent.portal", "consent.mail" FROM "patients"
),
-- segment InactivePrimaryCare
"#a0" AS (
  SELECT r.*,
    COALESCE(((r."birth_date" <= DATE '2008-11-23') AND (NULLIF(r."service_line", '') = 'primary_care') AND ((r."last_visit" IS NULL) OR (r."last_visit" < DATE '2025-05-23')) AND (NULLIF(r."state", '') = 'MA')), FALSE) AS "#w0",
    COALESCE((r."next_appointment" IS NOT NULL), FALSE) AS "#x0_0",
    COALESCE(r."consent.email", FALSE) AS "#c0_0",
    COALESCE(r."consent.email", FALSE) AS "#k0_0",
    COALESCE(r."consent.mail", FALSE) AS "#c0_1",
    COALESCE(r."consent.mail", FALSE) AS "#k0_1"
  FROM "#base" AS r
),
"#b0" AS (
  SELECT r.*, (r."#w0" AND NOT r."#x0_0") AS "#m0"
  FROM "#a0" AS r
),
-- segment MedicareAnnualWellness
"#a1" AS (
  SELECT r.*,
    COALESCE(((NULLIF(r."payer_type", '') = 'medicare') AND (r."birth_date" <= DATE '1961-11-23') AND ((r."last_visit" IS NULL) OR (CAST((DATE '2026-11-23' - r."last_visit") AS BIGINT) > 365))), FALSE) AS "#w1",
    COALESCE(((r."next_appointment" >= DATE '2026-11-23') AND (r."next_appointment" <= DATE '2026-12-23')), FALSE) AS "#x1_0",
    COALESCE((r."consent.portal" AND r."portal_active"), FALSE) AS "#c1_0",
    COALESCE(r."consent.portal", FALSE) AS "#k1_0",
    COALESCE((r."consent.phone" AND (NOT ((NULLIF(r."device_access", '') IN ('smartphone', 'computer')) OR r."portal_active"))), FALSE) AS "#c1_1",
    COALESCE(r."consent.phone", FALSE) AS "#k1_1"
  FROM "#b0" AS r
),
"#b1" AS (
  SELECT r.*, (r."#w1" AND NOT r."#x1_0") AS "#m1"
  FROM "#a1" AS r
),
-- segment LowEngagementDigital
"#a2" AS (
  SELECT r.*,
    COALESCE((((SELECT COUNT(*) FROM "events" AS q1 WHERE q1."patient_id" = r."id" AND COALESCE(((NULLIF(q1."kind", '') = 'email_opened') AND (q1."at" >= TIMESTAMP '2026-08-25 00:00:00') AND (q1."at" < TIMESTAMP '2026-11-24 00:00:00')), FALSE)) = 0) AND EXISTS (SELECT 1 FROM "events" AS q2 WHERE q2."patient_id" = r."id" AND COALESCE(((NULLIF(q2."kind", '') = 'sms_replied') AND (q2."at" >= TIMESTAMP '2026-08-25 00:00:00') AND (q2."at" < TIMESTAMP '2026-11-24 00:00:00')), FALSE))), FALSE) AS "#w2",
    COALESCE(EXISTS (SELECT 1 FROM "events" AS q3 WHERE q3."patient_id" = r."id" AND COALESCE((NULLIF(q3."kind", '') = 'opted_out'), FALSE)), FALSE) AS "#x2_0",
    COALESCE((r."#m0" OR r."#m1"), FALSE) AS "#x2_1",
    COALESCE(r."consent.sms", FALSE) AS "#c2_0",
    COALESCE(r."consent.sms", FALSE) AS "#k2_0"
  FROM "#b1" AS r
),
"#b2" AS (
  SELECT r.*, (r."#w2" AND NOT r."#x2_0" AND NOT r."#x2_1") AS "#m2"
  FROM "#a2" AS r
),
-- campaign priority: a member of an earlier segment of the campaign is taken
"#t" AS (
  SELECT r.*,
    (r."#m0" AND FALSE) AS "#t0",
    (r."#m1" AND FALSE) AS "#t1",
    (r."#m2" AND FALSE) AS "#t2"
  FROM "#b2" AS r
),
-- holdout: MD5 bucket of key:segment (core/md5.h)
"#h" AS (
  SELECT r.*,
    (FALSE) AS "#h0",
    (FALSE) AS "#h1",
    (r."#m2" AND NOT r."#t2" AND (CAST('0x' || substr(md5(r."id" || ':LowEngagementDigital'), 1, 8) AS BIGINT) % 10000) < 500) AS "#h2"
  FROM "#t" AS r
),
-- lists: members neither taken nor held out, consent TRUE, condition TRUE
"#d" AS (
  SELECT r."id" AS "#key",
    r."#w0", r."#x0_0", r."#m0", r."#t0", r."#h0",
    r."#k0_0", r."#c0_0", (r."#m0" AND NOT r."#t0" AND NOT r."#h0" AND r."#k0_0" AND r."#c0_0") AS "#l0_0",
    r."#k0_1", r."#c0_1", (r."#m0" AND NOT r."#t0" AND NOT r."#h0" AND r."#k0_1" AND r."#c0_1") AS "#l0_1",
    r."#w1", r."#x1_0", r."#m1", r."#t1", r."#h1",
    r."#k1_0", r."#c1_0", (r."#m1" AND NOT r."#t1" AND NOT r."#h1" AND r."#k1_0" AND r."#c1_0") AS "#l1_0",
    r."#k1_1", r."#c1_1", (r."#m1" AND NOT r."#t1" AND NOT r."#h1" AND r."#k1_1" AND r."#c1_1") AS "#l1_1",
    r."#w2", r."#x2_0", r."#x2_1", r."#m2", r."#t2", r."#h2",
    r."#k2_0", r."#c2_0", (r."#m2" AND NOT r."#t2" AND NOT r."#h2" AND r."#k2_0" AND r."#c2_0") AS "#l2_0"
  FROM "#h" AS r
),
"#rows" AS (
  SELECT 'InactivePrimaryCare' AS "segment", 'email' AS "list", r."#key" AS "key", '2026-11-23' AS "send_on", 'we-miss-you' AS "message", 'book_annual_visit' AS "cta", 0 AS "#s", 0 AS "#o" FROM "#d" AS r WHERE r."#l0_0"
  UNION ALL
  SELECT 'InactivePrimaryCare' AS "segment", 'mail' AS "list", r."#key" AS "key", '2026-11-30' AS "send_on", 'we-miss-you' AS "message", 'book_annual_visit' AS "cta", 0 AS "#s", 1 AS "#o" FROM "#d" AS r WHERE r."#l0_1"
  UNION ALL
  SELECT 'InactivePrimaryCare' AS "segment", 'holdout' AS "list", r."#key" AS "key", CAST(NULL AS TEXT) AS "send_on", CAST(NULL AS TEXT) AS "message", CAST(NULL AS TEXT) AS "cta", 0 AS "#s", 2 AS "#o" FROM "#d" AS r WHERE r."#h0"
  UNION ALL
  SELECT 'MedicareAnnualWellness' AS "segment", 'portal' AS "list", r."#key" AS "key", '2026-11-23' AS "send_on", 'annual-wellness' AS "message", 'book_annual_visit' AS "cta", 1 AS "#s", 0 AS "#o" FROM "#d" AS r WHERE r."#l1_0"
  UNION ALL
  SELECT 'MedicareAnnualWellness' AS "segment", 'phone' AS "list", r."#key" AS "key", '2026-11-26' AS "send_on", 'annual-wellness' AS "message", 'book_annual_visit' AS "cta", 1 AS "#s", 1 AS "#o" FROM "#d" AS r WHERE r."#l1_1"
  UNION ALL
  SELECT 'MedicareAnnualWellness' AS "segment", 'holdout' AS "list", r."#key" AS "key", CAST(NULL AS TEXT) AS "send_on", CAST(NULL AS TEXT) AS "message", CAST(NULL AS TEXT) AS "cta", 1 AS "#s", 2 AS "#o" FROM "#d" AS r WHERE r."#h1"
  UNION ALL
  SELECT 'LowEngagementDigital' AS "segment", 'sms' AS "list", r."#key" AS "key", '2026-11-23' AS "send_on", 'portal-signup' AS "message", 'activate_portal' AS "cta", 2 AS "#s", 0 AS "#o" FROM "#d" AS r WHERE r."#l2_0"
  UNION ALL
  SELECT 'LowEngagementDigital' AS "segment", 'holdout' AS "list", r."#key" AS "key", CAST(NULL AS TEXT) AS "send_on", CAST(NULL AS TEXT) AS "message", CAST(NULL AS TEXT) AS "cta", 2 AS "#s", 1 AS "#o" FROM "#d" AS r WHERE r."#h2"
)
SELECT "segment", "list", "key", "send_on", "message", "cta"
FROM "#rows"
ORDER BY "#s", "#o", "key";
