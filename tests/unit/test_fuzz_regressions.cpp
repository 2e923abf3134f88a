// Regression tests for hardening findings: every input under tests/fuzz/corpus/<target>/ (the
// seeds plus any crash a fuzzer found, saved there as crash-*) is replayed through the same
// parsers and invariants as the libFuzzer target, in the normal and the sanitizer build; and each
// bug found while hardening gets a named case reading its input.
#include <boost/json/parse.hpp>
#include <boost/test/unit_test.hpp>
#include <cmath>

#include "cmbulk/api.hpp"
#include "cmbulk/digest.hpp"
#include "cmbulk/journal.hpp"
#include "cmbulk/json_util.hpp"
#include "cmbulk/manifest.hpp"
#include "cmbulk/pacing.hpp"
#include "cmbulk/retry.hpp"
#include "common/test_support.hpp"
#include "fuzz/fuzz_support.hpp"

using namespace cmbulk::test;
namespace fs = std::filesystem;

namespace {

const fs::path corpus_root = source_dir() / "tests/fuzz/corpus";

/// Every file of one target's corpus (seeds and saved crashes).
std::vector<fs::path> corpus(const std::string& target) {
    std::vector<fs::path> files;
    for (auto& e : fs::directory_iterator(corpus_root / target))
        if (e.is_regular_file()) files.push_back(e.path());
    std::sort(files.begin(), files.end());
    return files;
}

/// The invariants of fuzz_csv_manifest / fuzz_json_manifest on one manifest file.
void check_manifest(const fs::path& path, std::size_t size) {
    auto opts = cmbulk::fuzz::manifest_options();
    auto reader = cmbulk::manifest_reader::open(path, opts);
    std::uint64_t rows = 0;
    while (auto row = reader->next()) {
        BOOST_TEST(row->row.line >= 1u);
        BOOST_REQUIRE(++rows <= size + 1);
    }
    BOOST_TEST(reader->sha256_hex().size() == 64u);
    auto summary = cmbulk::validate_manifest(path, opts);
    BOOST_TEST(summary.rows == rows);
    BOOST_TEST(summary.errors.size() <= opts.max_errors);
    BOOST_TEST(summary.error_count >= summary.errors.size());
}

}  // namespace

BOOST_AUTO_TEST_SUITE(fuzz_corpora)

BOOST_AUTO_TEST_CASE(csv_manifest_corpus) {
    temp_dir d;
    auto files = corpus("csv_manifest");
    BOOST_TEST(files.size() >= 5u);
    for (auto& f : files) {
        BOOST_TEST_CONTEXT(f.filename()) {
            auto bytes = read_file(f);
            write_file(d / "m.csv", bytes);
            check_manifest(d / "m.csv", bytes.size());
        }
    }
}

BOOST_AUTO_TEST_CASE(json_manifest_corpus) {
    temp_dir d;
    auto files = corpus("json_manifest");
    BOOST_TEST(files.size() >= 5u);
    for (auto& f : files) {
        BOOST_TEST_CONTEXT(f.filename()) {
            auto bytes = read_file(f);
            if (bytes.empty()) continue;
            auto p = d / ((bytes[0] & 1) ? "m.jsonl" : "m.json");
            write_file(p, bytes.substr(1));
            check_manifest(p, bytes.size());
        }
    }
}

BOOST_AUTO_TEST_CASE(csv_reader_corpus) {
    auto files = corpus("csv_reader");
    BOOST_TEST(files.size() >= 4u);
    for (auto& f : files) {
        BOOST_TEST_CONTEXT(f.filename()) {
            auto bytes = read_file(f);
            BOOST_REQUIRE(!bytes.empty());
            // As fuzz_csv_reader derives them from the first byte.
            const char delimiters[] = {',', ';', '\t'};
            auto first = static_cast<unsigned char>(bytes[0]);
            auto broke = cmbulk::fuzz::check_csv_reader(std::string_view(bytes).substr(1),
                                                        delimiters[first % 3], 1 + first / 3 % 17);
            BOOST_TEST(broke.empty(), broke);
        }
    }
}

BOOST_AUTO_TEST_CASE(digest_headers_corpus) {
    auto files = corpus("digest_headers");
    BOOST_TEST(files.size() >= 5u);
    int parsed = 0;
    for (auto& f : files) {
        BOOST_TEST_CONTEXT(f.filename()) {
            auto text = read_file(f);
            auto ch = cmbulk::digest::parse_challenge(text);
            (void)cmbulk::digest::parse_authorization(text);
            if (!ch) continue;
            ++parsed;
            auto header = cmbulk::digest::make_authorization(
                *ch, "fuzz-user", "fuzz-secret", "GET", "/api/public/v1.0/groups", 1, "0a1b2c3d");
            auto back = cmbulk::digest::parse_authorization(header);
            BOOST_REQUIRE(back.has_value());
            BOOST_TEST(back->realm == ch->realm);
            BOOST_TEST(back->nonce == ch->nonce);
            BOOST_TEST(back->opaque == ch->opaque);
        }
    }
    BOOST_TEST(parsed >= 2);  // the seeds include good challenges
}

