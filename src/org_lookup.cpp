// The lookup phase of a fleet run: one audit_pager per credential over GET /groups, each
// project's orgId learned. See org_lookup.hpp.
#include "org_lookup.hpp"

#include <functional>

#include "cmbulk/audit_pager.hpp"

namespace cmbulk::detail {

namespace {

/// One credential's project list.
class lookup_item final : public work_item {
public:
    explicit lookup_item(std::string org)
        : org(std::move(org)), pager(projects_page_request, "", 500) {}
    item_step start(retry_policy& p) override { return pager.start(p); }
    item_step next(api_call_result r, retry_policy& p) override {
        return pager.next(std::move(r), p);
    }
    std::string_view credential() const override { return org; }
    std::string org;
    audit_pager pager;
};

std::string string_of(const boost::json::object& o, std::string_view key) {
    auto* v = o.if_contains(key);
    return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

}  // namespace

namespace {
std::vector<std::string> org_ids(const std::vector<org_credential>& fleet) {
    std::vector<std::string> ids;
    for (auto& c : fleet) ids.push_back(c.org_id);
    return ids;
}
}  // namespace

fleet_routing::fleet_routing(const std::vector<org_credential>& fleet) : router(org_ids(fleet)) {
    for (auto& c : fleet) {
        names[c.org_id] = c.name;
        clients.emplace_back(c.org_id, c.creds);
    }
}

void fleet_routing::print_summary(const credential_set& creds, bool looked_up,
                                  std::ostream& err) const {
    err << "cmbulk: fleet: " << router.orgs().size() << " organizations";
    if (looked_up)
        err << "; org lookups: " << router.lookup_requests() << " requests, "
            << router.projects_learned() << " projects";
    err << "\n";
    for (auto& [org, why] : creds.refusals()) {
        auto it = names.find(org);
        err << credential_refused_summary(org, it == names.end() ? "" : it->second, why,
                                          creds.not_done(org), "rows");
    }
}

std::unique_ptr<work_item> org_lookup_job::next_item() {
    if (next_ >= router_.orgs().size()) return nullptr;
    return std::make_unique<lookup_item>(router_.orgs()[next_++]);
}

void org_lookup_job::finish(std::unique_ptr<work_item> item, item_end how) {
    auto& it = static_cast<lookup_item&>(*item);
    for (int i = 0; i < it.pager.pages_read() + (it.pager.failed() ? 1 : 0); ++i)
        router_.count_lookup_request();
    // A refused credential's list stays unknown: its rows fail as not found (or refused).
    if (how != item_end::done || it.pager.failed()) return;
    for (auto& x : it.pager.results())
        router_.learn(it.org, string_of(x, "id"), string_of(x, "orgId"));
}

void run_routed(run_environment& env, const run_params& params, fleet_routing& fleet, bool look_up,
                run_job& job, run_context& ctx) {
    org_lookup_job lookup(fleet.router);
    // A named std::function: GCC 12 destroys lambda temporaries inside co_await twice.
    std::function<boost::asio::awaitable<void>()> work = [&]() -> boost::asio::awaitable<void> {
        if (look_up) {
            // Rows without orgId: each credential's project list, read once.
            auto lookup_ctx = env.context(0);
            lookup_ctx.progress = nullptr;
            lookup_ctx.counts_rows = false;  // a credential's project list is not a row
            co_await run_workers(lookup_ctx, params, lookup);
        }
        fleet.router.lookups_done();
        if (env.control().stopping()) co_return;
        co_await run_workers(ctx, params, job);
    };
    env.run(work);
}

}  // namespace cmbulk::detail
