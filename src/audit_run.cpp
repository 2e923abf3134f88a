// `cmbulk audit`'s run on the engine, in two phases under one stop controller: discovery (an
// audit_pager over each organization's project list, or /groups for --all), then every
// project's integrations (an audit_pager each), each finished project recorded in the checkpoint
// journal as an `item`. A stop (a signal) ends a list at its next page. See audit.hpp.
#include "audit_run.hpp"

#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <iostream>
#include <unordered_set>

#include "audit_detail.hpp"
#include "cmbulk/audit_alerts.hpp"
#include "cmbulk/audit_pager.hpp"
#include "cmbulk/catalogue.hpp"
#include "cmbulk/exit_status.hpp"
#include "cmbulk/org_routing.hpp"
#include "cmbulk/output_paths.hpp"
#include "cmbulk/version.hpp"

namespace cmbulk {
namespace asio = boost::asio;
namespace json = boost::json;
using detail::audit_state;
using detail::str_of;

bool detail::audit_state::wanted_type(std::string_view t) const {
    return opts.types.empty() ||
           std::find(opts.types.begin(), opts.types.end(), t) != opts.types.end();
}

namespace {

/// One list being read: its pager, and whether a stop ended it early.
class list_item final : public work_item {
public:
    list_item(std::size_t index, audit_pager pager, const run_control& ctl,
              std::string alerts_of = {}, int page_size = 100)
        : index(index),
          pager(std::move(pager)),
          ctl_(ctl),
          alerts_of_(std::move(alerts_of)),
          page_size_(page_size) {}
    item_step start(retry_policy& p) override { return pager.start(p); }
    item_step next(api_call_result r, retry_policy& p) override {
        if (alerts) return follow(*alerts, alerts->next(std::move(r), p));
        auto s = follow(pager, pager.next(std::move(r), p));
        // A project's integrations read: its alert configurations follow (issue 14).
        if (s.kind == item_step::done && !stopped && !pager.failed() && !alerts_of_.empty()) {
            alerts.emplace(&alert_configs_page_request, alerts_of_, page_size_);
            return alerts->start(p);
        }
        return s;
    }
    std::string_view credential() const override { return cred; }
    std::size_t index;
    audit_pager pager;
    std::optional<audit_pager> alerts;  ///< the project's alert configurations
    bool stopped = false;
    std::string cred;  ///< the credential it is read with (a fleet's org id), else ""

private:
    item_step follow(const audit_pager& list, item_step s) {
        // Stopping: a list in flight ends at its next page (it is read again on --resume).
        if (list.new_page(s) && ctl_.stopping()) {
            stopped = true;
            return {};
        }
        return s;
    }
    const run_control& ctl_;
    std::string alerts_of_;
    int page_size_;
};

audit_row error_row(std::string project, std::string name, std::string org, std::string error) {
    audit_row row;
    row.project_id = std::move(project);
    row.project_name = std::move(name);
    row.org_id = std::move(org);
    row.findings.emplace_back("unreadable");
    row.error = std::move(error);
    return row;
}

/// Phase 1: the project lists of --org (each) and --all ("" as the organization).
class discovery_job final : public run_job {
public:
    /// `creds`: the credential of each source ("" without a fleet).
    discovery_job(audit_state& st, const run_control& ctl, std::vector<std::string> sources,
                  std::vector<std::string> creds)
        : st_(st),
          ctl_(ctl),
          sources_(std::move(sources)),
          creds_(std::move(creds)),
          found_(sources_.size()) {}

    std::unique_ptr<work_item> next_item() override {
        if (next_ >= sources_.size()) return nullptr;
        auto i = next_++;
        auto item = std::make_unique<list_item>(
            i, audit_pager(projects_page_request, sources_[i], st_.opts.page_size), ctl_);
        item->cred = creds_[i];
        return item;
    }

