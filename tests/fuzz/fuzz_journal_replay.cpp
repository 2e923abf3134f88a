// libFuzzer target: the checkpoint journal replay (header, intent/outcome records, torn-tail
// repair) on arbitrary file contents. A replay either fails with a message naming the file or
// returns rows sorted by index with valid_bytes within the file.
#include <cstdlib>

#include "cmbulk/journal.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    auto path = cmbulk::fuzz::write_input("checkpoint.jsonl", data, size);
    cmbulk::diagnostics diag;
    auto r = cmbulk::replay_journal(path, diag);
    if (!r) {
        if (cmbulk::to_string(diag).find(path.string()) == std::string::npos) std::abort();
        return 0;
    }
    if (r->valid_bytes > size) std::abort();
    for (std::size_t i = 1; i < r->rows.size(); ++i)
        if (r->rows[i - 1].row >= r->rows[i].row) std::abort();
    for (auto& row : r->rows)
        if (r->find(row.row) != &row) std::abort();
    return 0;
}
