// Every page of one list; see audit_pager.hpp.
#include "cmbulk/audit_pager.hpp"

#include "audit_detail.hpp"

namespace cmbulk {

audit_pager::audit_pager(page_request request, std::string id, int items_per_page, int max_pages)
    : request_(request),
      id_(std::move(id)),
      per_page_(items_per_page),
      max_pages_(max_pages),
      page_(request_(id_, 1, per_page_)) {}

item_step audit_pager::start(retry_policy& policy) { return page_.start(policy); }

item_step audit_pager::next(api_call_result r, retry_policy& policy) {
    auto s = page_.next(std::move(r), policy);
    if (s.kind != item_step::done) return s;  // a retry of this page, or fatal
    auto& answer = page_.result();
    if (answer.status != 200 || !answer.body.is_object()) {
        failed_ = true;
        results_.clear();
        return s;
    }
    auto& body = answer.body.get_object();
    auto n =
        detail::for_each_result(body, [&](const boost::json::object& x) { results_.push_back(x); });
    ++pages_read_;
    if (n == 0 || !detail::has_next_link(body) || page_num_ >= max_pages_) return s;
    ++page_num_;
    page_ = read_machine(request_(id_, page_num_, per_page_));
    return page_.start(policy);
}

}  // namespace cmbulk
