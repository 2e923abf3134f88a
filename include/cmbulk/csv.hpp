// The one CSV reader and writer (RFC 4180): a streaming record reader over chunks of bytes (a
// file in 64 KiB reads, or a string) with bounded memory, problems as values with the cell and
// line where they are, delimiter detection (`,` or Excel's `;` in many locales), and the quoting
// of cells for writing. Used by the manifest, the row report and the audit's files; a pure leaf.
#pragma once

#include <boost/system/error_code.hpp>
#include <boost/system/result.hpp>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace cmbulk::csv {

/// Limits that keep memory bounded whatever the input.
struct limits {
    std::size_t max_cell_bytes = 1 << 20;    ///< one cell
    std::size_t max_record_bytes = 4 << 20;  ///< one record (all its cells)
    std::size_t max_cells = 10'000;          ///< cells kept per record (the rest are counted)
};

/// What can be wrong in CSV text.
enum class errc {
    unterminated_quote = 1,  ///< the input ends inside a quoted cell (reading stops)
    stray_quote,             ///< a quote inside an unquoted cell
    text_after_quote,        ///< a character after the closing quote of a cell
    nul_byte,                ///< a NUL byte in a cell (dropped)
    cell_too_long,           ///< a cell over limits::max_cell_bytes (kept empty)
    record_too_long,         ///< a record over limits::max_record_bytes (the rest is dropped)
    too_many_cells,          ///< more than limits::max_cells cells
    invalid_utf8,            ///< a cell that is not UTF-8
    bom_inside,              ///< a byte-order mark (U+FEFF) inside a cell
    several_records,         ///< split_record: text after the end of the one record
};
const boost::system::error_category& category();
boost::system::error_code make_error_code(errc e);
/// The problem as the manifest's messages say it, with the limits that apply ("cell longer
/// than 1 MiB").
std::string message(errc e, const limits& l = {});

/// `problem::cell` of a problem that belongs to the record as a whole.
inline constexpr std::size_t whole_record = static_cast<std::size_t>(-1);

/// One problem of a record.
struct problem {
    errc code = errc::stray_quote;
    std::size_t cell = whole_record;  ///< 0-based index of the cell concerned
    std::uint64_t line = 0;  ///< the record's first line (for an unterminated quote: its line)
};

/// One record. A reader reuses the cells' storage from one record to the next.
struct record {
    std::uint64_t line = 0;          ///< 1-based line where the record starts
    std::vector<std::string> cells;  ///< at most limits::max_cells
    std::size_t count = 0;           ///< cells seen, including those past max_cells
    std::vector<problem> problems;   ///< in the order met
    bool too_many_cells() const { return count > cells.size(); }
};

/// Where a reader's bytes come from: each call returns the next chunk, empty at the end. A
/// chunk stays valid until the next call.
using chunk_source = std::function<std::string_view()>;

/// Streams records out of chunks of CSV text. Empty lines between records are skipped; a lone
/// CR, LF or CRLF ends a record; quoted cells may hold delimiters, doubled quotes and line
/// breaks. Problems do not stop reading (the cell keeps what could be read) except an
/// unterminated quote at the end of the input.
class reader {
public:
    explicit reader(chunk_source next_chunk, limits l = {});
    /// Reads `text`, which must outlive the reader.
    static reader from_text(std::string_view text, limits l = {});

    /// Skips a UTF-8 byte-order mark at the very start.
    void skip_bom();
    /// The delimiter of the first line: ',', ';' or tab, whichever occurs most often outside
    /// quotes before its end (within the first chunk); ',' when none does or on a tie. Reads
    /// nothing. Call before the first record (after skip_bom), then set_delimiter.
    char detect_delimiter();
    void set_delimiter(char d) { delim_ = d; }
    char delimiter() const { return delim_; }

    /// Reads the next record into `r` (its old cells are reused). False at the end of the
    /// input, or when it ends inside a quoted cell (then fatal() says where).
    bool next(record& r);
    const std::optional<problem>& fatal() const { return fatal_; }
    /// Whether a cell read so far held non-ASCII text that is valid UTF-8: evidence that the
    /// input is UTF-8 (and that an invalid cell is damage, not another encoding).
    bool saw_utf8_text() const { return saw_utf8_; }

private:
    enum class state { field_start, unquoted, quoted, quote_seen };
    enum class step { more, record_done, stop };

    int get() {
        if (pos_ == buf_.size() && !refill_()) return -1;
        return static_cast<unsigned char>(buf_[pos_++]);
    }
    int peek() {
        if (pos_ == buf_.size() && !refill_()) return -1;
        return static_cast<unsigned char>(buf_[pos_]);
    }
    bool refill_();
    bool skip_blank_lines_();
    void begin_record_(record& r);
    void begin_cell_(record& r);
    void end_cell_(record& r);
    void end_line_(int c);
    void problem_once_(bool& flag, record& r, errc code);
    void push_(record& r, char ch);
    void take_run_(bool quoted);
    step on_field_start_(record& r, int c);
    step on_unquoted_(record& r, int c);
    step on_quoted_(record& r, int c);
    step on_quote_seen_(record& r, int c);

    chunk_source next_chunk_;
    limits limits_;
    std::string_view buf_;
    std::size_t pos_ = 0;
    bool eof_ = false;
    char delim_ = ',';
    std::uint64_t line_ = 1;
    std::optional<problem> fatal_;
    bool saw_utf8_ = false;
    // The record being read.
    state state_ = state::field_start;
    std::string* cell_ = nullptr;  ///< the cell being filled (in the record, or overflow_)
    std::string overflow_;         ///< cells past max_cells are read into this and dropped
    std::size_t record_bytes_ = 0;
    std::uint64_t quote_line_ = 0;
    unsigned char high_ = 0;  ///< OR of the cell's bytes: bit 7 set when it is not ASCII
    bool cell_too_long_ = false, record_too_long_ = false, nul_ = false, stray_ = false;
};

/// Appends `cell` as RFC 4180 writes it: as is, or in double quotes with inner quotes doubled
/// when it holds the delimiter, a quote, CR or LF.
void append_cell(std::string& out, std::string_view cell, char delimiter = ',');
/// One cell as append_cell writes it.
std::string quote_cell(std::string_view cell, char delimiter = ',');
/// Cells quoted as needed and joined by the delimiter; no line terminator.
std::string join_record(std::span<const std::string> cells, char delimiter = ',');

/// The cells of the one record in `text` (a trailing line break is fine; none for empty text).
/// Any problem is an error: an unterminated or stray quote, text after a closing quote, a NUL,
/// invalid UTF-8, or a second record after a line break outside quotes (several_records).
boost::system::result<std::vector<std::string>> split_record(std::string_view text,
                                                             char delimiter = ',');

}  // namespace cmbulk::csv

template <>
struct boost::system::is_error_code_enum<cmbulk::csv::errc> : std::true_type {};
