// The syntax layer of the manifest module: a hashing byte reader, an RFC 4180 CSV record reader,
// a streaming scanner that cuts a JSON array into its elements (each then parsed by Boost.JSON),
// and a JSON Lines reader. Memory stays bounded by the limits in manifest_source.hpp.
#include "cmbulk/manifest_source.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <boost/json/parse.hpp>
#include <cerrno>
#include <cstring>
#include <unordered_set>

namespace cmbulk::detail {

// ---------------------------------------------------------------------------------------------
// byte_reader

struct byte_reader::hash_state {
    EVP_MD_CTX* ctx = nullptr;
    hash_state() : ctx(EVP_MD_CTX_new()) { EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr); }
    ~hash_state() { EVP_MD_CTX_free(ctx); }
};

byte_reader::byte_reader() : buf_(64 * 1024), hash_(std::make_unique<hash_state>()) {}

byte_reader::~byte_reader() {
    if (file_) std::fclose(file_);
}

bool byte_reader::open(const std::filesystem::path& p, std::string& error) {
    std::error_code ec;
    if (std::filesystem::is_directory(p, ec)) {
        error = "cannot open: is a directory";
        return false;
    }
    file_ = std::fopen(p.c_str(), "rb");
    if (!file_) {
        error = std::string("cannot open: ") + std::strerror(errno);
        return false;
    }
    return true;
}

bool byte_reader::fill() {
    if (eof_ || !file_) return false;
    len_ = std::fread(buf_.data(), 1, buf_.size(), file_);
    pos_ = 0;
    if (len_ == 0) {
        if (std::ferror(file_)) io_error_ = true;
        eof_ = true;
        return false;
    }
    EVP_DigestUpdate(hash_->ctx, buf_.data(), len_);
    return true;
}

void byte_reader::skip_bom() {
    if (peek() != 0xEF) return;
    if (len_ - pos_ >= 3 && static_cast<unsigned char>(buf_[pos_ + 1]) == 0xBB &&
        static_cast<unsigned char>(buf_[pos_ + 2]) == 0xBF)
        pos_ += 3;
}

void byte_reader::drain() {
    pos_ = len_;
    while (fill()) pos_ = len_;
}

std::string byte_reader::sha256_hex() {
    if (!file_) return {};
    if (!finalized_) {
        drain();
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned int n = 0;
        EVP_DigestFinal_ex(hash_->ctx, md, &n);
        static constexpr char digits[] = "0123456789abcdef";
        for (unsigned int i = 0; i < n; ++i) {
            hex_ += digits[md[i] >> 4];
            hex_ += digits[md[i] & 15];
        }
        finalized_ = true;
    }
    return hex_;
}

// ---------------------------------------------------------------------------------------------
// helpers

std::string printable(std::string_view s, std::size_t max) {
    std::string out;
    bool cut = s.size() > max;
    if (cut) s = s.substr(0, max);
    // Keep valid UTF-8 sequences, escape control characters and stray bytes.
    std::size_t i = 0;
    while (i < s.size()) {
        auto c = static_cast<unsigned char>(s[i]);
        if (c >= 0x20 && c < 0x7F) {
            out += static_cast<char>(c);
            ++i;
            continue;
        }
        std::size_t n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 0;
        if (n && i + n <= s.size() && is_valid_utf8(s.substr(i, n))) {
            out.append(s.substr(i, n));
            i += n;
            continue;
        }
        static constexpr char digits[] = "0123456789ABCDEF";
        out += "\\x";
        out += digits[c >> 4];
        out += digits[c & 15];
        ++i;
    }
    if (cut) out += "...";
    return out;
}

std::vector<std::string_view> known_names() {
    std::vector<std::string_view> names{"projectId", "type", "action"};
    for (auto& t : all_types())
        for (auto& f : t.fields)
            if (std::find(names.begin(), names.end(), f.name) == names.end())
                names.push_back(f.name);
    return names;
}

