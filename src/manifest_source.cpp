// The syntax layer of the manifest module: a hashing byte reader, a streaming scanner that cuts a
// JSON array into its elements (each then parsed by Boost.JSON), and a JSON Lines reader (the CSV
// source is in manifest_csv.cpp). Memory stays bounded by the limits in manifest_source.hpp.
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
    std::vector<std::string_view> names{"projectId", "orgId", "type", "action", "fromLast4"};
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
// JSON: an array of objects, one element at a time

class json_source final : public manifest_source {
public:
    using manifest_source::manifest_source;

    void start(source_notes& notes) override {
        auto& file_errors = notes.errors;
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

    bool next(raw_row& row, source_notes& notes) override {
        if (stopped_) return false;
        auto& file_errors = notes.errors;
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
                 "element longer than " + std::to_string(max_row_bytes >> 20) + " MiB",
                 manifest_errc::too_large});
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

    void start(source_notes&) override { bytes_->skip_bom(); }

    bool next(raw_row& row, source_notes&) override {
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
                    {line, "", "line longer than " + std::to_string(max_row_bytes >> 20) + " MiB",
                     manifest_errc::too_large});
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

std::unique_ptr<manifest_source> make_json_source(std::unique_ptr<byte_reader> bytes) {
    return std::make_unique<json_source>(std::move(bytes));
}
std::unique_ptr<manifest_source> make_jsonl_source(std::unique_ptr<byte_reader> bytes) {
    return std::make_unique<jsonl_source>(std::move(bytes));
}

}  // namespace cmbulk::detail
