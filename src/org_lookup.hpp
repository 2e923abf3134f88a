// The lookup phase of a fleet run (internal): when rows carry no orgId, each credential's
// project list (GET /groups, every page) is read once on the engine, and what each project's
// answer says about its organization is learned into the org_router (org_routing.hpp).
#pragma once

#include <memory>

#include "cmbulk/engine.hpp"
#include "cmbulk/org_routing.hpp"

namespace cmbulk::detail {

class org_lookup_job final : public run_job {
public:
    explicit org_lookup_job(org_router& router) : router_(router) {}
    std::unique_ptr<work_item> next_item() override;
    void finish(std::unique_ptr<work_item> item, item_end how) override;

private:
    org_router& router_;
    std::size_t next_ = 0;
};

}  // namespace cmbulk::detail
