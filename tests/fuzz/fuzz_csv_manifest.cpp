// libFuzzer target: the CSV manifest reader (RFC 4180 syntax, header, rows, validation and
// reference resolution) on arbitrary bytes, through both the streaming reader and the
// whole-manifest validation pass. Any crash, sanitizer report, or broken invariant aborts.
#include <cstdlib>

#include "cmbulk/manifest.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    auto path = cmbulk::fuzz::write_input("m.csv", data, size);
    auto opts = cmbulk::fuzz::manifest_options();
    auto reader = cmbulk::manifest_reader::open(path, opts);
    std::uint64_t rows = 0;
    while (auto row = reader->next()) {
        // A row's line is 1-based and never before the header.
        if (row->row.line < 2) std::abort();
        if (++rows > size + 1) std::abort();  // more rows than bytes: the reader loops
    }
    for (auto& e : reader->errors())
        if (e.file.empty()) std::abort();
    if (reader->sha256_hex().size() != 64) std::abort();
    auto summary = cmbulk::validate_manifest(path, opts);
    if (summary.rows != rows) std::abort();  // both passes read the same rows
    if (summary.errors.size() > opts.max_errors) std::abort();
    if (summary.error_count < summary.errors.size()) std::abort();
    return 0;
}