namespace {

bool is_json_ws(int c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::string json_error_message(const boost::system::error_code& ec) {
    if (ec == boost::json::error::too_deep)
        return "nesting deeper than " + std::to_string(max_json_depth) + " levels";
    return "invalid JSON: " + ec.message();
}

/// The first key that occurs twice in the top-level object of a valid JSON text, or nullopt.
/// Boost.JSON keeps only the last of duplicate keys, which would silently drop a value.
std::optional<std::string> duplicate_top_level_key(std::string_view text) {
    std::unordered_set<std::string> keys;
    std::size_t depth = 0, string_start = 0;
    std::string_view last_string;
    bool in_string = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (in_string) {
            if (c == '\\') {
                ++i;
            } else if (c == '"') {
                in_string = false;
                last_string = text.substr(string_start, i + 1 - string_start);
            }
            continue;
        }
        if (c == '"') {
            in_string = true;
            string_start = i;
        } else if (c == '{' || c == '[') {
            ++depth;
        } else if (c == '}' || c == ']') {
            --depth;
        } else if (c == ':' && depth == 1) {
            boost::system::error_code ec;
            auto key = boost::json::parse(last_string, ec);
            if (ec || !key.is_string()) continue;
            std::string k(key.get_string());
            if (!keys.insert(k).second) return k;
        }
    }
    return std::nullopt;
}

/// Parses one element's text into row.obj, or records why it cannot.
void parse_element(const std::string& text, raw_row& row) {
    boost::json::parse_options po;
    po.max_depth = max_json_depth;
    boost::system::error_code ec;
    auto v = boost::json::parse(text, ec, {}, po);
    if (ec) {
        row.errors.push_back({row.line, "", json_error_message(ec)});
        row.unusable = true;
        return;
    }
    if (!v.is_object()) {
        row.errors.push_back(
            {row.line, "",
             "expected an object, got " + std::string(boost::json::to_string(v.kind()))});
        row.unusable = true;
        return;
    }
    if (auto dup = duplicate_top_level_key(text)) {
        row.errors.push_back({row.line, printable(*dup), "key given twice in one object"});
        row.unusable = true;
        return;
    }
    row.obj = std::move(v.get_object());
}

// ---------------------------------------------------------------------------------------------
// CSV (RFC 4180)

class csv_source final : public manifest_source {
public:
    using manifest_source::manifest_source;

    void start(std::vector<source_error>& file_errors) override {
        bytes_->skip_bom();
        record rec;
        auto st = read_record(rec);
        if (st == status::fatal) {
            file_errors.push_back(fatal_);
            stopped_ = true;
            return;
        }
        if (st == status::eof) {
            stopped_ = true;  // empty file: the reader reports the empty manifest
            return;
        }
        for (auto& e : rec.errors) file_errors.push_back({rec.line, "", e.second});
        if (rec.too_many) {
            file_errors.push_back(
                {rec.line, "", "header has more than " + std::to_string(max_columns) + " columns"});
            stopped_ = true;
            return;
        }
        auto names = known_names();
        header_ = rec.cells;
        use_.assign(header_.size(), false);
        for (std::size_t i = 0; i < header_.size(); ++i) {
            const auto& h = header_[i];
            auto col = "column " + std::to_string(i + 1);
            if (h.empty()) {
                file_errors.push_back({rec.line, "", col + " has an empty name"});
                continue;
            }
            auto first = std::find(header_.begin(), header_.begin() + static_cast<long>(i), h);
            if (first != header_.begin() + static_cast<long>(i)) {
                file_errors.push_back({rec.line, printable(h),
                                       "duplicate column (first is column " +
                                           std::to_string(first - header_.begin() + 1) + ")"});
                continue;
            }
            if (std::find(names.begin(), names.end(), h) == names.end()) {
                auto hint = closest_name(h, names);
                file_errors.push_back(
                    {rec.line, printable(h),
                     "unknown column" +
                         (hint.empty() ? std::string() : "; did you mean \"" + hint + "\"?")});
                continue;
            }
            use_[i] = true;
        }
    }

