-- Cohort: the rows of every list (duckdb dialect, today 2026-11-23)
-- source: examples/referrals.cohort
WITH
"#base" AS (
  SELECT "npi", "name", "specialty", "practice_state", "in_network", "last_referral_date", "referral_count_12mo", "referrals_prior_12m", "leakage_rate", "liaison", "ok_to_email", "ok_to_call", "ok_to_mail", "ok_to_fax" FROM "providers"
),
-- segment LapsedReferrers
"#a0" AS (
  SELECT r.*,
    COALESCE(((r."referrals_prior_12m" >= 3) AND ((r."last_referral_date" IS NULL) OR (r."last_referral_date" < DATE '2026-08-25')) AND (NULLIF(r."practice_state", '') IN ('MA', 'NH', 'RI'))), FALSE) AS "#w0",
    COALESCE(r."ok_to_email", FALSE) AS "#c0_0",
    COALESCE(r."ok_to_email", FALSE) AS "#k0_0",
    COALESCE((r."ok_to_call" AND (NULLIF(r."liaison", '') IS NOT NULL)), FALSE) AS "#c0_1",
    COALESCE(r."ok_to_call", FALSE) AS "#k0_1"
  FROM "#base" AS r
),
"#b0" AS (
  SELECT r.*, (r."#w0") AS "#m0"
  FROM "#a0" AS r
),
-- segment LeakageRisk
"#a1" AS (
  SELECT r.*,
    COALESCE((r."in_network" AND (COALESCE(r."leakage_rate", CAST('0' AS DOUBLE)) > CAST('0.3' AS DOUBLE)) AND ((r."referral_count_12mo" >= 5) OR (CAST(r."referral_count_12mo" AS DOUBLE) < (CAST(r."referrals_prior_12m" AS DOUBLE) / NULLIF(CAST('2' AS DOUBLE), 0))))), FALSE) AS "#w1",
    COALESCE(r."ok_to_call", FALSE) AS "#c1_0",
    COALESCE(r."ok_to_call", FALSE) AS "#k1_0",
    COALESCE(r."ok_to_email", FALSE) AS "#c1_1",
    COALESCE(r."ok_to_email", FALSE) AS "#k1_1"
  FROM "#b0" AS r
),
"#b1" AS (
  SELECT r.*, (r."#w1") AS "#m1"
  FROM "#a1" AS r
),
-- segment CardiologyLaunch
"#a2" AS (
  SELECT r.*,
    COALESCE(((NULLIF(r."specialty", '') IN ('family_medicine', 'internal_medicine')) AND EXISTS (SELECT 1 FROM "referrals" AS q1 WHERE q1."provider_npi" = r."npi" AND COALESCE(((NULLIF(q1."service_line", '') = 'cardiology') AND (q1."received_at" >= TIMESTAMP '2025-11-23 00:00:00') AND (q1."received_at" < TIMESTAMP '2026-11-24 00:00:00')), FALSE))), FALSE) AS "#w2",
    COALESCE(r."#m0", FALSE) AS "#x2_0",
    COALESCE(r."ok_to_email", FALSE) AS "#c2_0",
    COALESCE(r."ok_to_email", FALSE) AS "#k2_0",
    COALESCE(r."ok_to_mail", FALSE) AS "#c2_1",
    COALESCE(r."ok_to_mail", FALSE) AS "#k2_1"
  FROM "#b1" AS r
),
"#b2" AS (
  SELECT r.*, (r."#w2" AND NOT r."#x2_0") AS "#m2"
  FROM "#a2" AS r
),
-- segment UrgentBacklog
"#a3" AS (
  SELECT r.*,
    COALESCE(EXISTS (SELECT 1 FROM "referrals" AS q2 WHERE q2."provider_npi" = r."npi" AND COALESCE(((q2."urgent" = TRUE) AND (NULLIF(q2."status", '') = 'received') AND (q2."received_at" >= TIMESTAMP '2026-11-09 00:00:00') AND (q2."received_at" < TIMESTAMP '2026-11-24 00:00:00')), FALSE)), FALSE) AS "#w3",
    COALESCE(r."ok_to_call", FALSE) AS "#c3_0",
    COALESCE(r."ok_to_call", FALSE) AS "#k3_0",
    COALESCE(r."ok_to_fax", FALSE) AS "#c3_1",
    COALESCE(r."ok_to_fax", FALSE) AS "#k3_1"
  FROM "#b2" AS r
),
"#b3" AS (
  SELECT r.*, (r."#w3") AS "#m3"
  FROM "#a3" AS r
),
-- campaign priority: a member of an earlier segment of the campaign is taken
"#t" AS (
  SELECT r.*,
    (r."#m0" AND FALSE) AS "#t0",
    (r."#m1" AND (r."#m0")) AS "#t1",
    (r."#m2" AND (r."#m0" OR r."#m1")) AS "#t2",
    (r."#m3" AND FALSE) AS "#t3"
  FROM "#b3" AS r
),
-- holdout: MD5 bucket of key:segment (core/md5.h)
"#h" AS (
  SELECT r.*,
    (FALSE) AS "#h0",
    (FALSE) AS "#h1",
    (r."#m2" AND NOT r."#t2" AND (CAST('0x' || substr(md5(r."npi" || ':CardiologyLaunch'), 1, 8) AS BIGINT) % 10000) < 1500) AS "#h2",
    (FALSE) AS "#h3"
  FROM "#t" AS r
),
-- lists: members neither taken nor held out, consent TRUE, condition TRUE
"#d" AS (
  SELECT r."npi" AS "#key", NULLIF(r."name", '') AS "#e1", NULLIF(r."specialty", '') AS "#e2", NULLIF(r."liaison", '') AS "#e11",
    r."#w0", r."#m0", r."#t0", r."#h0",
    r."#k0_0", r."#c0_0", (r."#m0" AND NOT r."#t0" AND NOT r."#h0" AND r."#k0_0" AND r."#c0_0") AS "#l0_0",
    r."#k0_1", r."#c0_1", (r."#m0" AND NOT r."#t0" AND NOT r."#h0" AND r."#k0_1" AND r."#c0_1") AS "#l0_1",
    r."#w1", r."#m1", r."#t1", r."#h1",
    r."#k1_0", r."#c1_0", (r."#m1" AND NOT r."#t1" AND NOT r."#h1" AND r."#k1_0" AND r."#c1_0") AS "#l1_0",
    r."#k1_1", r."#c1_1", (r."#m1" AND NOT r."#t1" AND NOT r."#h1" AND r."#k1_1" AND r."#c1_1") AS "#l1_1",
    r."#w2", r."#x2_0", r."#m2", r."#t2", r."#h2",
    r."#k2_0", r."#c2_0", (r."#m2" AND NOT r."#t2" AND NOT r."#h2" AND r."#k2_0" AND r."#c2_0") AS "#l2_0",
    r."#k2_1", r."#c2_1", (r."#m2" AND NOT r."#t2" AND NOT r."#h2" AND r."#k2_1" AND r."#c2_1") AS "#l2_1",
    r."#w3", r."#m3", r."#t3", r."#h3",
    r."#k3_0", r."#c3_0", (r."#m3" AND NOT r."#t3" AND NOT r."#h3" AND r."#k3_0" AND r."#c3_0") AS "#l3_0",
    r."#k3_1", r."#c3_1", (r."#m3" AND NOT r."#t3" AND NOT r."#h3" AND r."#k3_1" AND r."#c3_1") AS "#l3_1"
  FROM "#h" AS r
),
"#rows" AS (
  SELECT 'LapsedReferrers' AS "segment", 'email' AS "list", r."#key" AS "key", '2026-11-23' AS "send_on", 'we-miss-your-referrals' AS "message", 'schedule_liaison_visit' AS "cta", r."#e1" AS "name", CAST(NULL AS TEXT) AS "specialty", r."#e11" AS "liaison", 0 AS "#s", 0 AS "#o" FROM "#d" AS r WHERE r."#l0_0"
  UNION ALL
  SELECT 'LapsedReferrers' AS "segment", 'phone' AS "list", r."#key" AS "key", '2026-11-30' AS "send_on", 'we-miss-your-referrals' AS "message", 'schedule_liaison_visit' AS "cta", r."#e1" AS "name", CAST(NULL AS TEXT) AS "specialty", r."#e11" AS "liaison", 0 AS "#s", 1 AS "#o" FROM "#d" AS r WHERE r."#l0_1"
  UNION ALL
  SELECT 'LapsedReferrers' AS "segment", 'holdout' AS "list", r."#key" AS "key", CAST(NULL AS TEXT) AS "send_on", CAST(NULL AS TEXT) AS "message", CAST(NULL AS TEXT) AS "cta", CAST(NULL AS TEXT) AS "name", CAST(NULL AS TEXT) AS "specialty", CAST(NULL AS TEXT) AS "liaison", 0 AS "#s", 2 AS "#o" FROM "#d" AS r WHERE r."#h0"
  UNION ALL
  SELECT 'LeakageRisk' AS "segment", 'phone' AS "list", r."#key" AS "key", '2026-11-23' AS "send_on", 'network-update' AS "message", 'review_network_directory' AS "cta", r."#e1" AS "name", r."#e2" AS "specialty", r."#e11" AS "liaison", 1 AS "#s", 0 AS "#o" FROM "#d" AS r WHERE r."#l1_0"
  UNION ALL
  SELECT 'LeakageRisk' AS "segment", 'email' AS "list", r."#key" AS "key", '2026-11-26' AS "send_on", 'network-update' AS "message", 'review_network_directory' AS "cta", r."#e1" AS "name", r."#e2" AS "specialty", r."#e11" AS "liaison", 1 AS "#s", 1 AS "#o" FROM "#d" AS r WHERE r."#l1_1"
  UNION ALL
  SELECT 'LeakageRisk' AS "segment", 'holdout' AS "list", r."#key" AS "key", CAST(NULL AS TEXT) AS "send_on", CAST(NULL AS TEXT) AS "message", CAST(NULL AS TEXT) AS "cta", CAST(NULL AS TEXT) AS "name", CAST(NULL AS TEXT) AS "specialty", CAST(NULL AS TEXT) AS "liaison", 1 AS "#s", 2 AS "#o" FROM "#d" AS r WHERE r."#h1"
  UNION ALL
  SELECT 'CardiologyLaunch' AS "segment", 'email' AS "list", r."#key" AS "key", '2026-11-23' AS "send_on", 'cardiology-clinic-launch' AS "message", 'refer_to_cardiology' AS "cta", CAST(NULL AS TEXT) AS "name", CAST(NULL AS TEXT) AS "specialty", CAST(NULL AS TEXT) AS "liaison", 2 AS "#s", 0 AS "#o" FROM "#d" AS r WHERE r."#l2_0"
  UNION ALL
  SELECT 'CardiologyLaunch' AS "segment", 'mail' AS "list", r."#key" AS "key", '2026-12-07' AS "send_on", 'cardiology-clinic-launch' AS "message", 'refer_to_cardiology' AS "cta", CAST(NULL AS TEXT) AS "name", CAST(NULL AS TEXT) AS "specialty", CAST(NULL AS TEXT) AS "liaison", 2 AS "#s", 1 AS "#o" FROM "#d" AS r WHERE r."#l2_1"
  UNION ALL
  SELECT 'CardiologyLaunch' AS "segment", 'holdout' AS "list", r."#key" AS "key", CAST(NULL AS TEXT) AS "send_on", CAST(NULL AS TEXT) AS "message", CAST(NULL AS TEXT) AS "cta", CAST(NULL AS TEXT) AS "name", CAST(NULL AS TEXT) AS "specialty", CAST(NULL AS TEXT) AS "liaison", 2 AS "#s", 2 AS "#o" FROM "#d" AS r WHERE r."#h2"
  UNION ALL
  SELECT 'UrgentBacklog' AS "segment", 'phone' AS "list", r."#key" AS "key", '2026-11-23' AS "send_on", 'urgent-referral-status' AS "message", 'call_scheduling' AS "cta", CAST(NULL AS TEXT) AS "name", CAST(NULL AS TEXT) AS "specialty", CAST(NULL AS TEXT) AS "liaison", 3 AS "#s", 0 AS "#o" FROM "#d" AS r WHERE r."#l3_0"
  UNION ALL
  SELECT 'UrgentBacklog' AS "segment", 'fax' AS "list", r."#key" AS "key", '2026-11-24' AS "send_on", 'urgent-referral-status' AS "message", 'call_scheduling' AS "cta", CAST(NULL AS TEXT) AS "name", CAST(NULL AS TEXT) AS "specialty", CAST(NULL AS TEXT) AS "liaison", 3 AS "#s", 1 AS "#o" FROM "#d" AS r WHERE r."#l3_1"
  UNION ALL
  SELECT 'UrgentBacklog' AS "segment", 'holdout' AS "list", r."#key" AS "key", CAST(NULL AS TEXT) AS "send_on", CAST(NULL AS TEXT) AS "message", CAST(NULL AS TEXT) AS "cta", CAST(NULL AS TEXT) AS "name", CAST(NULL AS TEXT) AS "specialty", CAST(NULL AS TEXT) AS "liaison", 3 AS "#s", 2 AS "#o" FROM "#d" AS r WHERE r."#h3"
)
SELECT "segment", "list", "key", "send_on", "message", "cta", "name", "specialty", "liaison"
FROM "#rows"
ORDER BY "#s", "#o", "key";