    void finish(std::unique_ptr<work_item> item, item_end how) override {
        auto& it = static_cast<list_item&>(*item);
        const auto& org = sources_[it.index];
        if (how != item_end::done && !it.stopped && !ctl_.stopping()) {
            // A fleet's refused credential (the run goes on): its organization is unread, and the
            // report says so.
            const std::string& who = org.empty() ? creds_[it.index] : org;
            st_.source_errors.push_back(error_row(
                {}, {}, who, "organization " + who + ": not listed: its credential was refused"));
            return;
        }
        if (how != item_end::done || it.stopped) return;
        if (it.pager.failed()) {
            st_.source_errors.push_back(
                error_row({}, {}, org,
                          (org.empty() ? "GET /groups: " : "organization " + org + ": ") +
                              describe_failure(it.pager.failure())));
            return;
        }
        for (auto& x : it.pager.results()) {
            audit_project p{str_of(x, "id"), str_of(x, "name"), str_of(x, "orgId")};
            if (p.org_id.empty()) p.org_id = org;
            found_[it.index].push_back(std::move(p));
        }
    }

    /// The projects found, in the order of the sources, each once (after those already known).
    void add_projects(std::unordered_set<std::string>& seen) {
        for (auto& list : found_)
            for (auto& p : list)
                if (!p.id.empty() && seen.insert(p.id).second) st_.projects.push_back(p);
    }

private:
    audit_state& st_;
    const run_control& ctl_;
    std::vector<std::string> sources_, creds_;
    std::vector<std::vector<audit_project>> found_;  ///< per source
    std::size_t next_ = 0;
};

/// Phase 2: every project's integrations.
class projects_job final : public run_job {
public:
    projects_job(audit_state& st, const run_control& ctl) : st_(st), ctl_(ctl) {}

    std::unique_ptr<work_item> next_item() override {
        while (next_ < st_.projects.size()) {
            auto i = next_++;
            auto& p = st_.projects[i];
            if (auto it = st_.resumed.find(p.id); it != st_.resumed.end()) {
                st_.results[i] = it->second;
                st_.finished[i] = true;
                ++st_.done;
                continue;
            }
            if (!st_.opts.fleet.empty() && !has_credential(p.org_id)) {
                // A fleet run: no credential serves its organization; nothing is sent.
                st_.results[i] = {error_row(p.id, p.name, p.org_id,
                                            "no credential in --credentials serves organization " +
                                                (p.org_id.empty() ? "(unknown)" : p.org_id))};
                st_.finished[i] = true;
                ++st_.done;
                ++st_.unreadable;
                continue;
            }
            auto item = std::make_unique<list_item>(
                i, audit_pager(integrations_page_request, p.id, st_.opts.page_size), ctl_, p.id,
                st_.opts.page_size);
            if (!st_.opts.fleet.empty()) item->cred = p.org_id;
            return item;
        }
        return nullptr;
    }

    void finish(std::unique_ptr<work_item> item, item_end how) override {
        auto& it = static_cast<list_item&>(*item);
        // Not read completely (a stop, or nothing trustworthy): --resume reads it again.
        if (how != item_end::done || it.stopped) return;
        auto& p = st_.projects[it.index];
        std::vector<audit_row> rows;
        if (it.pager.failed()) {
            rows.push_back(error_row(p.id, p.name, p.org_id, describe_failure(it.pager.failure())));
            ++st_.unreadable;
        } else if (it.alerts && it.alerts->failed()) {
            rows.push_back(
                error_row(p.id, p.name, p.org_id,
                          "alert configurations: " + describe_failure(it.alerts->failure())));
            ++st_.unreadable;
        } else {
            auto integrations = it.pager.results();
            rows = rows_of(p, it.pager.results());
            if (it.alerts) append_alert_rows(p, it.alerts->results(), integrations, rows);
            record(p.id, rows);
        }
        st_.results[it.index] = std::move(rows);
        st_.finished[it.index] = true;
        ++st_.done;
    }

    void tick() override {
        if (st_.checkpoint && st_.checkpoint->dirty() && !st_.checkpoint->sync())
            st_.checkpoint_failed = true;
    }
    progress_counts progress() const override { return {st_.done, st_.unreadable}; }

private:
    bool has_credential(const std::string& org) const {
        for (auto& c : st_.opts.fleet)
            if (c.org_id == org) return true;
        return false;
    }

