// A command's run on its io_context: the stop controller, the request gate, the api client (or
// the dry run's printer), the credentials, the retry policy and the progress line, built after
// the checks that make a setup mistake exit 2 before anything is created or sent; the OAuth
// tokens the run got are revoked when its work ends.
#include <random>

#include "cmbulk/base_url.hpp"
#include "cmbulk/engine.hpp"

namespace cmbulk {

run_environment::run_environment(const run_params& params, std::ostream& err) : params_(params) {
    progress_ = std::make_unique<progress_meter>(err, params.progress);
}

run_environment::~run_environment() = default;

boost::system::result<std::unique_ptr<run_environment>> run_environment::create(
    const run_params& params, const api_config& api, std::ostream& err, std::ostream* dry_out,
    diagnostics& diag, const fleet_credentials& fleet) {
    if (auto ok = validate(params, diag); !ok) return ok.error();
    if (!dry_out) {
        std::string message;
        auto checked = api;
        if (!fleet.empty()) checked.creds = fleet.front().second;
        if (!api_client::check(checked, message)) {
            diag.message = message;
            return make_error_code(run_errc::bad_server_config);
        }
    }
    std::unique_ptr<run_environment> env(new run_environment(params, err));
    auto ex = env->ioc_.get_executor();
    env->control_ = std::make_unique<run_control>(ex, params.grace, &err);
    env->gate_ = std::make_unique<run_gate>(*env->control_, params.pacing);
    if (dry_out) {
        // The whole URL: the base URL's scheme://host[:port], then the API's prefix (from a
        // documented base URL's path, or the flavor's).
        diagnostics ignored;
        auto url = parse_base_url(api.base_url, ignored);
        auto prefix = api.path_prefix.empty() ? api_prefix(api) : api.path_prefix;
        env->dry_ =
            std::make_unique<dry_run_printer>(*dry_out, url ? url->root : api.base_url, prefix);
        env->credentials_.add("", *env->dry_);
        for (auto& [org, creds] : fleet) env->credentials_.add(org, *env->dry_);
    } else if (fleet.empty()) {
        env->client_ = std::make_unique<api_client>(ex, api, *env->gate_);
        env->credentials_.add("", *env->client_, api.credential_source);
        env->reads_rate_limits_ = api_prefix(api).ends_with("/api/atlas/v2");
    } else {
        // One client per organization: its own Digest sessions and token cache.
        for (auto& [org, creds] : fleet) {
            auto cfg = api;
            cfg.creds = creds;
            env->fleet_clients_.push_back(std::make_unique<api_client>(ex, cfg, *env->gate_));
            env->credentials_.add(org, *env->fleet_clients_.back());
        }
    }
    auto& p = env->policy_;
    p.max_attempts = params.max_attempts;
    p.backoff = params.backoff;
    p.budget = retry_budget(params.retry_budget_ratio);
    p.rng.seed(params.seed ? params.seed : std::random_device{}());
    return env;
}

run_context run_environment::context(std::uint64_t total_items) {
    return run_context{*control_, credentials_, policy_, gate_.get(), progress_.get(), total_items};
}

boost::asio::awaitable<void> run_environment::learn_limits() {
    if (!reads_rate_limits_ || !client_) co_return;
    api_request r;
    r.path = "/rateLimits";
    r.accept = "application/vnd.atlas.2025-03-12+json";
    auto sender = client_->make_sender();
    auto answer = co_await sender->perform(std::move(r));
    sender->close();
    // Not served, refused or garbled: the pacer learns the limits from the answers instead.
    if (answer.status == 200) gate_->learn(answer.body);
}

boost::asio::awaitable<void> run_environment::revoke_tokens() {
    std::vector<api_client*> clients;
    if (client_) clients.push_back(client_.get());
    for (auto& c : fleet_clients_) clients.push_back(c.get());
    // A second signal during the revocations ends them at once.
    auto hook = control_->on_hard_stop([clients] {
        for (auto* c : clients) c->cancel();
    });
    for (auto* c : clients) {
        if (control_->hard_stopped()) co_return;
        co_await c->revoke_tokens();
    }
}

namespace {
// Where the service describes its limits (Atlas v2), the gate paces by them from the first
// request of the work; the tokens the work got are revoked after it.
boost::asio::awaitable<void> limits_then(run_environment* env,
                                         std::function<boost::asio::awaitable<void>()> work) {
    co_await env->learn_limits();
    co_await work();
    co_await env->revoke_tokens();
}
}  // namespace

void run_environment::run(std::function<boost::asio::awaitable<void>()> work) {
    run_to_completion(ioc_, *control_,
                      [this, work = std::move(work)] { return limits_then(this, work); });
}

}  // namespace cmbulk
