// Internals of the manifest module (cmbulk::detail): a buffered, hashing byte reader and the
// syntax layer that turns CSV (csv.hpp's reader) / JSON / JSON Lines bytes into raw rows (a JSON
// object per row plus syntax errors). Validation against the catalogue happens above this, in
// manifest.cpp.
#pragma once

#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cmbulk/manifest.hpp"

namespace cmbulk::detail {

/// Limits that keep memory bounded whatever the input.
inline constexpr std::size_t max_cell_bytes = 1 << 20;            ///< one CSV cell / JSON string
inline constexpr std::size_t max_row_bytes = 4 << 20;             ///< one CSV row / JSON element
inline constexpr std::size_t max_columns = 10'000;                ///< CSV columns per row
inline constexpr std::size_t max_json_depth = 32;                 ///< JSON nesting
inline constexpr std::size_t max_reference_file_bytes = 1 << 20;  ///< ${file:..} content

/// Reads a file in 64 KiB chunks and feeds every byte it reads to a SHA-256.
class byte_reader {
public:
    byte_reader();
    ~byte_reader();
    byte_reader(const byte_reader&) = delete;
    byte_reader& operator=(const byte_reader&) = delete;

    /// Opens the file; on failure `error` says why.
    bool open(const std::filesystem::path& p, std::string& error);
    /// The next byte (0..255) or -1 at the end.
    int get() {
        if (pos_ == len_ && !fill()) return -1;
        return static_cast<unsigned char>(buf_[pos_++]);
    }
    /// The next byte without consuming it, or -1.
    int peek() {
        if (pos_ == len_ && !fill()) return -1;
        return static_cast<unsigned char>(buf_[pos_]);
    }
    /// Consumes and returns the bytes read ahead (refilled when none are left); empty at the
    /// end. The CSV reader's chunk_source: it copies runs of ordinary bytes from them.
    std::string_view next_chunk() {
        if (pos_ == len_ && !fill()) return {};
        std::string_view v(buf_.data() + pos_, len_ - pos_);
        pos_ = len_;
        return v;
    }
    /// Skips a UTF-8 byte-order mark at the very start of the file.
    void skip_bom();
    /// Reads (and hashes) the rest of the file.
    void drain();
    /// Whether a read failed (as opposed to reaching the end).
    bool io_error() const { return io_error_; }
    /// The SHA-256 of every byte of the file, lowercase hex; drains first.
    std::string sha256_hex();

private:
    bool fill();
    std::FILE* file_ = nullptr;
    std::vector<char> buf_;
    std::size_t pos_ = 0, len_ = 0;
    bool eof_ = false, io_error_ = false, finalized_ = false;
    struct hash_state;
    std::unique_ptr<hash_state> hash_;
    std::string hex_;
};

/// An error (or a warning) found by the syntax layer.
struct source_error {
    std::uint64_t line = 0;
    std::string field;
    std::string message;
    manifest_errc code = manifest_errc::syntax;
};

/// What the syntax layer found outside the rows: errors that make the file unusable, warnings.
struct source_notes {
    std::vector<source_error> errors;
    std::vector<source_error> warnings;
};

/// One row before validation.
struct raw_row {
    std::uint64_t line = 0;
    boost::json::object obj;           ///< keys as written; CSV values are strings
    std::vector<source_error> errors;  ///< syntax errors of this row
    bool unusable = false;             ///< the row could not be read as an object at all
};

/// The syntax layer for one format.
class manifest_source {
public:
    explicit manifest_source(std::unique_ptr<byte_reader> bytes) : bytes_(std::move(bytes)) {}
    virtual ~manifest_source() = default;
    /// Reads what precedes the rows (CSV header, JSON '['); problems go to `notes`.
    virtual void start(source_notes& notes) = 0;
    /// Reads the next row; false at the end or after an error that stops reading (then it is
    /// in notes.errors). A row may add file errors too (a file found not to be UTF-8).
    virtual bool next(raw_row& row, source_notes& notes) = 0;
    byte_reader& bytes() { return *bytes_; }

protected:
    std::unique_ptr<byte_reader> bytes_;
};

/// A CSV source (manifest_csv.cpp); `delimiter` unset means "detect it from the header line";
/// `file` is the manifest's name as messages show it.
std::unique_ptr<manifest_source> make_csv_source(std::unique_ptr<byte_reader> bytes,
                                                 std::optional<char> delimiter, std::string file);
std::unique_ptr<manifest_source> make_json_source(std::unique_ptr<byte_reader> bytes);
std::unique_ptr<manifest_source> make_jsonl_source(std::unique_ptr<byte_reader> bytes);

/// A name or value made safe to print in a message: at most `max` bytes, control characters
/// and invalid bytes as \xNN, "..." when cut.
std::string printable(std::string_view s, std::size_t max = 64);
/// Every column / key name a manifest may use: projectId, type, action and all catalogue fields.
std::vector<std::string_view> known_names();

}  // namespace cmbulk::detail
