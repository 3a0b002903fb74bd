-- Cohort: the counters of summary.json (duckdb dialect, today 2026-11-23)
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
"#sum" AS (
  SELECT COUNT(*) AS "#n0",
    COALESCE(SUM(CASE WHEN r."#w0" THEN 1 ELSE 0 END), 0) AS "#n1",
    COALESCE(SUM(CASE WHEN r."#w0" AND r."#x0_0" THEN 1 ELSE 0 END), 0) AS "#n2",
    COALESCE(SUM(CASE WHEN r."#m0" THEN 1 ELSE 0 END), 0) AS "#n3",
    COALESCE(SUM(CASE WHEN r."#t0" THEN 1 ELSE 0 END), 0) AS "#n4",
    COALESCE(SUM(CASE WHEN r."#h0" THEN 1 ELSE 0 END), 0) AS "#n5",
    COALESCE(SUM(CASE WHEN r."#m0" AND NOT r."#t0" AND NOT r."#h0" THEN 1 ELSE 0 END), 0) AS "#n6",
    COALESCE(SUM(CASE WHEN r."#l0_0" THEN 1 ELSE 0 END), 0) AS "#n7",
    COALESCE(SUM(CASE WHEN r."#m0" AND NOT r."#t0" AND NOT r."#h0" AND NOT r."#k0_0" THEN 1 ELSE 0 END), 0) AS "#n8",
    COALESCE(SUM(CASE WHEN r."#m0" AND NOT r."#t0" AND NOT r."#h0" AND r."#k0_0" AND NOT r."#c0_0" THEN 1 ELSE 0 END), 0) AS "#n9",
    0 AS "#n10",
    COALESCE(SUM(CASE WHEN r."#m0" AND NOT r."#t0" AND NOT r."#h0" THEN 1 ELSE 0 END), 0) AS "#n11",
    COALESCE(SUM(CASE WHEN r."#l0_1" THEN 1 ELSE 0 END), 0) AS "#n12",
    COALESCE(SUM(CASE WHEN r."#m0" AND NOT r."#t0" AND NOT r."#h0" AND NOT r."#k0_1" THEN 1 ELSE 0 END), 0) AS "#n13",
    COALESCE(SUM(CASE WHEN r."#m0" AND NOT r."#t0" AND NOT r."#h0" AND r."#k0_1" AND NOT r."#c0_1" THEN 1 ELSE 0 END), 0) AS "#n14",
    COALESCE(SUM(CASE WHEN r."#w1" THEN 1 ELSE 0 END), 0) AS "#n15",
    COALESCE(SUM(CASE WHEN r."#w1" AND r."#x1_0" THEN 1 ELSE 0 END), 0) AS "#n16",
    COALESCE(SUM(CASE WHEN r."#m1" THEN 1 ELSE 0 END), 0) AS "#n17",
    COALESCE(SUM(CASE WHEN r."#t1" THEN 1 ELSE 0 END), 0) AS "#n18",
    COALESCE(SUM(CASE WHEN r."#h1" THEN 1 ELSE 0 END), 0) AS "#n19",
    COALESCE(SUM(CASE WHEN r."#m1" AND NOT r."#t1" AND NOT r."#h1" THEN 1 ELSE 0 END), 0) AS "#n20",
    COALESCE(SUM(CASE WHEN r."#l1_0" THEN 1 ELSE 0 END), 0) AS "#n21",
    COALESCE(SUM(CASE WHEN r."#m1" AND NOT r."#t1" AND NOT r."#h1" AND NOT r."#k1_0" THEN 1 ELSE 0 END), 0) AS "#n22",
    COALESCE(SUM(CASE WHEN r."#m1" AND NOT r."#t1" AND NOT r."#h1" AND r."#k1_0" AND NOT r."#c1_0" THEN 1 ELSE 0 END), 0) AS "#n23",
    COALESCE(SUM(CASE WHEN r."#m1" AND NOT r."#t1" AND NOT r."#h1" THEN 1 ELSE 0 END), 0) AS "#n24",
    COALESCE(SUM(CASE WHEN r."#l1_1" THEN 1 ELSE 0 END), 0) AS "#n25",
    COALESCE(SUM(CASE WHEN r."#m1" AND NOT r."#t1" AND NOT r."#h1" AND NOT r."#k1_1" THEN 1 ELSE 0 END), 0) AS "#n26",
    COALESCE(SUM(CASE WHEN r."#m1" AND NOT r."#t1" AND NOT r."#h1" AND r."#k1_1" AND NOT r."#c1_1" THEN 1 ELSE 0 END), 0) AS "#n27",
    COALESCE(SUM(CASE WHEN r."#w2" THEN 1 ELSE 0 END), 0) AS "#n28",
    COALESCE(SUM(CASE WHEN r."#w2" AND r."#x2_0" THEN 1 ELSE 0 END), 0) AS "#n29",
    COALESCE(SUM(CASE WHEN r."#w2" AND NOT r."#x2_0" AND r."#x2_1" THEN 1 ELSE 0 END), 0) AS "#n30",
    COALESCE(SUM(CASE WHEN r."#m2" THEN 1 ELSE 0 END), 0) AS "#n31",
    COALESCE(SUM(CASE WHEN r."#t2" THEN 1 ELSE 0 END), 0) AS "#n32",
    COALESCE(SUM(CASE WHEN r."#h2" THEN 1 ELSE 0 END), 0) AS "#n33",
    COALESCE(SUM(CASE WHEN r."#m2" AND NOT r."#t2" AND NOT r."#h2" THEN 1 ELSE 0 END), 0) AS "#n34",
    COALESCE(SUM(CASE WHEN r."#l2_0" THEN 1 ELSE 0 END), 0) AS "#n35",
    COALESCE(SUM(CASE WHEN r."#m2" AND NOT r."#t2" AND NOT r."#h2" AND NOT r."#k2_0" THEN 1 ELSE 0 END), 0) AS "#n36",
    COALESCE(SUM(CASE WHEN r."#m2" AND NOT r."#t2" AND NOT r."#h2" AND r."#k2_0" AND NOT r."#c2_0" THEN 1 ELSE 0 END), 0) AS "#n37"
  FROM "#d" AS r
),
"#items" AS (
SELECT '' AS "segment", 'records' AS "item", CAST("#n0" AS BIGINT) AS "value", 0 AS "#o" FROM "#sum"
UNION ALL
SELECT 'InactivePrimaryCare' AS "segment", 'records' AS "item", CAST("#n0" AS BIGINT) AS "value", 1 AS "#o" FROM "#sum"
UNION ALL
SELECT 'InactivePrimaryCare' AS "segment", 'where_matched' AS "item", CAST("#n1" AS BIGINT) AS "value", 2 AS "#o" FROM "#sum"
UNION ALL
SELECT 'InactivePrimaryCare' AS "segment", 'exclude_removed.1' AS "item", CAST("#n2" AS BIGINT) AS "value", 3 AS "#o" FROM "#sum"
UNION ALL
SELECT 'InactivePrimaryCare' AS "segment", 'members' AS "item", CAST("#n3" AS BIGINT) AS "value", 4 AS "#o" FROM "#sum"
UNION ALL
SELECT 'InactivePrimaryCare' AS "segment", 'taken_by_campaign' AS "item", CAST("#n4" AS BIGINT) AS "value", 5 AS "#o" FROM "#sum"
UNION ALL
SELECT 'InactivePrimaryCare' AS "segment", 'held_out' AS "item", CAST("#n5" AS BIGINT) AS "value", 6 AS "#o" FROM "#sum"
UNION ALL
SELECT 'InactivePrimaryCare' AS "segment", 'email#1.eligible' AS "item", CAST("#n6" AS BIGINT) AS "value", 7 AS "#o" FROM "#sum"
UNION ALL
SELECT 'InactivePrimaryCare' AS "segment", 'email#1.listed' AS "item", CAST("#n7" AS BIGINT) AS "value", 8 AS "#o" FROM "#sum"
UNION ALL
SELECT 'InactivePrimaryCare' AS "segment", 'email#1.lacked_consent' AS "item", CAST("#n8" AS BIGINT) AS "value", 9 AS "#o" FROM "#sum"
UNION ALL
SELECT 'InactivePrimaryCare' AS "segment", 'email#1.condition_false' AS "item", CAST("#n9" AS BIGINT) AS "value", 10 AS "#o" FROM "#sum"
UNION ALL
SELECT 'InactivePrimaryCare' AS "segment", 'email#1.capped' AS "item", CAST("#n10" AS BIGINT) AS "value", 11 AS "#o" FROM "#sum"
UNION ALL
SELECT 'InactivePrimaryCare' AS "segment", 'mail#2.eligible' AS "item", CAST("#n11" AS BIGINT) AS "value", 12 AS "#o" FROM "#sum"
UNION ALL
SELECT 'InactivePrimaryCare' AS "segment", 'mail#2.listed' AS "item", CAST("#n12" AS BIGINT) AS "value", 13 AS "#o" FROM "#sum"
UNION ALL
SELECT 'InactivePrimaryCare' AS "segment", 'mail#2.lacked_consent' AS "item", CAST("#n13" AS BIGINT) AS "value", 14 AS "#o" FROM "#sum"
UNION ALL
SELECT 'InactivePrimaryCare' AS "segment", 'mail#2.condition_false' AS "item", CAST("#n14" AS BIGINT) AS "value", 15 AS "#o" FROM "#sum"
UNION ALL
SELECT 'InactivePrimaryCare' AS "segment", 'mail#2.capped' AS "item", CAST("#n10" AS BIGINT) AS "value", 16 AS "#o" FROM "#sum"
UNION ALL
SELECT 'MedicareAnnualWellness' AS "segment", 'records' AS "item", CAST("#n0" AS BIGINT) AS "value", 17 AS "#o" FROM "#sum"
UNION ALL
SELECT 'MedicareAnnualWellness' AS "segment", 'where_matched' AS "item", CAST("#n15" AS BIGINT) AS "value", 18 AS "#o" FROM "#sum"
UNION ALL
SELECT 'MedicareAnnualWellness' AS "segment", 'exclude_removed.1' AS "item", CAST("#n16" AS BIGINT) AS "value", 19 AS "#o" FROM "#sum"
UNION ALL
SELECT 'MedicareAnnualWellness' AS "segment", 'members' AS "item", CAST("#n17" AS BIGINT) AS "value", 20 AS "#o" FROM "#sum"
UNION ALL
SELECT 'MedicareAnnualWellness' AS "segment", 'taken_by_campaign' AS "item", CAST("#n18" AS BIGINT) AS "value", 21 AS "#o" FROM "#sum"
UNION ALL
SELECT 'MedicareAnnualWellness' AS "segment", 'held_out' AS "item", CAST("#n19" AS BIGINT) AS "value", 22 AS "#o" FROM "#sum"
UNION ALL
SELECT 'MedicareAnnualWellness' AS "segment", 'portal#1.eligible' AS "item", CAST("#n20" AS BIGINT) AS "value", 23 AS "#o" FROM "#sum"
UNION ALL
SELECT 'MedicareAnnualWellness' AS "segment", 'portal#1.listed' AS "item", CAST("#n21" AS BIGINT) AS "value", 24 AS "#o" FROM "#sum"
UNION ALL
SELECT 'MedicareAnnualWellness' AS "segment", 'portal#1.lacked_consent' AS "item", CAST("#n22" AS BIGINT) AS "value", 25 AS "#o" FROM "#sum"
UNION ALL
SELECT 'MedicareAnnualWellness' AS "segment", 'portal#1.condition_false' AS "item", CAST("#n23" AS BIGINT) AS "value", 26 AS "#o" FROM "#sum"
UNION ALL
SELECT 'MedicareAnnualWellness' AS "segment", 'portal#1.capped' AS "item", CAST("#n10" AS BIGINT) AS "value", 27 AS "#o" FROM "#sum"
UNION ALL
SELECT 'MedicareAnnualWellness' AS "segment", 'phone#2.eligible' AS "item", CAST("#n24" AS BIGINT) AS "value", 28 AS "#o" FROM "#sum"
UNION ALL
SELECT 'MedicareAnnualWellness' AS "segment", 'phone#2.listed' AS "item", CAST("#n25" AS BIGINT) AS "value", 29 AS "#o" FROM "#sum"
UNION ALL
SELECT 'MedicareAnnualWellness' AS "segment", 'phone#2.lacked_consent' AS "item", CAST("#n26" AS BIGINT) AS "value", 30 AS "#o" FROM "#sum"
UNION ALL
SELECT 'MedicareAnnualWellness' AS "segment", 'phone#2.condition_false' AS "item", CAST("#n27" AS BIGINT) AS "value", 31 AS "#o" FROM "#sum"
UNION ALL
SELECT 'MedicareAnnualWellness' AS "segment", 'phone#2.capped' AS "item", CAST("#n10" AS BIGINT) AS "value", 32 AS "#o" FROM "#sum"
UNION ALL
SELECT 'LowEngagementDigital' AS "segment", 'records' AS "item", CAST("#n0" AS BIGINT) AS "value", 33 AS "#o" FROM "#sum"
UNION ALL
SELECT 'LowEngagementDigital' AS "segment", 'where_matched' AS "item", CAST("#n28" AS BIGINT) AS "value", 34 AS "#o" FROM "#sum"
UNION ALL
SELECT 'LowEngagementDigital' AS "segment", 'exclude_removed.1' AS "item", CAST("#n29" AS BIGINT) AS "value", 35 AS "#o" FROM "#sum"
UNION ALL
SELECT 'LowEngagementDigital' AS "segment", 'exclude_removed.2' AS "item", CAST("#n30" AS BIGINT) AS "value", 36 AS "#o" FROM "#sum"
UNION ALL
SELECT 'LowEngagementDigital' AS "segment", 'members' AS "item", CAST("#n31" AS BIGINT) AS "value", 37 AS "#o" FROM "#sum"
UNION ALL
SELECT 'LowEngagementDigital' AS "segment", 'taken_by_campaign' AS "item", CAST("#n32" AS BIGINT) AS "value", 38 AS "#o" FROM "#sum"
UNION ALL
SELECT 'LowEngagementDigital' AS "segment", 'held_out' AS "item", CAST("#n33" AS BIGINT) AS "value", 39 AS "#o" FROM "#sum"
UNION ALL
SELECT 'LowEngagementDigital' AS "segment", 'sms#1.eligible' AS "item", CAST("#n34" AS BIGINT) AS "value", 40 AS "#o" FROM "#sum"
UNION ALL
SELECT 'LowEngagementDigital' AS "segment", 'sms#1.listed' AS "item", CAST("#n35" AS BIGINT) AS "value", 41 AS "#o" FROM "#sum"
UNION ALL
SELECT 'LowEngagementDigital' AS "segment", 'sms#1.lacked_consent' AS "item", CAST("#n36" AS BIGINT) AS "value", 42 AS "#o" FROM "#sum"
UNION ALL
SELECT 'LowEngagementDigital' AS "segment", 'sms#1.condition_false' AS "item", CAST("#n37" AS BIGINT) AS "value", 43 AS "#o" FROM "#sum"
UNION ALL
SELECT 'LowEngagementDigital' AS "segment", 'sms#1.capped' AS "item", CAST("#n10" AS BIGINT) AS "value", 44 AS "#o" FROM "#sum"
UNION ALL
SELECT '' AS "segment", 'events.rows' AS "item", CAST(0 + (SELECT COUNT(*) FROM "events") AS BIGINT) AS "value", 45 AS "#o"
UNION ALL
SELECT '' AS "segment", 'events.unmatched' AS "item", CAST(0 + (SELECT COUNT(*) FROM "events" AS e WHERE NOT EXISTS (SELECT 1 FROM "patients" AS p WHERE p."id" = e."patient_id")) AS BIGINT) AS "value", 46 AS "#o"
)
SELECT "segment", "item", "value"
FROM "#items"
ORDER BY "#o";
