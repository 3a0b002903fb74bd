// MD5 (RFC 1321), self-contained, for the portable holdout rule (docs/language.md
// §4): bucket = first 8 hex digits of MD5(key + ":" + segment) mod 10000.
// MD5 is used here as a stable hash every engine and SQL dialect can
// reproduce, not for security.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace cohort {

/// The 16-byte MD5 digest of `data`.
std::array<uint8_t, 16> Md5(std::string_view data);
/// Lowercase hex of a digest (32 characters), as `md5sum` prints it.
std::string Md5Hex(std::string_view data);
/// Holdout bucket 0..9999: the first 4 digest bytes of MD5(key ":" segment),
/// read big-endian (the first 8 hex digits), modulo 10000.
uint32_t HoldoutBucket(std::string_view key, std::string_view segment);
/// True when the record is in the control group: bucket < holdout_bp
/// (`holdout 10%` = 1000 basis points).
bool IsHeldOut(std::string_view key, std::string_view segment, uint32_t holdout_bp);
/// Variant bucket 0..9999 (issue 12): like HoldoutBucket but over
/// MD5(key ":" segment ":variant"), so the split is independent of the
/// holdout. Variants take consecutive ranges of buckets in the order written.
uint32_t VariantBucket(std::string_view key, std::string_view segment);
/// HoldoutBucket / VariantBucket of `n` keys at once (several digests per
/// vector instruction): out[i] = HoldoutBucket(keys[i], segment), resp.
/// VariantBucket(keys[i], segment). Same results, faster on many keys.
void HoldoutBuckets(const std::string_view* keys, size_t n, std::string_view segment, uint32_t* out);
void VariantBuckets(const std::string_view* keys, size_t n, std::string_view segment, uint32_t* out);

}  // namespace cohort
