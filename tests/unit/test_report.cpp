// Unit tests for the report module: outcome names, format by extension, each format written and
// read back (with commas, quotes and newlines in the detail), the atomic commit (temp file gone,
// an uncommitted writer leaves the old report intact), the latency histogram and the summary.
#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>
#include <random>

#include "cmbulk/report.hpp"
#include "common/test_support.hpp"

using namespace cmbulk;
using cmbulk::test::read_file;
using cmbulk::test::temp_dir;
using cmbulk::test::write_file;

namespace {

std::vector<report_row> sample_rows() {
    std::vector<report_row> rows;
    report_row a;
    a.line = 2;
    a.project_id = "5e2211c17a3e5a48f5497de3";
    a.type = "SLACK";
    a.action = "create";
    a.result = outcome::created;
    a.http_status = 200;
    a.attempts = 1;
    a.duration_ms = 12;
    a.secret_last4 = "7890";
    rows.push_back(a);

    report_row b = a;
    b.line = 3;
    b.project_id = "5e2211c17a3e5a48f5497de4";
    b.result = outcome::failed;
    b.http_status = 400;
    b.error_code = "VALIDATION_ERROR";
    b.detail = "bad value, \"quoted\"\nsecond line\r\nthird, with comma";
    b.attempts = 3;
    b.duration_ms = 1234567890123;
    b.secret_last4 = "";
    b.target = "alertConfig:64b6c0f2a1b2c3d4e5f60718";  // issue 14: an alert config's row
    rows.push_back(b);

    report_row c;
    c.line = 4;
    c.project_id = "5e2211c17a3e5a48f5497de5";
    c.type = "WEBHOOK";
    c.action = "delete";
    c.result = outcome::not_run;
    c.detail = "  leading and trailing spaces  ";
    rows.push_back(c);

    report_row d = c;
    d.line = 5;
    d.result = outcome::invalid;
    d.detail = "unicode: caf\xc3\xa9 \xe2\x9c\x93, tab\tend";
    rows.push_back(d);
    return rows;
}

void check_same(const std::vector<report_row>& got, const std::vector<report_row>& want) {
    BOOST_REQUIRE_EQUAL(got.size(), want.size());
    for (std::size_t i = 0; i < want.size(); ++i) {
        BOOST_TEST_CONTEXT("row " << i) {
            BOOST_TEST(got[i].line == want[i].line);
            BOOST_TEST(got[i].project_id == want[i].project_id);
            BOOST_TEST(got[i].type == want[i].type);
            BOOST_TEST(got[i].action == want[i].action);
            BOOST_TEST(to_string(got[i].result) == to_string(want[i].result));
            BOOST_TEST(got[i].http_status == want[i].http_status);
            BOOST_TEST(got[i].error_code == want[i].error_code);
            BOOST_TEST(got[i].detail == want[i].detail);
            BOOST_TEST(got[i].attempts == want[i].attempts);
            BOOST_TEST(got[i].duration_ms == want[i].duration_ms);
            BOOST_TEST(got[i].secret_last4 == want[i].secret_last4);
            BOOST_TEST(got[i].target == want[i].target);
        }
    }
}

std::vector<report_row> write_and_read(const std::filesystem::path& p, report_format f,
                                       const std::vector<report_row>& rows) {
    std::string err;
    auto w = report_writer::open(p, f, err);
    BOOST_REQUIRE_MESSAGE(w.has_value(), err);
    for (auto& r : rows) (*w)->add(r);
    BOOST_TEST((*w)->rows() == rows.size());
    BOOST_REQUIRE((*w)->commit().has_value());
    auto back = read_report(p, f, err);
    BOOST_REQUIRE_MESSAGE(back.has_value(), err);
    return *back;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(report_suite)

BOOST_AUTO_TEST_CASE(outcome_names_round_trip) {
    // Ten, issue 13's no-access and forbidden-role, and issue 14's partial, issue 15's
    // exists-differs.
    BOOST_TEST(all_outcomes().size() == 14u);
    BOOST_TEST(to_string(outcome::partial) == "partial");
    BOOST_TEST(!is_success(outcome::partial));
    BOOST_TEST(to_string(outcome::no_access) == "no-access");
    BOOST_TEST(to_string(outcome::forbidden_role) == "forbidden-role");
    BOOST_TEST(!is_success(outcome::no_access));
    BOOST_TEST(!is_success(outcome::forbidden_role));
    for (auto o : all_outcomes()) {
        BOOST_TEST_CONTEXT(to_string(o)) {
            auto back = parse_outcome(to_string(o));
            BOOST_REQUIRE(back.has_value());
            BOOST_TEST((*back == o));
        }
    }
    BOOST_TEST(to_string(outcome::not_run) == "not-run");
    BOOST_TEST((parse_outcome("not_run") == outcome::not_run));
    BOOST_TEST(!parse_outcome("Created").has_value());
    BOOST_TEST(!parse_outcome("").has_value());
}

BOOST_AUTO_TEST_CASE(success_outcomes) {
    for (auto o : {outcome::created, outcome::updated, outcome::deleted, outcome::unchanged,
                   outcome::exists, outcome::verified})
        BOOST_TEST_CONTEXT(to_string(o)) { BOOST_TEST(is_success(o)); }
    for (auto o : {outcome::failed, outcome::invalid, outcome::not_run, outcome::mismatch})
        BOOST_TEST_CONTEXT(to_string(o)) { BOOST_TEST(!is_success(o)); }
}

BOOST_AUTO_TEST_CASE(format_from_extension) {
    BOOST_TEST((report_format_from_path("out/report.csv") == report_format::csv));
    BOOST_TEST((report_format_from_path("REPORT.CSV") == report_format::csv));
    BOOST_TEST((report_format_from_path("r.json") == report_format::json));
    BOOST_TEST((report_format_from_path("r.jsonl") == report_format::jsonl));
    BOOST_TEST((report_format_from_path("r.ndjson") == report_format::jsonl));
    BOOST_TEST(!report_format_from_path("r.txt").has_value());
    BOOST_TEST(!report_format_from_path("report").has_value());
}

BOOST_AUTO_TEST_CASE(csv_round_trip_and_columns) {
    temp_dir d;
    auto rows = sample_rows();
    check_same(write_and_read(d / "r.csv", report_format::csv, rows), rows);
    auto text = read_file(d / "r.csv");
    BOOST_TEST(
        text.rfind("projectId,type,action,outcome,httpStatus,errorCode,detail,attempts,durationMs,"
                   "secretLast4,line,target\n",
                   0) == 0u);
    BOOST_TEST(text.find("5e2211c17a3e5a48f5497de3,SLACK,create,created,200,,,1,12,7890,2,"
                         "integration\n") != std::string::npos);
    // RFC 4180: the detail is quoted, inner quotes doubled, line breaks kept inside the quotes.
    BOOST_TEST(text.find("\"bad value, \"\"quoted\"\"\nsecond line\r\nthird, with comma\"") !=
               std::string::npos);
    BOOST_TEST(text.find(",not-run,") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(csv_record_quoting) {
    report_row r;
    r.project_id = "p";
    r.type = "SLACK";
    r.action = "create";
    r.detail = "plain";
    BOOST_TEST(to_csv_record(r) == "p,SLACK,create,not-run,0,,plain,0,0,,0,integration");
    r.detail = "a,b";
    BOOST_TEST(to_csv_record(r) == "p,SLACK,create,not-run,0,,\"a,b\",0,0,,0,integration");
    r.detail = "say \"hi\"";
    BOOST_TEST(to_csv_record(r) ==
               "p,SLACK,create,not-run,0,,\"say \"\"hi\"\"\",0,0,,0,integration");
    r.detail = "two\nlines";
    BOOST_TEST(to_csv_record(r) == "p,SLACK,create,not-run,0,,\"two\nlines\",0,0,,0,integration");
}

BOOST_AUTO_TEST_CASE(json_round_trip_is_one_array) {
    temp_dir d;
    auto rows = sample_rows();
    check_same(write_and_read(d / "r.json", report_format::json, rows), rows);
    // The file is one valid JSON array with the documented keys.
    auto v = boost::json::parse(read_file(d / "r.json"));
    BOOST_REQUIRE(v.is_array());
    BOOST_TEST(v.as_array().size() == rows.size());
    auto& first = v.as_array()[0].as_object();
    for (auto k : report_columns()) BOOST_TEST_CONTEXT(k) {
            BOOST_TEST(first.contains(k));
        }
    BOOST_TEST(first.at("outcome").as_string() == "created");
    BOOST_TEST(first.at("httpStatus").as_int64() == 200);
}

BOOST_AUTO_TEST_CASE(json_empty_report_is_an_empty_array) {
    temp_dir d;
    auto back = write_and_read(d / "r.json", report_format::json, {});
    BOOST_TEST(back.empty());
    auto v = boost::json::parse(read_file(d / "r.json"));
    BOOST_TEST(v.is_array());
    BOOST_TEST(v.as_array().empty());
}

BOOST_AUTO_TEST_CASE(jsonl_round_trip_one_object_per_line) {
    temp_dir d;
    auto rows = sample_rows();
    check_same(write_and_read(d / "r.jsonl", report_format::jsonl, rows), rows);
    auto text = read_file(d / "r.jsonl");
    BOOST_TEST(std::count(text.begin(), text.end(), '\n') == static_cast<long>(rows.size()));
    std::size_t pos = 0;
    for (std::size_t i = 0; i < rows.size(); ++i) {
        auto nl = text.find('\n', pos);
        auto v = boost::json::parse(text.substr(pos, nl - pos));
        BOOST_TEST(v.as_object().at("projectId").as_string() == rows[i].project_id);
        pos = nl + 1;
    }
}

BOOST_AUTO_TEST_CASE(never_more_than_four_secret_characters) {
    temp_dir d;
    report_row r;
    r.project_id = "5e2211c17a3e5a48f5497de3";
    r.type = "SLACK";
    r.action = "create";
    r.secret_last4 = "xoxb-SECRET-TOKEN-1234";  // a caller mistake: the whole secret
    for (auto f : {report_format::csv, report_format::json, report_format::jsonl}) {
        auto p = d / (f == report_format::csv    ? "s.csv"
                      : f == report_format::json ? "s.json"
                                                 : "s.jsonl");
        auto back = write_and_read(p, f, {r});
        BOOST_TEST(back.at(0).secret_last4 == "1234");
        BOOST_TEST(read_file(p).find("SECRET") == std::string::npos);
    }
}

BOOST_AUTO_TEST_CASE(many_rows_stream_through) {
    temp_dir d;
    std::string err;
    auto w = report_writer::open(d / "big.csv", report_format::csv, err);
    BOOST_REQUIRE(w.has_value());
    report_row r;
    r.project_id = "5e2211c17a3e5a48f5497de3";
    r.type = "SLACK";
    r.action = "create";
    r.result = outcome::created;
    for (std::uint64_t i = 0; i < 50000; ++i) {
        r.line = i + 2;
        (*w)->add(r);
    }
    // Rows reach the temporary file while the run goes on (the writer does not hold them all).
    BOOST_TEST(std::filesystem::file_size((*w)->temp_path()) > 1000000u);
    BOOST_REQUIRE((*w)->commit().has_value());
    auto back = read_report(d / "big.csv", std::nullopt, err);
    BOOST_REQUIRE_MESSAGE(back.has_value(), err);
    BOOST_TEST(back->size() == 50000u);
    BOOST_TEST(back->back().line == 50001u);
}

BOOST_AUTO_TEST_CASE(commit_is_atomic_and_cleans_up) {
    temp_dir d;
    auto p = d / "report.csv";
    write_file(p, "old report\n");
    std::string err;
    {
        auto w = report_writer::open(p, report_format::csv, err);
        BOOST_REQUIRE(w.has_value());
        auto temp = (*w)->temp_path();
        BOOST_TEST(temp.parent_path() == p.parent_path());  // same directory: rename is atomic
        for (auto& r : sample_rows()) (*w)->add(r);
        BOOST_TEST(std::filesystem::exists(temp));
        // Before commit readers still see the old report.
        BOOST_TEST(read_file(p) == "old report\n");
        // A "crash" before commit: the writer goes away without committing.
    }
    BOOST_TEST(read_file(p) == "old report\n");
    for (auto& e : std::filesystem::directory_iterator(d.path()))
        BOOST_TEST(e.path().filename() == "report.csv");  // no temp file left behind

    auto w = report_writer::open(p, report_format::csv, err);
    BOOST_REQUIRE(w.has_value());
    auto temp = (*w)->temp_path();
    for (auto& r : sample_rows()) (*w)->add(r);
    BOOST_REQUIRE((*w)->commit().has_value());
    BOOST_TEST(!std::filesystem::exists(temp));
    BOOST_TEST(read_file(p).rfind("projectId,", 0) == 0u);
    BOOST_TEST(!(*w)->commit().has_value());  // a second commit is an error
    w->reset();
    BOOST_TEST(std::filesystem::exists(p));  // destroying a committed writer keeps the report
}

BOOST_AUTO_TEST_CASE(open_fails_with_a_message_naming_the_file) {
    temp_dir d;
    std::string err;
    auto w = report_writer::open(d / "no-such-dir" / "r.csv", report_format::csv, err);
    BOOST_TEST(!w.has_value());
    BOOST_TEST(err.find("no-such-dir") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(read_report_errors_name_file_and_line) {
    temp_dir d;
    std::string err;
    write_file(d / "bad.jsonl", "{\"projectId\":\"a\",\"outcome\":\"created\"}\n{oops\n");
    auto r = read_report(d / "bad.jsonl", std::nullopt, err);
    BOOST_TEST(!r.has_value());
    BOOST_TEST(err.find("bad.jsonl:2:") != std::string::npos);
    write_file(d / "bad.csv",
               "projectId,type,action,outcome,httpStatus,errorCode,detail,attempts,durationMs,"
               "secretLast4,line,target\n"
               "a,SLACK,create,created,200,,,1,1,,2,integration\n"
               "a,SLACK,create,exploded,200,,,1,1,,3,integration\n");
    r = read_report(d / "bad.csv", std::nullopt, err);
    BOOST_TEST(!r.has_value());
    BOOST_TEST(err.find("bad.csv:3:") != std::string::npos);
    BOOST_TEST(err.find("exploded") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(histogram_percentiles_of_a_uniform_distribution) {
    latency_histogram h;
    BOOST_TEST(h.percentile(50).count() == 0);
    // 1..100000 us, each once: p50 = 50000, p95 = 95000, p99 = 99000.
    for (int i = 1; i <= 100000; ++i) h.add(std::chrono::microseconds(i));
    BOOST_TEST(h.count() == 100000u);
    BOOST_TEST(static_cast<double>(h.percentile(50).count()) == 50000.0,
               boost::test_tools::tolerance(0.02));
    BOOST_TEST(static_cast<double>(h.percentile(95).count()) == 95000.0,
               boost::test_tools::tolerance(0.02));
    BOOST_TEST(static_cast<double>(h.percentile(99).count()) == 99000.0,
               boost::test_tools::tolerance(0.02));
    BOOST_TEST(h.percentile(100).count() <= 100000);
    BOOST_TEST(static_cast<double>(h.percentile(100).count()) == 100000.0,
               boost::test_tools::tolerance(0.02));
    BOOST_TEST(h.percentile(0).count() == 1);
    BOOST_TEST(h.max().count() == 100000);
}

BOOST_AUTO_TEST_CASE(histogram_percentiles_of_a_lognormal_sample) {
    // Compare with the exact percentiles of the same sample, sorted.
    std::mt19937_64 rng(11);
    std::lognormal_distribution<double> dist(std::log(20000.0), 0.8);
    std::vector<std::int64_t> values;
    latency_histogram h;
    for (int i = 0; i < 20000; ++i) {
        auto v = static_cast<std::int64_t>(dist(rng)) + 1;
        values.push_back(v);
        h.add(std::chrono::microseconds(v));
    }
    std::sort(values.begin(), values.end());
    for (double p : {10.0, 50.0, 90.0, 95.0, 99.0}) {
        auto exact = values[static_cast<std::size_t>(std::ceil(p / 100 * values.size())) - 1];
        BOOST_TEST_CONTEXT("p" << p << " exact " << exact) {
            BOOST_TEST(static_cast<double>(h.percentile(p).count()) == static_cast<double>(exact),
                       boost::test_tools::tolerance(0.05));
        }
    }
}

BOOST_AUTO_TEST_CASE(histogram_edges) {
    latency_histogram h;
    h.add(std::chrono::microseconds(0));
    h.add(std::chrono::microseconds(-5));  // clock trouble: counted as zero
    BOOST_TEST(h.percentile(50).count() == 0);
    latency_histogram big;
    big.add(std::chrono::hours(100));  // beyond the last bucket: still counted, max kept
    BOOST_TEST(big.count() == 1u);
    BOOST_TEST(big.percentile(50).count() > 0);
    BOOST_TEST(big.percentile(50) <= std::chrono::microseconds(std::chrono::hours(100)));
}

BOOST_AUTO_TEST_CASE(summary_text) {
    run_summary s;
    s.counts[outcome::created] = 998;
    s.counts[outcome::failed] = 2;
    s.total_rows = 1000;
    s.requests = 1012;
    s.throttled = 3;
    s.retries = 12;
    s.elapsed = std::chrono::milliseconds(10600);
    for (int i = 0; i < 100; ++i) s.latency.add(std::chrono::milliseconds(i < 50 ? 12 : 40));
    auto text = format_summary(s);
    BOOST_TEST_MESSAGE(text);
    BOOST_TEST(text.find("created 998, failed 2") != std::string::npos);
    BOOST_TEST(text.find("rows 1000") != std::string::npos);
    BOOST_TEST(text.find("requests 1012 (3 x 429, 12 retries)") != std::string::npos);
    BOOST_TEST(text.find("95.5 req/s") != std::string::npos);
    BOOST_TEST(text.find("p50 12 ms") != std::string::npos);
    BOOST_TEST(text.find("p95 40 ms") != std::string::npos);
    BOOST_TEST(text.back() == '\n');
    // Outcomes with no rows are not listed.
    BOOST_TEST(text.find("updated") == std::string::npos);
    run_summary empty;
    BOOST_TEST(format_summary(empty).find("rows 0") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(summary_says_what_did_not_happen) {
    run_summary s;
    s.counts[outcome::exists_differs] = 3;
    s.counts[outcome::exists] = 1;
    s.exists_differs_types["SLACK"] = 3;
    auto text = format_summary(s);
    BOOST_TEST(text.find("exists 1, exists-differs 3") != std::string::npos);
    BOOST_TEST(text.find("3 rows already had SLACK configured with other values: nothing "
                         "changed; use --action update or upsert\n") != std::string::npos);
    BOOST_TEST(!is_success(outcome::exists_differs));
    BOOST_TEST(is_success(outcome::exists));
    BOOST_TEST((parse_outcome("exists-differs") == outcome::exists_differs));
    s.exists_differs_types = {{"WEBHOOK", 1}};
    BOOST_TEST(format_summary(s).find("1 row already had WEBHOOK configured") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
