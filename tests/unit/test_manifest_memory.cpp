// Memory bounds of the manifest readers: this executable replaces the global operator new/delete
// with counting versions, then checks the peak of live heap bytes while streaming large inputs
// (a 10 MB CSV cell, a 10 MB JSON string, 200,000 rows) stays within a few MiB.
#include <atomic>
#include <boost/test/unit_test.hpp>
#include <cstdio>
#include <cstdlib>
#include <new>

#include "cmbulk/manifest.hpp"
#include "common/test_support.hpp"

namespace {

std::atomic<std::size_t> live_bytes{0};
std::atomic<std::size_t> peak_bytes{0};

// Each block carries its size in a 16-byte prefix so delete can subtract it.
constexpr std::size_t prefix = 16;

void* counted_alloc(std::size_t n) {
    auto* p = static_cast<char*>(std::malloc(n + prefix));
    if (!p) throw std::bad_alloc();
    *reinterpret_cast<std::size_t*>(p) = n;
    auto now = live_bytes.fetch_add(n) + n;
    auto peak = peak_bytes.load();
    while (now > peak && !peak_bytes.compare_exchange_weak(peak, now)) {
    }
    return p + prefix;
}

void counted_free(void* q) noexcept {
    if (!q) return;
    auto* p = static_cast<char*>(q) - prefix;
    live_bytes.fetch_sub(*reinterpret_cast<std::size_t*>(p));
    std::free(p);
}

/// Resets the peak to the current live size and returns that baseline.
std::size_t reset_peak() {
    auto now = live_bytes.load();
    peak_bytes.store(now);
    return now;
}

}  // namespace

void* operator new(std::size_t n) { return counted_alloc(n); }
void* operator new[](std::size_t n) { return counted_alloc(n); }
void operator delete(void* p) noexcept { counted_free(p); }
void operator delete[](void* p) noexcept { counted_free(p); }
void operator delete(void* p, std::size_t) noexcept { counted_free(p); }
void operator delete[](void* p, std::size_t) noexcept { counted_free(p); }

using namespace cmbulk;

namespace {

/// Writes a file of `header`, then `count` copies of whatever `make(i)` returns, then `tail`,
/// without holding the whole file in memory.
template <class F>
void write_streamed(const std::filesystem::path& p, const std::string& header, std::size_t count,
                    F make, const std::string& tail = {}) {
    std::FILE* f = std::fopen(p.c_str(), "wb");
    BOOST_REQUIRE(f);
    std::fwrite(header.data(), 1, header.size(), f);
    for (std::size_t i = 0; i < count; ++i) {
        auto s = make(i);
        std::fwrite(s.data(), 1, s.size(), f);
    }
    std::fwrite(tail.data(), 1, tail.size(), f);
    std::fclose(f);
}

manifest_options quiet_options() {
    manifest_options o;
    o.getenv = [](std::string_view) -> std::optional<std::string> { return "xoxb-token"; };
    return o;
}

constexpr std::size_t mib = 1 << 20;

}  // namespace

BOOST_AUTO_TEST_SUITE(manifest_memory)

BOOST_AUTO_TEST_CASE(counting_allocator_works) {
    auto base = reset_peak();
    { std::string big(3 * mib, 'x'); }
    BOOST_TEST(peak_bytes.load() - base >= 3 * mib);
}

BOOST_AUTO_TEST_CASE(ten_megabyte_csv_cell_is_rejected_in_bounded_memory) {
    test::temp_dir dir;
    std::string row = "5f0000000000000000000001,SLACK,t,";
    write_streamed(
        dir / "big.csv", "projectId,type,apiToken,teamName\n" + row, 10 * 1024,
        [](std::size_t) { return std::string(1024, 'a'); },
        "\n5f0000000000000000000002,SLACK,t,team\n");
    auto base = reset_peak();
    auto s = validate_manifest(dir / "big.csv", quiet_options());
    auto used = peak_bytes.load() - base;
    BOOST_TEST(s.rows == 2u);
    BOOST_REQUIRE(!s.errors.empty());
    BOOST_TEST(s.errors[0].message == "cell longer than 1 MiB");
    BOOST_TEST(used < 2 * mib, "peak " << used << " bytes");
}

BOOST_AUTO_TEST_CASE(ten_megabyte_json_element_is_rejected_in_bounded_memory) {
    test::temp_dir dir;
    write_streamed(
        dir / "big.json", "[{\"projectId\":\"5f0000000000000000000001\",\"teamName\":\"", 10 * 1024,
        [](std::size_t) { return std::string(1024, 'a'); }, "\"}]");
    auto base = reset_peak();
    auto s = validate_manifest(dir / "big.json", quiet_options());
    auto used = peak_bytes.load() - base;
    BOOST_TEST(s.rows == 1u);
    BOOST_REQUIRE(!s.errors.empty());
    BOOST_TEST(s.errors[0].message == "element longer than 4 MiB");
    BOOST_TEST(used < 12 * mib, "peak " << used << " bytes");
}

BOOST_AUTO_TEST_CASE(two_hundred_thousand_rows_stream) {
    test::temp_dir dir;
    char id[32];
    write_streamed(dir / "rows.csv", "projectId,type,apiToken,teamName,channelName\n", 200'000,
                   [&](std::size_t i) {
                       std::snprintf(id, sizeof id, "5f%022zx", i);
                       return std::string(id) +
                              ",SLACK,${env:TOKEN},a-team-name-of-some-length-for-realism,"
                              "#a-channel-name-that-is-long-enough-too\n";
                   });
    auto file_size = std::filesystem::file_size(dir / "rows.csv");
    BOOST_TEST(file_size > 20 * mib);

    // Without duplicate detection the reader holds no rows at all.
    auto o = quiet_options();
    o.check_duplicates = false;
    auto base = reset_peak();
    auto s = validate_manifest(dir / "rows.csv", o);
    auto used = peak_bytes.load() - base;
    BOOST_TEST(s.ok());
    BOOST_TEST(s.rows == 200'000u);
    BOOST_TEST(used < 1 * mib, "peak " << used << " bytes");

    // With it, memory grows by a small key per distinct row, well under the file's size.
    base = reset_peak();
    s = validate_manifest(dir / "rows.csv", quiet_options());
    used = peak_bytes.load() - base;
    BOOST_TEST(s.ok());
    BOOST_TEST(used < 200'000u * 80, "peak " << used << " bytes");
    BOOST_TEST(used < file_size / 2);
}

BOOST_AUTO_TEST_SUITE_END()
