// libFuzzer target: the CSV record reader (csv.hpp) on arbitrary bytes, with small limits, the
// delimiter and the chunk size taken from the first byte: the same records whatever the chunking,
// limits kept, lines in order, and join_record / split_record round trips. Aborts on a breach.
#include <cstdlib>

#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const char delimiters[] = {',', ';', '\t'};
    char delimiter = delimiters[data[0] % 3];
    std::size_t chunk = 1 + data[0] / 3 % 17;
    std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
    if (!cmbulk::fuzz::check_csv_reader(text, delimiter, chunk).empty()) std::abort();
    return 0;
}
