// Issue 14 end to end: the real binaries against a cmbulk-sim with alert configurations. A
// PagerDuty rotation rewrites every config that carried the old key (one PUT each, none for the
// others, every other notification unchanged byte for byte), `plan` counts them beforehand,
// `audit` finds stale copies after an --integrations-only run and none after the rotation, and
// with --link-alerts on Atlas a second rotation changes no config.
#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>
#include <map>
#include <sstream>

#include "cmbulk/sim/core.hpp"
#include "common/test_support.hpp"

namespace json = boost::json;
using namespace cmbulk::test;

namespace {

const std::string pub(cmbulk::sim::generated_public_key);
const std::string priv(cmbulk::sim::generated_private_key);

json::object sim_state(sim_process& sim) {
    return json::parse(http_request(sim.port(), "GET", "/__sim/state").body).as_object();
}

process_result run(sim_process& sim, std::vector<std::string> args,
                   std::map<std::string, std::string> env = {}) {
    std::vector<std::string> argv{cmbulk_bin()};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.insert(argv.end(), {"--base-url", sim.base_url(), "-q"});
    run_options o;
    o.env = std::move(env);
    o.env.emplace("CMBULK_PUBLIC_KEY", pub);
    o.env.emplace("CMBULK_PRIVATE_KEY", priv);
    o.timeout = std::chrono::seconds(180);
    return run_process(argv, o);
}

/// A PagerDuty manifest with a distinct new key per project, ending in `tail`.
std::string pd_manifest(const temp_dir& dir, const json::object& state, std::string tail) {
    std::string csv = "projectId,type,serviceKey\n";
    int i = 0;
    for (auto& o : state.at("orgs").as_array())
        for (auto& p : o.at("projects").as_array()) {
            char key[64];
            std::snprintf(key, sizeof key, "%028x", 0xabc0000 + i++);
            csv += std::string(p.at("id").as_string()) + ",PAGER_DUTY," + key + tail + "\n";
        }
    auto path = (dir / ("pd-" + tail + ".csv")).string();
    write_file(path, csv);
    return path;
}

std::map<std::string, std::string> pd_keys(const json::object& state) {
    std::map<std::string, std::string> out;
    for (auto& o : state.at("orgs").as_array())
        for (auto& p : o.at("projects").as_array())
            for (auto& i : p.at("integrations").as_array())
                if (i.at("type").as_string() == "PAGER_DUTY")
                    out[std::string(p.at("id").as_string())] =
                        std::string(i.at("serviceKey").as_string());
    return out;
}

std::size_t count_lines(const std::string& text, const std::string& start) {
    std::size_t n = 0, pos = 0;
    while ((pos = text.find("\n" + start, pos)) != std::string::npos) ++n, ++pos;
    return n;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(rotation_suite)

BOOST_AUTO_TEST_CASE(a_rotation_rewrites_exactly_the_configs_that_carried_the_old_key) {
    sim_process sim(
        {"--generate", "1:20", "--with", "PAGER_DUTY,SLACK,WEBHOOK", "--with-alerts", "3"});
    temp_dir dir;
    auto before = sim_state(sim);
    auto old = pd_keys(before);
    auto manifest = pd_manifest(dir, before, "cafe");
    auto plan = run(sim, {"plan", manifest, "--action", "update", "--detailed-exitcode"});
    BOOST_TEST(plan.exit_code == 4, plan.err);
    auto planned = count_lines(plan.out, "  alert config ");

    auto apply = run(sim, {"apply", manifest, "--action", "update", "--verify", "--report",
                           (dir / "run.csv").string()});
    BOOST_TEST(apply.exit_code == 0, apply.err);
    auto after = sim_state(sim);
    std::size_t needed = 0, left = 0;
    auto& orgs_b = before.at("orgs").as_array();
    auto& orgs_a = after.at("orgs").as_array();
    for (std::size_t o = 0; o < orgs_b.size(); ++o) {
        auto& pb = orgs_b[o].at("projects").as_array();
        auto& pa = orgs_a[o].at("projects").as_array();
        for (std::size_t p = 0; p < pb.size(); ++p) {
            auto id = std::string(pb[p].at("id").as_string());
            auto& cb = pb[p].at("alertConfigs").as_array();
            auto& ca = pa[p].at("alertConfigs").as_array();
            BOOST_REQUIRE(cb.size() == ca.size());
            for (std::size_t c = 0; c < cb.size(); ++c) {
                auto& nb = cb[c].at("notifications").as_array();
                auto& na = ca[c].at("notifications").as_array();
                bool carried = false;
                for (std::size_t n = 0; n < nb.size(); ++n) {
                    auto& b = nb[n].as_object();
                    auto& a = na[n].as_object();
                    if (b.at("typeName").as_string() == "PAGER_DUTY") {
                        carried = carried || b.at("serviceKey").as_string() == old[id];
                        left += a.at("serviceKey").as_string() == old[id];
                    } else {
                        // Every field equal (the store may keep the keys in another order).
                        BOOST_TEST((a == b), json::serialize(a) << " vs " << json::serialize(b));
                    }
                }
                needed += carried;
                BOOST_TEST(ca[c].at("puts").as_int64() == (carried ? 1 : 0));
            }
        }
    }
    BOOST_TEST(needed > 0u);
    BOOST_TEST(left == 0u);
    BOOST_TEST(planned == needed);
    auto report = read_file(dir / "run.csv");
    BOOST_TEST(count_lines(report, "") - 1 == 20 + needed);  // a row per integration and config

    // Afterwards nothing is left behind, and a second plan lists no config.
    auto audit = run(sim, {"audit", "--all", "--report", (dir / "audit.jsonl").string()});
    BOOST_TEST(audit.exit_code == 0, audit.err);
    BOOST_TEST(read_file(dir / "audit.jsonl").find("stale-alert-secret") == std::string::npos);
    BOOST_TEST(read_file(dir / "audit.jsonl").find("ALERT:PAGER_DUTY") != std::string::npos);
    auto again = run(sim, {"plan", manifest, "--action", "update"});
    BOOST_TEST(count_lines(again.out, "  alert config ") == 0u, again.out);
}

BOOST_AUTO_TEST_CASE(integrations_only_leaves_stale_copies_that_audit_finds) {
    sim_process sim({"--generate", "1:3", "--with", "PAGER_DUTY", "--with-alerts", "3"});
    temp_dir dir;
    auto manifest = pd_manifest(dir, sim_state(sim), "beef");
    auto apply = run(sim, {"apply", manifest, "--action", "update", "--integrations-only",
                           "--report", (dir / "run.csv").string()});
    BOOST_TEST(apply.exit_code == 0, apply.err);
    auto audit = run(sim, {"audit", "--all", "--report", (dir / "audit.jsonl").string()});
    BOOST_TEST(audit.err.find("stale-alert-secret") != std::string::npos, audit.err);
}

// The other way to leave notifications behind, fixed from the audit: --emit-manifest --stale-only
// writes a row per integration whose notifications are stale, with their last four as fromLast4;
// applied with a new key it rotates the integration and every one of them (one PUT per config),
// and the audit afterwards finds nothing stale.
BOOST_AUTO_TEST_CASE(audit_emits_the_manifest_that_rotates_stale_notifications) {
    sim_process sim({"--generate", "1:4", "--with", "PAGER_DUTY,SLACK", "--with-alerts", "3"});
    temp_dir dir;
    auto original = sim_state(sim);
    auto old = pd_keys(original);
    auto first = run(sim, {"apply", pd_manifest(dir, original, "beef"), "--action", "update",
                           "--integrations-only", "--report", (dir / "r1.csv").string()});
    BOOST_REQUIRE(first.exit_code == 0);
    auto stale = sim_state(sim);
    auto emitted = (dir / "stale.csv").string();
    auto audit =
        run(sim, {"audit", "--all", "--report", (dir / "a1.jsonl").string(), "--emit-manifest",
                  emitted, "--stale-only", "--secret-ref", "serviceKey=NEW_PD_KEY"});
    BOOST_TEST(audit.exit_code == 0, audit.err);
    auto text = read_file(emitted);
    BOOST_TEST(text.find("projectId,orgId,type,fromLast4,") == 0u, text);
    BOOST_TEST(text.find('*') == std::string::npos, text);  // never a masked value
    BOOST_TEST(count_lines(text, "") == 5u, text);          // the header and one row a project
    for (auto& [id, key] : old)
        BOOST_TEST(text.find(",PAGER_DUTY," + key.substr(key.size() - 4) + ",",
                             text.find("\n" + id + ",")) == text.find("\n" + id + ",") + 50,
                   text);  // its row: the id, the org (24 + 1), then type and the last four
    BOOST_TEST(text.find("${env:NEW_PD_KEY}") != std::string::npos, text);

    std::string fresh = "0123456789abcdef0123456789abf00d";
    auto plan = run(sim, {"plan", emitted, "--action", "update"}, {{"NEW_PD_KEY", fresh}});
    auto planned = count_lines(plan.out, "  alert config ");
    auto apply = run(
        sim,
        {"apply", emitted, "--action", "update", "--verify", "--report", (dir / "r2.csv").string()},
        {{"NEW_PD_KEY", fresh}});
    BOOST_TEST(apply.exit_code == 0, apply.err);
    auto after = sim_state(sim);
    BOOST_TEST(pd_keys(after).begin()->second == fresh);
    std::size_t rewritten = 0;
    auto& orgs_s = stale.at("orgs").as_array();
    auto& orgs_a = after.at("orgs").as_array();
    for (std::size_t o = 0; o < orgs_s.size(); ++o)
        for (std::size_t p = 0; p < orgs_s[o].at("projects").as_array().size(); ++p) {
            auto& cs = orgs_s[o].at("projects").as_array()[p].at("alertConfigs").as_array();
            auto& ca = orgs_a[o].at("projects").as_array()[p].at("alertConfigs").as_array();
            for (std::size_t c = 0; c < cs.size(); ++c) {
                bool carried = false;
                auto& ns = cs[c].at("notifications").as_array();
                auto& na = ca[c].at("notifications").as_array();
                for (std::size_t n = 0; n < ns.size(); ++n) {
                    if (ns[n].at("typeName").as_string() != "PAGER_DUTY") {
                        BOOST_TEST((ns[n] == na[n]));  // Slack, email: not one byte changed
                        continue;
                    }
                    carried = true;
                    BOOST_TEST(na[n].at("serviceKey").as_string() == fresh);
                }
                rewritten += carried;
                BOOST_TEST(ca[c].at("puts").as_int64() == (carried ? 1 : 0));
            }
        }
    BOOST_TEST(rewritten > 0u);
    BOOST_TEST(planned == rewritten, plan.out);
    auto again = run(sim, {"audit", "--all", "--report", (dir / "a2.jsonl").string()});
    BOOST_TEST(again.exit_code == 0, again.err);
    BOOST_TEST(read_file(dir / "a2.jsonl").find("stale-alert-secret") == std::string::npos);
    BOOST_TEST(read_file(dir / "a2.jsonl").find("ALERT:PAGER_DUTY") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(linked_alerts_need_no_change_on_the_next_rotation) {
    sim_process sim(
        {"--generate", "1:3", "--org-kind", "atlas", "--with", "PAGER_DUTY", "--with-alerts", "3"});
    temp_dir dir;
    auto state = sim_state(sim);
    auto first =
        run(sim, {"apply", pd_manifest(dir, state, "beef"), "--action", "update", "--flavor",
                  "atlas", "--link-alerts", "--report", (dir / "r1.csv").string()});
    BOOST_TEST(first.exit_code == 0, first.err);
    auto total_puts = [&sim] {
        std::int64_t n = 0;
        auto state = sim_state(sim);  // (a temporary would die before the loop)
        for (auto& o : state.at("orgs").as_array())
            for (auto& p : o.at("projects").as_array())
                for (auto& c : p.at("alertConfigs").as_array()) n += c.at("puts").as_int64();
        return n;
    };
    auto puts_after_first = total_puts();
    BOOST_TEST(puts_after_first > 0);
    auto second =
        run(sim, {"apply", pd_manifest(dir, state, "cafe"), "--action", "update", "--flavor",
                  "atlas", "--link-alerts", "--report", (dir / "r2.csv").string()});
    BOOST_TEST(second.exit_code == 0, second.err);
    // Every notification is linked: the second rotation sends no alert PUT.
    BOOST_TEST(total_puts() == puts_after_first);
    BOOST_TEST(read_file(dir / "r2.csv").find("alertConfig:") == std::string::npos);
    // And the service answers every PagerDuty notification with the new key's last four: what
    // audit reads through the API (masked), one row per notification.
    auto audit =
        run(sim, {"audit", "--all", "--flavor", "atlas", "--report", (dir / "a.jsonl").string()});
    BOOST_TEST_REQUIRE(audit.exit_code == 0, audit.err);
    std::size_t notifications = 0, expected = 0;
    auto after = sim_state(sim);  // (a temporary would die before the loop)
    for (auto& o : after.at("orgs").as_array())
        for (auto& p : o.at("projects").as_array())
            for (auto& c : p.at("alertConfigs").as_array())
                for (auto& n : c.at("notifications").as_array())
                    expected += n.at("typeName").as_string() == "PAGER_DUTY";
    std::istringstream lines(read_file(dir / "a.jsonl"));
    for (std::string line; std::getline(lines, line);) {
        if (line.find("\"ALERT:PAGER_DUTY\"") == std::string::npos) continue;
        auto row = json::parse(line).as_object();
        auto shown = std::string(row.at("fields").at("serviceKey").as_string());
        BOOST_TEST(shown.ends_with("cafe"), line);
        BOOST_TEST(shown.find("beef") == std::string::npos, line);
        ++notifications;
    }
    BOOST_TEST(expected > 0u);
    BOOST_TEST(notifications == expected);
}

BOOST_AUTO_TEST_SUITE_END()
