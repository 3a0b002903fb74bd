-- Cohort: the counters of summary.json (spark dialect, today 2026-11-23)
-- source: examples/telehealth.cohort
-- Spark: run with spark.sql.session.timeZone=UTC (timestamps are UTC)
WITH
`#base` AS (
  SELECT p.*, l0.items AS `#l26` FROM `patients` AS p
    LEFT JOIN (SELECT `patient_id` AS k, collect_list(named_struct('f0', `kind`, 'f1', `at`, 'f2', `channel`)) AS items FROM `events` GROUP BY `patient_id`) AS l0 ON l0.k = p.`id`
),
-- segment IntakeNoBooking
`#a0` AS (
  SELECT r.*,
    COALESCE(COALESCE(exists(r.`#l26`, q1 -> COALESCE(((NULLIF(q1.f0, '') = 'intake_completed') AND (q1.f1 >= TIMESTAMP '2026-11-21 00:00:00') AND (q1.f1 < TIMESTAMP '2026-11-24 00:00:00')), FALSE)), FALSE), FALSE) AS `#w0`,
    COALESCE(COALESCE(exists(r.`#l26`, q2 -> COALESCE(((NULLIF(q2.f0, '') = 'booked') AND (q2.f1 >= TIMESTAMP '2026-11-21 00:00:00') AND (q2.f1 < TIMESTAMP '2026-11-24 00:00:00')), FALSE)), FALSE), FALSE) AS `#x0_0`,
    COALESCE(((r.`next_appointment` >= DATE '2026-11-23') AND (r.`next_appointment` <= DATE '2026-11-30')), FALSE) AS `#x0_1`,
    COALESCE(r.`consent.sms`, FALSE) AS `#c0_0`,
    COALESCE(r.`consent.sms`, FALSE) AS `#k0_0`,
    COALESCE(r.`consent.phone`, FALSE) AS `#c0_1`,
    COALESCE(r.`consent.phone`, FALSE) AS `#k0_1`
  FROM `#base` AS r
),
`#b0` AS (
  SELECT r.*, (r.`#w0` AND NOT r.`#x0_0` AND NOT r.`#x0_1`) AS `#m0`
  FROM `#a0` AS r
),
-- segment FirstTimeSpanish
`#a1` AS (
  SELECT r.*,
    COALESCE(((r.`telehealth_visits` = 0L) AND (NULLIF(r.`language`, '') = 'es')), FALSE) AS `#w1`,
    COALESCE(((r.`next_appointment` >= DATE '2026-11-23') AND (r.`next_appointment` <= DATE '2026-12-07')), FALSE) AS `#x1_0`,
    COALESCE(r.`consent.sms`, FALSE) AS `#c1_0`,
    COALESCE(r.`consent.sms`, FALSE) AS `#k1_0`,
    COALESCE(r.`consent.email`, FALSE) AS `#c1_1`,
    COALESCE(r.`consent.email`, FALSE) AS `#k1_1`,
    COALESCE((r.`consent.phone` AND COALESCE(exists(r.`#l26`, q3 -> COALESCE(((NULLIF(q3.f0, '') = 'scheduling_link_clicked') AND (q3.f1 >= TIMESTAMP '2026-11-16 00:00:00') AND (q3.f1 < TIMESTAMP '2026-11-24 00:00:00')), FALSE)), FALSE)), FALSE) AS `#c1_2`,
    COALESCE(r.`consent.phone`, FALSE) AS `#k1_2`
  FROM `#b0` AS r
),
`#b1` AS (
  SELECT r.*, (r.`#w1` AND NOT r.`#x1_0`) AS `#m1`
  FROM `#a1` AS r
),
-- segment FirstTimeEnglish
`#a2` AS (
  SELECT r.*,
    COALESCE(((r.`telehealth_visits` = 0L) AND (NULLIF(r.`language`, '') = 'en')), FALSE) AS `#w2`,
    COALESCE(((r.`next_appointment` >= DATE '2026-11-23') AND (r.`next_appointment` <= DATE '2026-12-07')), FALSE) AS `#x2_0`,
    COALESCE(r.`consent.email`, FALSE) AS `#c2_0`,
    COALESCE(r.`consent.email`, FALSE) AS `#k2_0`,
    COALESCE(r.`consent.sms`, FALSE) AS `#c2_1`,
    COALESCE(r.`consent.sms`, FALSE) AS `#k2_1`
  FROM `#b1` AS r
),
`#b2` AS (
  SELECT r.*, (r.`#w2` AND NOT r.`#x2_0`) AS `#m2`
  FROM `#a2` AS r
),
-- segment NoShowTechBarrier
`#a3` AS (
  SELECT r.*,
    COALESCE(((r.`no_show_count` >= 1L) AND (NULLIF(r.`last_no_show_reason`, '') = 'technical')), FALSE) AS `#w3`,
    COALESCE(((r.`next_appointment` >= DATE '2026-11-23') AND (r.`next_appointment` <= DATE '2026-11-30')), FALSE) AS `#x3_0`,
    COALESCE(r.`consent.phone`, FALSE) AS `#c3_0`,
    COALESCE(r.`consent.phone`, FALSE) AS `#k3_0`
  FROM `#b2` AS r
),
`#b3` AS (
  SELECT r.*, (r.`#w3` AND NOT r.`#x3_0`) AS `#m3`
  FROM `#a3` AS r
),
-- segment NoShowScheduling
`#a4` AS (
  SELECT r.*,
    COALESCE(((r.`no_show_count` >= 1L) AND (NULLIF(r.`last_no_show_reason`, '') = 'scheduling')), FALSE) AS `#w4`,
    COALESCE(((r.`next_appointment` >= DATE '2026-11-23') AND (r.`next_appointment` <= DATE '2026-11-30')), FALSE) AS `#x4_0`,
    COALESCE(r.`#m3`, FALSE) AS `#x4_1`,
    COALESCE(r.`consent.sms`, FALSE) AS `#c4_0`,
    COALESCE(r.`consent.sms`, FALSE) AS `#k4_0`,
    COALESCE(r.`consent.email`, FALSE) AS `#c4_1`,
    COALESCE(r.`consent.email`, FALSE) AS `#k4_1`
  FROM `#b3` AS r
),
`#b4` AS (
  SELECT r.*, (r.`#w4` AND NOT r.`#x4_0` AND NOT r.`#x4_1`) AS `#m4`
  FROM `#a4` AS r
),
-- segment OverdueChronicCheckin
`#a5` AS (
  SELECT r.*,
    COALESCE((COALESCE(exists(array_distinct(filter(split(COALESCE(r.`conditions`, ''), ';'), x -> x <> '')), q4 -> COALESCE((startswith(q4, 'E11') OR startswith(q4, 'I10')), FALSE)), FALSE) AND (r.`care_gap_due` < DATE '2026-11-23')), FALSE) AS `#w5`,
    COALESCE(((r.`next_appointment` >= DATE '2026-11-23') AND (r.`next_appointment` <= DATE '2026-11-30')), FALSE) AS `#x5_0`,
    COALESCE((r.`consent.portal` AND r.`portal_active`), FALSE) AS `#c5_0`,
    COALESCE(r.`consent.portal`, FALSE) AS `#k5_0`,
    COALESCE(r.`consent.sms`, FALSE) AS `#c5_1`,
    COALESCE(r.`consent.sms`, FALSE) AS `#k5_1`
  FROM `#b4` AS r
),
`#b5` AS (
  SELECT r.*, (r.`#w5` AND NOT r.`#x5_0`) AS `#m5`
  FROM `#a5` AS r
),
-- segment PostDischarge
`#a6` AS (
  SELECT r.*,
    COALESCE(((r.`discharged_on` >= DATE '2026-11-20') AND (r.`discharged_on` <= DATE '2026-11-23') AND (NULLIF(r.`discharge_type`, '') IN ('inpatient', 'emergency'))), FALSE) AS `#w6`,
    COALESCE(((r.`next_appointment` >= DATE '2026-11-23') AND (r.`next_appointment` <= DATE '2026-11-30')), FALSE) AS `#x6_0`,
    COALESCE(r.`consent.phone`, FALSE) AS `#c6_0`,
    COALESCE(r.`consent.phone`, FALSE) AS `#k6_0`
  FROM `#b5` AS r
),
`#b6` AS (
  SELECT r.*, (r.`#w6` AND NOT r.`#x6_0`) AS `#m6`
  FROM `#a6` AS r
),
-- campaign priority: a member of an earlier segment of the campaign is taken
`#t` AS (
  SELECT r.*,
    (r.`#m0` AND FALSE) AS `#t0`,
    (r.`#m1` AND (r.`#m0`)) AS `#t1`,
    (r.`#m2` AND (r.`#m0` OR r.`#m1`)) AS `#t2`,
    (r.`#m3` AND (r.`#m0` OR r.`#m1` OR r.`#m2`)) AS `#t3`,
    (r.`#m4` AND (r.`#m0` OR r.`#m1` OR r.`#m2` OR r.`#m3`)) AS `#t4`,
    (r.`#m5` AND FALSE) AS `#t5`,
    (r.`#m6` AND FALSE) AS `#t6`
  FROM `#b6` AS r
),
-- holdout: MD5 bucket of key:segment (core/md5.h)
`#h` AS (
  SELECT r.*,
    (FALSE) AS `#h0`,
    (r.`#m1` AND NOT r.`#t1` AND (CAST(conv(substr(md5(concat(r.`id`, ':FirstTimeSpanish')), 1, 8), 16, 10) AS BIGINT) % 10000) < 1000) AS `#h1`,
    (r.`#m2` AND NOT r.`#t2` AND (CAST(conv(substr(md5(concat(r.`id`, ':FirstTimeEnglish')), 1, 8), 16, 10) AS BIGINT) % 10000) < 1000) AS `#h2`,
    (FALSE) AS `#h3`,
    (FALSE) AS `#h4`,
    (FALSE) AS `#h5`,
    (FALSE) AS `#h6`
  FROM `#t` AS r
),
-- lists: members neither taken nor held out, consent TRUE, condition TRUE
`#d` AS (
  SELECT r.`id` AS `#key`,
    r.`#w0`, r.`#x0_0`, r.`#x0_1`, r.`#m0`, r.`#t0`, r.`#h0`,
    r.`#k0_0`, r.`#c0_0`, (r.`#m0` AND NOT r.`#t0` AND NOT r.`#h0` AND r.`#k0_0` AND r.`#c0_0`) AS `#l0_0`,
    r.`#k0_1`, r.`#c0_1`, (r.`#m0` AND NOT r.`#t0` AND NOT r.`#h0` AND r.`#k0_1` AND r.`#c0_1`) AS `#l0_1`,
    r.`#w1`, r.`#x1_0`, r.`#m1`, r.`#t1`, r.`#h1`,
    r.`#k1_0`, r.`#c1_0`, (r.`#m1` AND NOT r.`#t1` AND NOT r.`#h1` AND r.`#k1_0` AND r.`#c1_0`) AS `#l1_0`,
    r.`#k1_1`, r.`#c1_1`, (r.`#m1` AND NOT r.`#t1` AND NOT r.`#h1` AND r.`#k1_1` AND r.`#c1_1`) AS `#l1_1`,
    r.`#k1_2`, r.`#c1_2`, (r.`#m1` AND NOT r.`#t1` AND NOT r.`#h1` AND r.`#k1_2` AND r.`#c1_2`) AS `#l1_2`,
    r.`#w2`, r.`#x2_0`, r.`#m2`, r.`#t2`, r.`#h2`,
    r.`#k2_0`, r.`#c2_0`, (r.`#m2` AND NOT r.`#t2` AND NOT r.`#h2` AND r.`#k2_0` AND r.`#c2_0`) AS `#l2_0`,
    r.`#k2_1`, r.`#c2_1`, (r.`#m2` AND NOT r.`#t2` AND NOT r.`#h2` AND r.`#k2_1` AND r.`#c2_1`) AS `#l2_1`,
    r.`#w3`, r.`#x3_0`, r.`#m3`, r.`#t3`, r.`#h3`,
    r.`#k3_0`, r.`#c3_0`, (r.`#m3` AND NOT r.`#t3` AND NOT r.`#h3` AND r.`#k3_0` AND r.`#c3_0`) AS `#l3_0`,
    r.`#w4`, r.`#x4_0`, r.`#x4_1`, r.`#m4`, r.`#t4`, r.`#h4`,
    r.`#k4_0`, r.`#c4_0`, (r.`#m4` AND NOT r.`#t4` AND NOT r.`#h4` AND r.`#k4_0` AND r.`#c4_0`) AS `#l4_0`,
    r.`#k4_1`, r.`#c4_1`, (r.`#m4` AND NOT r.`#t4` AND NOT r.`#h4` AND r.`#k4_1` AND r.`#c4_1`) AS `#l4_1`,
    r.`#w5`, r.`#x5_0`, r.`#m5`, r.`#t5`, r.`#h5`,
    r.`#k5_0`, r.`#c5_0`, (r.`#m5` AND NOT r.`#t5` AND NOT r.`#h5` AND r.`#k5_0` AND r.`#c5_0`) AS `#l5_0`,
    r.`#k5_1`, r.`#c5_1`, (r.`#m5` AND NOT r.`#t5` AND NOT r.`#h5` AND r.`#k5_1` AND r.`#c5_1`) AS `#l5_1`,
    r.`#w6`, r.`#x6_0`, r.`#m6`, r.`#t6`, r.`#h6`,
    r.`#k6_0`, r.`#c6_0`, (r.`#m6` AND NOT r.`#t6` AND NOT r.`#h6` AND r.`#k6_0` AND r.`#c6_0`) AS `#l6_0`
  FROM `#h` AS r
),
`#sum` AS (
  SELECT COUNT(*) AS `#n0`,
    COALESCE(SUM(CASE WHEN r.`#w0` THEN 1 ELSE 0 END), 0) AS `#n1`,
    COALESCE(SUM(CASE WHEN r.`#w0` AND r.`#x0_0` THEN 1 ELSE 0 END), 0) AS `#n2`,
    COALESCE(SUM(CASE WHEN r.`#w0` AND NOT r.`#x0_0` AND r.`#x0_1` THEN 1 ELSE 0 END), 0) AS `#n3`,
    COALESCE(SUM(CASE WHEN r.`#m0` THEN 1 ELSE 0 END), 0) AS `#n4`,
    COALESCE(SUM(CASE WHEN r.`#t0` THEN 1 ELSE 0 END), 0) AS `#n5`,
    COALESCE(SUM(CASE WHEN r.`#h0` THEN 1 ELSE 0 END), 0) AS `#n6`,
    COALESCE(SUM(CASE WHEN r.`#m0` AND NOT r.`#t0` AND NOT r.`#h0` THEN 1 ELSE 0 END), 0) AS `#n7`,
    COALESCE(SUM(CASE WHEN r.`#l0_0` THEN 1 ELSE 0 END), 0) AS `#n8`,
    COALESCE(SUM(CASE WHEN r.`#m0` AND NOT r.`#t0` AND NOT r.`#h0` AND NOT r.`#k0_0` THEN 1 ELSE 0 END), 0) AS `#n9`,
    COALESCE(SUM(CASE WHEN r.`#m0` AND NOT r.`#t0` AND NOT r.`#h0` AND r.`#k0_0` AND NOT r.`#c0_0` THEN 1 ELSE 0 END), 0) AS `#n10`,
    0 AS `#n11`,
    COALESCE(SUM(CASE WHEN r.`#m0` AND NOT r.`#t0` AND NOT r.`#h0` THEN 1 ELSE 0 END), 0) AS `#n12`,
    COALESCE(SUM(CASE WHEN r.`#l0_1` THEN 1 ELSE 0 END), 0) AS `#n13`,
    COALESCE(SUM(CASE WHEN r.`#m0` AND NOT r.`#t0` AND NOT r.`#h0` AND NOT r.`#k0_1` THEN 1 ELSE 0 END), 0) AS `#n14`,
    COALESCE(SUM(CASE WHEN r.`#m0` AND NOT r.`#t0` AND NOT r.`#h0` AND r.`#k0_1` AND NOT r.`#c0_1` THEN 1 ELSE 0 END), 0) AS `#n15`,
    COALESCE(SUM(CASE WHEN r.`#w1` THEN 1 ELSE 0 END), 0) AS `#n16`,
    COALESCE(SUM(CASE WHEN r.`#w1` AND r.`#x1_0` THEN 1 ELSE 0 END), 0) AS `#n17`,
    COALESCE(SUM(CASE WHEN r.`#m1` THEN 1 ELSE 0 END), 0) AS `#n18`,
    COALESCE(SUM(CASE WHEN r.`#t1` THEN 1 ELSE 0 END), 0) AS `#n19`,
    COALESCE(SUM(CASE WHEN r.`#h1` THEN 1 ELSE 0 END), 0) AS `#n20`,
    COALESCE(SUM(CASE WHEN r.`#m1` AND NOT r.`#t1` AND NOT r.`#h1` THEN 1 ELSE 0 END), 0) AS `#n21`,
    COALESCE(SUM(CASE WHEN r.`#l1_0` THEN 1 ELSE 0 END), 0) AS `#n22`,
    COALESCE(SUM(CASE WHEN r.`#m1` AND NOT r.`#t1` AND NOT r.`#h1` AND NOT r.`#k1_0` THEN 1 ELSE 0 END), 0) AS `#n23`,
    COALESCE(SUM(CASE WHEN r.`#m1` AND NOT r.`#t1` AND NOT r.`#h1` AND r.`#k1_0` AND NOT r.`#c1_0` THEN 1 ELSE 0 END), 0) AS `#n24`,
    COALESCE(SUM(CASE WHEN r.`#m1` AND NOT r.`#t1` AND NOT r.`#h1` THEN 1 ELSE 0 END), 0) AS `#n25`,
    COALESCE(SUM(CASE WHEN r.`#l1_1` THEN 1 ELSE 0 END), 0) AS `#n26`,
    COALESCE(SUM(CASE WHEN r.`#m1` AND NOT r.`#t1` AND NOT r.`#h1` AND NOT r.`#k1_1` THEN 1 ELSE 0 END), 0) AS `#n27`,
    COALESCE(SUM(CASE WHEN r.`#m1` AND NOT r.`#t1` AND NOT r.`#h1` AND r.`#k1_1` AND NOT r.`#c1_1` THEN 1 ELSE 0 END), 0) AS `#n28`,
    COALESCE(SUM(CASE WHEN r.`#m1` AND NOT r.`#t1` AND NOT r.`#h1` THEN 1 ELSE 0 END), 0) AS `#n29`,
    COALESCE(SUM(CASE WHEN r.`#l1_2` THEN 1 ELSE 0 END), 0) AS `#n30`,
    COALESCE(SUM(CASE WHEN r.`#m1` AND NOT r.`#t1` AND NOT r.`#h1` AND NOT r.`#k1_2` THEN 1 ELSE 0 END), 0) AS `#n31`,
    COALESCE(SUM(CASE WHEN r.`#m1` AND NOT r.`#t1` AND NOT r.`#h1` AND r.`#k1_2` AND NOT r.`#c1_2` THEN 1 ELSE 0 END), 0) AS `#n32`,
    COALESCE(SUM(CASE WHEN r.`#w2` THEN 1 ELSE 0 END), 0) AS `#n33`,
    COALESCE(SUM(CASE WHEN r.`#w2` AND r.`#x2_0` THEN 1 ELSE 0 END), 0) AS `#n34`,
    COALESCE(SUM(CASE WHEN r.`#m2` THEN 1 ELSE 0 END), 0) AS `#n35`,
    COALESCE(SUM(CASE WHEN r.`#t2` THEN 1 ELSE 0 END), 0) AS `#n36`,
    COALESCE(SUM(CASE WHEN r.`#h2` THEN 1 ELSE 0 END), 0) AS `#n37`,
    COALESCE(SUM(CASE WHEN r.`#m2` AND NOT r.`#t2` AND NOT r.`#h2` THEN 1 ELSE 0 END), 0) AS `#n38`,
    COALESCE(SUM(CASE WHEN r.`#l2_0` THEN 1 ELSE 0 END), 0) AS `#n39`,
    COALESCE(SUM(CASE WHEN r.`#m2` AND NOT r.`#t2` AND NOT r.`#h2` AND NOT r.`#k2_0` THEN 1 ELSE 0 END), 0) AS `#n40`,
    COALESCE(SUM(CASE WHEN r.`#m2` AND NOT r.`#t2` AND NOT r.`#h2` AND r.`#k2_0` AND NOT r.`#c2_0` THEN 1 ELSE 0 END), 0) AS `#n41`,
    COALESCE(SUM(CASE WHEN r.`#m2` AND NOT r.`#t2` AND NOT r.`#h2` THEN 1 ELSE 0 END), 0) AS `#n42`,
    COALESCE(SUM(CASE WHEN r.`#l2_1` THEN 1 ELSE 0 END), 0) AS `#n43`,
    COALESCE(SUM(CASE WHEN r.`#m2` AND NOT r.`#t2` AND NOT r.`#h2` AND NOT r.`#k2_1` THEN 1 ELSE 0 END), 0) AS `#n44`,
    COALESCE(SUM(CASE WHEN r.`#m2` AND NOT r.`#t2` AND NOT r.`#h2` AND r.`#k2_1` AND NOT r.`#c2_1` THEN 1 ELSE 0 END), 0) AS `#n45`,
    COALESCE(SUM(CASE WHEN r.`#w3` THEN 1 ELSE 0 END), 0) AS `#n46`,
    COALESCE(SUM(CASE WHEN r.`#w3` AND r.`#x3_0` THEN 1 ELSE 0 END), 0) AS `#n47`,
    COALESCE(SUM(CASE WHEN r.`#m3` THEN 1 ELSE 0 END), 0) AS `#n48`,
    COALESCE(SUM(CASE WHEN r.`#t3` THEN 1 ELSE 0 END), 0) AS `#n49`,
    COALESCE(SUM(CASE WHEN r.`#h3` THEN 1 ELSE 0 END), 0) AS `#n50`,
    COALESCE(SUM(CASE WHEN r.`#m3` AND NOT r.`#t3` AND NOT r.`#h3` THEN 1 ELSE 0 END), 0) AS `#n51`,
    COALESCE(SUM(CASE WHEN r.`#l3_0` THEN 1 ELSE 0 END), 0) AS `#n52`,
    COALESCE(SUM(CASE WHEN r.`#m3` AND NOT r.`#t3` AND NOT r.`#h3` AND NOT r.`#k3_0` THEN 1 ELSE 0 END), 0) AS `#n53`,
    COALESCE(SUM(CASE WHEN r.`#m3` AND NOT r.`#t3` AND NOT r.`#h3` AND r.`#k3_0` AND NOT r.`#c3_0` THEN 1 ELSE 0 END), 0) AS `#n54`,
    COALESCE(SUM(CASE WHEN r.`#w4` THEN 1 ELSE 0 END), 0) AS `#n55`,
    COALESCE(SUM(CASE WHEN r.`#w4` AND r.`#x4_0` THEN 1 ELSE 0 END), 0) AS `#n56`,
    COALESCE(SUM(CASE WHEN r.`#w4` AND NOT r.`#x4_0` AND r.`#x4_1` THEN 1 ELSE 0 END), 0) AS `#n57`,
    COALESCE(SUM(CASE WHEN r.`#m4` THEN 1 ELSE 0 END), 0) AS `#n58`,
    COALESCE(SUM(CASE WHEN r.`#t4` THEN 1 ELSE 0 END), 0) AS `#n59`,
    COALESCE(SUM(CASE WHEN r.`#h4` THEN 1 ELSE 0 END), 0) AS `#n60`,
    COALESCE(SUM(CASE WHEN r.`#m4` AND NOT r.`#t4` AND NOT r.`#h4` THEN 1 ELSE 0 END), 0) AS `#n61`,
    COALESCE(SUM(CASE WHEN r.`#l4_0` THEN 1 ELSE 0 END), 0) AS `#n62`,
    COALESCE(SUM(CASE WHEN r.`#m4` AND NOT r.`#t4` AND NOT r.`#h4` AND NOT r.`#k4_0` THEN 1 ELSE 0 END), 0) AS `#n63`,
    COALESCE(SUM(CASE WHEN r.`#m4` AND NOT r.`#t4` AND NOT r.`#h4` AND r.`#k4_0` AND NOT r.`#c4_0` THEN 1 ELSE 0 END), 0) AS `#n64`,
    COALESCE(SUM(CASE WHEN r.`#m4` AND NOT r.`#t4` AND NOT r.`#h4` THEN 1 ELSE 0 END), 0) AS `#n65`,
    COALESCE(SUM(CASE WHEN r.`#l4_1` THEN 1 ELSE 0 END), 0) AS `#n66`,
    COALESCE(SUM(CASE WHEN r.`#m4` AND NOT r.`#t4` AND NOT r.`#h4` AND NOT r.`#k4_1` THEN 1 ELSE 0 END), 0) AS `#n67`,
    COALESCE(SUM(CASE WHEN r.`#m4` AND NOT r.`#t4` AND NOT r.`#h4` AND r.`#k4_1` AND NOT r.`#c4_1` THEN 1 ELSE 0 END), 0) AS `#n68`,
    COALESCE(SUM(CASE WHEN r.`#w5` THEN 1 ELSE 0 END), 0) AS `#n69`,
    COALESCE(SUM(CASE WHEN r.`#w5` AND r.`#x5_0` THEN 1 ELSE 0 END), 0) AS `#n70`,
    COALESCE(SUM(CASE WHEN r.`#m5` THEN 1 ELSE 0 END), 0) AS `#n71`,
    COALESCE(SUM(CASE WHEN r.`#t5` THEN 1 ELSE 0 END), 0) AS `#n72`,
    COALESCE(SUM(CASE WHEN r.`#h5` THEN 1 ELSE 0 END), 0) AS `#n73`,
    COALESCE(SUM(CASE WHEN r.`#m5` AND NOT r.`#t5` AND NOT r.`#h5` THEN 1 ELSE 0 END), 0) AS `#n74`,
    COALESCE(SUM(CASE WHEN r.`#l5_0` THEN 1 ELSE 0 END), 0) AS `#n75`,
    COALESCE(SUM(CASE WHEN r.`#m5` AND NOT r.`#t5` AND NOT r.`#h5` AND NOT r.`#k5_0` THEN 1 ELSE 0 END), 0) AS `#n76`,
    COALESCE(SUM(CASE WHEN r.`#m5` AND NOT r.`#t5` AND NOT r.`#h5` AND r.`#k5_0` AND NOT r.`#c5_0` THEN 1 ELSE 0 END), 0) AS `#n77`,
    COALESCE(SUM(CASE WHEN r.`#m5` AND NOT r.`#t5` AND NOT r.`#h5` THEN 1 ELSE 0 END), 0) AS `#n78`,
    COALESCE(SUM(CASE WHEN r.`#l5_1` THEN 1 ELSE 0 END), 0) AS `#n79`,
    COALESCE(SUM(CASE WHEN r.`#m5` AND NOT r.`#t5` AND NOT r.`#h5` AND NOT r.`#k5_1` THEN 1 ELSE 0 END), 0) AS `#n80`,
    COALESCE(SUM(CASE WHEN r.`#m5` AND NOT r.`#t5` AND NOT r.`#h5` AND r.`#k5_1` AND NOT r.`#c5_1` THEN 1 ELSE 0 END), 0) AS `#n81`,
    COALESCE(SUM(CASE WHEN r.`#w6` THEN 1 ELSE 0 END), 0) AS `#n82`,
    COALESCE(SUM(CASE WHEN r.`#w6` AND r.`#x6_0` THEN 1 ELSE 0 END), 0) AS `#n83`,
    COALESCE(SUM(CASE WHEN r.`#m6` THEN 1 ELSE 0 END), 0) AS `#n84`,
    COALESCE(SUM(CASE WHEN r.`#t6` THEN 1 ELSE 0 END), 0) AS `#n85`,
    COALESCE(SUM(CASE WHEN r.`#h6` THEN 1 ELSE 0 END), 0) AS `#n86`,
    COALESCE(SUM(CASE WHEN r.`#m6` AND NOT r.`#t6` AND NOT r.`#h6` THEN 1 ELSE 0 END), 0) AS `#n87`,
    COALESCE(SUM(CASE WHEN r.`#l6_0` THEN 1 ELSE 0 END), 0) AS `#n88`,
    COALESCE(SUM(CASE WHEN r.`#m6` AND NOT r.`#t6` AND NOT r.`#h6` AND NOT r.`#k6_0` THEN 1 ELSE 0 END), 0) AS `#n89`,
    COALESCE(SUM(CASE WHEN r.`#m6` AND NOT r.`#t6` AND NOT r.`#h6` AND r.`#k6_0` AND NOT r.`#c6_0` THEN 1 ELSE 0 END), 0) AS `#n90`,
    COALESCE(SUM(CASE WHEN r.`#t1` AND r.`#m0` THEN 1 ELSE 0 END), 0) AS `#n91`,
    COALESCE(SUM(CASE WHEN r.`#t2` AND r.`#m0` THEN 1 ELSE 0 END), 0) AS `#n92`,
    COALESCE(SUM(CASE WHEN r.`#t2` AND r.`#m1` AND NOT r.`#m0` THEN 1 ELSE 0 END), 0) AS `#n93`,
    COALESCE(SUM(CASE WHEN r.`#t3` AND r.`#m0` THEN 1 ELSE 0 END), 0) AS `#n94`,
    COALESCE(SUM(CASE WHEN r.`#t3` AND r.`#m1` AND NOT r.`#m0` THEN 1 ELSE 0 END), 0) AS `#n95`,
    COALESCE(SUM(CASE WHEN r.`#t3` AND r.`#m2` AND NOT r.`#m0` AND NOT r.`#m1` THEN 1 ELSE 0 END), 0) AS `#n96`,
    COALESCE(SUM(CASE WHEN r.`#t4` AND r.`#m0` THEN 1 ELSE 0 END), 0) AS `#n97`,
    COALESCE(SUM(CASE WHEN r.`#t4` AND r.`#m1` AND NOT r.`#m0` THEN 1 ELSE 0 END), 0) AS `#n98`,
    COALESCE(SUM(CASE WHEN r.`#t4` AND r.`#m2` AND NOT r.`#m0` AND NOT r.`#m1` THEN 1 ELSE 0 END), 0) AS `#n99`,
    COALESCE(SUM(CASE WHEN r.`#t4` AND r.`#m3` AND NOT r.`#m0` AND NOT r.`#m1` AND NOT r.`#m2` THEN 1 ELSE 0 END), 0) AS `#n100`
  FROM `#d` AS r
),
`#items` AS (
SELECT '' AS `segment`, 'records' AS `item`, CAST(`#n0` AS BIGINT) AS `value`, 0 AS `#o` FROM `#sum`
UNION ALL
SELECT 'IntakeNoBooking' AS `segment`, 'records' AS `item`, CAST(`#n0` AS BIGINT) AS `value`, 1 AS `#o` FROM `#sum`
UNION ALL
SELECT 'IntakeNoBooking' AS `segment`, 'where_matched' AS `item`, CAST(`#n1` AS BIGINT) AS `value`, 2 AS `#o` FROM `#sum`
UNION ALL
SELECT 'IntakeNoBooking' AS `segment`, 'exclude_removed.1' AS `item`, CAST(`#n2` AS BIGINT) AS `value`, 3 AS `#o` FROM `#sum`
UNION ALL
SELECT 'IntakeNoBooking' AS `segment`, 'exclude_removed.2' AS `item`, CAST(`#n3` AS BIGINT) AS `value`, 4 AS `#o` FROM `#sum`
UNION ALL
SELECT 'IntakeNoBooking' AS `segment`, 'members' AS `item`, CAST(`#n4` AS BIGINT) AS `value`, 5 AS `#o` FROM `#sum`
UNION ALL
SELECT 'IntakeNoBooking' AS `segment`, 'taken_by_campaign' AS `item`, CAST(`#n5` AS BIGINT) AS `value`, 6 AS `#o` FROM `#sum`
UNION ALL
SELECT 'IntakeNoBooking' AS `segment`, 'held_out' AS `item`, CAST(`#n6` AS BIGINT) AS `value`, 7 AS `#o` FROM `#sum`
UNION ALL
SELECT 'IntakeNoBooking' AS `segment`, 'sms#1.eligible' AS `item`, CAST(`#n7` AS BIGINT) AS `value`, 8 AS `#o` FROM `#sum`
UNION ALL
SELECT 'IntakeNoBooking' AS `segment`, 'sms#1.listed' AS `item`, CAST(`#n8` AS BIGINT) AS `value`, 9 AS `#o` FROM `#sum`
UNION ALL
SELECT 'IntakeNoBooking' AS `segment`, 'sms#1.lacked_consent' AS `item`, CAST(`#n9` AS BIGINT) AS `value`, 10 AS `#o` FROM `#sum`
UNION ALL
SELECT 'IntakeNoBooking' AS `segment`, 'sms#1.condition_false' AS `item`, CAST(`#n10` AS BIGINT) AS `value`, 11 AS `#o` FROM `#sum`
UNION ALL
SELECT 'IntakeNoBooking' AS `segment`, 'sms#1.capped' AS `item`, CAST(`#n11` AS BIGINT) AS `value`, 12 AS `#o` FROM `#sum`
UNION ALL
SELECT 'IntakeNoBooking' AS `segment`, 'phone#2.eligible' AS `item`, CAST(`#n12` AS BIGINT) AS `value`, 13 AS `#o` FROM `#sum`
UNION ALL
SELECT 'IntakeNoBooking' AS `segment`, 'phone#2.listed' AS `item`, CAST(`#n13` AS BIGINT) AS `value`, 14 AS `#o` FROM `#sum`
UNION ALL
SELECT 'IntakeNoBooking' AS `segment`, 'phone#2.lacked_consent' AS `item`, CAST(`#n14` AS BIGINT) AS `value`, 15 AS `#o` FROM `#sum`
UNION ALL
SELECT 'IntakeNoBooking' AS `segment`, 'phone#2.condition_false' AS `item`, CAST(`#n15` AS BIGINT) AS `value`, 16 AS `#o` FROM `#sum`
UNION ALL
SELECT 'IntakeNoBooking' AS `segment`, 'phone#2.capped' AS `item`, CAST(`#n11` AS BIGINT) AS `value`, 17 AS `#o` FROM `#sum`
UNION ALL
SELECT 'FirstTimeSpanish' AS `segment`, 'records' AS `item`, CAST(`#n0` AS BIGINT) AS `value`, 18 AS `#o` FROM `#sum`
UNION ALL
SELECT 'FirstTimeSpanish' AS `segment`, 'where_matched' AS `item`, CAST(`#n16` AS BIGINT) AS `value`, 19 AS `#o` FROM `#sum`
UNION ALL
SELECT 'FirstTimeSpanish' AS `segment`, 'exclude_removed.1' AS `item`, CAST(`#n17` AS BIGINT) AS `value`, 20 AS `#o` FROM `#sum`
UNION ALL
SELECT 'FirstTimeSpanish' AS `segment`, 'members' AS `item`, CAST(`#n18` AS BIGINT) AS `value`, 21 AS `#o` FROM `#sum`
UNION ALL
SELECT 'FirstTimeSpanish' AS `segment`, 'taken_by_campaign' AS `item`, CAST(`#n19` AS BIGINT) AS `value`, 22 AS `#o` FROM `#sum`
UNION ALL
SELECT 'FirstTimeSpanish' AS `segment`, 'held_out' AS `item`, CAST(`#n20` AS BIGINT) AS `value`, 23 AS `#o` FROM `#sum`
UNION ALL
SELECT 'FirstTimeSpanish' AS `segment`, 'sms#1.eligible' AS `item`, CAST(`#n21` AS BIGINT) AS `value`, 24 AS `#o` FROM `#sum`
UNION ALL
SELECT 'FirstTimeSpanish' AS `segment`, 'sms#1.listed' AS `item`, CAST(`#n22` AS BIGINT) AS `value`, 25 AS `#o` FROM `#sum`
UNION ALL
SELECT 'FirstTimeSpanish' AS `segment`, 'sms#1.lacked_consent' AS `item`, CAST(`#n23` AS BIGINT) AS `value`, 26 AS `#o` FROM `#sum`
UNION ALL
SELECT 'FirstTimeSpanish' AS `segment`, 'sms#1.condition_false' AS `item`, CAST(`#n24` AS BIGINT) AS `value`, 27 AS `#o` FROM `#sum`
UNION ALL
SELECT 'FirstTimeSpanish' AS `segment`, 'sms#1.capped' AS `item`, CAST(`#n11` AS BIGINT) AS `value`, 28 AS `#o` FROM `#sum`
UNION ALL
SELECT 'FirstTimeSpanish' AS `segment`, 'email#2.eligible' AS `item`, CAST(`#n25` AS BIGINT) AS `value`, 29 AS `#o` FROM `#sum`
UNION ALL
SELECT 'FirstTimeSpanish' AS `segment`, 'email#2.listed' AS `item`, CAST(`#n26` AS BIGINT) AS `value`, 30 AS `#o` FROM `#sum`
UNION ALL
SELECT 'FirstTimeSpanish' AS `segment`, 'email#2.lacked_consent' AS `item`, CAST(`#n27` AS BIGINT) AS `value`, 31 AS `#o` FROM `#sum`
UNION ALL
SELECT 'FirstTimeSpanish' AS `segment`, 'email#2.condition_false' AS `item`, CAST(`#n28` AS BIGINT) AS `value`, 32 AS `#o` FROM `#sum`
UNION ALL
SELECT 'FirstTimeSpanish' AS `segment`, 'email#2.capped' AS `item`, CAST(`#n11` AS BIGINT) AS `value`, 33 AS `#o` FROM `#sum`
UNION ALL
SELECT 'FirstTimeSpanish' AS `segment`, 'phone#3.eligible' AS `item`, CAST(`#n29` AS BIGINT) AS `value`, 34 AS `#o` FROM `#sum`
UNION ALL
SELECT 'FirstTimeSpanish' AS `segment`, 'phone#3.listed' AS `item`, CAST(`#n30` AS BIGINT) AS `value`, 35 AS `#o` FROM `#sum`
UNION ALL
SELECT 'FirstTimeSpanish' AS `segment`, 'phone#3.lacked_consent' AS `item`, CAST(`#n31` AS BIGINT) AS `value`, 36 AS `#o` FROM `#sum`
UNION ALL
SELECT 'FirstTimeSpanish' AS `segment`, 'phone#3.condition_false' AS `item`, CAST(`#n32` AS BIGINT) AS `value`, 37 AS `#o` FROM `#sum`
UNION ALL
SELECT 'FirstTimeSpanish' AS `segment`, 'phone#3.capped' AS `item`, CAST(`#n11` AS BIGINT) AS `value`, 38 AS `#o` FROM `#sum`
UNION ALL
SELECT 'FirstTimeEnglish' AS `segment`, 'records' AS `item`, CAST(`#n0` AS BIGINT) AS `value`, 39 AS `#o` FROM `#sum`
UNION ALL
SELECT 'FirstTimeEnglish' AS `segment`, 'where_matched' AS `item`, CAST(`#n33` AS BIGINT) AS `value`, 40 AS `#o` FROM `#sum`
UNION ALL
SELECT 'FirstTimeEnglish' AS `segment`, 'exclude_removed.1' AS `item`, CAST(`#n34` AS BIGINT) AS `value`, 41 AS `#o` FROM `#sum`
UNION ALL
SELECT 'FirstTimeEnglish' AS `segment`, 'members' AS `item`, CAST(`#n35` AS BIGINT) AS `value`, 42 AS `#o` FROM `#sum`
UNION ALL
SELECT 'FirstTimeEnglish' AS `segment`, 'taken_by_campaign' AS `item`, CAST(`#n36` AS BIGINT) AS `value`, 43 AS `#o` FROM `#sum`
UNION ALL
SELECT 'FirstTimeEnglish' AS `segment`, 'held_out' AS `item`, CAST(`#n37` AS BIGINT) AS `value`, 44 AS `#o` FROM `#sum`
UNION ALL
SELECT 'FirstTimeEnglish' AS `segment`, 'email#1.eligible' AS `item`, CAST(`#n38` AS BIGINT) AS `value`, 45 AS `#o` FROM `#sum`
UNION ALL
SELECT 'FirstTimeEnglish' AS `segment`, 'email#1.listed' AS `item`, CAST(`#n39` AS BIGINT) AS `value`, 46 AS `#o` FROM `#sum`
UNION ALL
SELECT 'FirstTimeEnglish' AS `segment`, 'email#1.lacked_consent' AS `item`, CAST(`#n40` AS BIGINT) AS `value`, 47 AS `#o` FROM `#sum`
UNION ALL
SELECT 'FirstTimeEnglish' AS `segment`, 'email#1.condition_false' AS `item`, CAST(`#n41` AS BIGINT) AS `value`, 48 AS `#o` FROM `#sum`
UNION ALL
SELECT 'FirstTimeEnglish' AS `segment`, 'email#1.capped' AS `item`, CAST(`#n11` AS BIGINT) AS `value`, 49 AS `#o` FROM `#sum`
UNION ALL
SELECT 'FirstTimeEnglish' AS `segment`, 'sms#2.eligible' AS `item`, CAST(`#n42` AS BIGINT) AS `value`, 50 AS `#o` FROM `#sum`
UNION ALL
SELECT 'FirstTimeEnglish' AS `segment`, 'sms#2.listed' AS `item`, CAST(`#n43` AS BIGINT) AS `value`, 51 AS `#o` FROM `#sum`
UNION ALL
SELECT 'FirstTimeEnglish' AS `segment`, 'sms#2.lacked_consent' AS `item`, CAST(`#n44` AS BIGINT) AS `value`, 52 AS `#o` FROM `#sum`
UNION ALL
SELECT 'FirstTimeEnglish' AS `segment`, 'sms#2.condition_false' AS `item`, CAST(`#n45` AS BIGINT) AS `value`, 53 AS `#o` FROM `#sum`
UNION ALL
SELECT 'FirstTimeEnglish' AS `segment`, 'sms#2.capped' AS `item`, CAST(`#n11` AS BIGINT) AS `value`, 54 AS `#o` FROM `#sum`
UNION ALL
SELECT 'NoShowTechBarrier' AS `segment`, 'records' AS `item`, CAST(`#n0` AS BIGINT) AS `value`, 55 AS `#o` FROM `#sum`
UNION ALL
SELECT 'NoShowTechBarrier' AS `segment`, 'where_matched' AS `item`, CAST(`#n46` AS BIGINT) AS `value`, 56 AS `#o` FROM `#sum`
UNION ALL
SELECT 'NoShowTechBarrier' AS `segment`, 'exclude_removed.1' AS `item`, CAST(`#n47` AS BIGINT) AS `value`, 57 AS `#o` FROM `#sum`
UNION ALL
SELECT 'NoShowTechBarrier' AS `segment`, 'members' AS `item`, CAST(`#n48` AS BIGINT) AS `value`, 58 AS `#o` FROM `#sum`
UNION ALL
SELECT 'NoShowTechBarrier' AS `segment`, 'taken_by_campaign' AS `item`, CAST(`#n49` AS BIGINT) AS `value`, 59 AS `#o` FROM `#sum`
UNION ALL
SELECT 'NoShowTechBarrier' AS `segment`, 'held_out' AS `item`, CAST(`#n50` AS BIGINT) AS `value`, 60 AS `#o` FROM `#sum`
UNION ALL
SELECT 'NoShowTechBarrier' AS `segment`, 'phone#1.eligible' AS `item`, CAST(`#n51` AS BIGINT) AS `value`, 61 AS `#o` FROM `#sum`
UNION ALL
SELECT 'NoShowTechBarrier' AS `segment`, 'phone#1.listed' AS `item`, CAST(`#n52` AS BIGINT) AS `value`, 62 AS `#o` FROM `#sum`
UNION ALL
SELECT 'NoShowTechBarrier' AS `segment`, 'phone#1.lacked_consent' AS `item`, CAST(`#n53` AS BIGINT) AS `value`, 63 AS `#o` FROM `#sum`
UNION ALL
SELECT 'NoShowTechBarrier' AS `segment`, 'phone#1.condition_false' AS `item`, CAST(`#n54` AS BIGINT) AS `value`, 64 AS `#o` FROM `#sum`
UNION ALL
SELECT 'NoShowTechBarrier' AS `segment`, 'phone#1.capped' AS `item`, CAST(`#n11` AS BIGINT) AS `value`, 65 AS `#o` FROM `#sum`
UNION ALL
SELECT 'NoShowScheduling' AS `segment`, 'records' AS `item`, CAST(`#n0` AS BIGINT) AS `value`, 66 AS `#o` FROM `#sum`
UNION ALL
SELECT 'NoShowScheduling' AS `segment`, 'where_matched' AS `item`, CAST(`#n55` AS BIGINT) AS `value`, 67 AS `#o` FROM `#sum`
UNION ALL
SELECT 'NoShowScheduling' AS `segment`, 'exclude_removed.1' AS `item`, CAST(`#n56` AS BIGINT) AS `value`, 68 AS `#o` FROM `#sum`
UNION ALL
SELECT 'NoShowScheduling' AS `segment`, 'exclude_removed.2' AS `item`, CAST(`#n57` AS BIGINT) AS `value`, 69 AS `#o` FROM `#sum`
UNION ALL
SELECT 'NoShowScheduling' AS `segment`, 'members' AS `item`, CAST(`#n58` AS BIGINT) AS `value`, 70 AS `#o` FROM `#sum`
UNION ALL
SELECT 'NoShowScheduling' AS `segment`, 'taken_by_campaign' AS `item`, CAST(`#n59` AS BIGINT) AS `value`, 71 AS `#o` FROM `#sum`
UNION ALL
SELECT 'NoShowScheduling' AS `segment`, 'held_out' AS `item`, CAST(`#n60` AS BIGINT) AS `value`, 72 AS `#o` FROM `#sum`
UNION ALL
SELECT 'NoShowScheduling' AS `segment`, 'sms#1.eligible' AS `item`, CAST(`#n61` AS BIGINT) AS `value`, 73 AS `#o` FROM `#sum`
UNION ALL
SELECT 'NoShowScheduling' AS `segment`, 'sms#1.listed' AS `item`, CAST(`#n62` AS BIGINT) AS `value`, 74 AS `#o` FROM `#sum`
UNION ALL
SELECT 'NoShowScheduling' AS `segment`, 'sms#1.lacked_consent' AS `item`, CAST(`#n63` AS BIGINT) AS `value`, 75 AS `#o` FROM `#sum`
UNION ALL
SELECT 'NoShowScheduling' AS `segment`, 'sms#1.condition_false' AS `item`, CAST(`#n64` AS BIGINT) AS `value`, 76 AS `#o` FROM `#sum`
UNION ALL
SELECT 'NoShowScheduling' AS `segment`, 'sms#1.capped' AS `item`, CAST(`#n11` AS BIGINT) AS `value`, 77 AS `#o` FROM `#sum`
UNION ALL
SELECT 'NoShowScheduling' AS `segment`, 'email#2.eligible' AS `item`, CAST(`#n65` AS BIGINT) AS `value`, 78 AS `#o` FROM `#sum`
UNION ALL
SELECT 'NoShowScheduling' AS `segment`, 'email#2.listed' AS `item`, CAST(`#n66` AS BIGINT) AS `value`, 79 AS `#o` FROM `#sum`
UNION ALL
SELECT 'NoShowScheduling' AS `segment`, 'email#2.lacked_consent' AS `item`, CAST(`#n67` AS BIGINT) AS `value`, 80 AS `#o` FROM `#sum`
UNION ALL
SELECT 'NoShowScheduling' AS `segment`, 'email#2.condition_false' AS `item`, CAST(`#n68` AS BIGINT) AS `value`, 81 AS `#o` FROM `#sum`
UNION ALL
SELECT 'NoShowScheduling' AS `segment`, 'email#2.capped' AS `item`, CAST(`#n11` AS BIGINT) AS `value`, 82 AS `#o` FROM `#sum`
UNION ALL
SELECT 'OverdueChronicCheckin' AS `segment`, 'records' AS `item`, CAST(`#n0` AS BIGINT) AS `value`, 83 AS `#o` FROM `#sum`
UNION ALL
SELECT 'OverdueChronicCheckin' AS `segment`, 'where_matched' AS `item`, CAST(`#n69` AS BIGINT) AS `value`, 84 AS `#o` FROM `#sum`
UNION ALL
SELECT 'OverdueChronicCheckin' AS `segment`, 'exclude_removed.1' AS `item`, CAST(`#n70` AS BIGINT) AS `value`, 85 AS `#o` FROM `#sum`
UNION ALL
SELECT 'OverdueChronicCheckin' AS `segment`, 'members' AS `item`, CAST(`#n71` AS BIGINT) AS `value`, 86 AS `#o` FROM `#sum`
UNION ALL
SELECT 'OverdueChronicCheckin' AS `segment`, 'taken_by_campaign' AS `item`, CAST(`#n72` AS BIGINT) AS `value`, 87 AS `#o` FROM `#sum`
UNION ALL
SELECT 'OverdueChronicCheckin' AS `segment`, 'held_out' AS `item`, CAST(`#n73` AS BIGINT) AS `value`, 88 AS `#o` FROM `#sum`
UNION ALL
SELECT 'OverdueChronicCheckin' AS `segment`, 'portal#1.eligible' AS `item`, CAST(`#n74` AS BIGINT) AS `value`, 89 AS `#o` FROM `#sum`
UNION ALL
SELECT 'OverdueChronicCheckin' AS `segment`, 'portal#1.listed' AS `item`, CAST(`#n75` AS BIGINT) AS `value`, 90 AS `#o` FROM `#sum`
UNION ALL
SELECT 'OverdueChronicCheckin' AS `segment`, 'portal#1.lacked_consent' AS `item`, CAST(`#n76` AS BIGINT) AS `value`, 91 AS `#o` FROM `#sum`
UNION ALL
SELECT 'OverdueChronicCheckin' AS `segment`, 'portal#1.condition_false' AS `item`, CAST(`#n77` AS BIGINT) AS `value`, 92 AS `#o` FROM `#sum`
UNION ALL
SELECT 'OverdueChronicCheckin' AS `segment`, 'portal#1.capped' AS `item`, CAST(`#n11` AS BIGINT) AS `value`, 93 AS `#o` FROM `#sum`
UNION ALL
SELECT 'OverdueChronicCheckin' AS `segment`, 'sms#2.eligible' AS `item`, CAST(`#n78` AS BIGINT) AS `value`, 94 AS `#o` FROM `#sum`
UNION ALL
SELECT 'OverdueChronicCheckin' AS `segment`, 'sms#2.listed' AS `item`, CAST(`#n79` AS BIGINT) AS `value`, 95 AS `#o` FROM `#sum`
UNION ALL
SELECT 'OverdueChronicCheckin' AS `segment`, 'sms#2.lacked_consent' AS `item`, CAST(`#n80` AS BIGINT) AS `value`, 96 AS `#o` FROM `#sum`
UNION ALL
SELECT 'OverdueChronicCheckin' AS `segment`, 'sms#2.condition_false' AS `item`, CAST(`#n81` AS BIGINT) AS `value`, 97 AS `#o` FROM `#sum`
UNION ALL
SELECT 'OverdueChronicCheckin' AS `segment`, 'sms#2.capped' AS `item`, CAST(`#n11` AS BIGINT) AS `value`, 98 AS `#o` FROM `#sum`
UNION ALL
SELECT 'PostDischarge' AS `segment`, 'records' AS `item`, CAST(`#n0` AS BIGINT) AS `value`, 99 AS `#o` FROM `#sum`
UNION ALL
SELECT 'PostDischarge' AS `segment`, 'where_matched' AS `item`, CAST(`#n82` AS BIGINT) AS `value`, 100 AS `#o` FROM `#sum`
UNION ALL
SELECT 'PostDischarge' AS `segment`, 'exclude_removed.1' AS `item`, CAST(`#n83` AS BIGINT) AS `value`, 101 AS `#o` FROM `#sum`
UNION ALL
SELECT 'PostDischarge' AS `segment`, 'members' AS `item`, CAST(`#n84` AS BIGINT) AS `value`, 102 AS `#o` FROM `#sum`
UNION ALL
SELECT 'PostDischarge' AS `segment`, 'taken_by_campaign' AS `item`, CAST(`#n85` AS BIGINT) AS `value`, 103 AS `#o` FROM `#sum`
UNION ALL
SELECT 'PostDischarge' AS `segment`, 'held_out' AS `item`, CAST(`#n86` AS BIGINT) AS `value`, 104 AS `#o` FROM `#sum`
UNION ALL
SELECT 'PostDischarge' AS `segment`, 'phone#1.eligible' AS `item`, CAST(`#n87` AS BIGINT) AS `value`, 105 AS `#o` FROM `#sum`
UNION ALL
SELECT 'PostDischarge' AS `segment`, 'phone#1.listed' AS `item`, CAST(`#n88` AS BIGINT) AS `value`, 106 AS `#o` FROM `#sum`
UNION ALL
SELECT 'PostDischarge' AS `segment`, 'phone#1.lacked_consent' AS `item`, CAST(`#n89` AS BIGINT) AS `value`, 107 AS `#o` FROM `#sum`
UNION ALL
SELECT 'PostDischarge' AS `segment`, 'phone#1.condition_false' AS `item`, CAST(`#n90` AS BIGINT) AS `value`, 108 AS `#o` FROM `#sum`
UNION ALL
SELECT 'PostDischarge' AS `segment`, 'phone#1.capped' AS `item`, CAST(`#n11` AS BIGINT) AS `value`, 109 AS `#o` FROM `#sum`
UNION ALL
SELECT 'TelehealthOnboarding' AS `segment`, 'taken:IntakeNoBooking>FirstTimeSpanish' AS `item`, CAST(`#n91` AS BIGINT) AS `value`, 110 AS `#o` FROM `#sum` WHERE `#n91` > 0
UNION ALL
SELECT 'TelehealthOnboarding' AS `segment`, 'taken:IntakeNoBooking>FirstTimeEnglish' AS `item`, CAST(`#n92` AS BIGINT) AS `value`, 111 AS `#o` FROM `#sum` WHERE `#n92` > 0
UNION ALL
SELECT 'TelehealthOnboarding' AS `segment`, 'taken:FirstTimeSpanish>FirstTimeEnglish' AS `item`, CAST(`#n93` AS BIGINT) AS `value`, 112 AS `#o` FROM `#sum` WHERE `#n93` > 0
UNION ALL
SELECT 'TelehealthOnboarding' AS `segment`, 'taken:IntakeNoBooking>NoShowTechBarrier' AS `item`, CAST(`#n94` AS BIGINT) AS `value`, 113 AS `#o` FROM `#sum` WHERE `#n94` > 0
UNION ALL
SELECT 'TelehealthOnboarding' AS `segment`, 'taken:FirstTimeSpanish>NoShowTechBarrier' AS `item`, CAST(`#n95` AS BIGINT) AS `value`, 114 AS `#o` FROM `#sum` WHERE `#n95` > 0
UNION ALL
SELECT 'TelehealthOnboarding' AS `segment`, 'taken:FirstTimeEnglish>NoShowTechBarrier' AS `item`, CAST(`#n96` AS BIGINT) AS `value`, 115 AS `#o` FROM `#sum` WHERE `#n96` > 0
UNION ALL
SELECT 'TelehealthOnboarding' AS `segment`, 'taken:IntakeNoBooking>NoShowScheduling' AS `item`, CAST(`#n97` AS BIGINT) AS `value`, 116 AS `#o` FROM `#sum` WHERE `#n97` > 0
UNION ALL
SELECT 'TelehealthOnboarding' AS `segment`, 'taken:FirstTimeSpanish>NoShowScheduling' AS `item`, CAST(`#n98` AS BIGINT) AS `value`, 117 AS `#o` FROM `#sum` WHERE `#n98` > 0
UNION ALL
SELECT 'TelehealthOnboarding' AS `segment`, 'taken:FirstTimeEnglish>NoShowScheduling' AS `item`, CAST(`#n99` AS BIGINT) AS `value`, 118 AS `#o` FROM `#sum` WHERE `#n99` > 0
UNION ALL
SELECT 'TelehealthOnboarding' AS `segment`, 'taken:NoShowTechBarrier>NoShowScheduling' AS `item`, CAST(`#n100` AS BIGINT) AS `value`, 119 AS `#o` FROM `#sum` WHERE `#n100` > 0
UNION ALL
SELECT '' AS `segment`, 'events.rows' AS `item`, CAST(0 + (SELECT COUNT(*) FROM `events`) AS BIGINT) AS `value`, 120 AS `#o`
UNION ALL
SELECT '' AS `segment`, 'events.unmatched' AS `item`, CAST(0 + (SELECT COUNT(*) FROM `events` AS e WHERE NOT EXISTS (SELECT 1 FROM `patients` AS p WHERE p.`id` = e.`patient_id`)) AS BIGINT) AS `value`, 121 AS `#o`
)
SELECT `segment`, `item`, `value`
FROM `#items`
ORDER BY `#o`;
