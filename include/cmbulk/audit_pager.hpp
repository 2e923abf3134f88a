// Every page of one list as a sans-io machine: an organization's projects (GET /orgs/{id}/groups,
// or /groups), a project's integrations (GET /groups/{id}/integrations), and later any paged
// list (alert configurations). Each page is a read_machine with the retry rules; the pager asks
// for page 1, 2, ... until a page has no results or no "next" link, and keeps the results in
// order. A page that cannot be read ends the list as failed (its answer kept for the report).
#pragma once

#include <boost/json/object.hpp>
#include <string>
#include <vector>

#include "cmbulk/read_machine.hpp"

namespace cmbulk {

class audit_pager {
public:
    /// Builds the request of one page of the list of `id` (projects_page_request,
    /// integrations_page_request).
    using page_request = api_request (*)(std::string_view id, int page_num, int items_per_page);
    /// A server that never ends its list must not loop forever.
    static constexpr int default_max_pages = 100000;

    audit_pager(page_request request, std::string id, int items_per_page,
                int max_pages = default_max_pages);
    item_step start(retry_policy& policy);
    item_step next(api_call_result r, retry_policy& policy);

    /// Once done: every page's results, in order (empty when the list failed).
    std::vector<boost::json::object>& results() { return results_; }
    /// Once done: a page could not be read; failure() is its final answer.
    bool failed() const { return failed_; }
    const api_call_result& failure() const { return page_.result(); }
    /// The page being read (1-based), and pages read completely so far.
    int page() const { return page_num_; }
    int pages_read() const { return pages_read_; }
    /// Whether a step is the first request of a new page (not a retry, not page 1): where an
    /// owner may stop a list early.
    bool new_page(const item_step& s) const {
        return s.kind == item_step::send && !s.retry && page_num_ > 1 && page_.attempts() == 1;
    }

private:
    page_request request_;
    std::string id_;
    int per_page_, max_pages_;
    int page_num_ = 1, pages_read_ = 0;
    read_machine page_;
    std::vector<boost::json::object> results_;
    bool failed_ = false;
};

}  // namespace cmbulk
