-- Cohort: the counters of summary.json (spark dialect, today 2026-11-23)
-- source: examples/referrals.cohort
-- Spark: run with spark.sql.session.timeZone=UTC (timestamps are UTC)
WITH
`#base` AS (
  SELECT p.*, l0.items AS `#l17` FROM `providers` AS p
    LEFT JOIN (SELECT `provider_npi` AS k, collect_list(named_struct('f0', `received_at`, 'f1', `status`, 'f2', `service_line`, 'f3', `urgent`)) AS items FROM `referrals` GROUP BY `provider_npi`) AS l0 ON l0.k = p.`npi`
),
-- segment LapsedReferrers
`#a0` AS (
  SELECT r.*,
    COALESCE(((r.`referrals_prior_12m` >= 3L) AND ((r.`last_referral_date` IS NULL) OR (r.`last_referral_date` < DATE '2026-08-25')) AND (NULLIF(r.`practice_state`, '') IN ('MA', 'NH', 'RI'))), FALSE) AS `#w0`,
    COALESCE(r.`ok_to_email`, FALSE) AS `#c0_0`,
    COALESCE(r.`ok_to_email`, FALSE) AS `#k0_0`,
    COALESCE((r.`ok_to_call` AND (NULLIF(r.`liaison`, '') IS NOT NULL)), FALSE) AS `#c0_1`,
    COALESCE(r.`ok_to_call`, FALSE) AS `#k0_1`
  FROM `#base` AS r
),
`#b0` AS (
  SELECT r.*, (r.`#w0`) AS `#m0`
  FROM `#a0` AS r
),
-- segment LeakageRisk
`#a1` AS (
  SELECT r.*,
    COALESCE((r.`in_network` AND (COALESCE(r.`leakage_rate`, CAST('0' AS DOUBLE)) > CAST('0.3' AS DOUBLE)) AND ((r.`referral_count_12mo` >= 5L) OR (CAST(r.`referral_count_12mo` AS DOUBLE) < (CAST(r.`referrals_prior_12m` AS DOUBLE) / NULLIF(CAST('2' AS DOUBLE), 0))))), FALSE) AS `#w1`,
    COALESCE(r.`ok_to_call`, FALSE) AS `#c1_0`,
    COALESCE(r.`ok_to_call`, FALSE) AS `#k1_0`,
    COALESCE(r.`ok_to_email`, FALSE) AS `#c1_1`,
    COALESCE(r.`ok_to_email`, FALSE) AS `#k1_1`
  FROM `#b0` AS r
),
`#b1` AS (
  SELECT r.*, (r.`#w1`) AS `#m1`
  FROM `#a1` AS r
),
-- segment CardiologyLaunch
`#a2` AS (
  SELECT r.*,
    COALESCE(((NULLIF(r.`specialty`, '') IN ('family_medicine', 'internal_medicine')) AND COALESCE(exists(r.`#l17`, q1 -> COALESCE(((NULLIF(q1.f2, '') = 'cardiology') AND (q1.f0 >= TIMESTAMP '2025-11-23 00:00:00') AND (q1.f0 < TIMESTAMP '2026-11-24 00:00:00')), FALSE)), FALSE)), FALSE) AS `#w2`,
    COALESCE(r.`#m0`, FALSE) AS `#x2_0`,
    COALESCE(r.`ok_to_email`, FALSE) AS `#c2_0`,
    COALESCE(r.`ok_to_email`, FALSE) AS `#k2_0`,
    COALESCE(r.`ok_to_mail`, FALSE) AS `#c2_1`,
    COALESCE(r.`ok_to_mail`, FALSE) AS `#k2_1`
  FROM `#b1` AS r
),
`#b2` AS (
  SELECT r.*, (r.`#w2` AND NOT r.`#x2_0`) AS `#m2`
  FROM `#a2` AS r
),
-- segment UrgentBacklog
`#a3` AS (
  SELECT r.*,
    COALESCE(COALESCE(exists(r.`#l17`, q2 -> COALESCE(((q2.f3 = TRUE) AND (NULLIF(q2.f1, '') = 'received') AND (q2.f0 >= TIMESTAMP '2026-11-09 00:00:00') AND (q2.f0 < TIMESTAMP '2026-11-24 00:00:00')), FALSE)), FALSE), FALSE) AS `#w3`,
    COALESCE(r.`ok_to_call`, FALSE) AS `#c3_0`,
    COALESCE(r.`ok_to_call`, FALSE) AS `#k3_0`,
    COALESCE(r.`ok_to_fax`, FALSE) AS `#c3_1`,
    COALESCE(r.`ok_to_fax`, FALSE) AS `#k3_1`
  FROM `#b2` AS r
),
`#b3` AS (
  SELECT r.*, (r.`#w3`) AS `#m3`
  FROM `#a3` AS r
),
-- campaign priority: a member of an earlier segment of the campaign is taken
`#t` AS (
  SELECT r.*,
    (r.`#m0` AND FALSE) AS `#t0`,
    (r.`#m1` AND (r.`#m0`)) AS `#t1`,
    (r.`#m2` AND (r.`#m0` OR r.`#m1`)) AS `#t2`,
    (r.`#m3` AND FALSE) AS `#t3`
  FROM `#b3` AS r
),
-- holdout: MD5 bucket of key:segment (core/md5.h)
`#h` AS (
  SELECT r.*,
    (FALSE) AS `#h0`,
    (FALSE) AS `#h1`,
    (r.`#m2` AND NOT r.`#t2` AND (CAST(conv(substr(md5(concat(r.`npi`, ':CardiologyLaunch')), 1, 8), 16, 10) AS BIGINT) % 10000) < 1500) AS `#h2`,
    (FALSE) AS `#h3`
  FROM `#t` AS r
),
-- lists: members neither taken nor held out, consent TRUE, condition TRUE
`#d` AS (
  SELECT r.`npi` AS `#key`, NULLIF(r.`name`, '') AS `#e1`, NULLIF(r.`specialty`, '') AS `#e2`, NULLIF(r.`liaison`, '') AS `#e11`,
    r.`#w0`, r.`#m0`, r.`#t0`, r.`#h0`,
    r.`#k0_0`, r.`#c0_0`, (r.`#m0` AND NOT r.`#t0` AND NOT r.`#h0` AND r.`#k0_0` AND r.`#c0_0`) AS `#l0_0`,
    r.`#k0_1`, r.`#c0_1`, (r.`#m0` AND NOT r.`#t0` AND NOT r.`#h0` AND r.`#k0_1` AND r.`#c0_1`) AS `#l0_1`,
    r.`#w1`, r.`#m1`, r.`#t1`, r.`#h1`,
    r.`#k1_0`, r.`#c1_0`, (r.`#m1` AND NOT r.`#t1` AND NOT r.`#h1` AND r.`#k1_0` AND r.`#c1_0`) AS `#l1_0`,
    r.`#k1_1`, r.`#c1_1`, (r.`#m1` AND NOT r.`#t1` AND NOT r.`#h1` AND r.`#k1_1` AND r.`#c1_1`) AS `#l1_1`,
    r.`#w2`, r.`#x2_0`, r.`#m2`, r.`#t2`, r.`#h2`,
    r.`#k2_0`, r.`#c2_0`, (r.`#m2` AND NOT r.`#t2` AND NOT r.`#h2` AND r.`#k2_0` AND r.`#c2_0`) AS `#l2_0`,
    r.`#k2_1`, r.`#c2_1`, (r.`#m2` AND NOT r.`#t2` AND NOT r.`#h2` AND r.`#k2_1` AND r.`#c2_1`) AS `#l2_1`,
    r.`#w3`, r.`#m3`, r.`#t3`, r.`#h3`,
    r.`#k3_0`, r.`#c3_0`, (r.`#m3` AND NOT r.`#t3` AND NOT r.`#h3` AND r.`#k3_0` AND r.`#c3_0`) AS `#l3_0`,
    r.`#k3_1`, r.`#c3_1`, (r.`#m3` AND NOT r.`#t3` AND NOT r.`#h3` AND r.`#k3_1` AND r.`#c3_1`) AS `#l3_1`
  FROM `#h` AS r
),
`#sum` AS (
  SELECT COUNT(*) AS `#n0`,
    COALESCE(SUM(CASE WHEN r.`#w0` THEN 1 ELSE 0 END), 0) AS `#n1`,
    COALESCE(SUM(CASE WHEN r.`#m0` THEN 1 ELSE 0 END), 0) AS `#n2`,
    COALESCE(SUM(CASE WHEN r.`#t0` THEN 1 ELSE 0 END), 0) AS `#n3`,
    COALESCE(SUM(CASE WHEN r.`#h0` THEN 1 ELSE 0 END), 0) AS `#n4`,
    COALESCE(SUM(CASE WHEN r.`#m0` AND NOT r.`#t0` AND NOT r.`#h0` THEN 1 ELSE 0 END), 0) AS `#n5`,
    COALESCE(SUM(CASE WHEN r.`#l0_0` THEN 1 ELSE 0 END), 0) AS `#n6`,
    COALESCE(SUM(CASE WHEN r.`#m0` AND NOT r.`#t0` AND NOT r.`#h0` AND NOT r.`#k0_0` THEN 1 ELSE 0 END), 0) AS `#n7`,
    COALESCE(SUM(CASE WHEN r.`#m0` AND NOT r.`#t0` AND NOT r.`#h0` AND r.`#k0_0` AND NOT r.`#c0_0` THEN 1 ELSE 0 END), 0) AS `#n8`,
    0 AS `#n9`,
    COALESCE(SUM(CASE WHEN r.`#m0` AND NOT r.`#t0` AND NOT r.`#h0` THEN 1 ELSE 0 END), 0) AS `#n10`,
    COALESCE(SUM(CASE WHEN r.`#l0_1` THEN 1 ELSE 0 END), 0) AS `#n11`,
    COALESCE(SUM(CASE WHEN r.`#m0` AND NOT r.`#t0` AND NOT r.`#h0` AND NOT r.`#k0_1` THEN 1 ELSE 0 END), 0) AS `#n12`,
    COALESCE(SUM(CASE WHEN r.`#m0` AND NOT r.`#t0` AND NOT r.`#h0` AND r.`#k0_1` AND NOT r.`#c0_1` THEN 1 ELSE 0 END), 0) AS `#n13`,
    COALESCE(SUM(CASE WHEN r.`#w1` THEN 1 ELSE 0 END), 0) AS `#n14`,
    COALESCE(SUM(CASE WHEN r.`#m1` THEN 1 ELSE 0 END), 0) AS `#n15`,
    COALESCE(SUM(CASE WHEN r.`#t1` THEN 1 ELSE 0 END), 0) AS `#n16`,
    COALESCE(SUM(CASE WHEN r.`#h1` THEN 1 ELSE 0 END), 0) AS `#n17`,
    COALESCE(SUM(CASE WHEN r.`#m1` AND NOT r.`#t1` AND NOT r.`#h1` THEN 1 ELSE 0 END), 0) AS `#n18`,
    COALESCE(SUM(CASE WHEN r.`#l1_0` THEN 1 ELSE 0 END), 0) AS `#n19`,
    COALESCE(SUM(CASE WHEN r.`#m1` AND NOT r.`#t1` AND NOT r.`#h1` AND NOT r.`#k1_0` THEN 1 ELSE 0 END), 0) AS `#n20`,
    COALESCE(SUM(CASE WHEN r.`#m1` AND NOT r.`#t1` AND NOT r.`#h1` AND r.`#k1_0` AND NOT r.`#c1_0` THEN 1 ELSE 0 END), 0) AS `#n21`,
    COALESCE(SUM(CASE WHEN r.`#m1` AND NOT r.`#t1` AND NOT r.`#h1` THEN 1 ELSE 0 END), 0) AS `#n22`,
    COALESCE(SUM(CASE WHEN r.`#l1_1` THEN 1 ELSE 0 END), 0) AS `#n23`,
    COALESCE(SUM(CASE WHEN r.`#m1` AND NOT r.`#t1` AND NOT r.`#h1` AND NOT r.`#k1_1` THEN 1 ELSE 0 END), 0) AS `#n24`,
    COALESCE(SUM(CASE WHEN r.`#m1` AND NOT r.`#t1` AND NOT r.`#h1` AND r.`#k1_1` AND NOT r.`#c1_1` THEN 1 ELSE 0 END), 0) AS `#n25`,
    COALESCE(SUM(CASE WHEN r.`#w2` THEN 1 ELSE 0 END), 0) AS `#n26`,
    COALESCE(SUM(CASE WHEN r.`#w2` AND r.`#x2_0` THEN 1 ELSE 0 END), 0) AS `#n27`,
    COALESCE(SUM(CASE WHEN r.`#m2` THEN 1 ELSE 0 END), 0) AS `#n28`,
    COALESCE(SUM(CASE WHEN r.`#t2` THEN 1 ELSE 0 END), 0) AS `#n29`,
    COALESCE(SUM(CASE WHEN r.`#h2` THEN 1 ELSE 0 END), 0) AS `#n30`,
    COALESCE(SUM(CASE WHEN r.`#m2` AND NOT r.`#t2` AND NOT r.`#h2` THEN 1 ELSE 0 END), 0) AS `#n31`,
    COALESCE(SUM(CASE WHEN r.`#l2_0` THEN 1 ELSE 0 END), 0) AS `#n32`,
    COALESCE(SUM(CASE WHEN r.`#m2` AND NOT r.`#t2` AND NOT r.`#h2` AND NOT r.`#k2_0` THEN 1 ELSE 0 END), 0) AS `#n33`,
    COALESCE(SUM(CASE WHEN r.`#m2` AND NOT r.`#t2` AND NOT r.`#h2` AND r.`#k2_0` AND NOT r.`#c2_0` THEN 1 ELSE 0 END), 0) AS `#n34`,
    COALESCE(SUM(CASE WHEN r.`#m2` AND NOT r.`#t2` AND NOT r.`#h2` THEN 1 ELSE 0 END), 0) AS `#n35`,
    COALESCE(SUM(CASE WHEN r.`#l2_1` THEN 1 ELSE 0 END), 0) AS `#n36`,
    COALESCE(SUM(CASE WHEN r.`#m2` AND NOT r.`#t2` AND NOT r.`#h2` AND NOT r.`#k2_1` THEN 1 ELSE 0 END), 0) AS `#n37`,
    COALESCE(SUM(CASE WHEN r.`#m2` AND NOT r.`#t2` AND NOT r.`#h2` AND r.`#k2_1` AND NOT r.`#c2_1` THEN 1 ELSE 0 END), 0) AS `#n38`,
    COALESCE(SUM(CASE WHEN r.`#w3` THEN 1 ELSE 0 END), 0) AS `#n39`,
    COALESCE(SUM(CASE WHEN r.`#m3` THEN 1 ELSE 0 END), 0) AS `#n40`,
    COALESCE(SUM(CASE WHEN r.`#t3` THEN 1 ELSE 0 END), 0) AS `#n41`,
    COALESCE(SUM(CASE WHEN r.`#h3` THEN 1 ELSE 0 END), 0) AS `#n42`,
    COALESCE(SUM(CASE WHEN r.`#m3` AND NOT r.`#t3` AND NOT r.`#h3` THEN 1 ELSE 0 END), 0) AS `#n43`,
    COALESCE(SUM(CASE WHEN r.`#l3_0` THEN 1 ELSE 0 END), 0) AS `#n44`,
    COALESCE(SUM(CASE WHEN r.`#m3` AND NOT r.`#t3` AND NOT r.`#h3` AND NOT r.`#k3_0` THEN 1 ELSE 0 END), 0) AS `#n45`,
    COALESCE(SUM(CASE WHEN r.`#m3` AND NOT r.`#t3` AND NOT r.`#h3` AND r.`#k3_0` AND NOT r.`#c3_0` THEN 1 ELSE 0 END), 0) AS `#n46`,
    COALESCE(SUM(CASE WHEN r.`#m3` AND NOT r.`#t3` AND NOT r.`#h3` THEN 1 ELSE 0 END), 0) AS `#n47`,
    COALESCE(SUM(CASE WHEN r.`#l3_1` THEN 1 ELSE 0 END), 0) AS `#n48`,
    COALESCE(SUM(CASE WHEN r.`#m3` AND NOT r.`#t3` AND NOT r.`#h3` AND NOT r.`#k3_1` THEN 1 ELSE 0 END), 0) AS `#n49`,
    COALESCE(SUM(CASE WHEN r.`#m3` AND NOT r.`#t3` AND NOT r.`#h3` AND r.`#k3_1` AND NOT r.`#c3_1` THEN 1 ELSE 0 END), 0) AS `#n50`,
    COALESCE(SUM(CASE WHEN r.`#t1` AND r.`#m0` THEN 1 ELSE 0 END), 0) AS `#n51`,
    COALESCE(SUM(CASE WHEN r.`#t2` AND r.`#m0` THEN 1 ELSE 0 END), 0) AS `#n52`,
    COALESCE(SUM(CASE WHEN r.`#t2` AND r.`#m1` AND NOT r.`#m0` THEN 1 ELSE 0 END), 0) AS `#n53`
  FROM `#d` AS r
),
`#items` AS (
SELECT '' AS `segment`, 'records' AS `item`, CAST(`#n0` AS BIGINT) AS `value`, 0 AS `#o` FROM `#sum`
UNION ALL
SELECT 'LapsedReferrers' AS `segment`, 'records' AS `item`, CAST(`#n0` AS BIGINT) AS `value`, 1 AS `#o` FROM `#sum`
UNION ALL
SELECT 'LapsedReferrers' AS `segment`, 'where_matched' AS `item`, CAST(`#n1` AS BIGINT) AS `value`, 2 AS `#o` FROM `#sum`
UNION ALL
SELECT 'LapsedReferrers' AS `segment`, 'members' AS `item`, CAST(`#n2` AS BIGINT) AS `value`, 3 AS `#o` FROM `#sum`
UNION ALL
SELECT 'LapsedReferrers' AS `segment`, 'taken_by_campaign' AS `item`, CAST(`#n3` AS BIGINT) AS `value`, 4 AS `#o` FROM `#sum`
UNION ALL
SELECT 'LapsedReferrers' AS `segment`, 'held_out' AS `item`, CAST(`#n4` AS BIGINT) AS `value`, 5 AS `#o` FROM `#sum`
UNION ALL
SELECT 'LapsedReferrers' AS `segment`, 'email#1.eligible' AS `item`, CAST(`#n5` AS BIGINT) AS `value`, 6 AS `#o` FROM `#sum`
UNION ALL
SELECT 'LapsedReferrers' AS `segment`, 'email#1.listed' AS `item`, CAST(`#n6` AS BIGINT) AS `value`, 7 AS `#o` FROM `#sum`
UNION ALL
SELECT 'LapsedReferrers' AS `segment`, 'email#1.lacked_consent' AS `item`, CAST(`#n7` AS BIGINT) AS `value`, 8 AS `#o` FROM `#sum`
UNION ALL
SELECT 'LapsedReferrers' AS `segment`, 'email#1.condition_false' AS `item`, CAST(`#n8` AS BIGINT) AS `value`, 9 AS `#o` FROM `#sum`
UNION ALL
SELECT 'LapsedReferrers' AS `segment`, 'email#1.capped' AS `item`, CAST(`#n9` AS BIGINT) AS `value`, 10 AS `#o` FROM `#sum`
UNION ALL
SELECT 'LapsedReferrers' AS `segment`, 'phone#2.eligible' AS `item`, CAST(`#n10` AS BIGINT) AS `value`, 11 AS `#o` FROM `#sum`
UNION ALL
SELECT 'LapsedReferrers' AS `segment`, 'phone#2.listed' AS `item`, CAST(`#n11` AS BIGINT) AS `value`, 12 AS `#o` FROM `#sum`
UNION ALL
SELECT 'LapsedReferrers' AS `segment`, 'phone#2.lacked_consent' AS `item`, CAST(`#n12` AS BIGINT) AS `value`, 13 AS `#o` FROM `#sum`
UNION ALL
SELECT 'LapsedReferrers' AS `segment`, 'phone#2.condition_false' AS `item`, CAST(`#n13` AS BIGINT) AS `value`, 14 AS `#o` FROM `#sum`
UNION ALL
SELECT 'LapsedReferrers' AS `segment`, 'phone#2.capped' AS `item`, CAST(`#n9` AS BIGINT) AS `value`, 15 AS `#o` FROM `#sum`
UNION ALL
SELECT 'LeakageRisk' AS `segment`, 'records' AS `item`, CAST(`#n0` AS BIGINT) AS `value`, 16 AS `#o` FROM `#sum`
UNION ALL
SELECT 'LeakageRisk' AS `segment`, 'where_matched' AS `item`, CAST(`#n14` AS BIGINT) AS `value`, 17 AS `#o` FROM `#sum`
UNION ALL
SELECT 'LeakageRisk' AS `segment`, 'members' AS `item`, CAST(`#n15` AS BIGINT) AS `value`, 18 AS `#o` FROM `#sum`
UNION ALL
SELECT 'LeakageRisk' AS `segment`, 'taken_by_campaign' AS `item`, CAST(`#n16` AS BIGINT) AS `value`, 19 AS `#o` FROM `#sum`
UNION ALL
SELECT 'LeakageRisk' AS `segment`, 'held_out' AS `item`, CAST(`#n17` AS BIGINT) AS `value`, 20 AS `#o` FROM `#sum`
UNION ALL
SELECT 'LeakageRisk' AS `segment`, 'phone#1.eligible' AS `item`, CAST(`#n18` AS BIGINT) AS `value`, 21 AS `#o` FROM `#sum`
UNION ALL
SELECT 'LeakageRisk' AS `segment`, 'phone#1.listed' AS `item`, CAST(`#n19` AS BIGINT) AS `value`, 22 AS `#o` FROM `#sum`
UNION ALL
SELECT 'LeakageRisk' AS `segment`, 'phone#1.lacked_consent' AS `item`, CAST(`#n20` AS BIGINT) AS `value`, 23 AS `#o` FROM `#sum`
UNION ALL
SELECT 'LeakageRisk' AS `segment`, 'phone#1.condition_false' AS `item`, CAST(`#n21` AS BIGINT) AS `value`, 24 AS `#o` FROM `#sum`
UNION ALL
SELECT 'LeakageRisk' AS `segment`, 'phone#1.capped' AS `item`, CAST(`#n9` AS BIGINT) AS `value`, 25 AS `#o` FROM `#sum`
UNION ALL
SELECT 'LeakageRisk' AS `segment`, 'email#2.eligible' AS `item`, CAST(`#n22` AS BIGINT) AS `value`, 26 AS `#o` FROM `#sum`
UNION ALL
SELECT 'LeakageRisk' AS `segment`, 'email#2.listed' AS `item`, CAST(`#n23` AS BIGINT) AS `value`, 27 AS `#o` FROM `#sum`
UNION ALL
SELECT 'LeakageRisk' AS `segment`, 'email#2.lacked_consent' AS `item`, CAST(`#n24` AS BIGINT) AS `value`, 28 AS `#o` FROM `#sum`
UNION ALL
SELECT 'LeakageRisk' AS `segment`, 'email#2.condition_false' AS `item`, CAST(`#n25` AS BIGINT) AS `value`, 29 AS `#o` FROM `#sum`
UNION ALL
SELECT 'LeakageRisk' AS `segment`, 'email#2.capped' AS `item`, CAST(`#n9` AS BIGINT) AS `value`, 30 AS `#o` FROM `#sum`
UNION ALL
SELECT 'CardiologyLaunch' AS `segment`, 'records' AS `item`, CAST(`#n0` AS BIGINT) AS `value`, 31 AS `#o` FROM `#sum`
UNION ALL
SELECT 'CardiologyLaunch' AS `segment`, 'where_matched' AS `item`, CAST(`#n26` AS BIGINT) AS `value`, 32 AS `#o` FROM `#sum`
UNION ALL
SELECT 'CardiologyLaunch' AS `segment`, 'exclude_removed.1' AS `item`, CAST(`#n27` AS BIGINT) AS `value`, 33 AS `#o` FROM `#sum`
UNION ALL
SELECT 'CardiologyLaunch' AS `segment`, 'members' AS `item`, CAST(`#n28` AS BIGINT) AS `value`, 34 AS `#o` FROM `#sum`
UNION ALL
SELECT 'CardiologyLaunch' AS `segment`, 'taken_by_campaign' AS `item`, CAST(`#n29` AS BIGINT) AS `value`, 35 AS `#o` FROM `#sum`
UNION ALL
SELECT 'CardiologyLaunch' AS `segment`, 'held_out' AS `item`, CAST(`#n30` AS BIGINT) AS `value`, 36 AS `#o` FROM `#sum`
UNION ALL
SELECT 'CardiologyLaunch' AS `segment`, 'email#1.eligible' AS `item`, CAST(`#n31` AS BIGINT) AS `value`, 37 AS `#o` FROM `#sum`
UNION ALL
SELECT 'CardiologyLaunch' AS `segment`, 'email#1.listed' AS `item`, CAST(`#n32` AS BIGINT) AS `value`, 38 AS `#o` FROM `#sum`
UNION ALL
SELECT 'CardiologyLaunch' AS `segment`, 'email#1.lacked_consent' AS `item`, CAST(`#n33` AS BIGINT) AS `value`, 39 AS `#o` FROM `#sum`
UNION ALL
SELECT 'CardiologyLaunch' AS `segment`, 'email#1.condition_false' AS `item`, CAST(`#n34` AS BIGINT) AS `value`, 40 AS `#o` FROM `#sum`
UNION ALL
SELECT 'CardiologyLaunch' AS `segment`, 'email#1.capped' AS `item`, CAST(`#n9` AS BIGINT) AS `value`, 41 AS `#o` FROM `#sum`
UNION ALL
SELECT 'CardiologyLaunch' AS `segment`, 'mail#2.eligible' AS `item`, CAST(`#n35` AS BIGINT) AS `value`, 42 AS `#o` FROM `#sum`
UNION ALL
SELECT 'CardiologyLaunch' AS `segment`, 'mail#2.listed' AS `item`, CAST(`#n36` AS BIGINT) AS `value`, 43 AS `#o` FROM `#sum`
UNION ALL
SELECT 'CardiologyLaunch' AS `segment`, 'mail#2.lacked_consent' AS `item`, CAST(`#n37` AS BIGINT) AS `value`, 44 AS `#o` FROM `#sum`
UNION ALL
SELECT 'CardiologyLaunch' AS `segment`, 'mail#2.condition_false' AS `item`, CAST(`#n38` AS BIGINT) AS `value`, 45 AS `#o` FROM `#sum`
UNION ALL
SELECT 'CardiologyLaunch' AS `segment`, 'mail#2.capped' AS `item`, CAST(`#n9` AS BIGINT) AS `value`, 46 AS `#o` FROM `#sum`
UNION ALL
SELECT 'UrgentBacklog' AS `segment`, 'records' AS `item`, CAST(`#n0` AS BIGINT) AS `value`, 47 AS `#o` FROM `#sum`
UNION ALL
SELECT 'UrgentBacklog' AS `segment`, 'where_matched' AS `item`, CAST(`#n39` AS BIGINT) AS `value`, 48 AS `#o` FROM `#sum`
UNION ALL
SELECT 'UrgentBacklog' AS `segment`, 'members' AS `item`, CAST(`#n40` AS BIGINT) AS `value`, 49 AS `#o` FROM `#sum`
UNION ALL
SELECT 'UrgentBacklog' AS `segment`, 'taken_by_campaign' AS `item`, CAST(`#n41` AS BIGINT) AS `value`, 50 AS `#o` FROM `#sum`
UNION ALL
SELECT 'UrgentBacklog' AS `segment`, 'held_out' AS `item`, CAST(`#n42` AS BIGINT) AS `value`, 51 AS `#o` FROM `#sum`
UNION ALL
SELECT 'UrgentBacklog' AS `segment`, 'phone#1.eligible' AS `item`, CAST(`#n43` AS BIGINT) AS `value`, 52 AS `#o` FROM `#sum`
UNION ALL
SELECT 'UrgentBacklog' AS `segment`, 'phone#1.listed' AS `item`, CAST(`#n44` AS BIGINT) AS `value`, 53 AS `#o` FROM `#sum`
UNION ALL
SELECT 'UrgentBacklog' AS `segment`, 'phone#1.lacked_consent' AS `item`, CAST(`#n45` AS BIGINT) AS `value`, 54 AS `#o` FROM `#sum`
UNION ALL
SELECT 'UrgentBacklog' AS `segment`, 'phone#1.condition_false' AS `item`, CAST(`#n46` AS BIGINT) AS `value`, 55 AS `#o` FROM `#sum`
UNION ALL
SELECT 'UrgentBacklog' AS `segment`, 'phone#1.capped' AS `item`, CAST(`#n9` AS BIGINT) AS `value`, 56 AS `#o` FROM `#sum`
UNION ALL
SELECT 'UrgentBacklog' AS `segment`, 'fax#2.eligible' AS `item`, CAST(`#n47` AS BIGINT) AS `value`, 57 AS `#o` FROM `#sum`
UNION ALL
SELECT 'UrgentBacklog' AS `segment`, 'fax#2.listed' AS `item`, CAST(`#n48` AS BIGINT) AS `value`, 58 AS `#o` FROM `#sum`
UNION ALL
SELECT 'UrgentBacklog' AS `segment`, 'fax#2.lacked_consent' AS `item`, CAST(`#n49` AS BIGINT) AS `value`, 59 AS `#o` FROM `#sum`
UNION ALL
SELECT 'UrgentBacklog' AS `segment`, 'fax#2.condition_false' AS `item`, CAST(`#n50` AS BIGINT) AS `value`, 60 AS `#o` FROM `#sum`
UNION ALL
SELECT 'UrgentBacklog' AS `segment`, 'fax#2.capped' AS `item`, CAST(`#n9` AS BIGINT) AS `value`, 61 AS `#o` FROM `#sum`
UNION ALL
SELECT 'ReferralGrowth' AS `segment`, 'taken:LapsedReferrers>LeakageRisk' AS `item`, CAST(`#n51` AS BIGINT) AS `value`, 62 AS `#o` FROM `#sum` WHERE `#n51` > 0
UNION ALL
SELECT 'ReferralGrowth' AS `segment`, 'taken:LapsedReferrers>CardiologyLaunch' AS `item`, CAST(`#n52` AS BIGINT) AS `value`, 63 AS `#o` FROM `#sum` WHERE `#n52` > 0
UNION ALL
SELECT 'ReferralGrowth' AS `segment`, 'taken:LeakageRisk>CardiologyLaunch' AS `item`, CAST(`#n53` AS BIGINT) AS `value`, 64 AS `#o` FROM `#sum` WHERE `#n53` > 0
UNION ALL
SELECT '' AS `segment`, 'events.rows' AS `item`, CAST(0 + (SELECT COUNT(*) FROM `referrals`) AS BIGINT) AS `value`, 65 AS `#o`
UNION ALL
SELECT '' AS `segment`, 'events.unmatched' AS `item`, CAST(0 + (SELECT COUNT(*) FROM `referrals` AS e WHERE NOT EXISTS (SELECT 1 FROM `providers` AS p WHERE p.`npi` = e.`provider_npi`)) AS BIGINT) AS `value`, 66 AS `#o`
)
SELECT `segment`, `item`, `value`
FROM `#items`
ORDER BY `#o`;
