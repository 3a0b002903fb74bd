-- Cohort: the rows of every list (postgres dialect, today 2026-11-23)
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
"#rows" AS (
  SELECT 'Recall' AS "segment", 'sms' AS "list", r."#key" AS "key", '2026-11-23' AS "send_on", 'recall' AS "message", 'book' AS "cta", 0 AS "#s", 0 AS "#o" FROM "#d" AS r WHERE r."#l0_0"
  UNION ALL
  SELECT 'Recall' AS "segment", 'email' AS "list", r."#key" AS "key", '2026-11-26' AS "send_on", 'recall' AS "message", 'book' AS "cta", 0 AS "#s", 1 AS "#o" FROM "#d" AS r WHERE r."#l0_1"
  UNION ALL
  SELECT 'Recall' AS "segment", 'holdout' AS "list", r."#key" AS "key", CAST(NULL AS TEXT) AS "send_on", CAST(NULL AS TEXT) AS "message", CAST(NULL AS TEXT) AS "cta", 0 AS "#s", 2 AS "#o" FROM "#d" AS r WHERE r."#h0"
  UNION ALL
  SELECT 'Wellness' AS "segment", 'sms' AS "list", r."#key" AS "key", '2026-11-23' AS "send_on", 'wellness' AS "message", 'book' AS "cta", 1 AS "#s", 0 AS "#o" FROM "#d" AS r WHERE r."#l1_0"
  UNION ALL
  SELECT 'Wellness' AS "segment", 'holdout' AS "list", r."#key" AS "key", CAST(NULL AS TEXT) AS "send_on", CAST(NULL AS TEXT) AS "message", CAST(NULL AS TEXT) AS "cta", 1 AS "#s", 1 AS "#o" FROM "#d" AS r WHERE r."#h1"
)
SELECT "segment", "list", "key", "send_on", "message", "cta"
FROM "#rows"
ORDER BY "#s", "#o", "key" COLLATE "C";
