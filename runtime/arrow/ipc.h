// The Arrow IPC file format (the columnar format specification's "IPC File
// Format"): magic `ARROW1`, the schema, dictionary and record batch messages
// (flatbuffer metadata + 8-byte aligned little-endian body), a footer that
// indexes them. The reader checks everything it is given — flatbuffers
// through the Verifier, every buffer against its message body, every offset
// and dictionary index against what it points into — so a malformed file is
// an error message, never a crash; it copies nothing except buffers a
// foreign writer left misaligned. Messages never contain a value (PHI).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace cohort::arrow {

/// Arrow logical types, numbered like the format's `Type` union.
enum class TypeId : uint8_t {
  kNone = 0, kNull, kInt, kFloat, kBinary, kUtf8, kBool, kDecimal, kDate, kTime, kTimestamp, kInterval, kList,
  kStruct, kUnion, kFixedSizeBinary, kFixedSizeList, kMap, kDuration, kLargeBinary, kLargeUtf8, kLargeList,
  kRunEndEncoded, kBinaryView, kUtf8View, kListView, kLargeListView,
};

/// Time units of Timestamp (and Date: 0 = day, 1 = millisecond).
enum class TimeUnit : uint8_t { kSecond = 0, kMilli, kMicro, kNano };

/// A logical type with its parameters.
struct DataType {
  TypeId id = TypeId::kNone;
  int bit_width = 0;         ///< Int, Decimal (128/256)
  bool is_signed = false;    ///< Int
  int precision = 0;         ///< FloatingPoint (0 half, 1 single, 2 double); Decimal digits
  int scale = 0;             ///< Decimal
  int unit = 0;              ///< Date (0 day, 1 ms), Timestamp/Time/Duration (TimeUnit)
  std::string timezone;      ///< Timestamp
  /// `int64`, `utf8`, `timestamp[us, tz=UTC]`, ... for messages.
  std::string ToString() const;
};

/// A field of a schema (a column, or a child of a nested column).
struct Field {
  std::string name;
  bool nullable = true;
  DataType type;                  ///< the value type (of the dictionary, if encoded)
  bool dictionary_encoded = false;
  int64_t dictionary_id = 0;
  DataType index_type;            ///< Int, for dictionary-encoded fields
  std::vector<Field> children;
  /// The type as a user would name it: `dictionary<int32, utf8>`, `list<utf8>`.
  std::string TypeString() const;
};

/// One array of a record batch, pointing into the file (or into an aligned
/// copy the reader owns). Which pointers are set depends on the field type:
///   fixed width / bool: values; utf8, binary: offsets + data; list: offsets;
///   dictionary-encoded: values = indices, dictionary = the values array.
/// `validity` is null when every slot is valid (null_count == 0).
struct Array {
  int64_t length = 0;
  int64_t null_count = 0;
  const uint8_t* validity = nullptr;
  const uint8_t* values = nullptr;
  const void* offsets = nullptr;   ///< int32 or int64 (Large*) per the type
  const uint8_t* data = nullptr;
  int64_t data_size = 0;
  std::vector<Array> children;
  const Array* dictionary = nullptr;
};

/// A whole file, checked. Arrays point into the bytes given to ReadArrowFile,
/// which must outlive it.
struct File {
  std::vector<Field> fields;
  std::vector<std::pair<std::string, std::string>> metadata;  ///< schema custom_metadata
  /// Per record batch: its row count and one array per field.
  struct Batch {
    int64_t length = 0;
    std::vector<Array> columns;
    const uint8_t* body = nullptr;  ///< the message body its buffers lie in
    int64_t body_length = 0;
  };
  std::vector<Batch> batches;
  /// Dictionaries by id (stable addresses: Array::dictionary points here).
  std::vector<std::pair<int64_t, std::unique_ptr<Array>>> dictionaries;
  /// Aligned copies of misaligned buffers.
  std::vector<std::unique_ptr<uint64_t[]>> copies;
  /// The metadata value of `key`, or nullptr.
  const std::string* Metadata(std::string_view key) const;
};

/// Parses and checks an Arrow IPC file held in memory. Returns "" or what is
/// wrong (without any value from the file). The single entry point a fuzzer
/// can call. `value_fields`: the top-level fields (by name) whose values are
/// checked too (dictionary indices in range, offsets in order and inside
/// their data); null: every field. The others get the structural checks
/// only (every buffer inside its body and long enough for the column), so
/// their indices and offsets must never be followed.
std::string ReadArrowFile(const uint8_t* data, size_t size, File* out,
                          const std::vector<std::string>* value_fields = nullptr);

/// An array to write: buffers in the format's order for its type (an empty
/// validity buffer means no nulls), children in field order.
struct WriteArray {
  int64_t length = 0;
  int64_t null_count = 0;
  std::vector<std::pair<const void*, size_t>> buffers;
  std::vector<WriteArray> children;
};

/// Streams an Arrow IPC file: record batches go to a body file as they come;
/// Finish writes the schema and the dictionaries (known only at the end)
/// ahead of them into `path`, then the footer. The caller renames `path`.
class FileWriter {
 public:
  FileWriter() = default;
  FileWriter(const FileWriter&) = delete;
  FileWriter& operator=(const FileWriter&) = delete;
  ~FileWriter();
  /// Starts a file with `fields` (dictionary ids set by the caller).
  bool Open(const std::string& path, std::vector<Field> fields,
            std::vector<std::pair<std::string, std::string>> metadata, std::string* error);
  /// Replaces the schema's custom metadata (written by Finish).
  void SetMetadata(std::vector<std::pair<std::string, std::string>> metadata) { metadata_ = std::move(metadata); }
  /// Appends a record batch of `rows` rows, one array per field.
  bool WriteBatch(int64_t rows, const std::vector<WriteArray>& columns, std::string* error);
  /// Writes the file: magic, schema, `dictionaries` (id, values array of the
  /// field's value type), the batches, the footer; flushed to disk.
  bool Finish(const std::vector<std::pair<int64_t, WriteArray>>& dictionaries, std::string* error);

 private:
  std::string path_;
  std::string body_path_;
  int body_fd_ = -1;
  std::vector<Field> fields_;
  std::vector<std::pair<std::string, std::string>> metadata_;
  struct BlockInfo {
    int64_t offset;
    int32_t metadata_length;
    int64_t body_length;
  };
  std::vector<BlockInfo> batches_;  ///< offsets relative to the body file
  int64_t body_size_ = 0;
};

}  // namespace cohort::arrow
