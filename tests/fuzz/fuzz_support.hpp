// Shared helpers of the libFuzzer targets (and of their corpus replay in
// tests/unit/test_fuzz_regressions.cpp): the manifest options, and a per-process scratch file that
// parsers which read from a path (manifest reader, journal replay) are pointed at. Each target
// writes the fuzz input there and calls the real, unmodified module.
#pragma once

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

#include "cmbulk/csv.hpp"
#include "cmbulk/manifest.hpp"

namespace cmbulk::fuzz {

/// A scratch directory of this process (removed at exit) for input files.
inline const std::filesystem::path& scratch_dir() {
    static const std::filesystem::path dir = [] {
        auto d =
            std::filesystem::temp_directory_path() / ("cmbulk-fuzz-" + std::to_string(::getpid()));
        std::filesystem::create_directories(d);
        return d;
    }();
    static const struct cleanup {
        ~cleanup() {
            std::error_code ec;
            std::filesystem::remove_all(dir, ec);
        }
    } at_exit;
    return dir;
}

/// Writes the input bytes to scratch_dir()/name and returns the path.
inline std::filesystem::path write_input(const std::string& name, const std::uint8_t* data,
                                         std::size_t size) {
    auto p = scratch_dir() / name;
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    return p;
}

/// The options of the manifest targets: ${env:..} resolves against a fixed, tiny environment,
/// never the real one.
inline cmbulk::manifest_options manifest_options() {
    cmbulk::manifest_options o;
    o.getenv = [](std::string_view name) -> std::optional<std::string> {
        if (name == "FUZZ_TOKEN") return std::string("tok-fuzz-12345");
        return std::nullopt;
    };
    o.max_errors = 20;
    return o;
}

/// The invariants of fuzz_csv_reader on one text; the empty string when they hold, else what
/// broke. Records read from chunks of `chunk` bytes (derived from the input) are the records
/// read from the whole text; no record breaks the limits; lines never go back; a record read
/// without problems is read back the same from what join_record writes of it.
inline std::string check_csv_reader(std::string_view text, char delimiter, std::size_t chunk) {
    cmbulk::csv::limits l{64, 256, 16};  // small, so that every limit is reached
    auto read = [&](std::size_t step) {
        std::size_t pos = 0;
        cmbulk::csv::reader in(
            [&]() -> std::string_view {
                std::size_t n = std::min(step, text.size() - pos);
                auto v = text.substr(pos, n);
                pos += n;
                return v;
            },
            l);
        in.set_delimiter(delimiter);
        std::vector<cmbulk::csv::record> out;
        cmbulk::csv::record r;
        while (in.next(r) && out.size() <= text.size()) out.push_back(r);
        return std::make_pair(out, in.fatal().has_value());
    };
    auto whole = read(text.size() + 1), chunked = read(chunk == 0 ? 1 : chunk);
    if (whole.first.size() > text.size()) return "more records than bytes";
    if (whole.second != chunked.second || whole.first.size() != chunked.first.size())
        return "chunking changed the records";
    std::uint64_t last_line = 0;
    for (std::size_t i = 0; i < whole.first.size(); ++i) {
        const auto& a = whole.first[i];
        const auto& b = chunked.first[i];
        if (a.cells != b.cells || a.line != b.line || a.count != b.count ||
            a.problems.size() != b.problems.size())
            return "chunking changed record " + std::to_string(i);
        if (a.line <= last_line) return "lines went back";
        last_line = a.line;
        if (a.cells.size() > l.max_cells || a.count < a.cells.size()) return "cell count";
        for (auto& c : a.cells)
            if (c.size() > l.max_cell_bytes) return "cell over the limit";
        // A record of one empty cell writes as an empty line, which is no record.
        if (!a.problems.empty() || (a.cells.size() == 1 && a.cells[0].empty())) continue;
        auto back =
            cmbulk::csv::split_record(cmbulk::csv::join_record(a.cells, delimiter), delimiter);
        if (!back || *back != a.cells) return "join_record/split_record round trip";
    }
    return {};
}

}  // namespace cmbulk::fuzz
