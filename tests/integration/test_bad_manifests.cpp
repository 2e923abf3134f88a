// Hostile input: `cmbulk apply` on every malformed manifest of tests/data/bad_manifests/ (index
// expected.tsv) plus huge ones generated here (10 MB cell, 100k columns, 10 MB JSON string, 100k
// levels of nesting) against a running cmbulk-sim. Each must exit 2 naming "file:line:", send
// zero requests, keep stderr short, and stay under a memory bound (children's peak RSS). Also
// the habits of Excel files: a ';' delimiter, spaces after the header's commas, Windows-1252.
#include <sys/resource.h>

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include "cmbulk/sim/core.hpp"
#include "common/test_support.hpp"

namespace json = boost::json;
using namespace cmbulk::test;

namespace {

/// The memory bound per run: the largest peak RSS of any child waited for so far.
constexpr long max_child_rss_kib = 200 * 1024;
/// stderr stays a few lines whatever the input (no 100k-line floods, no echo of a 10 MB cell).
constexpr std::size_t max_stderr_bytes = 16 * 1024;

const std::filesystem::path corpus_dir = source_dir() / "tests/data/bad_manifests";
const std::string valid_id = "5e2211c17a3e5a48f5497de4";

struct bad_case {
    std::string file;
    std::uint64_t line = 0;
    std::string what;
};

std::vector<bad_case> read_index() {
    std::ifstream in(corpus_dir / "expected.tsv");
    BOOST_REQUIRE(in);
    std::vector<bad_case> cases;
    std::string text;
    while (std::getline(in, text)) {
        if (text.empty() || text[0] == '#') continue;
        std::istringstream fields(text);
        bad_case c;
        std::string line;
        std::getline(fields, c.file, '\t');
        std::getline(fields, line, '\t');
        std::getline(fields, c.what);
        c.line = std::stoull(line);
        cases.push_back(c);
    }
    return cases;
}

std::size_t request_count(sim_process& sim) {
    auto res = http_request(sim.port(), "GET", "/__sim/requests");
    BOOST_REQUIRE_EQUAL(res.status, 200);
    return json::parse(res.body).as_array().size();
}

long children_peak_rss_kib() {
    rusage ru{};
    getrusage(RUSAGE_CHILDREN, &ru);
    return ru.ru_maxrss;
}

/// Runs `cmbulk apply` on one manifest and checks everything the hardening issue asks.
void check_refused(sim_process& sim, const std::filesystem::path& manifest, std::uint64_t line,
                   const std::string& what) {
    BOOST_TEST_CONTEXT(manifest.filename().string() << " (" << what << ")") {
        temp_dir work;
        auto before = request_count(sim);
        run_options o;
        o.env["CMBULK_PUBLIC_KEY"] = std::string(cmbulk::sim::generated_public_key);
        o.env["CMBULK_PRIVATE_KEY"] = std::string(cmbulk::sim::generated_private_key);
        o.unset_env = {"CMBULK_BAD_MANIFEST_UNSET_VAR", "CMBULK_X"};
        o.timeout = std::chrono::seconds(60);
        // Under ASan (the sanitizer build) freed memory sits in a 256 MiB quarantine that would
        // dwarf what cmbulk itself holds: keep it small so the bound measures cmbulk. Later
        // options win, so the caller's log_path / abort_on_error stay in force.
        const char* asan = std::getenv("ASAN_OPTIONS");
        o.env["ASAN_OPTIONS"] = std::string(asan ? asan : "") + ":quarantine_size_mb=4";
        auto r =
            run_process({cmbulk_bin(), "apply", manifest.string(), "--base-url", sim.base_url(),
                         "--report", (work / "report.csv").string(), "--checkpoint",
                         (work / "ckpt.jsonl").string(), "--progress", "plain"},
                        o);
        const std::string where = manifest.filename().string() + ":" + std::to_string(line) + ":";
        BOOST_TEST(!r.timed_out);
        BOOST_TEST(r.exit_code == 2,
                   "exit " << r.exit_code << ", stderr: " << r.err.substr(0, 2000));
        BOOST_TEST(r.err.find(where) != std::string::npos,
                   "expected \"" << where << "\" in stderr: " << r.err.substr(0, 2000));
        BOOST_TEST(r.err.size() <= max_stderr_bytes);
        BOOST_TEST(r.err.find("AddressSanitizer") == std::string::npos);
        BOOST_TEST(r.err.find("runtime error") == std::string::npos);
        BOOST_TEST(request_count(sim) == before, "the server saw requests");
        auto rss = children_peak_rss_kib();
        BOOST_TEST(rss < max_child_rss_kib, "children's peak RSS " << rss << " KiB");
    }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(bad_manifests)

BOOST_AUTO_TEST_CASE(index_covers_the_corpus) {
    auto cases = read_index();
    BOOST_TEST(cases.size() >= 40u);
    std::set<std::string> listed;
    for (auto& c : cases) {
        BOOST_TEST(std::filesystem::is_regular_file(corpus_dir / c.file), c.file);
        BOOST_TEST(listed.insert(c.file).second, "listed twice: " << c.file);
    }
    for (auto& e : std::filesystem::directory_iterator(corpus_dir)) {
        auto ext = e.path().extension().string();
        if (ext == ".csv" || ext == ".json" || ext == ".jsonl")
            BOOST_TEST(listed.count(e.path().filename().string()) == 1u,
                       "not in expected.tsv: " << e.path().filename());
    }
}

BOOST_AUTO_TEST_CASE(every_committed_bad_manifest_is_refused) {
    sim_process sim({"--generate", "1:3"});
    auto cases = read_index();
    BOOST_REQUIRE(!cases.empty());
    for (auto& c : cases) check_refused(sim, corpus_dir / c.file, c.line, c.what);
    BOOST_TEST(request_count(sim) == 0u);
    BOOST_TEST_MESSAGE("bad manifests refused: " << cases.size() << ", children's peak RSS "
                                                 << children_peak_rss_kib() << " KiB");
}

BOOST_AUTO_TEST_CASE(huge_generated_manifests_are_refused_in_bounded_memory) {
    sim_process sim({"--generate", "1:3"});
    temp_dir dir;
    const std::string header = "projectId,type,apiToken,teamName,channelName\n";
    {  // a 10 MB cell
        write_file(dir / "cell_10mb.csv",
                   header + valid_id + ",SLACK,tok-" + std::string(10 << 20, 'x') + ",team,#a\n");
        check_refused(sim, dir / "cell_10mb.csv", 2, "10 MB cell");
    }
    {  // 100,000 columns in the header
        std::string h;
        for (int i = 0; i < 100'000; ++i) h += (i ? ",c" : "c") + std::to_string(i);
        write_file(dir / "columns_100k.csv", h + "\n" + valid_id + ",SLACK\n");
        check_refused(sim, dir / "columns_100k.csv", 1, "100k columns in the header");
    }
    {  // 100,000 cells in a row under a good header
        std::string row = valid_id + ",SLACK,tok-12345,team,#a";
        for (int i = 0; i < 100'000; ++i) row += ",x";
        write_file(dir / "cells_100k.csv", header + row + "\n");
        check_refused(sim, dir / "cells_100k.csv", 2, "100k cells in a row");
    }
    {  // a 10 MB JSON string
        write_file(dir / "string_10mb.json",
                   "[\n{\"projectId\":\"" + valid_id + "\",\"type\":\"SLACK\",\"apiToken\":\"" +
                       std::string(10 << 20, 'y') + "\",\"teamName\":\"t\"}\n]\n");
        check_refused(sim, dir / "string_10mb.json", 2, "10 MB JSON string");
    }
    {  // 100,000 levels of arrays in a JSON element
        write_file(dir / "nesting_100k.json",
                   "[\n{\"projectId\":\"" + valid_id + "\",\"type\":\"SLACK\",\"apiToken\":" +
                       std::string(100'000, '[') + std::string(100'000, ']') + "}\n]\n");
        check_refused(sim, dir / "nesting_100k.json", 2, "100k levels of nesting");
    }
    {  // 100,000 levels of objects on one JSON line, after 100,000 blank lines
        std::string deep;
        for (int i = 0; i < 100'000; ++i) deep += "{\"a\":";
        deep += "1" + std::string(100'000, '}');
        write_file(dir / "nesting_100k.jsonl", std::string(100'000, '\n') + "{\"projectId\":\"" +
                                                   valid_id +
                                                   "\",\"type\":\"SLACK\",\"x\":" + deep + "}\n");
        check_refused(sim, dir / "nesting_100k.jsonl", 100'001,
                      "100k blank lines then 100k levels");
    }
    {  // a 10 MB line of NUL bytes
        write_file(dir / "nul_10mb.csv", header + std::string(10 << 20, '\0') + "\n");
        check_refused(sim, dir / "nul_10mb.csv", 2, "10 MB of NUL bytes");
    }
    BOOST_TEST(request_count(sim) == 0u);
    BOOST_TEST_MESSAGE("huge manifests refused: 7, children's peak RSS " << children_peak_rss_kib()
                                                                         << " KiB");
}

BOOST_AUTO_TEST_CASE(excel_habits_are_met_and_named) {
    // What Excel and people typing by hand produce (issue 15): ';' files, spaces after the
    // commas of the header, and Windows-1252 text.
    temp_dir dir;
    auto validate = [&](const std::string& name, const std::string& content,
                        std::vector<std::string> extra = {}) {
        write_file(dir / name, content);
        std::vector<std::string> argv{cmbulk_bin(), "validate", (dir / name).string()};
        argv.insert(argv.end(), extra.begin(), extra.end());
        run_options o;
        o.timeout = std::chrono::seconds(30);
        return run_process(argv, o);
    };
    const std::string row2 = "5e2211c17a3e5a48f5497de5";
    auto r = validate("semi.csv", "projectId;type;apiToken;teamName\r\n" + valid_id +
                                      ";SLACK;xoxb-1;team, ops\r\n" + row2 + ";SLACK;xoxb-2;t\r\n");
    BOOST_TEST(r.exit_code == 0, r.err);
    BOOST_TEST(r.out.find("semi.csv: 2 rows, valid") != std::string::npos, r.out);

    r = validate("spaced.csv",
                 "projectId, type, apiToken, teamName\n" + valid_id + ",SLACK,xoxb-1,team\n");
    BOOST_TEST(r.exit_code == 0, r.err);
    BOOST_TEST(r.err.find("cmbulk: warning: " + (dir / "spaced.csv").string() +
                          ":1: type: column 2 is written \" type\": the spaces around the name "
                          "are ignored") != std::string::npos,
               r.err);
    BOOST_TEST(r.err.find(":1: apiToken: column 3") != std::string::npos, r.err);
    BOOST_TEST(r.err.find(":1: teamName: column 4") != std::string::npos, r.err);

    r = validate("tab.tsv", "projectId\ttype\tapiToken\tteamName\n" + valid_id + "\tSLACK\tx\tt\n",
                 {"--format", "csv", "--delimiter", "tab"});
    BOOST_TEST(r.exit_code == 0, r.err);
    r = validate("semi2.csv", "projectId;type;apiToken;teamName\n" + valid_id + ";SLACK;x;t\n",
                 {"--delimiter", ","});
    BOOST_TEST(r.exit_code == 2);
    BOOST_TEST(r.err.find("semi2.csv:1: projectId;type;apiToken;teamName: unknown column") !=
                   std::string::npos,
               r.err);
    r = validate("semi3.csv", "projectId;type\n", {"--delimiter", "|"});
    BOOST_TEST(r.exit_code == 2);
    BOOST_TEST(r.err.find("--delimiter: expected ',', ';' or tab, got '|'") != std::string::npos,
               r.err);

    r = validate("latin.csv",
                 "projectId;type;apiToken;teamName\r\n" + valid_id + ";SLACK;xoxb-1;M\xFCller\r\n");
    BOOST_TEST(r.exit_code == 2);
    BOOST_TEST(r.err.find("latin.csv:2: teamName: the file is not UTF-8: it looks like "
                          "Windows-1252") != std::string::npos,
               r.err);
    BOOST_TEST(r.err.find("iconv -f WINDOWS-1252 -t UTF-8 " + (dir / "latin.csv").string() + " > " +
                          (dir / "latin-utf8.csv").string()) != std::string::npos,
               r.err);

    // apply refuses it even with --skip-invalid, before any request.
    sim_process sim({"--generate", "1:3"});
    run_options o;
    o.env["CMBULK_PUBLIC_KEY"] = std::string(cmbulk::sim::generated_public_key);
    o.env["CMBULK_PRIVATE_KEY"] = std::string(cmbulk::sim::generated_private_key);
    o.timeout = std::chrono::seconds(60);
    auto a = run_process({cmbulk_bin(), "apply", (dir / "latin.csv").string(), "--base-url",
                          sim.base_url(), "--skip-invalid", "--report", (dir / "r.csv").string(),
                          "--checkpoint", (dir / "r.ck").string(), "--progress", "plain"},
                         o);
    BOOST_TEST(a.exit_code == 2, a.err);
    BOOST_TEST(a.err.find("Windows-1252") != std::string::npos, a.err);
    BOOST_TEST(request_count(sim) == 0u);

    auto help = run_process({cmbulk_bin(), "validate", "--help"});
    BOOST_TEST(help.out.find("--delimiter") != std::string::npos, help.out);
}

BOOST_AUTO_TEST_SUITE_END()
