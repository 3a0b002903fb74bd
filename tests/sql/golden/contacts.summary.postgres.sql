-- Cohort: the counters of summary.json (postgres dialect, today 2026-11-23)
-- source: tests/cli_ci/contacts/contacts.cohort
WITH
"#base" AS (
  SELECT "id", "birth_date", "last_visit", "consent.sms", "consent.email" FROM "patients"
),
-- segment Recall
"#a0" AS MATERIALIZED (
  SELECT r.*,
    COALESCE(((r."last_visit" IS NULL) OR (r."last_visit" < DATE '2025-11-23')), FALSE) AS "#w0",
    COALESCE(EXISTS (SELECT 1 FROM "contacts" AS q1 WHERE q1."key" = r."id" AND COALESCE(((q1."send_on" >= DATE '2026-11-16') AND (NULLIF(q1."channel", '') = 'sms')), FALSE)), FALSE) AS "#x0_0",
    COALESCE(r."consent.sms", FALSE) AS "#c0_0",
    COALESCE(r."consent.sms", FALSE) AS "#k0_0",
    COALESCE(r."consent.email", FALSE) AS "#c0_1",
    COALESCE(r."consent.email", FALSE) AS "#k0_1"
  FROM "#base" AS r
),
"#b0" AS (
  SELECT r.*, (r."#w0" AND NOT r."#x0_0") AS "#m0"
  FROM "#a0" AS r
),
-- segment Wellness
"#a1" AS MATERIALIZED (
  SELECT r.*,
    COALESCE((r."birth_date" <= DATE '1961-11-23'), FALSE) AS "#w1",
    COALESCE(r."consent.sms", FALSE) AS "#c1_0",
    COALESCE(r."consent.sms", FALSE) AS "#k1_0"
  FROM "#b0" AS r
),
"#b1" AS (
  SELECT r.*, (r."#w1") AS "#m1"
  FROM "#a1" AS r
),
-- campaign priority: a member of an earlier segment of the campaign is taken
"#t" AS (
  SELECT r.*,
    (r."#m0" AND FALSE) AS "#t0",
    (r."#m1" AND (r."#m0")) AS "#t1"
  FROM "#b1" AS r
),
-- holdout: MD5 bucket of key:segment (core/md5.h)
"#h" AS (
  SELECT r.*,
    (FALSE) AS "#h0",
    (FALSE) AS "#h1"
  FROM "#t" AS r
),
-- lists: members neither taken nor held out, consent TRUE, condition TRUE
"#dp" AS (
  SELECT r."id" AS "#key",
    r."#w0", r."#x0_0", r."#m0", r."#t0", r."#h0",
    r."#k0_0", r."#c0_0", (r."#m0" AND NOT r."#t0" AND NOT r."#h0" AND r."#k0_0" AND r."#c0_0") AS "#p0_0",
    r."#k0_1", r."#c0_1", (r."#m0" AND NOT r."#t0" AND NOT r."#h0" AND r."#k0_1" AND r."#c0_1") AS "#p0_1",
    r."#w1", r."#m1", r."#t1", r."#h1",
    r."#k1_0", r."#c1_0", (r."#m1" AND NOT r."#t1" AND NOT r."#h1" AND r."#k1_0" AND r."#c1_0") AS "#p1_0"
  FROM "#h" AS r
),
-- frequency caps: each ledger row with the key's ledger rows in the 14 days ending on it
"#cw14" AS (
  SELECT c."key" AS "k", c."send_on" AS "d",
    COUNT(*) OVER (PARTITION BY c."key" ORDER BY (c."send_on" - DATE '1970-01-01') RANGE BETWEEN 13 PRECEDING AND CURRENT ROW) AS "n"
  FROM "contacts" AS c
),
-- cap of campaign Outreach: Recall step 1 on 2026-11-23
"#q0" AS MATERIALIZED (
  SELECT r.*, (r."#p0_0" AND NOT (1 + (SELECT COUNT(*) FROM "contacts" AS c WHERE c."key" = r."#key" AND c."send_on" BETWEEN DATE '2026-11-10' AND DATE '2026-11-23') > 2
      OR EXISTS (SELECT 1 FROM "#cw14" AS e WHERE e."k" = r."#key" AND e."d" > DATE '2026-11-23' AND e."d" < DATE '2026-12-07' AND 1 + e."n" + 0 > 2))) AS "#l0_0"
  FROM "#dp" AS r
),
-- cap of campaign Outreach: Recall step 2 on 2026-11-26
"#q1" AS MATERIALIZED (
  SELECT r.*, (r."#p0_1" AND NOT (1 + (SELECT COUNT(*) FROM "contacts" AS c WHERE c."key" = r."#key" AND c."send_on" BETWEEN DATE '2026-11-13' AND DATE '2026-11-26') + CASE WHEN r."#l0_0" THEN 1 ELSE 0 END > 2
      OR EXISTS (SELECT 1 FROM "#cw14" AS e WHERE e."k" = r."#key" AND e."d" > DATE '2026-11-26' AND e."d" < DATE '2026-12-10' AND 1 + e."n" + 0 + CASE WHEN r."#l0_0" AND e."d" BETWEEN DATE '2026-11-23' AND DATE '2026-12-06' THEN 1 ELSE 0 END > 2))) AS "#l0_1"
  FROM "#q0" AS r
),
-- cap of campaign Outreach: Wellness step 1 on 2026-11-23
"#q2" AS MATERIALIZED (
  SELECT r.*, (r."#p1_0" AND NOT (1 + (SELECT COUNT(*) FROM "contacts" AS c WHERE c."key" = r."#key" AND c."send_on" BETWEEN DATE '2026-11-10' AND DATE '2026-11-23') + CASE WHEN r."#l0_0" THEN 1 ELSE 0 END > 2
      OR 1 + (SELECT COUNT(*) FROM "contacts" AS c WHERE c."key" = r."#key" AND c."send_on" BETWEEN DATE '2026-11-13' AND DATE '2026-11-26') + CASE WHEN r."#l0_0" THEN 1 ELSE 0 END + CASE WHEN r."#l0_1" THEN 1 ELSE 0 END > 2
      OR EXISTS (SELECT 1 FROM "#cw14" AS e WHERE e."k" = r."#key" AND e."d" > DATE '2026-11-23' AND e."d" < DATE '2026-12-07' AND 1 + e."n" + 0 + CASE WHEN r."#l0_0" AND e."d" BETWEEN DATE '2026-11-23' AND DATE '2026-12-06' THEN 1 ELSE 0 END + CASE WHEN r."#l0_1" AND e."d" BETWEEN DATE '2026-11-26' AND DATE '2026-12-09' THEN 1 ELSE 0 END > 2))) AS "#l1_0"
  FROM "#q1" AS r
),
"#d" AS (
  SELECT * FROM "#q2"
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
    COALESCE(SUM(CASE WHEN r."#p0_0" AND NOT r."#l0_0" THEN 1 ELSE 0 END), 0) AS "#n10",
    COALESCE(SUM(CASE WHEN r."#m0" AND NOT r."#t0" AND NOT r."#h0" THEN 1 ELSE 0 END), 0) AS "#n11",
    COALESCE(SUM(CASE WHEN r."#l0_1" THEN 1 ELSE 0 END), 0) AS "#n12",
    COALESCE(SUM(CASE WHEN r."#m0" AND NOT r."#t0" AND NOT r."#h0" AND NOT r."#k0_1" THEN 1 ELSE 0 END), 0) AS "#n13",
    COALESCE(SUM(CASE WHEN r."#m0" AND NOT r."#t0" AND NOT r."#h0" AND r."#k0_1" AND NOT r."#c0_1" THEN 1 ELSE 0 END), 0) AS "#n14",
    COALESCE(SUM(CASE WHEN r."#p0_1" AND NOT r."#l0_1" THEN 1 ELSE 0 END), 0) AS "#n15",
    COALESCE(SUM(CASE WHEN r."#w1" THEN 1 ELSE 0 END), 0) AS "#n16",
    COALESCE(SUM(CASE WHEN r."#m1" THEN 1 ELSE 0 END), 0) AS "#n17",
    COALESCE(SUM(CASE WHEN r."#t1" THEN 1 ELSE 0 END), 0) AS "#n18",
    COALESCE(SUM(CASE WHEN r."#h1" THEN 1 ELSE 0 END), 0) AS "#n19",
    COALESCE(SUM(CASE WHEN r."#m1" AND NOT r."#t1" AND NOT r."#h1" THEN 1 ELSE 0 END), 0) AS "#n20",
    COALESCE(SUM(CASE WHEN r."#l1_0" THEN 1 ELSE 0 END), 0) AS "#n21",
    COALESCE(SUM(CASE WHEN r."#m1" AND NOT r."#t1" AND NOT r."#h1" AND NOT r."#k1_0" THEN 1 ELSE 0 END), 0) AS "#n22",
    COALESCE(SUM(CASE WHEN r."#m1" AND NOT r."#t1" AND NOT r."#h1" AND r."#k1_0" AND NOT r."#c1_0" THEN 1 ELSE 0 END), 0) AS "#n23",
    COALESCE(SUM(CASE WHEN r."#p1_0" AND NOT r."#l1_0" THEN 1 ELSE 0 END), 0) AS "#n24",
    COALESCE(SUM(CASE WHEN r."#t1" AND r."#m0" THEN 1 ELSE 0 END), 0) AS "#n25"
  FROM "#d" AS r
),
"#items" AS (
SELECT '' AS "segment", 'records' AS "item", CAST("#n0" AS BIGINT) AS "value", 0 AS "#o" FROM "#sum"
UNION ALL
SELECT 'Recall' AS "segment", 'records' AS "item", CAST("#n0" AS BIGINT) AS "value", 1 AS "#o" FROM "#sum"
UNION ALL
SELECT 'Recall' AS "segment", 'where_matched' AS "item", CAST("#n1" AS BIGINT) AS "value", 2 AS "#o" FROM "#sum"
UNION ALL
SELECT 'Recall' AS "segment", 'exclude_removed.1' AS "item", CAST("#n2" AS BIGINT) AS "value", 3 AS "#o" FROM "#sum"
UNION ALL
SELECT 'Recall' AS "segment", 'members' AS "item", CAST("#n3" AS BIGINT) AS "value", 4 AS "#o" FROM "#sum"
UNION ALL
SELECT 'Recall' AS "segment", 'taken_by_campaign' AS "item", CAST("#n4" AS BIGINT) AS "value", 5 AS "#o" FROM "#sum"
UNION ALL
SELECT 'Recall' AS "segment", 'held_out' AS "item", CAST("#n5" AS BIGINT) AS "value", 6 AS "#o" FROM "#sum"
UNION ALL
SELECT 'Recall' AS "segment", 'sms#1.eligible' AS "item", CAST("#n6" AS BIGINT) AS "value", 7 AS "#o" FROM "#sum"
UNION ALL
SELECT 'Recall' AS "segment", 'sms#1.listed' AS "item", CAST("#n7" AS BIGINT) AS "value", 8 AS "#o" FROM "#sum"
UNION ALL
SELECT 'Recall' AS "segment", 'sms#1.lacked_consent' AS "item", CAST("#n8" AS BIGINT) AS "value", 9 AS "#o" FROM "#sum"
UNION ALL
SELECT 'Recall' AS "segment", 'sms#1.condition_false' AS "item", CAST("#n9" AS BIGINT) AS "value", 10 AS "#o" FROM "#sum"
UNION ALL
SELECT 'Recall' AS "segment", 'sms#1.capped' AS "item", CAST("#n10" AS BIGINT) AS "value", 11 AS "#o" FROM "#sum"
UNION ALL
SELECT 'Recall' AS "segment", 'email#2.eligible' AS "item", CAST("#n11" AS BIGINT) AS "value", 12 AS "#o" FROM "#sum"
UNION ALL
SELECT 'Recall' AS "segment", 'email#2.listed' AS "item", CAST("#n12" AS BIGINT) AS "value", 13 AS "#o" FROM "#sum"
UNION ALL
SELECT 'Recall' AS "segment", 'email#2.lacked_consent' AS "item", CAST("#n13" AS BIGINT) AS "value", 14 AS "#o" FROM "#sum"
UNION ALL
SELECT 'Recall' AS "segment", 'email#2.condition_false' AS "item", CAST("#n14" AS BIGINT) AS "value", 15 AS "#o" FROM "#sum"
UNION ALL
SELECT 'Recall' AS "segment", 'email#2.capped' AS "item", CAST("#n15" AS BIGINT) AS "value", 16 AS "#o" FROM "#sum"
UNION ALL
SELECT 'Wellness' AS "segment", 'records' AS "item", CAST("#n0" AS BIGINT) AS "value", 17 AS "#o" FROM "#sum"
UNION ALL
SELECT 'Wellness' AS "segment", 'where_matched' AS "item", CAST("#n16" AS BIGINT) AS "value", 18 AS "#o" FROM "#sum"
UNION ALL
SELECT 'Wellness' AS "segment", 'members' AS "item", CAST("#n17" AS BIGINT) AS "value", 19 AS "#o" FROM "#sum"
UNION ALL
SELECT 'Wellness' AS "segment", 'taken_by_campaign' AS "item", CAST("#n18" AS BIGINT) AS "value", 20 AS "#o" FROM "#sum"
UNION ALL
SELECT 'Wellness' AS "segment", 'held_out' AS "item", CAST("#n19" AS BIGINT) AS "value", 21 AS "#o" FROM "#sum"
UNION ALL
SELECT 'Wellness' AS "segment", 'sms#1.eligible' AS "item", CAST("#n20" AS BIGINT) AS "value", 22 AS "#o" FROM "#sum"
UNION ALL
SELECT 'Wellness' AS "segment", 'sms#1.listed' AS "item", CAST("#n21" AS BIGINT) AS "value", 23 AS "#o" FROM "#sum"
UNION ALL
SELECT 'Wellness' AS "segment", 'sms#1.lacked_consent' AS "item", CAST("#n22" AS BIGINT) AS "value", 24 AS "#o" FROM "#sum"
UNION ALL
SELECT 'Wellness' AS "segment", 'sms#1.condition_false' AS "item", CAST("#n23" AS BIGINT) AS "value", 25 AS "#o" FROM "#sum"
UNION ALL
SELECT 'Wellness' AS "segment", 'sms#1.capped' AS "item", CAST("#n24" AS BIGINT) AS "value", 26 AS "#o" FROM "#sum"
UNION ALL
SELECT 'Outreach' AS "segment", 'taken:Recall>Wellness' AS "item", CAST("#n25" AS BIGINT) AS "value", 27 AS "#o" FROM "#sum" WHERE "#n25" > 0
UNION ALL
SELECT '' AS "segment", 'events.rows' AS "item", CAST(0 + (SELECT COUNT(*) FROM "events") AS BIGINT) AS "value", 28 AS "#o"
UNION ALL
SELECT '' AS "segment", 'events.unmatched' AS "item", CAST(0 + (SELECT COUNT(*) FROM "events" AS e WHERE NOT EXISTS (SELECT 1 FROM "patients" AS p WHERE p."id" = e."patient_id")) AS BIGINT) AS "value", 29 AS "#o"
)
SELECT "segment", "item", "value"
FROM "#items"
ORDER BY "#o";