BOOST_AUTO_TEST_CASE(api_response_corpus) {
    using namespace std::chrono;
    auto files = corpus("api_response");
    BOOST_TEST(files.size() >= 5u);
    for (auto& f : files) {
        BOOST_TEST_CONTEXT(f.filename()) {
            auto text = read_file(f);
            (void)cmbulk::parse_error_body(text);
            BOOST_TEST(cmbulk::describe_non_json(text).size() <= 4096u);
            boost::system::error_code ec;
            auto v = boost::json::parse(text, ec);
            BOOST_TEST(cmbulk::json_util::is_json(text) == !ec);  // as fuzz_api_response checks
            if (!ec)
                if (auto hint = cmbulk::parse_rate_hint(v)) {
                    BOOST_TEST(std::isfinite(hint->capacity));
                    BOOST_TEST(std::isfinite(hint->refill_per_second));
                }
            const auto now = system_clock::time_point(seconds(1'700'000'000));
            if (auto d = cmbulk::parse_retry_after(text, minutes(10), now)) {
                BOOST_TEST(d->count() >= 0);
                BOOST_TEST(*d <= minutes(10));
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(journal_replay_corpus) {
    temp_dir d;
    auto files = corpus("journal_replay");
    BOOST_TEST(files.size() >= 5u);
    for (auto& f : files) {
        BOOST_TEST_CONTEXT(f.filename()) {
            auto bytes = read_file(f);
            auto p = d / "checkpoint.jsonl";
            write_file(p, bytes);
            cmbulk::diagnostics diag;
            auto r = cmbulk::replay_journal(p, diag);
            if (!r) {
                BOOST_TEST(cmbulk::to_string(diag).find(p.string()) != std::string::npos);
                continue;
            }
            BOOST_TEST(r->valid_bytes <= bytes.size());
            for (std::size_t i = 1; i < r->rows.size(); ++i)
                BOOST_TEST(r->rows[i - 1].row < r->rows[i].row);
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(hardening_regressions)

// Found by fuzz_api_response (UBSan: signed overflow in chrono): an HTTP-date Retry-After past
// the year 2262 overflowed system_clock's nanoseconds. Now capped like any long wait.
BOOST_AUTO_TEST_CASE(retry_after_date_far_in_the_future) {
    using namespace std::chrono;
    const auto now = system_clock::time_point(seconds(1'700'000'000));
    auto text = read_file(corpus_root / "api_response/crash-retry-after-year-5569");
    BOOST_TEST(text == "Wed, 21 Oct 5569 07:28:00 GMT");
    auto d = cmbulk::parse_retry_after(text, minutes(10), now);
    BOOST_REQUIRE(d.has_value());
    BOOST_TEST(d->count() == duration_cast<milliseconds>(minutes(10)).count());
    // Far past dates (before 1678, where system_clock underflows) mean "now".
    auto past = cmbulk::parse_retry_after("Sat, 01 Jan 1000 00:00:00 GMT", minutes(10), now);
    BOOST_REQUIRE(past.has_value());
    BOOST_TEST(past->count() == 0);
    // Dates near now keep their sub-second precision.
    auto soon = cmbulk::parse_retry_after(
        "Tue, 14 Nov 2023 22:13:30 GMT", minutes(10),
        system_clock::time_point(seconds(1'700'000'000) - milliseconds(500)));
    BOOST_REQUIRE(soon.has_value());
    BOOST_TEST(soon->count() == 10'500);
}

// Found by fuzz_api_response: a 429 body whose parameters hold 1e999 (Boost.JSON: infinity)
// gave an infinite refill rate to the pacer. Such hints are now ignored.
BOOST_AUTO_TEST_CASE(rate_hint_with_infinite_numbers) {
    auto text = read_file(corpus_root / "api_response/crash-rate-hint-infinite-refill");
    auto v = boost::json::parse(text);
    BOOST_TEST(!cmbulk::parse_rate_hint(v).has_value());
    auto inf_capacity = boost::json::parse(R"({"parameters":["/x",1,1e999,10,1]})");
    BOOST_TEST(!cmbulk::parse_rate_hint(inf_capacity).has_value());
    auto tiny = boost::json::parse(R"({"parameters":["/x",1,10,1e-300,1e300]})");
    BOOST_TEST(!cmbulk::parse_rate_hint(tiny).has_value());  // 1e-600/s underflows to 0
    auto good = boost::json::parse(R"({"parameters":["/x",1,100,10,2]})");
    BOOST_REQUIRE(cmbulk::parse_rate_hint(good).has_value());
    BOOST_TEST(cmbulk::parse_rate_hint(good)->refill_per_second == 5.0);
}

// Found by the malformed-manifest corpus (json_duplicate_key.json): Boost.JSON keeps the last of
// two equal keys, so {"apiToken":"a",...,"apiToken":"b"} silently sent "b". Now an error.
BOOST_AUTO_TEST_CASE(json_key_given_twice_is_an_error) {
    temp_dir d;
    const std::string obj = R"({"projectId":"5e2211c17a3e5a48f5497de4","type":"SLACK",)"
                            R"("apiToken":"tok-first","teamName":"t","apiToken":"tok-second"})";
    for (auto name : {"m.json", "m.jsonl"}) {
        BOOST_TEST_CONTEXT(name) {
            const bool lines = std::string(name) == "m.jsonl";
            write_file(d / name, lines ? obj + "\n" : "[\n" + obj + "\n]\n");
            auto s = cmbulk::validate_manifest(d / name, cmbulk::fuzz::manifest_options());
            BOOST_TEST(!s.ok());
            BOOST_REQUIRE(!s.errors.empty());
            BOOST_TEST(s.errors[0].line == (lines ? 1u : 2u));
            BOOST_TEST(s.errors[0].field == "apiToken");
            BOOST_TEST(cmbulk::to_string(s.errors[0]).find("twice") != std::string::npos);
        }
    }
    // Equal keys in nested values, or a key equal to a string value, are not duplicates.
    write_file(d / "ok.jsonl",
               R"({"projectId":"5e2211c17a3e5a48f5497de4","type":"SLACK","apiToken":"type",)"
               R"("teamName":"t"})"
               "\n");
    BOOST_TEST(cmbulk::validate_manifest(d / "ok.jsonl", cmbulk::fuzz::manifest_options()).ok());
}

BOOST_AUTO_TEST_SUITE_END()
