// The CSV record reader (a state machine with a function per state, copying runs of ordinary
// bytes straight from the chunk it was given) and the writer's quoting; see csv.hpp.
#include "cmbulk/csv.hpp"

#include <algorithm>

#include "cmbulk/utf8.hpp"

namespace cmbulk::csv {

// ---- errors ---------------------------------------------------------------------------------

namespace {

std::string mib(std::size_t bytes) { return std::to_string(bytes >> 20) + " MiB"; }

class csv_category final : public boost::system::error_category {
public:
    const char* name() const noexcept override { return "cmbulk.csv"; }
    std::string message(int ev) const override { return csv::message(static_cast<errc>(ev)); }
};

}  // namespace

const boost::system::error_category& category() {
    static const csv_category c;
    return c;
}

boost::system::error_code make_error_code(errc e) { return {static_cast<int>(e), category()}; }

std::string message(errc e, const limits& l) {
    switch (e) {
        case errc::unterminated_quote:
            return "unterminated quoted field (it opens on this line and the file ends inside it)";
        case errc::stray_quote:
            return "stray quote in an unquoted field (quote the whole field and double the quote)";
        case errc::text_after_quote:
            return "character after a closing quote (double a quote inside a quoted field)";
        case errc::nul_byte:
            return "NUL byte";
        case errc::cell_too_long:
            return "cell longer than " + mib(l.max_cell_bytes);
        case errc::record_too_long:
            return "row longer than " + mib(l.max_record_bytes);
        case errc::too_many_cells:
            return "row has more than " + std::to_string(l.max_cells) + " cells";
        case errc::invalid_utf8:
            return "invalid UTF-8";
        case errc::bom_inside:
            return "byte-order mark (U+FEFF) in the middle of the file";
        case errc::several_records:
            return "more than one record (a line break outside quotes)";
    }
    return "CSV error";
}

// ---- reader: input ----------------------------------------------------------------------------

reader::reader(chunk_source next_chunk, limits l)
    : next_chunk_(std::move(next_chunk)), limits_(l) {}

reader reader::from_text(std::string_view text, limits l) {
    return reader(
        [text, given = false]() mutable {
            if (given) return std::string_view();
            given = true;
            return text;
        },
        l);
}

bool reader::refill_() {
    while (!eof_) {
        buf_ = next_chunk_();
        pos_ = 0;
        if (buf_.empty())
            eof_ = true;
        else
            return true;
    }
    return false;
}

void reader::skip_bom() {
    if (peek() != 0xEF) return;
    if (buf_.size() - pos_ >= 3 && static_cast<unsigned char>(buf_[pos_ + 1]) == 0xBB &&
        static_cast<unsigned char>(buf_[pos_ + 2]) == 0xBF)
        pos_ += 3;
}

char reader::detect_delimiter() {
    if (peek() == -1) return ',';
    std::size_t commas = 0, semicolons = 0, tabs = 0;
    bool quoted = false;
    for (std::size_t i = pos_; i < buf_.size(); ++i) {
        char c = buf_[i];
        if (c == '"') quoted = !quoted;  // a doubled quote toggles twice
        if (quoted) continue;
        if (c == '\n' || c == '\r') break;
        commas += c == ',';
        semicolons += c == ';';
        tabs += c == '\t';
    }
    if (semicolons > commas && semicolons >= tabs) return ';';
    if (tabs > commas && tabs > semicolons) return '\t';
    return ',';
}

bool reader::skip_blank_lines_() {
    for (;;) {
        int c = peek();
        if (c == -1) return false;
        if (c != '\n' && c != '\r') return true;
        get();
        if (c == '\r' && peek() == '\n') get();
        ++line_;
    }
}

// ---- reader: cells ----------------------------------------------------------------------------

void reader::begin_record_(record& r) {
    // Reused storage stays small: big cells and wide records give theirs back.
    if (r.cells.size() > 1024) {
        std::vector<std::string>().swap(r.cells);
    } else {
        for (auto& c : r.cells)
            if (c.capacity() > 4096) std::string().swap(c);
    }
    r.line = line_;
    r.count = 0;
    r.problems.clear();
    record_bytes_ = 0;
    record_too_long_ = false;
    state_ = state::field_start;
    begin_cell_(r);
}

void reader::begin_cell_(record& r) {
    if (r.count >= limits_.max_cells) {
        cell_ = &overflow_;
    } else if (r.count < r.cells.size()) {
        cell_ = &r.cells[r.count];
    } else {
        cell_ = &r.cells.emplace_back();
    }
    cell_->clear();
    high_ = 0;
    cell_too_long_ = nul_ = stray_ = false;
}

void reader::end_cell_(record& r) {
    auto& cell = *cell_;
    // An oversized cell is a problem already: keep none of it.
    if (cell_too_long_) cell.clear();
    if (r.count < limits_.max_cells && (high_ & 0x80) != 0) {
        if (!is_valid_utf8(cell))
            r.problems.push_back({errc::invalid_utf8, r.count, r.line});
        else if (cell.find("\xEF\xBB\xBF") != std::string::npos)
            r.problems.push_back({errc::bom_inside, r.count, r.line});
        else
            saw_utf8_ = true;
    }
    ++r.count;
    begin_cell_(r);
}

void reader::end_line_(int c) {
    if (c == '\r' && peek() == '\n') get();
    if (c != -1) ++line_;
}

void reader::problem_once_(bool& flag, record& r, errc code) {
    if (flag) return;
    flag = true;
    r.problems.push_back({code, r.count, r.line});
}

void reader::push_(record& r, char ch) {
    if (++record_bytes_ > limits_.max_record_bytes) {
        if (!record_too_long_) r.problems.push_back({errc::record_too_long, whole_record, r.line});
        record_too_long_ = true;
        return;
    }
    auto& cell = *cell_;
    if (cell.size() >= limits_.max_cell_bytes) {
        problem_once_(cell_too_long_, r, errc::cell_too_long);
        return;
    }
    // Doubling near the cap would allocate up to twice the cap (and libstdc++'s reserve
    // doubles too): once a cell is big, jump straight to the cap.
    if (cell.size() == cell.capacity() && cell.capacity() >= 64 * 1024 &&
        cell.capacity() < limits_.max_cell_bytes)
        cell.reserve(limits_.max_cell_bytes);
    high_ |= static_cast<unsigned char>(ch);
    cell.push_back(ch);
}

void reader::take_run_(bool quoted) {
    // Copies the run of ordinary bytes that follows straight from the chunk (the common case:
    // most cells hold no quote, delimiter or line break). A run that would cross a limit is
    // left to push_(), byte by byte, which reports it.
    auto& cell = *cell_;
    if (cell_too_long_ || record_too_long_ || record_bytes_ >= limits_.max_record_bytes ||
        cell.size() >= limits_.max_cell_bytes || pos_ == buf_.size())
        return;
    // At most what still fits under both limits: the byte after that goes to push_().
    auto avail = buf_.substr(pos_, std::min(limits_.max_record_bytes - record_bytes_,
                                            limits_.max_cell_bytes - cell.size()));
    const char delim = quoted ? '"' : delim_;  // inside quotes the delimiter is ordinary
    unsigned char high = 0;
    std::size_t n = 0;
    for (; n < avail.size(); ++n) {
        char ch = avail[n];
        if (ch == '"' || ch == '\n' || ch == '\r' || ch == '\0' || ch == delim) break;
        high |= static_cast<unsigned char>(ch);
    }
    if (n == 0) return;
    if (cell.size() + n > cell.capacity() && cell.capacity() >= 64 * 1024)
        cell.reserve(limits_.max_cell_bytes);  // as in push_(): no doubling past the cap
    high_ |= high;
    record_bytes_ += n;
    cell.append(avail.data(), n);
    pos_ += n;
}

// ---- reader: states ---------------------------------------------------------------------------

reader::step reader::on_field_start_(record& r, int c) {
    if (c == '"') {
        state_ = state::quoted;
        quote_line_ = line_;
        return step::more;
    }
    state_ = state::unquoted;
    return on_unquoted_(r, c);
}

reader::step reader::on_unquoted_(record& r, int c) {
    if (c == -1 || c == '\n' || c == '\r') {
        end_cell_(r);
        end_line_(c);
        return step::record_done;
    }
    if (c == delim_) {
        end_cell_(r);
        state_ = state::field_start;
        return step::more;
    }
    if (c == 0) {
        problem_once_(nul_, r, errc::nul_byte);
        return step::more;
    }
    if (c == '"') problem_once_(stray_, r, errc::stray_quote);
    push_(r, static_cast<char>(c));
    take_run_(false);
    return step::more;
}

reader::step reader::on_quoted_(record& r, int c) {
    if (c == -1) {
        fatal_ = problem{errc::unterminated_quote, r.count, quote_line_};
        return step::stop;
    }
    if (c == '"') {
        state_ = state::quote_seen;
        return step::more;
    }
    if (c == '\n' || (c == '\r' && peek() != '\n')) ++line_;
    if (c == 0) {
        problem_once_(nul_, r, errc::nul_byte);
        return step::more;
    }
    push_(r, static_cast<char>(c));
    take_run_(true);
    return step::more;
}

reader::step reader::on_quote_seen_(record& r, int c) {
    if (c == '"') {  // a doubled quote stands for one
        push_(r, '"');
        state_ = state::quoted;
        return step::more;
    }
    if (c == delim_) {
        end_cell_(r);
        state_ = state::field_start;
        return step::more;
    }
    if (c == -1 || c == '\n' || c == '\r') {
        end_cell_(r);
        end_line_(c);
        return step::record_done;
    }
    problem_once_(stray_, r, errc::text_after_quote);
    if (c == 0) return step::more;
    push_(r, static_cast<char>(c));
    state_ = state::unquoted;
    return step::more;
}

bool reader::next(record& r) {
    if (fatal_ || !skip_blank_lines_()) return false;
    begin_record_(r);
    for (;;) {
        int c = get();
        step s = step::more;
        switch (state_) {
            case state::field_start:
                s = on_field_start_(r, c);
                break;
            case state::unquoted:
                s = on_unquoted_(r, c);
                break;
            case state::quoted:
                s = on_quoted_(r, c);
                break;
            case state::quote_seen:
                s = on_quote_seen_(r, c);
                break;
        }
        if (s == step::more) continue;
        if (s == step::stop) return false;
        r.cells.resize(std::min(r.count, limits_.max_cells));
        if (r.too_many_cells()) r.problems.push_back({errc::too_many_cells, whole_record, r.line});
        return true;
    }
}

// ---- writer -----------------------------------------------------------------------------------

void append_cell(std::string& out, std::string_view v, char delimiter) {
    // RFC 4180: quote cells holding the delimiter, a quote or a line break; double the quotes.
    const char specials[] = {delimiter, '"', '\r', '\n', '\0'};
    if (v.find_first_of(std::string_view(specials, 4)) == std::string_view::npos) {
        out.append(v);
        return;
    }
    out.push_back('"');
    for (char c : v) {
        if (c == '"') out.push_back('"');
        out.push_back(c);
    }
    out.push_back('"');
}

std::string quote_cell(std::string_view cell, char delimiter) {
    std::string out;
    append_cell(out, cell, delimiter);
    return out;
}

std::string join_record(std::span<const std::string> cells, char delimiter) {
    std::string out;
    for (std::size_t i = 0; i < cells.size(); ++i) {
        if (i) out.push_back(delimiter);
        append_cell(out, cells[i], delimiter);
    }
    return out;
}

boost::system::result<std::vector<std::string>> split_record(std::string_view text,
                                                             char delimiter) {
    auto in = reader::from_text(text);
    in.set_delimiter(delimiter);
    record r;
    if (!in.next(r)) {
        if (in.fatal()) return make_error_code(in.fatal()->code);
        return std::vector<std::string>{};
    }
    if (!r.problems.empty()) return make_error_code(r.problems.front().code);
    record more;
    if (in.next(more)) return make_error_code(errc::several_records);
    if (in.fatal()) return make_error_code(in.fatal()->code);
    return std::move(r.cells);
}

}  // namespace cmbulk::csv