    std::vector<audit_row> rows_of(const audit_project& p, std::vector<json::object>& found) {
        std::vector<audit_row> rows;
        for (auto& x : found) {
            auto type = str_of(x, "type");
            if (!st_.wanted_type(type)) continue;
            audit_row row;
            row.project_id = p.id;
            row.project_name = p.name;
            row.org_id = p.org_id;
            row.type = type;
            row.fields = std::move(x);
            row.fields.erase("type");
            row.findings = findings_for(type, row.fields);
            rows.push_back(std::move(row));
        }
        if (rows.empty()) {
            // A project with no integration (of the types asked for) still gets its row.
            audit_row row;
            row.project_id = p.id;
            row.project_name = p.name;
            row.org_id = p.org_id;
            rows.push_back(std::move(row));
        }
        return rows;
    }

    /// A row per third-party notification of the project's alert configurations (issue 14): type
    /// "ALERT:<typeName>", the notification's facts as fields, `stale-alert-secret` when it
    /// still carries another secret than the project's integration of its type.
    void append_alert_rows(const audit_project& p, const std::vector<json::object>& configs,
                           const std::vector<json::object>& integrations,
                           std::vector<audit_row>& rows) {
        for (auto& n : audit_alert_configs(configs, integrations)) {
            auto* t = find_notification_type(n.type_name);
            if (t && !t->integration_type.empty() && !st_.wanted_type(t->integration_type))
                continue;
            audit_row row;
            row.project_id = p.id;
            row.project_name = p.name;
            row.org_id = p.org_id;
            row.type = "ALERT:" + n.type_name;
            row.fields["alertConfigId"] = n.config_id;
            row.fields["eventTypeName"] = n.event_type;
            row.fields["secretField"] = n.secret_field;
            row.fields[n.secret_field] = n.visible;
            row.fields["matchesIntegration"] =
                n.has_integration ? to_string(n.match) : std::string_view("no-integration");
            row.fields["integrationId"] = n.integration_id;
            if (n.stale()) row.findings.emplace_back(stale_alert_secret);
            if (!n.integration_id.empty()) row.findings.emplace_back("alert-linked");
            rows.push_back(std::move(row));
        }
    }

    /// The project's rows as one `item` record of the checkpoint.
    void record(const std::string& id, const std::vector<audit_row>& rows) {
        if (!st_.checkpoint) return;
        json::array a;
        for (auto& r : rows) a.emplace_back(to_json(r));
        if (!st_.checkpoint->write_item(id, a)) st_.checkpoint_failed = true;
    }