    bool next(raw_row& row, std::vector<source_error>& file_errors) override {
        if (stopped_) return false;
        record rec;
        for (;;) {
            rec = record{};
            rec.cells.reserve(header_.size());
            auto st = read_record(rec);
            if (st == status::fatal) {
                file_errors.push_back(fatal_);
                stopped_ = true;
                return false;
            }
            if (st == status::eof) {
                stopped_ = true;
                return false;
            }
            // Spreadsheets often end with rows of bare commas: a row with no value is skipped.
            bool blank =
                rec.errors.empty() && std::all_of(rec.cells.begin(), rec.cells.end(),
                                                  [](const std::string& c) { return c.empty(); });
            if (!blank) break;
        }
        row = raw_row{};
        row.line = rec.line;
        for (auto& e : rec.errors) row.errors.push_back({rec.line, e.first, std::move(e.second)});
        if (rec.too_many)
            row.errors.push_back(
                {rec.line, "", "row has more than " + std::to_string(max_columns) + " cells"});
        else if (rec.count != header_.size())
            row.errors.push_back({rec.line, "",
                                  "row has " + std::to_string(rec.count) +
                                      " cells, the header has " + std::to_string(header_.size())});
        // A ragged row's cells may sit under the wrong columns: judge nothing else in it.
        if (rec.too_many || rec.count != header_.size()) {
            row.unusable = true;
            return true;
        }
        auto n = std::min(rec.cells.size(), header_.size());
        row.obj.reserve(n);
        for (std::size_t i = 0; i < n; ++i)
            if (use_[i] && !rec.cells[i].empty())
                row.obj[header_[i]] = boost::json::string(rec.cells[i]);
        return true;
    }

private:
    enum class status { ok, eof, fatal };
    struct record {
        std::uint64_t line = 0;
        std::vector<std::string> cells;
        std::size_t count = 0;  ///< cells seen, including those past max_columns
        bool too_many = false;
        std::vector<std::pair<std::string, std::string>> errors;  ///< (column, message)
    };

    std::string column_name(std::size_t i) const {
        return i < header_.size() ? printable(header_[i]) : std::string();
    }

