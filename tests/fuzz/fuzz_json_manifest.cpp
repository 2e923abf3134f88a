// libFuzzer target: the JSON (array of objects) and JSON Lines manifest readers. The first input
// byte picks the format (even: .json, odd: .jsonl); the rest is the file. Runs the streaming
// reader and the whole-manifest validation pass; a crash or broken invariant aborts.
#include <cstdlib>

#include "cmbulk/manifest.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const bool lines = (data[0] & 1) != 0;
    auto path = cmbulk::fuzz::write_input(lines ? "m.jsonl" : "m.json", data + 1, size - 1);
    auto opts = cmbulk::fuzz::manifest_options();
    auto reader = cmbulk::manifest_reader::open(path, opts);
    if (reader->format() !=
        (lines ? cmbulk::manifest_format::jsonl : cmbulk::manifest_format::json))
        std::abort();
    std::uint64_t rows = 0;
    while (auto row = reader->next()) {
        if (row->row.line < 1) std::abort();
        if (++rows > size + 1) std::abort();
    }
    if (reader->sha256_hex().size() != 64) std::abort();
    auto summary = cmbulk::validate_manifest(path, opts);
    if (summary.rows != rows) std::abort();
    if (summary.errors.size() > opts.max_errors) std::abort();
    return 0;
}