    audit_state& st_;
    const run_control& ctl_;
    std::size_t next_ = 0;
};

/// An exit status when the options cannot work (checked before anything is created or sent).
std::optional<int> check_options(const audit_options& opts, audit_state& st, std::ostream& err) {
    auto usage = [&](const std::string& m) {
        err << "cmbulk audit: " << m << "\n";
        return exit_usage;
    };
    if (opts.projects_file.empty() && opts.org_ids.empty() && !opts.all)
        return usage("say which projects: --projects FILE, --org ID or --all");
    if (opts.page_size < 1 || opts.page_size > 500) return usage("--page-size: expected 1 to 500");
    for (auto& t : opts.types)
        if (!find_type(t) && t != "HIP_CHAT" && t != "FLOWDOCK")
            return usage("--type: unknown integration type '" + t + "'");
    for (auto& o : opts.org_ids) {
        if (!is_object_id(o)) return usage("--org " + o + ": expected 24 lowercase hex characters");
        bool served = opts.fleet.empty() || std::any_of(opts.fleet.begin(), opts.fleet.end(),
                                                        [&](auto& c) { return c.org_id == o; });
        if (!served) return usage("--org " + o + ": no credential in --credentials serves it");
    }
    st.report_path = opts.report_path.empty() ? "audit.csv" : opts.report_path;
    auto fmt = report_format_from_path(st.report_path);
    if (!fmt) return usage("--report: use a .csv, .json or .jsonl file name");
    st.report_fmt = *fmt;
    if (!opts.emit_manifest.empty()) {
        st.emit_fmt = format_from_path(opts.emit_manifest);
        if (!st.emit_fmt) return usage("--emit-manifest: use a .csv, .json or .jsonl file name");
    }
    st.checkpoint_path = opts.checkpoint_path;
    if (st.checkpoint_path.empty()) {
        st.checkpoint_path = st.report_path;
        st.checkpoint_path.replace_extension(".checkpoint.jsonl");
    }
    std::vector<run_path> paths{
        {"--projects", opts.projects_file, false},
        {opts.report_path.empty() ? "the report" : "--report", st.report_path, true},
        {opts.checkpoint_path.empty() ? "the checkpoint" : "--checkpoint", st.checkpoint_path,
         true},
        {"--emit-manifest", opts.emit_manifest, true},
        {"the log (standard error)", stderr_log_file(), true},
    };
    if (!opts.api.cacert.empty()) paths.push_back({"--cacert", opts.api.cacert, false});
    if (auto clash = find_path_clash(paths)) return usage(clash->message + "; nothing was sent");
    diagnostics diag;
    bool ok =
        check_output_path(st.report_path, "report", diag) &&
        check_output_path(st.checkpoint_path, "checkpoint", diag) &&
        (opts.emit_manifest.empty() || check_output_path(opts.emit_manifest, "manifest", diag)) &&
        (opts.emit_sim_seed.empty() || check_output_path(opts.emit_sim_seed, "seed", diag));
    if (!ok) return usage(to_string(diag) + "; nothing was sent");
    return std::nullopt;
}

journal_header audit_header(const audit_options& o) {
    journal_header h;
    h.command = "audit";
    h.tool_version = std::string(version());
    h.flavor = std::string(to_string(o.api.api_flavor));
    h.base_url = o.api.base_url;
    auto joined = [](const std::vector<std::string>& v) {
        std::string s;
        for (auto& x : v) s += (s.empty() ? "" : ",") + x;
        return s;
    };
    auto absolute = [](const std::filesystem::path& p) {
        std::error_code ec;
        auto abs = std::filesystem::weakly_canonical(std::filesystem::absolute(p, ec), ec);
        return ec ? p.string() : abs.string();
    };
    if (!o.org_ids.empty()) h.options["org"] = joined(o.org_ids);
    if (o.all) h.options["all"] = "true";
    if (!o.projects_file.empty()) h.options["projects"] = absolute(o.projects_file);
    if (!o.types.empty()) h.options["type"] = joined(o.types);
    // What is written: a resume writes the same files (and the same references in the emitted
    // manifest), or is refused naming the difference.
    h.options["report"] = absolute(o.report_path.empty() ? "audit.csv" : o.report_path);
    if (!o.emit_manifest.empty()) h.options["emit-manifest"] = absolute(o.emit_manifest);
    if (!o.emit_sim_seed.empty()) h.options["emit-sim-seed"] = absolute(o.emit_sim_seed);
    if (o.emit_stale_only) h.options["stale-only"] = "true";
    std::vector<std::string> refs;
    for (auto& [field, name] : o.secret_refs) refs.push_back(field + "=" + name);
    if (!refs.empty()) h.options["secret-ref"] = joined(refs);
    return h;
}

/// The checkpoint: resumed (the projects it records are not read again) or new.
std::optional<int> open_checkpoint(const audit_options& opts, audit_state& st, std::ostream& err) {
    diagnostics diag;
    auto header = audit_header(opts);
    if (!opts.resume) {
        auto jw = journal_writer::create(st.checkpoint_path, header, diag);
        if (!jw) {
            err << "cmbulk audit: " << to_string(diag) << "\n";
            return exit_usage;
        }
        st.checkpoint = std::move(*jw);
        return std::nullopt;
    }
    journal_replay replay;
    auto jw = journal_writer::open_append(st.checkpoint_path, diag, &replay);
    if (!jw) {
        err << "cmbulk audit: cannot resume: " << to_string(diag) << "\n";
        return exit_usage;
    }
    if (auto diffs = compare_headers(replay.header, header); !diffs.empty()) {
        err << "cmbulk audit: cannot resume " << st.checkpoint_path.string()
            << ": the audit differs from the one recorded:\n";
        for (auto& d : diffs) err << "  - " << d << "\n";
        return exit_usage;
    }
    for (auto& [id, v] : replay.items) {
        auto& rows = st.resumed[id];
        if (v.is_array())
            for (auto& x : v.get_array())
                if (x.is_object()) rows.push_back(audit_row_from_json(x.get_object()));
    }
    st.checkpoint = std::move(*jw);
    err << "cmbulk audit: resuming: " << st.resumed.size() << " projects already audited\n";
    return std::nullopt;
}

}  // namespace

int run_audit(const audit_options& opts, std::ostream& out, std::ostream& err) {
    (void)out;
    audit_state st(opts, err);
    if (auto code = check_options(opts, st, err)) return *code;
    diagnostics diag;
    fleet_credentials fleet;
    for (auto& c : opts.fleet) fleet.emplace_back(c.org_id, c.creds);
    auto env = run_environment::create(opts.run, opts.api, err, nullptr, diag, fleet);
    if (!env) {
        err << "cmbulk audit: " << to_string(diag) << "; nothing was sent\n";
        return exit_usage;
    }
    std::unordered_set<std::string> seen;
    if (!opts.projects_file.empty()) {
        std::string msg;
        auto list = read_projects_file(opts.projects_file, msg);
        if (!list) {
            err << "cmbulk audit: " << msg << "\n";
            return exit_usage;
        }
        for (auto& p : *list)
            if (seen.insert(p.id).second) st.projects.push_back(p);
    }
    if (auto code = open_checkpoint(opts, st, err)) return *code;

    auto& ctl = (*env)->control();
    std::vector<std::string> sources, creds;
    for (auto& org : opts.org_ids) {
        // A fleet: each --org with its own credential (one it lacks is refused up front).
        sources.push_back(org);
        creds.push_back(opts.fleet.empty() ? std::string() : org);
    }
    if (opts.all && opts.fleet.empty()) {
        sources.emplace_back();  // "": every project the key sees
        creds.emplace_back();
    }
    if (opts.all)
        for (auto& c : opts.fleet) {  // --all over every configured credential
            sources.emplace_back();
            creds.push_back(c.org_id);
        }
    discovery_job discovery(st, ctl, std::move(sources), std::move(creds));
    projects_job projects(st, ctl);
    auto started = std::chrono::steady_clock::now();
    auto discovery_ctx = (*env)->context(0);
    discovery_ctx.progress = nullptr;   // the progress line counts projects
    discovery_ctx.counts_rows = false;  // a project list is not a project
    // A named std::function: GCC 12 destroys lambda temporaries inside co_await twice.
    std::function<asio::awaitable<void>()> work = [&]() -> asio::awaitable<void> {
        // 1. Discovery, then 2. every project's integrations, under the same stop controller.
        co_await run_workers(discovery_ctx, opts.run, discovery);
        discovery.add_projects(seen);
        st.results.resize(st.projects.size());
        st.finished.assign(st.projects.size(), false);
        if (ctl.stopping()) co_return;
        (*env)->progress().start(st.projects.size(), "projects");
        auto ctx = (*env)->context(st.projects.size());
        co_await run_workers(ctx, opts.run, projects);
    };
    (*env)->run(work);
    (*env)->progress().finish();
    auto secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    st.throttled = (*env)->gate().throttled();
    st.learned = (*env)->gate().learned_limits();
    // A fleet: each refused credential, with how many of its projects were not read (or that
    // its projects were never listed, when the listing itself was refused).
    auto& used = (*env)->credentials();
    for (auto& [org, why] : used.refusals())
        for (auto& c : opts.fleet) {
            if (c.org_id != org) continue;
            // (Not the binding in the lambda: clang 14 refuses to capture a structured binding.)
            const std::string& refused_org = org;
            bool listed =
                std::any_of(st.projects.begin(), st.projects.end(),
                            [&](const audit_project& p) { return p.org_id == refused_org; });
            err << (listed ? credential_refused_summary(org, c.name, why, used.not_done(org),
                                                        "projects")
                           : credential_refused_unlisted(org, c.name, why));
        }
    return detail::finish_audit(st, ctl, (*env)->gate().requests(), secs);
}

}  // namespace cmbulk