    status read_record(record& r) {
        auto& in = *bytes_;
        // Skip empty lines between records.
        for (;;) {
            int c = in.peek();
            if (c == '\n') {
                in.get();
                ++line_;
            } else if (c == '\r') {
                in.get();
                if (in.peek() == '\n') in.get();
                ++line_;
            } else if (c == -1) {
                return status::eof;
            } else {
                break;
            }
        }
        r.line = line_;
        std::string cell;
        std::size_t row_bytes = 0;
        bool cell_too_long = false, row_too_long = false, nul = false, stray = false;
        std::uint64_t quote_line = 0;
        enum class st { field_start, unquoted, quoted, quote_seen } state = st::field_start;

        auto error_once = [&](bool& flag, std::string message) {
            if (flag) return;
            flag = true;
            r.errors.emplace_back(column_name(r.count), std::move(message));
        };
        auto push = [&](char ch) {
            if (++row_bytes > max_row_bytes) {
                if (!row_too_long)
                    r.errors.emplace_back(
                        "", "row longer than " + std::to_string(max_row_bytes >> 20) + " MiB");
                row_too_long = true;
                return;
            }
            if (cell.size() >= max_cell_bytes) {
                error_once(cell_too_long,
                           "cell longer than " + std::to_string(max_cell_bytes >> 20) + " MiB");
                return;
            }
            // Doubling near the cap would allocate up to twice the cap (and libstdc++'s reserve
            // doubles too): once a cell is big, jump straight to the cap.
            if (cell.size() == cell.capacity() && cell.capacity() >= 64 * 1024 &&
                cell.capacity() < max_cell_bytes)
                cell.reserve(max_cell_bytes);
            cell.push_back(ch);
        };
        // Copies the run of ordinary bytes that follows straight from the read buffer (the
        // common case: most cells hold no quote, separator or line break). A run that would
        // cross a limit is left to push(), byte by byte, which reports it.
        auto take_run = [&](bool quoted) {
            if (cell_too_long || row_too_long || row_bytes >= max_row_bytes ||
                cell.size() >= max_cell_bytes)
                return;
            // At most what still fits under both limits: the byte after that goes to push().
            auto avail = in.buffered().substr(
                0, std::min(max_row_bytes - row_bytes, max_cell_bytes - cell.size()));
            std::size_t n = 0;
            for (; n < avail.size(); ++n) {
                char ch = avail[n];
                if (ch == '"' || ch == '\n' || ch == '\r' || ch == '\0' || (!quoted && ch == ','))
                    break;
            }
            if (n == 0) return;
            if (cell.size() + n > cell.capacity() && cell.capacity() >= 64 * 1024)
                cell.reserve(max_cell_bytes);  // as in push(): no doubling past the cap
            row_bytes += n;
            cell.append(avail.data(), n);
            in.skip(n);
        };
        auto end_cell = [&] {
            // An oversized cell is an error already: keep none of it.
            if (cell_too_long) cell = std::string();
            if (r.cells.size() < max_columns) {
                if (!is_valid_utf8(cell))
                    r.errors.emplace_back(column_name(r.count), "invalid UTF-8");
                else if (cell.find("\xEF\xBB\xBF") != std::string::npos)
                    r.errors.emplace_back(column_name(r.count),
                                          "byte-order mark (U+FEFF) in the middle of the file");
                r.cells.push_back(std::move(cell));
            } else {
                r.too_many = true;
            }
            cell = std::string();
            ++r.count;
            cell_too_long = nul = stray = false;
        };
        auto end_line = [&](int c) {
            if (c == '\r' && in.peek() == '\n') in.get();
            if (c != -1) ++line_;
        };

        for (;;) {
            int c = in.get();
            switch (state) {
                case st::field_start:
                    if (c == '"') {
                        state = st::quoted;
                        quote_line = line_;
                        continue;
                    }
                    state = st::unquoted;
                    [[fallthrough]];
                case st::unquoted:
                    if (c == -1 || c == '\n' || c == '\r') {
                        end_cell();
                        end_line(c);
                        return status::ok;
                    }
                    if (c == ',') {
                        end_cell();
                        state = st::field_start;
                        continue;
                    }
                    if (c == 0) {
                        error_once(nul, "NUL byte");
                        continue;
                    }
                    if (c == '"')
                        error_once(stray,
                                   "stray quote in an unquoted field (quote the whole field and "
                                   "double the quote)");
                    push(static_cast<char>(c));
                    take_run(false);
                    continue;
                case st::quoted:
                    if (c == -1) {
                        fatal_ = {quote_line, column_name(r.count),
                                  "unterminated quoted field (it opens on this line and the file "
                                  "ends inside it)"};
                        return status::fatal;
                    }
                    if (c == '"') {
                        state = st::quote_seen;
                        continue;
                    }
                    if (c == '\n' || (c == '\r' && in.peek() != '\n')) ++line_;
                    if (c == 0) {
                        error_once(nul, "NUL byte");
                        continue;
                    }
                    push(static_cast<char>(c));
                    take_run(true);
                    continue;
                case st::quote_seen:
                    if (c == '"') {
                        push('"');
                        state = st::quoted;
                        continue;
                    }
                    if (c == ',') {
                        end_cell();
                        state = st::field_start;
                        continue;
                    }
                    if (c == -1 || c == '\n' || c == '\r') {
                        end_cell();
                        end_line(c);
                        return status::ok;
                    }
                    error_once(stray,
                               "character after a closing quote (double a quote inside a "
                               "quoted field)");
                    if (c == 0) continue;
                    push(static_cast<char>(c));
                    state = st::unquoted;
                    continue;
            }
        }
    }

    std::uint64_t line_ = 1;
    std::vector<std::string> header_;
    std::vector<bool> use_;
    source_error fatal_;
    bool stopped_ = false;
};

// ---------------------------------------------------------------------------------------------
// JSON: an array of objects, one element at a time

class json_source final : public manifest_source {
public:
    using manifest_source::manifest_source;

    void start(std::vector<source_error>& file_errors) override {
        bytes_->skip_bom();
        skip_ws();
        int c = bytes_->get();
        if (c == -1) {
            stopped_ = true;  // empty file
            return;
        }
        if (c != '[') {
            file_errors.push_back({line_, "", "a JSON manifest must be an array of objects"});
            stopped_ = true;
        }
    }

