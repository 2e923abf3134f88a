// Packaging: `cpack -G DEB` in the build directory (only when no .deb of this version is there
// yet), the package extracted into a temporary root with `dpkg-deb -x`, and `cmbulk --version`,
// `cmbulk-sim --version`, the man pages, the bash completion and the samples found in it.
#include <boost/test/unit_test.hpp>
#include <sstream>

#include "cmbulk/version.hpp"
#include "common/test_support.hpp"

using namespace cmbulk::test;

namespace {
std::filesystem::path build_dir() { return std::filesystem::path(cmbulk_bin()).parent_path(); }

std::filesystem::path find_deb() {
    std::error_code ec;
    for (auto& e : std::filesystem::directory_iterator(build_dir(), ec)) {
        auto name = e.path().filename().string();
        if (name.starts_with("cmbulk_" + std::string(cmbulk::version())) && name.ends_with(".deb"))
            return e.path();
    }
    return {};
}
}  // namespace

BOOST_AUTO_TEST_SUITE(install_suite)

BOOST_AUTO_TEST_CASE(deb_installs_into_a_temporary_root_and_runs) {
    auto deb = find_deb();
    // A .deb older than the binary is rebuilt, so the test checks what was just built.
    std::error_code ec;
    if (!deb.empty() && std::filesystem::last_write_time(deb, ec) <
                            std::filesystem::last_write_time(cmbulk_bin(), ec))
        deb.clear();
    if (deb.empty()) {
        run_options o;
        o.cwd = build_dir();
        o.timeout = std::chrono::seconds(300);
        auto r = run_process({"/usr/bin/cpack", "-G", "DEB"}, o);
        BOOST_TEST_REQUIRE(r.exit_code == 0, r.out + r.err);
        deb = find_deb();
    }
    BOOST_TEST_REQUIRE(!deb.empty(), "no .deb in " << build_dir());

    auto info = run_process(
        {"/usr/bin/dpkg-deb", "--field", deb.string(), "Package", "Version", "Depends"});
    BOOST_TEST(info.exit_code == 0);
    BOOST_TEST(info.out.find("Package: cmbulk") != std::string::npos, info.out);
    BOOST_TEST(info.out.find("Version: " + std::string(cmbulk::version())) != std::string::npos,
               info.out);
    BOOST_TEST(info.out.find("libssl") != std::string::npos, info.out);

    temp_dir root;
    auto x = run_process({"/usr/bin/dpkg-deb", "-x", deb.string(), root.path().string()});
    BOOST_TEST_REQUIRE(x.exit_code == 0, x.err);
    auto v = run_process({(root / "usr/bin/cmbulk").string(), "--version"});
    BOOST_TEST(v.exit_code == 0);
    BOOST_TEST(v.out == "cmbulk " + std::string(cmbulk::version()) + "\n");
    auto sv = run_process({(root / "usr/bin/cmbulk-sim").string(), "--version"});
    BOOST_TEST(sv.exit_code == 0);
    BOOST_TEST(sv.out.find(std::string(cmbulk::version())) != std::string::npos, sv.out);
    for (auto f : {"usr/share/man/man1/cmbulk.1", "usr/share/man/man1/cmbulk-sim.1",
                   "usr/share/bash-completion/completions/cmbulk",
                   "usr/share/doc/cmbulk/samples/slack-migration.csv",
                   "usr/share/doc/cmbulk/samples/sim-seed.json", "usr/share/doc/cmbulk/README.md",
                   "usr/share/doc/cmbulk/operations.md"})
        BOOST_TEST(std::filesystem::exists(root / f), f);
    // The installed man page is valid roff that man can format.
    auto man = run_process(
        {"/usr/bin/man", "-l", "-Tutf8", (root / "usr/share/man/man1/cmbulk.1").string()});
    if (std::filesystem::exists("/usr/bin/man")) {
        BOOST_TEST(man.exit_code == 0, man.err);
        BOOST_TEST(man.out.find("apply") != std::string::npos);
    }
}

BOOST_AUTO_TEST_CASE(bash_completion_offers_subcommands_and_options) {
    auto script = (source_dir() / "completion/cmbulk.bash").string();
    auto r = run_process(
        {"/bin/bash", "-c",
         "PATH='" + build_dir().string() + "':$PATH; source '" + script +
             "'; COMP_WORDS=(cmbulk ap); COMP_CWORD=1; _cmbulk; "
             "echo \"${COMPREPLY[*]}\"; COMP_WORDS=(cmbulk apply --res); COMP_CWORD=2; "
             "_cmbulk; echo \"${COMPREPLY[*]}\"; COMP_WORDS=(cmbulk apply x --flavor ''); "
             "COMP_CWORD=4; _cmbulk; echo \"${COMPREPLY[*]}\""});
    BOOST_TEST(r.exit_code == 0, r.err);
    BOOST_TEST(r.out.find("apply\n") == 0u, r.out);
    BOOST_TEST(r.out.find("--resume") != std::string::npos, r.out);
    BOOST_TEST(r.out.find("cloud-manager ops-manager atlas") != std::string::npos, r.out);
}

BOOST_AUTO_TEST_CASE(every_subcommand_has_help_with_examples) {
    auto top = run_process({cmbulk_bin(), "--help"});
    BOOST_TEST(top.exit_code == 0);
    // Every command the top-level help lists answers --help with usage and examples.
    std::vector<std::string> commands;
    auto pos = top.out.find("Commands:\n");
    BOOST_TEST_REQUIRE(pos != std::string::npos);
    std::istringstream lines(top.out.substr(pos + 10));
    for (std::string line; std::getline(lines, line) && line.starts_with("  ");) {
        auto name = line.substr(2, line.find(' ', 2) - 2);
        commands.push_back(name);
    }
    BOOST_TEST(commands.size() >= 2u);
    for (auto& c : commands) {
        BOOST_TEST_CONTEXT(c) {
            auto h = run_process({cmbulk_bin(), c, "--help"});
            BOOST_TEST(h.exit_code == 0);
            BOOST_TEST(h.out.find("Usage: cmbulk " + c) != std::string::npos, h.out);
            BOOST_TEST(h.out.find("Example") != std::string::npos, h.out);
        }
    }
    auto v = run_process({cmbulk_bin(), "--version"});
    BOOST_TEST(v.out == "cmbulk " + std::string(cmbulk::version()) + "\n");
}

BOOST_AUTO_TEST_SUITE_END()
