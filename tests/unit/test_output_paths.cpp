// Unit tests for output_paths.hpp: an output that is an input (by name, through "..", through a
// symbolic link, through a hard link) or another output is found and named; distinct paths pass;
// the HTML report's companion row report never lands on an input.
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <filesystem>

#include "cmbulk/output_paths.hpp"
#include "common/test_support.hpp"

using namespace cmbulk;
namespace fs = std::filesystem;

BOOST_AUTO_TEST_SUITE(output_paths_suite)

BOOST_AUTO_TEST_CASE(an_output_on_an_input_is_named) {
    test::temp_dir d;
    auto manifest = d.path() / "rotation.csv";
    test::write_file(manifest, "projectId,type\n");
    std::vector<run_path> paths{{"the manifest", manifest, false},
                                {"--report", d.path() / "sub" / ".." / "rotation.csv", true}};
    auto clash = find_path_clash(paths);
    BOOST_TEST_REQUIRE(clash.has_value());
    BOOST_TEST(clash->field == "--report");
    BOOST_TEST(clash->message.find("--report " +
                                   (d.path() / "sub" / ".." / "rotation.csv").string() +
                                   " is also the manifest " + manifest.string()) == 0u);
    BOOST_TEST(clash->message.find("an output must never replace an input") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(links_are_seen_through) {
    test::temp_dir d;
    auto manifest = d.path() / "m.csv";
    test::write_file(manifest, "x\n");
    fs::create_symlink(manifest, d.path() / "sym.csv");
    BOOST_TEST_REQUIRE(::link(manifest.c_str(), (d.path() / "hard.csv").c_str()) == 0);
    for (auto name : {"sym.csv", "hard.csv"}) {
        BOOST_TEST_CONTEXT(name) {
            std::vector<run_path> paths{{"the manifest", manifest, false},
                                        {"--emit-manifest", d.path() / name, true}};
            BOOST_TEST(find_path_clash(paths).has_value());
        }
    }
}

BOOST_AUTO_TEST_CASE(two_outputs_and_relative_paths) {
    test::temp_dir d;
    auto cwd = fs::current_path();
    fs::current_path(d.path());
    std::vector<run_path> paths{{"the manifest", "m.csv", false},
                                {"--report", "audit.csv", true},
                                {"--emit-manifest", d.path() / "audit.csv", true}};
    auto clash = find_path_clash(paths);
    fs::current_path(cwd);
    BOOST_TEST_REQUIRE(clash.has_value());
    BOOST_TEST(clash->message.find("two outputs would overwrite each other") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(distinct_paths_pass_and_inputs_may_repeat) {
    test::temp_dir d;
    std::vector<run_path> paths{{"the manifest", d.path() / "m.csv", false},
                                {"--projects", d.path() / "m.csv", false},
                                {"--report", d.path() / "r.csv", true},
                                {"--html-report", d.path() / "r.html", true},
                                {"the checkpoint", d.path() / "r.checkpoint.jsonl", true},
                                {"--log", "", true}};
    BOOST_TEST(!find_path_clash(paths).has_value());
}

BOOST_AUTO_TEST_CASE(companion_report_avoids_inputs) {
    test::temp_dir d;
    auto html = d.path() / "rotation.html";
    std::vector<fs::path> none;
    BOOST_TEST(companion_report_path(html, none) == d.path() / "rotation.csv");
    std::vector<fs::path> inputs{d.path() / "rotation.csv"};
    BOOST_TEST(companion_report_path(html, inputs) == d.path() / "rotation.report.csv");
    inputs.push_back(d.path() / "rotation.report.csv");
    BOOST_TEST(companion_report_path(html, inputs) == d.path() / "rotation.report-2.csv");
}

BOOST_AUTO_TEST_SUITE_END()