    bool next(raw_row& row, std::vector<source_error>& file_errors) override {
        if (stopped_) return false;
        auto& in = *bytes_;
        auto fail = [&](std::string message) {
            file_errors.push_back({line_, "", std::move(message)});
            stopped_ = true;
            return false;
        };
        skip_ws();
        if (!first_) {
            int c = in.get();
            if (c == ']') return finish(file_errors);
            if (c == -1) return fail("unexpected end of file: the array is not closed");
            if (c != ',') return fail("expected ',' or ']' after an element");
            skip_ws();
            if (in.peek() == ']') return fail("trailing comma before ']'");
        } else {
            first_ = false;
            if (in.peek() == ']') {
                in.get();
                return finish(file_errors);
            }
        }
        if (in.peek() == -1) return fail("unexpected end of file: the array is not closed");
        row = raw_row{};
        row.line = line_;
        std::string text;
        bool too_big = false, in_string = false, escape = false;
        std::size_t depth = 0;
        for (;;) {
            int c = in.peek();
            if (c == -1) {
                if (depth > 0 || in_string)
                    return fail("unexpected end of file inside the element that starts on line " +
                                std::to_string(row.line));
                break;
            }
            if (!in_string && depth == 0 && (c == ',' || c == ']' || c == '}' || is_json_ws(c)) &&
                !text.empty())
                break;
            if (!in_string && depth == 0 && (c == ',' || c == ']' || c == '}'))
                return fail("expected a value");
            in.get();
            if (c == '\n') ++line_;
            if (text.size() < max_row_bytes)
                text.push_back(static_cast<char>(c));
            else
                too_big = true;
            if (in_string) {
                if (escape)
                    escape = false;
                else if (c == '\\')
                    escape = true;
                else if (c == '"')
                    in_string = false;
                continue;
            }
            if (c == '"') {
                in_string = true;
            } else if (c == '{' || c == '[') {
                ++depth;
            } else if (c == '}' || c == ']') {
                if (--depth == 0) break;
            }
        }
        if (too_big) {
            row.errors.push_back(
                {row.line, "",
                 "element longer than " + std::to_string(max_row_bytes >> 20) + " MiB"});
            row.unusable = true;
        } else {
            parse_element(text, row);
        }
        return true;
    }

private:
    void skip_ws() {
        while (is_json_ws(bytes_->peek()))
            if (bytes_->get() == '\n') ++line_;
    }
    bool finish(std::vector<source_error>& file_errors) {
        stopped_ = true;
        skip_ws();
        if (bytes_->peek() != -1)
            file_errors.push_back({line_, "", "unexpected data after the closing ']'"});
        return false;
    }

    std::uint64_t line_ = 1;
    bool first_ = true, stopped_ = false;
};

// ---------------------------------------------------------------------------------------------
// JSON Lines: one object per line, blank lines skipped

class jsonl_source final : public manifest_source {
public:
    using manifest_source::manifest_source;

    void start(std::vector<source_error>&) override { bytes_->skip_bom(); }

    bool next(raw_row& row, std::vector<source_error>&) override {
        auto& in = *bytes_;
        for (;;) {
            if (in.peek() == -1) return false;
            std::string text;
            bool too_big = false;
            std::uint64_t line = line_;
            for (;;) {
                int c = in.get();
                if (c == -1) break;
                if (c == '\n') {
                    ++line_;
                    break;
                }
                if (text.size() < max_row_bytes)
                    text.push_back(static_cast<char>(c));
                else
                    too_big = true;
            }
            if (!text.empty() && text.back() == '\r') text.pop_back();
            if (!too_big && std::all_of(text.begin(), text.end(), is_json_ws)) continue;
            row = raw_row{};
            row.line = line;
            if (too_big) {
                row.errors.push_back(
                    {line, "", "line longer than " + std::to_string(max_row_bytes >> 20) + " MiB"});
                row.unusable = true;
            } else {
                parse_element(text, row);
            }
            return true;
        }
    }

private:
    std::uint64_t line_ = 1;
};

}  // namespace

std::unique_ptr<manifest_source> make_csv_source(std::unique_ptr<byte_reader> bytes) {
    return std::make_unique<csv_source>(std::move(bytes));
}
std::unique_ptr<manifest_source> make_json_source(std::unique_ptr<byte_reader> bytes) {
    return std::make_unique<json_source>(std::move(bytes));
}
std::unique_ptr<manifest_source> make_jsonl_source(std::unique_ptr<byte_reader> bytes) {
    return std::make_unique<jsonl_source>(std::move(bytes));
}

}  // namespace cmbulk::detail
