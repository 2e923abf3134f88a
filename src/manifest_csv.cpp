// The manifest's CSV syntax layer: csv.hpp's reader over the hashing byte reader, the header
// (delimiter detected or given, names trimmed with a warning, empty / duplicate / unknown
// columns), rows turned into raw objects with every problem at its line and column, and a file
// that is not UTF-8 but reads as Windows-1252 named as such, with the fix.
#include <algorithm>

#include "cmbulk/csv.hpp"
#include "cmbulk/manifest_source.hpp"

namespace cmbulk::detail {

namespace {

constexpr csv::limits manifest_limits{max_cell_bytes, max_row_bytes, max_columns};

manifest_errc code_of(csv::errc e) {
    switch (e) {
        case csv::errc::cell_too_long:
        case csv::errc::record_too_long:
        case csv::errc::too_many_cells:
            return manifest_errc::too_large;
        case csv::errc::invalid_utf8:
        case csv::errc::bom_inside:
            return manifest_errc::encoding;
        default:
            return manifest_errc::syntax;
    }
}

std::string_view trim_blanks(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

/// A file name as a shell word: as is when it is plain, else in single quotes.
std::string shell_word(const std::string& s) {
    bool plain = !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-' ||
               c == '/';
    });
    if (plain) return s;
    std::string out = "'";
    for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

/// "m.csv" -> "m-utf8.csv": where the converted file goes in the suggested command.
std::string converted_name(const std::string& file) {
    auto dot = file.rfind('.');
    auto slash = file.rfind('/');
    if (dot == std::string::npos || (slash != std::string::npos && dot < slash))
        return file + "-utf8";
    return file.substr(0, dot) + "-utf8" + file.substr(dot);
}

class csv_source final : public manifest_source {
public:
    csv_source(std::unique_ptr<byte_reader> bytes, std::optional<char> delimiter, std::string file)
        : manifest_source(std::move(bytes)),
          in_([b = bytes_.get()] { return b->next_chunk(); }, manifest_limits),
          delimiter_(delimiter),
          file_(std::move(file)) {}

    void start(source_notes& notes) override {
        in_.skip_bom();
        in_.set_delimiter(delimiter_ ? *delimiter_ : in_.detect_delimiter());
        csv::record rec;
        if (!in_.next(rec)) {
            // An empty file: the reader reports the empty manifest.
            if (in_.fatal()) notes.errors.push_back(fatal_error());
            stopped_ = true;
            return;
        }
        if (rec.too_many_cells()) {
            notes.errors.push_back(
                {rec.line, "", "header has more than " + std::to_string(max_columns) + " columns",
                 manifest_errc::too_large});
            stopped_ = true;
            return;
        }
        for (auto& p : rec.problems) {
            notes.errors.push_back(
                {rec.line, "", csv::message(p.code, manifest_limits), code_of(p.code)});
            if (p.code == csv::errc::invalid_utf8) note_windows_1252(rec, p, notes, "");
        }
        read_header(rec, notes);
    }

    bool next(raw_row& row, source_notes& notes) override {
        if (stopped_) return false;
        for (;;) {
            if (!in_.next(rec_)) {
                if (in_.fatal()) notes.errors.push_back(fatal_error());
                stopped_ = true;
                return false;
            }
            // Spreadsheets often end with rows of bare commas: a row with no value is skipped.
            bool blank = rec_.problems.empty() &&
                         std::all_of(rec_.cells.begin(), rec_.cells.end(),
                                     [](const std::string& c) { return c.empty(); });
            if (!blank) break;
        }
        row = raw_row{};
        row.line = rec_.line;
        for (auto& p : rec_.problems) {
            if (p.code == csv::errc::too_many_cells) continue;  // said below, once
            auto column = column_name(p.cell);
            row.errors.push_back(
                {rec_.line, column, csv::message(p.code, manifest_limits), code_of(p.code)});
            if (p.code == csv::errc::invalid_utf8) note_windows_1252(rec_, p, notes, column);
        }
        if (rec_.too_many_cells())
            row.errors.push_back({rec_.line, "",
                                  csv::message(csv::errc::too_many_cells, manifest_limits),
                                  manifest_errc::too_large});
        else if (rec_.count != header_.size())
            row.errors.push_back({rec_.line, "",
                                  "row has " + std::to_string(rec_.count) +
                                      " cells, the header has " + std::to_string(header_.size()),
                                  manifest_errc::wrong_cell_count});
        // A ragged row's cells may sit under the wrong columns: judge nothing else in it.
        if (rec_.too_many_cells() || rec_.count != header_.size()) {
            row.unusable = true;
            return true;
        }
        row.obj.reserve(header_.size());
        for (std::size_t i = 0; i < header_.size(); ++i)
            if (use_[i] && !rec_.cells[i].empty())
                row.obj[header_[i]] = boost::json::string(rec_.cells[i]);
        return true;
    }

private:
    source_error fatal_error() const {
        const auto& f = *in_.fatal();
        return {f.line, column_name(f.cell), csv::message(f.code, manifest_limits),
                code_of(f.code)};
    }

