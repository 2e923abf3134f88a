// The atomic whole-file write and the clean-up of stale temporary files; see fs_atomic.hpp.
#include "cmbulk/fs_atomic.hpp"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>

namespace cmbulk {

namespace {

using boost::system::error_code;

error_code sys_ec(int err) { return error_code(err, boost::system::system_category()); }

std::string temp_suffix() { return ".tmp-" + std::to_string(::getpid()); }

/// fsync a directory so that a rename in it survives a crash; 0 or an errno.
int fsync_directory(const std::filesystem::path& dir) {
    int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return errno;
    int rc = ::fsync(fd) == 0 ? 0 : errno;
    ::close(fd);
    return rc;
}

/// kill(pid, 0) succeeds for a live process we may signal and fails with EPERM for a live
/// process of another user: both are alive.
bool process_alive(pid_t pid) { return ::kill(pid, 0) == 0 || errno == EPERM; }

/// "report " for "report", nothing for "": the kind of file as messages put it.
std::string kind_of(std::string_view what) {
    return what.empty() ? std::string() : std::string(what) + " ";
}

}  // namespace

atomic_file::atomic_file(std::filesystem::path path, std::filesystem::path temp, int fd,
                         std::string_view what)
    : path_(std::move(path)), temp_path_(std::move(temp)), what_(kind_of(what)), fd_(fd) {}

atomic_file::atomic_file(atomic_file&& o) noexcept
    : path_(std::move(o.path_)),
      temp_path_(std::move(o.temp_path_)),
      what_(std::move(o.what_)),
      fd_(o.fd_),
      committed_(o.committed_),
      failed_(o.failed_),
      message_(std::move(o.message_)) {
    o.fd_ = -1;
    o.committed_ = true;  // the moved-from object owns no temporary file
}

atomic_file& atomic_file::operator=(atomic_file&& o) noexcept {
    if (this != &o) {
        discard_();
        path_ = std::move(o.path_);
        temp_path_ = std::move(o.temp_path_);
        what_ = std::move(o.what_);
        fd_ = o.fd_;
        committed_ = o.committed_;
        failed_ = o.failed_;
        message_ = std::move(o.message_);
        o.fd_ = -1;
        o.committed_ = true;
    }
    return *this;
}

atomic_file::~atomic_file() { discard_(); }

void atomic_file::discard_() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    if (!committed_ && !temp_path_.empty()) ::unlink(temp_path_.c_str());
    committed_ = true;
}

error_code atomic_file::fail_(const char* what, const std::filesystem::path& p, int err) {
    message_ = std::string("cannot ") + what + " " + what_ + p.string() + ": " + std::strerror(err);
    return sys_ec(err);
}

boost::system::result<atomic_file> atomic_file::create(std::filesystem::path path,
                                                       std::string& message, unsigned mode,
                                                       std::string_view what) {
    remove_stale_temp_files(path);
    auto temp = path;
    temp += temp_suffix();
    int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC,
                    static_cast<mode_t>(mode));
    if (fd < 0) {
        int err = errno;
        message = "cannot create " + kind_of(what) + temp.string() + ": " + std::strerror(err);
        return sys_ec(err);
    }
    return atomic_file(std::move(path), std::move(temp), fd, what);
}

boost::system::result<void> atomic_file::write(std::string_view bytes) {
    if (failed_) return failed_;
    if (fd_ < 0) return sys_ec(EBADF);
    while (!bytes.empty()) {
        auto n = ::write(fd_, bytes.data(), bytes.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            failed_ = fail_("write", temp_path_, errno);
            return failed_;
        }
        bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return {};
}

boost::system::result<void> atomic_file::finish_(bool keep_open) {
    if (committed_ || fd_ < 0) return sys_ec(EALREADY);
    if (failed_) return failed_;
    if (::fsync(fd_) != 0) return failed_ = fail_("fsync", temp_path_, errno);
    if (!keep_open) {
        int rc = ::close(fd_);
        fd_ = -1;
        if (rc != 0) return failed_ = fail_("close", temp_path_, errno);
    }
    // rename(2) replaces the old file in one step; then make the rename itself durable.
    if (::rename(temp_path_.c_str(), path_.c_str()) != 0) {
        int err = errno;
        message_ = "cannot rename " + what_ + temp_path_.string() + " to " + path_.string() + ": " +
                   std::strerror(err);
        return failed_ = sys_ec(err);
    }
    committed_ = true;
    if (int err = fsync_directory(path_.parent_path()))
        return fail_("fsync the directory of", path_, err);
    return {};
}

boost::system::result<void> atomic_file::commit() { return finish_(false); }

boost::system::result<int> atomic_file::commit_keep_open() {
    auto r = finish_(true);
    if (!r) {
        if (committed_ && fd_ >= 0) {  // renamed, but the directory fsync failed
            ::close(fd_);
            fd_ = -1;
        }
        return r.error();
    }
    int fd = fd_;
    fd_ = -1;
    return fd;
}

boost::system::result<void> write_file_atomically(const std::filesystem::path& path,
                                                  std::string_view content, std::string& message) {
    auto f = atomic_file::create(path, message);
    if (!f) return f.error();
    auto r = f->write(content);
    if (r) r = f->commit();
    if (!r) message = f->error_message();
    return r;
}

std::vector<std::filesystem::path> remove_stale_temp_files(const std::filesystem::path& path) {
    std::vector<std::filesystem::path> removed;
    const std::string prefix = path.filename().string() + ".tmp-";
    if (prefix.size() == 5) return removed;  // no file name
    auto dir = path.parent_path().empty() ? std::filesystem::path(".") : path.parent_path();
    // Collect first, remove after: removing entries while iterating a directory is unspecified.
    std::vector<std::filesystem::path> stale;
    std::error_code ec;
    std::filesystem::directory_iterator it(dir, ec), end;
    for (; !ec && it != end; it.increment(ec)) {
        std::string name = it->path().filename().string();
        if (!name.starts_with(prefix) || name.size() == prefix.size()) continue;
        std::string_view digits = std::string_view(name).substr(prefix.size());
        pid_t pid = 0;
        auto [p, perr] = std::from_chars(digits.data(), digits.data() + digits.size(), pid);
        if (perr != std::errc{} || p != digits.data() + digits.size() || pid <= 0) continue;
        if (pid == ::getpid() || process_alive(pid)) continue;
        std::error_code fec;
        if (it->symlink_status(fec).type() != std::filesystem::file_type::regular) continue;
        stale.push_back(it->path());
    }
    for (auto& p : stale) {
        std::error_code fec;
        if (std::filesystem::remove(p, fec) && !fec) removed.push_back(p);
    }
    return removed;
}

}  // namespace cmbulk
