// The dispatcher of manifest rows; see dispatcher.hpp.
#include "cmbulk/dispatcher.hpp"

#include <algorithm>

namespace cmbulk {

namespace {
std::string key_of(std::string_view project, std::string_view type) {
    std::string k(project);
    k += '/';
    k += type;
    return k;
}
}  // namespace

resume_index::resume_index(std::vector<journal_row_state> rows, bool by_key)
    : rows_(std::move(rows)), by_key_(by_key) {
    for (std::size_t i = 0; i < rows_.size(); ++i) {
        if (by_key_)
            by_project_type_[key_of(rows_[i].project_id, rows_[i].type)] = i;
        else
            by_index_[rows_[i].row] = i;
    }
}

const journal_row_state* resume_index::find(const manifest_row& row) const {
    if (by_key_) {
        auto it = by_project_type_.find(key_of(row.project_id, row.type));
        return it == by_project_type_.end() ? nullptr : &rows_[it->second];
    }
    auto it = by_index_.find(row.index);
    return it == by_index_.end() ? nullptr : &rows_[it->second];
}

row_dispatcher::row_dispatcher(source rows, row_action default_action, const resume_index* resumed,
                               bool rerun_failed)
    : rows_(std::move(rows)),
      default_action_(default_action),
      resumed_(resumed),
      rerun_failed_(rerun_failed) {}

dispatched row_dispatcher::classify_(parsed_row parsed) const {
    dispatched d;
    d.row = std::move(parsed.row);
    d.action = d.row.action == row_action::none ? default_action_ : d.row.action;
    if (!parsed.errors.empty()) {
        d.kind = dispatched::invalid;
        d.errors = std::move(parsed.errors);
        return d;
    }
    d.kind = dispatched::run;
    const journal_row_state* prev = resumed_ ? resumed_->find(d.row) : nullptr;
    if (!prev) return d;
    d.journal = prev;
    if (prev->last_outcome && !prev->intent_open) {
        auto& o = *prev->last_outcome;
        if (is_success(o.result) || (o.result == outcome::failed && !rerun_failed_)) {
            d.kind = dispatched::done_before;
            d.previous = o;
            return d;
        }
    }
    d.resolve_first = prev->intent_open;
    return d;
}

dispatched row_dispatcher::next() {
    if (!ready_.empty()) {
        // A project freed by finished(): its next row goes before any new one.
        auto project = std::move(ready_.front());
        ready_.pop_front();
        auto it = waiting_.find(project);
        auto d = std::move(it->second.front());
        it->second.pop_front();
        --waiting_count_;
        if (it->second.empty()) waiting_.erase(it);
        return d;
    }
    while (auto parsed = rows_()) {
        auto d = classify_(std::move(*parsed));
        if (d.kind != dispatched::run) return d;
        if (busy_.count(d.row.project_id)) {
            waiting_[d.row.project_id].push_back(std::move(d));
            ++waiting_count_;
            continue;
        }
        mark_busy_(d.row.project_id);
        return d;
    }
    return {};
}

void row_dispatcher::mark_busy_(const std::string& project_id) {
    if (spare_.empty()) {
        busy_.insert(project_id);
        return;
    }
    auto node = std::move(spare_.back());
    spare_.pop_back();
    node.value() = project_id;  // into the node's own buffer
    busy_.insert(std::move(node));
}

void row_dispatcher::finished(const std::string& project_id) {
    if (waiting_.count(project_id)) {
        ready_.push_back(project_id);  // still busy: reserved for its next row
    } else if (auto node = busy_.extract(project_id)) {
        spare_.push_back(std::move(node));
    }
}

dispatched row_dispatcher::drain() {
    if (!draining_) {
        draining_ = true;
        for (auto& [project, rows] : waiting_)
            for (auto& d : rows) drained_.push_back(std::move(d));
        waiting_.clear();
        ready_.clear();
        waiting_count_ = 0;
        // Popped from the back: sort so the first in the manifest comes out first.
        std::sort(drained_.begin(), drained_.end(), [](const dispatched& a, const dispatched& b) {
            return a.row.index > b.row.index;
        });
    }
    if (!drained_.empty()) {
        auto d = std::move(drained_.back());
        drained_.pop_back();
        return d;
    }
    if (auto parsed = rows_()) return classify_(std::move(*parsed));
    return {};
}

}  // namespace cmbulk