    std::string column_name(std::size_t i) const {
        return i < header_.size() ? printable(header_[i]) : std::string();
    }

    /// The header's names, trimmed (with a warning), each checked once.
    void read_header(const csv::record& rec, source_notes& notes) {
        auto names = known_names();
        header_.clear();
        for (auto& cell : rec.cells) header_.emplace_back(trim_blanks(cell));
        use_.assign(header_.size(), false);
        for (std::size_t i = 0; i < header_.size(); ++i) {
            const auto& h = header_[i];
            auto col = "column " + std::to_string(i + 1);
            if (h.empty()) {
                notes.errors.push_back(
                    {rec.line, "", col + " has an empty name", manifest_errc::bad_header});
                continue;
            }
            if (h.size() != rec.cells[i].size())
                notes.warnings.push_back({rec.line, printable(h),
                                          col + " is written \"" + printable(rec.cells[i]) +
                                              "\": the spaces around the name are ignored",
                                          manifest_errc::bad_header});
            auto first = std::find(header_.begin(), header_.begin() + static_cast<long>(i), h);
            if (first != header_.begin() + static_cast<long>(i)) {
                notes.errors.push_back({rec.line, printable(h),
                                        "duplicate column (first is column " +
                                            std::to_string(first - header_.begin() + 1) + ")",
                                        manifest_errc::bad_header});
                continue;
            }
            if (std::find(names.begin(), names.end(), h) == names.end()) {
                auto hint = closest_name(h, names);
                notes.errors.push_back(
                    {rec.line, printable(h),
                     "unknown column" +
                         (hint.empty() ? std::string() : "; did you mean \"" + hint + "\"?"),
                     manifest_errc::bad_header});
                continue;
            }
            use_[i] = true;
        }
    }

    /// A cell that is not UTF-8 but reads as Windows-1252, in a file that showed no UTF-8 text
    /// before it: say once, as an error of the file, what the file is and how to convert it.
    void note_windows_1252(const csv::record& rec, const csv::problem& p, source_notes& notes,
                           const std::string& column) {
        if (windows_1252_noted_ || in_.saw_utf8_text() || p.cell >= rec.cells.size() ||
            !decodes_as_windows_1252(rec.cells[p.cell]))
            return;
        windows_1252_noted_ = true;
        notes.errors.push_back(
            {rec.line, column,
             "the file is not UTF-8: it looks like Windows-1252 (what Excel saves as \"CSV\"); "
             "convert it with `iconv -f WINDOWS-1252 -t UTF-8 " +
                 shell_word(file_) + " > " + shell_word(converted_name(file_)) +
                 "`, or save it again as \"CSV UTF-8\"",
             manifest_errc::encoding});
    }

    csv::reader in_;
    std::optional<char> delimiter_;
    std::string file_;
    csv::record rec_;  ///< reused from row to row (its cells keep their storage)
    std::vector<std::string> header_;
    std::vector<bool> use_;
    bool stopped_ = false;
    bool windows_1252_noted_ = false;
};

}  // namespace

std::unique_ptr<manifest_source> make_csv_source(std::unique_ptr<byte_reader> bytes,
                                                 std::optional<char> delimiter, std::string file) {
    return std::make_unique<csv_source>(std::move(bytes), delimiter, std::move(file));
}

}  // namespace cmbulk::detail
