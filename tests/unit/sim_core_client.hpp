// Test helper for the simulator core's unit tests: a Digest client that steps cmbulk::sim::core
// by hand (no sockets, a fake clock), answering each challenge once as RFC 7616 clients do, and
// small builders for seeds and bodies.
#pragma once

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>
#include <map>
#include <string>

#include "cmbulk/sim/core.hpp"

namespace cmbulk::test {

/// A client of the core: Digest with rising nonce counts; on a 401 with a challenge it takes the
/// new nonce and sends the request once more (so a refused key costs two requests).
struct core_client {
    core_client(sim::core& core_ref, time_point t) : c(core_ref), now(t) {}
    sim::core& c;
    time_point now;
    std::string user = std::string(sim::generated_public_key);
    std::string password = std::string(sim::generated_private_key);
    std::map<std::string, std::string> headers;  ///< added to every request (lower-case names)
    std::string remote = "127.0.0.1";
    digest::challenge ch;
    std::uint32_t nc = 0;
    int sent = 0;  ///< requests handed to the core

    sim::response once(const std::string& method, const std::string& target,
                       const std::string& body = {}) {
        sim::request req;
        req.method = method;
        req.target = target;
        req.body = body;
        req.headers = headers;
        req.remote_address = remote;
        if (!ch.nonce.empty())
            req.headers["authorization"] =
                digest::make_authorization(ch, user, password, method, target, ++nc, "cn");
        ++sent;
        auto r = c.handle(req, now);
        if (r.status == 401 && !r.header("WWW-Authenticate").empty()) {
            auto parsed = digest::parse_challenge(r.header("WWW-Authenticate"));
            BOOST_REQUIRE(parsed.has_value());
            ch = *parsed;
            nc = 0;
        }
        return r;
    }

    /// One call: the request, and once more after a challenge.
    sim::response send(const std::string& method, const std::string& target,
                       const std::string& body = {}) {
        auto had = ch.nonce;
        auto r = once(method, target, body);
        if (r.status == 401 && !r.header("WWW-Authenticate").empty() && ch.nonce != had)
            r = once(method, target, body);
        return r;
    }
};

inline boost::json::value body_of(const sim::response& r) { return boost::json::parse(r.body); }

inline std::string str_at(const boost::json::value& v, std::string_view key) {
    auto* p = v.is_object() ? v.get_object().if_contains(key) : nullptr;
    if (!p) return "<absent>";
    if (p->is_null()) return "<null>";
    return p->is_string() ? std::string(p->get_string()) : boost::json::serialize(*p);
}

/// The ids and bases of the three-org worlds the simulator's fact tests build (test_sim_facts,
/// test_sim_alert_routes): two Cloud Manager orgs and an Atlas one, a project in each.
namespace three_orgs {
inline const std::string acme = "5a0000000000000000000001";     // Cloud Manager org
inline const std::string globex = "5a0000000000000000000002";   // Cloud Manager org
inline const std::string initech = "5a0000000000000000000003";  // Atlas org
inline const std::string cm_project = "6a0000000000000000000001";
inline const std::string other_project = "6a0000000000000000000002";
inline const std::string atlas_project = "6a0000000000000000000003";
inline const std::string v1 = "/api/public/v1.0";
inline const std::string v2 = "/api/atlas/v2";
inline const std::string atlas_v1 = "/api/atlas/v1.0";
}  // namespace three_orgs

}  // namespace cmbulk::test
