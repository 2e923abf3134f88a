// Unit tests for fs_atomic: the atomic whole-file write (old file intact until the commit, no
// temporary file left behind, a second commit refused, the descriptor kept open for the journal),
// the clean-up of temporary files of dead processes (and only those), and that the row report,
// the journal and the HTML report all write through it.
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>

#include "cmbulk/fs_atomic.hpp"
#include "cmbulk/html_report.hpp"
#include "cmbulk/journal.hpp"
#include "cmbulk/report.hpp"
#include "common/test_support.hpp"

using namespace cmbulk;
using cmbulk::test::read_file;
using cmbulk::test::temp_dir;
using cmbulk::test::write_file;
namespace fs = std::filesystem;

namespace {

/// The pid of a process that has exited and been reaped.
pid_t dead_pid() {
    pid_t pid = ::fork();
    BOOST_REQUIRE(pid >= 0);
    if (pid == 0) ::_exit(0);
    int status = 0;
    BOOST_REQUIRE(::waitpid(pid, &status, 0) == pid);
    return pid;
}

fs::path temp_of(const fs::path& p, pid_t pid) {
    auto t = p;
    t += ".tmp-" + std::to_string(pid);
    return t;
}

std::vector<std::string> names_in(const fs::path& dir) {
    std::vector<std::string> out;
    for (auto& e : fs::directory_iterator(dir)) out.push_back(e.path().filename().string());
    std::sort(out.begin(), out.end());
    return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(fs_atomic_suite)

BOOST_AUTO_TEST_CASE(write_file_atomically_replaces_the_file_and_leaves_no_temp) {
    temp_dir d;
    auto p = d / "out.csv";
    write_file(p, "old\n");
    std::string msg;
    BOOST_REQUIRE(write_file_atomically(p, "new content\n", msg).has_value());
    BOOST_TEST(read_file(p) == "new content\n");
    BOOST_TEST(names_in(d.path()) == std::vector<std::string>{"out.csv"},
               boost::test_tools::per_element());
    struct stat st {};
    BOOST_REQUIRE(::stat(p.c_str(), &st) == 0);
    BOOST_TEST((st.st_mode & 0777 & ~0022u) == (0644u & ~0022u));

    auto r = write_file_atomically(d / "no-such-dir" / "x.csv", "x", msg);
    BOOST_TEST(!r.has_value());
    BOOST_TEST(msg.find("no-such-dir/x.csv.tmp-") != std::string::npos, msg);
    BOOST_TEST(msg.find("No such file or directory") != std::string::npos, msg);
}

BOOST_AUTO_TEST_CASE(uncommitted_file_leaves_the_old_one_and_commit_is_once) {
    temp_dir d;
    auto p = d / "r.json";
    write_file(p, "old\n");
    std::string msg;
    {
        auto f = atomic_file::create(p, msg);
        BOOST_REQUIRE(f.has_value());
        BOOST_TEST(f->temp_path() == temp_of(p, ::getpid()));
        BOOST_REQUIRE(f->write("half").has_value());
        BOOST_TEST(read_file(f->temp_path()) == "half");
        BOOST_TEST(read_file(p) == "old\n");  // readers still see the old file
    }
    BOOST_TEST(read_file(p) == "old\n");
    BOOST_TEST(names_in(d.path()) == std::vector<std::string>{"r.json"},
               boost::test_tools::per_element());

    auto f = atomic_file::create(p, msg, 0644, "report");
    BOOST_REQUIRE(f.has_value());
    BOOST_REQUIRE(f->write("new ").has_value());
    BOOST_REQUIRE(f->write("whole\n").has_value());
    BOOST_REQUIRE(f->commit().has_value());
    BOOST_TEST(f->committed());
    BOOST_TEST(read_file(p) == "new whole\n");
    BOOST_TEST(!fs::exists(f->temp_path()));
    auto again = f->commit();
    BOOST_REQUIRE(!again.has_value());
    BOOST_TEST(again.error().value() == EALREADY);
    BOOST_TEST(!f->write("late").has_value());

    // A moved-to file commits what the moved-from one started; the moved-from owns nothing.
    auto g = atomic_file::create(p, msg);
    BOOST_REQUIRE(g.has_value());
    BOOST_REQUIRE(g->write("moved\n").has_value());
    atomic_file h = std::move(*g);
    BOOST_REQUIRE(h.commit().has_value());
    BOOST_TEST(read_file(p) == "moved\n");
}

BOOST_AUTO_TEST_CASE(commit_keep_open_hands_over_a_descriptor_of_the_final_file) {
    temp_dir d;
    auto p = d / "j.jsonl";
    std::string msg;
    auto f = atomic_file::create(p, msg, 0600, "journal");
    BOOST_REQUIRE(f.has_value());
    BOOST_REQUIRE(f->write("header\n").has_value());
    auto fd = f->commit_keep_open();
    BOOST_REQUIRE(fd.has_value());
    BOOST_TEST(::write(*fd, "record\n", 7) == 7);
    ::close(*fd);
    BOOST_TEST(read_file(p) == "header\nrecord\n");
    struct stat st {};
    BOOST_REQUIRE(::stat(p.c_str(), &st) == 0);
    BOOST_TEST((st.st_mode & 0777) == 0600u);
    BOOST_TEST(names_in(d.path()) == std::vector<std::string>{"j.jsonl"},
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(messages_name_the_kind_and_the_file) {
    temp_dir d;
    std::string msg;
    auto f = atomic_file::create(d / "missing" / "r.csv", msg, 0644, "report");
    BOOST_REQUIRE(!f.has_value());
    BOOST_TEST(
        msg.starts_with("cannot create report " + (d / "missing" / "r.csv").string() + ".tmp-"),
        msg);
    // A rename that cannot happen (the target is a non-empty directory) fails the commit with a
    // message naming both, and the temporary file is gone once the object is.
    fs::create_directory(d / "dir");
    write_file(d / "dir" / "inside", "x");
    {
        auto g = atomic_file::create(d / "dir", msg, 0644, "report");
        BOOST_REQUIRE(g.has_value());
        BOOST_REQUIRE(g->write("x").has_value());
        BOOST_TEST(!g->commit().has_value());
        BOOST_TEST(g->error_message().starts_with("cannot rename report "), g->error_message());
        BOOST_TEST(g->error_message().find(" to " + (d / "dir").string()) != std::string::npos);
    }
    BOOST_TEST(names_in(d.path()) == std::vector<std::string>{"dir"},
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(stale_temp_files_of_dead_processes_go_and_nothing_else) {
    temp_dir d;
    auto p = d / "report.csv";
    pid_t dead = dead_pid(), alive = ::getppid();
    write_file(p, "the report\n");
    write_file(temp_of(p, dead), "left by a killed run");
    write_file(temp_of(p, alive), "another run writing now");
    write_file(temp_of(p, ::getpid()), "ours");
    write_file(d / "report.csv.tmp-12x", "not a pid");
    write_file(d / "report.csv.tmp-", "no pid");
    write_file(temp_of(d / "other.csv", dead), "another target");
    fs::create_directory(temp_of(d / "report.csv", dead_pid()));  // a directory, not a file
    auto removed = remove_stale_temp_files(p);
    BOOST_REQUIRE(removed.size() == 1u);
    BOOST_TEST(removed[0] == temp_of(p, dead));
    BOOST_TEST(!fs::exists(temp_of(p, dead)));
    for (auto kept : {p, temp_of(p, alive), temp_of(p, ::getpid()), d / "report.csv.tmp-12x",
                      d / "report.csv.tmp-", temp_of(d / "other.csv", dead)})
        BOOST_TEST(fs::exists(kept), kept);
    BOOST_TEST(remove_stale_temp_files(p).empty());  // nothing left to do
    BOOST_TEST(remove_stale_temp_files(d / "absent-dir" / "r.csv").empty());
}

BOOST_AUTO_TEST_CASE(report_journal_and_html_report_write_through_it) {
    // Each writer removes the leftover of a killed run when it starts writing its file: proof
    // that it goes through atomic_file.
    temp_dir d;
    std::string msg;
    auto report = d / "r.csv", journal = d / "r.ck", html = d / "r.html";
    for (auto& p : {report, journal, html}) write_file(temp_of(p, dead_pid()), "leftover");

    auto w = report_writer::open(report, report_format::csv, msg);
    BOOST_REQUIRE(w.has_value());
    BOOST_REQUIRE((*w)->commit().has_value());

    journal_header h;
    h.tool_version = "0.1.0";
    h.action = "create";
    diagnostics diag;
    auto j = journal_writer::create(journal, h, diag);
    BOOST_TEST_REQUIRE(j.has_value(), to_string(diag));
    (*j)->close();

    BOOST_TEST_REQUIRE(
        write_html_report(html, html_report_info{}, run_summary{}, run_timeline{}, msg).has_value(),
        msg);
    BOOST_TEST(names_in(d.path()) == (std::vector<std::string>{"r.ck", "r.csv", "r.html"}),
               boost::test_tools::per_element());
    BOOST_TEST(read_file(html).find("<html") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
