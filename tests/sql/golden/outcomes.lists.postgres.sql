-- Cohort: the rows of every list (postgres dialect, today 2026-11-23)
-- source: tests/sql/outcomes.cohort
WITH
"#base" AS (
  SELECT "id", "telehealth_visits", "consent.sms", "consent.email" FROM "patients"
),
-- segment Onboarding
"#a0" AS MATERIALIZED (
  SELECT r.*,
    COALESCE((r."telehealth_visits" = 0), FALSE) AS "#w0",
    COALESCE(r."consent.sms", FALSE) AS "#c0_0",
    COALESCE(r."consent.sms", FALSE) AS "#k0_0",
    COALESCE(r."consent.email", FALSE) AS "#c0_1",
    COALESCE(r."consent.email", FALSE) AS "#k0_1"
  FROM "#base" AS r
),
"#b0" AS (
  SELECT r.*, (r."#w0") AS "#m0"
  FROM "#a0" AS r
),
-- segment Returning
"#a1" AS MATERIALIZED (
  SELECT r.*,
    COALESCE((r."telehealth_visits" > 0), FALSE) AS "#w1",
    COALESCE(r."consent.email", FALSE) AS "#c1_0",
    COALESCE(r."consent.email", FALSE) AS "#k1_0"
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
    (r."#m1" AND FALSE) AS "#t1"
  FROM "#b1" AS r
),
-- holdout: MD5 bucket of key:segment (core/md5.h)
"#h" AS (
  SELECT r.*,
    (r."#m0" AND NOT r."#t0" AND (CAST(CAST('x' || substr(md5(r."id" || ':Onboarding'), 1, 8) AS BIT(32)) AS BIGINT) % 10000) < 1000) AS "#h0",
    (r."#m1" AND NOT r."#t1" AND (CAST(CAST('x' || substr(md5(r."id" || ':Returning'), 1, 8) AS BIT(32)) AS BIGINT) % 10000) < 2000) AS "#h1"
  FROM "#t" AS r
),
-- lists: members neither taken nor held out, consent TRUE, condition TRUE
"#d" AS (
  SELECT r."id" AS "#key",
    r."#w0", r."#m0", r."#t0", r."#h0",
    r."#k0_0", r."#c0_0", (r."#m0" AND NOT r."#t0" AND NOT r."#h0" AND r."#k0_0" AND r."#c0_0") AS "#l0_0",
    r."#k0_1", r."#c0_1", (r."#m0" AND NOT r."#t0" AND NOT r."#h0" AND r."#k0_1" AND r."#c0_1") AS "#l0_1",
    r."#w1", r."#m1", r."#t1", r."#h1",
    r."#k1_0", r."#c1_0", (r."#m1" AND NOT r."#t1" AND NOT r."#h1" AND r."#k1_0" AND r."#c1_0") AS "#l1_0"
  FROM "#h" AS r
),
"#rows" AS (
  SELECT 'Onboarding' AS "segment", 'sms' AS "list", r."#key" AS "key", '2026-11-23' AS "send_on", CASE WHEN (CAST(CAST('x' || substr(md5(r."#key" || ':Onboarding:variant'), 1, 8) AS BIT(32)) AS BIGINT) % 10000) < 5000 THEN 'onboard-a' WHEN (CAST(CAST('x' || substr(md5(r."#key" || ':Onboarding:variant'), 1, 8) AS BIT(32)) AS BIGINT) % 10000) < 8000 THEN 'onboard-b' ELSE 'onboard' END AS "message", CASE WHEN (CAST(CAST('x' || substr(md5(r."#key" || ':Onboarding:variant'), 1, 8) AS BIT(32)) AS BIGINT) % 10000) < 5000 THEN 'book_video_visit' WHEN (CAST(CAST('x' || substr(md5(r."#key" || ':Onboarding:variant'), 1, 8) AS BIT(32)) AS BIGINT) % 10000) < 8000 THEN 'call_us' ELSE 'book_video_visit' END AS "cta", CASE WHEN (CAST(CAST('x' || substr(md5(r."#key" || ':Onboarding:variant'), 1, 8) AS BIT(32)) AS BIGINT) % 10000) < 5000 THEN 'A' WHEN (CAST(CAST('x' || substr(md5(r."#key" || ':Onboarding:variant'), 1, 8) AS BIT(32)) AS BIGINT) % 10000) < 8000 THEN 'B' ELSE 'C' END AS "variant", 0 AS "#s", 0 AS "#o" FROM "#d" AS r WHERE r."#l0_0"
  UNION ALL
  SELECT 'Onboarding' AS "segment", 'email' AS "list", r."#key" AS "key", '2026-11-25' AS "send_on", CASE WHEN (CAST(CAST('x' || substr(md5(r."#key" || ':Onboarding:variant'), 1, 8) AS BIT(32)) AS BIGINT) % 10000) < 5000 THEN 'onboard-a' WHEN (CAST(CAST('x' || substr(md5(r."#key" || ':Onboarding:variant'), 1, 8) AS BIT(32)) AS BIGINT) % 10000) < 8000 THEN 'onboard-b' ELSE 'onboard' END AS "message", CASE WHEN (CAST(CAST('x' || substr(md5(r."#key" || ':Onboarding:variant'), 1, 8) AS BIT(32)) AS BIGINT) % 10000) < 5000 THEN 'book_video_visit' WHEN (CAST(CAST('x' || substr(md5(r."#key" || ':Onboarding:variant'), 1, 8) AS BIT(32)) AS BIGINT) % 10000) < 8000 THEN 'call_us' ELSE 'book_video_visit' END AS "cta", CASE WHEN (CAST(CAST('x' || substr(md5(r."#key" || ':Onboarding:variant'), 1, 8) AS BIT(32)) AS BIGINT) % 10000) < 5000 THEN 'A' WHEN (CAST(CAST('x' || substr(md5(r."#key" || ':Onboarding:variant'), 1, 8) AS BIT(32)) AS BIGINT) % 10000) < 8000 THEN 'B' ELSE 'C' END AS "variant", 0 AS "#s", 1 AS "#o" FROM "#d" AS r WHERE r."#l0_1"
  UNION ALL
  SELECT 'Onboarding' AS "segment", 'holdout' AS "list", r."#key" AS "key", CAST(NULL AS TEXT) AS "send_on", CAST(NULL AS TEXT) AS "message", CAST(NULL AS TEXT) AS "cta", CAST(NULL AS TEXT) AS "variant", 0 AS "#s", 2 AS "#o" FROM "#d" AS r WHERE r."#h0"
  UNION ALL
  SELECT 'Returning' AS "segment", 'email' AS "list", r."#key" AS "key", '2026-11-23' AS "send_on", 'welcome-back' AS "message", 'book' AS "cta", CAST(NULL AS TEXT) AS "variant", 1 AS "#s", 0 AS "#o" FROM "#d" AS r WHERE r."#l1_0"
  UNION ALL
  SELECT 'Returning' AS "segment", 'holdout' AS "list", r."#key" AS "key", CAST(NULL AS TEXT) AS "send_on", CAST(NULL AS TEXT) AS "message", CAST(NULL AS TEXT) AS "cta", CAST(NULL AS TEXT) AS "variant", 1 AS "#s", 1 AS "#o" FROM "#d" AS r WHERE r."#h1"
)
SELECT "segment", "list", "key", "send_on", "message", "cta", "variant"
FROM "#rows"
ORDER BY "#s", "#o", "key" COLLATE "C";
