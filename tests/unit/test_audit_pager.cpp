// Unit tests for audit_pager, stepped by hand without sockets: pages are asked for in order
// until a page is empty or has no "next" link, results are kept in order, a page that cannot be
// read ends the list as failed (its answer kept), a page's retries stay on that page, a refused
// key is fatal, and a list that never ends stops at max_pages.
#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include "cmbulk/audit_pager.hpp"

using namespace cmbulk;
namespace json = boost::json;

namespace {

retry_policy policy() {
    retry_policy p;
    p.max_attempts = 3;
    p.backoff = {std::chrono::milliseconds(1), std::chrono::milliseconds(2)};
    p.rng.seed(3);
    return p;
}

/// A page of `n` results numbered from `first`, with a "next" link when `more`.
api_call_result page(int first, int n, bool more) {
    json::array results;
    for (int i = 0; i < n; ++i) results.push_back(json::object{{"id", first + i}});
    json::array links;
    if (more) links.push_back(json::object{{"rel", "next"}, {"href", "x"}});
    api_call_result r;
    r.status = 200;
    r.body = json::object{{"results", results}, {"links", links}};
    return r;
}

api_call_result status(int s, api_errc e = api_errc::none) {
    api_call_result r;
    r.status = s;
    r.api_error = e;
    r.error_code = std::string(to_string(e));
    return r;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(audit_pager_suite)

BOOST_AUTO_TEST_CASE(pages_in_order_until_there_is_no_next_link) {
    auto pol = policy();
    audit_pager p(integrations_page_request, "5e2211c17a3e5a48f5497de3", 2);
    auto s = p.start(pol);
    BOOST_TEST((s.kind == item_step::send));
    BOOST_TEST(s.request.path ==
               "/groups/5e2211c17a3e5a48f5497de3/integrations?pageNum=1&itemsPerPage=2");
    BOOST_TEST(s.request.scope == "5e2211c17a3e5a48f5497de3");
    s = p.next(page(0, 2, true), pol);
    BOOST_TEST(s.request.path.find("pageNum=2") != std::string::npos);
    BOOST_TEST(p.new_page(s));
    s = p.next(page(2, 1, false), pol);
    BOOST_TEST((s.kind == item_step::done));
    BOOST_TEST(!p.failed());
    BOOST_TEST(p.pages_read() == 2);
    BOOST_REQUIRE_EQUAL(p.results().size(), 3u);
    for (int i = 0; i < 3; ++i) BOOST_TEST(p.results()[i].at("id").as_int64() == i);
}

BOOST_AUTO_TEST_CASE(an_empty_page_ends_the_list) {
    auto pol = policy();
    audit_pager p(projects_page_request, "", 100);
    auto s = p.start(pol);
    BOOST_TEST(s.request.path == "/groups?pageNum=1&itemsPerPage=100");
    BOOST_TEST(s.request.scope.empty());
    s = p.next(page(0, 0, true), pol);  // a "next" link but no results: done
    BOOST_TEST((s.kind == item_step::done));
    BOOST_TEST(p.results().empty());
    BOOST_TEST(!p.failed());
}

BOOST_AUTO_TEST_CASE(a_page_that_cannot_be_read_fails_the_list) {
    auto pol = policy();
    audit_pager p(projects_page_request, "5e2211c17a3e5a48f5497de9", 1);
    p.start(pol);
    auto s = p.next(page(0, 1, true), pol);
    s = p.next(status(403, api_errc::other), pol);
    BOOST_TEST((s.kind == item_step::done));
    BOOST_TEST(p.failed());
    BOOST_TEST(p.failure().status == 403);
    BOOST_TEST(p.results().empty());  // a list read in part is not reported as complete
}

BOOST_AUTO_TEST_CASE(retries_stay_on_their_page) {
    auto pol = policy();
    audit_pager p(integrations_page_request, "5e2211c17a3e5a48f5497de3", 1);
    p.start(pol);
    auto s = p.next(page(0, 1, true), pol);
    s = p.next(status(503), pol);
    BOOST_TEST((s.kind == item_step::send));
    BOOST_TEST(s.retry);
    BOOST_TEST(!p.new_page(s));
    BOOST_TEST(s.request.path.find("pageNum=2") != std::string::npos);
    s = p.next(status(429, api_errc::rate_limited), pol);
    BOOST_TEST(s.request.path.find("pageNum=2") != std::string::npos);
    BOOST_TEST(s.delay.count() == 0);  // the gate's pause honours a 429
    s = p.next(page(1, 1, false), pol);
    BOOST_TEST((s.kind == item_step::done));
    BOOST_TEST(p.results().size() == 2u);
    // Other failures give up after --max-attempts on the same page.
    audit_pager q(integrations_page_request, "5e2211c17a3e5a48f5497de3", 1);
    q.start(pol);
    int sends = 1;
    for (auto t = q.next(status(500), pol); t.kind == item_step::send && sends < 10;
         t = q.next(status(500), pol))
        ++sends;
    BOOST_TEST(sends == 3);
    BOOST_TEST(q.failed());
}

BOOST_AUTO_TEST_CASE(a_refused_key_is_fatal) {
    auto pol = policy();
    audit_pager p(projects_page_request, "", 100);
    p.start(pol);
    api_call_result r;
    r.status = 401;
    r.auth_failed = true;
    auto s = p.next(r, pol);
    BOOST_TEST((s.kind == item_step::fatal));
    BOOST_TEST(s.reason.find("authentication failed") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_list_that_never_ends_stops_at_max_pages) {
    auto pol = policy();
    audit_pager p(projects_page_request, "", 1, 5);
    auto s = p.start(pol);
    int pages = 0;
    while (s.kind == item_step::send && pages < 100) s = p.next(page(pages++, 1, true), pol);
    BOOST_TEST(pages == 5);
    BOOST_TEST(p.results().size() == 5u);
}

BOOST_AUTO_TEST_SUITE_END()
