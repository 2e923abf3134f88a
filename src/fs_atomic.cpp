// The atomic whole-file write; see fs_atomic.hpp.
#include "cmbulk/fs_atomic.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace cmbulk {

boost::system::result<void> write_file_atomically(const std::filesystem::path& path,
                                                  std::string_view content, std::string& message) {
    auto fail = [&](const std::string& what, int err) -> boost::system::result<void> {
        message = path.string() + ": " + what + ": " + std::strerror(err);
        return boost::system::error_code(err, boost::system::generic_category());
    };
    auto temp = path;
    temp += ".tmp-" + std::to_string(::getpid());
    int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return fail("cannot create", errno);
    std::size_t off = 0;
    while (off < content.size()) {
        auto n = ::write(fd, content.data() + off, content.size() - off);
        if (n < 0) {
            if (errno == EINTR) continue;
            int e = errno;
            ::close(fd);
            ::unlink(temp.c_str());
            return fail("cannot write", e);
        }
        off += static_cast<std::size_t>(n);
    }
    if (::fsync(fd) != 0) {
        int e = errno;
        ::close(fd);
        ::unlink(temp.c_str());
        return fail("cannot fsync", e);
    }
    ::close(fd);
    if (::rename(temp.c_str(), path.c_str()) != 0) {
        int e = errno;
        ::unlink(temp.c_str());
        return fail("cannot rename", e);
    }
    auto dir = path.parent_path().empty() ? std::filesystem::path(".") : path.parent_path();
    int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        ::fsync(dfd);
        ::close(dfd);
    }
    return {};
}

}  // namespace cmbulk
