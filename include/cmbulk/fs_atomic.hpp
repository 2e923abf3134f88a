// Whole files that readers never see half done: the bytes go to a temporary file next to the
// target ("<path>.tmp-<pid>"), and commit fsyncs it, renames it over the target and fsyncs the
// directory. The one implementation behind the row report, the HTML report, emitted manifests,
// audit reports and the checkpoint journal's creation; and the clean-up of temporary files that
// a run killed before its commit left behind.
#pragma once

#include <boost/system/result.hpp>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace cmbulk {

/// A file being written in place of `path`. Bytes written go to "<path>.tmp-<pid>" (created
/// with O_APPEND); commit() makes it `path` in one step. Destroyed without a commit, it removes
/// the temporary file and leaves `path` as it was. Every failure message names the file and the
/// reason (strerror).
class atomic_file {
public:
    /// Creates (truncates) the temporary file with permissions `mode`. Stale temporary files of
    /// the same target (remove_stale_temp_files) are removed first. `what` names the kind of
    /// file in messages ("report" gives "cannot create report /x/r.csv.tmp-42: ..."), may be "".
    static boost::system::result<atomic_file> create(std::filesystem::path path,
                                                     std::string& message, unsigned mode = 0644,
                                                     std::string_view what = "");
    atomic_file(atomic_file&& other) noexcept;
    atomic_file& operator=(atomic_file&& other) noexcept;
    atomic_file(const atomic_file&) = delete;
    atomic_file& operator=(const atomic_file&) = delete;
    ~atomic_file();

    /// Appends `bytes`. After a failure every later write and the commit fail with it.
    boost::system::result<void> write(std::string_view bytes);
    /// fsync, close, rename over `path`, fsync the directory. Once the rename happened the file
    /// is committed even if the directory fsync then fails (the error is still returned). A
    /// second commit fails with EALREADY.
    boost::system::result<void> commit();
    /// The same, but the descriptor stays open (it now names `path`) and is handed over: the
    /// caller owns and closes it (the journal appends to the file it created).
    boost::system::result<int> commit_keep_open();

    const std::filesystem::path& path() const { return path_; }
    const std::filesystem::path& temp_path() const { return temp_path_; }
    bool committed() const { return committed_; }
    /// Why the last failed call failed ("cannot write /x/r.csv.tmp-42: No space left on device").
    const std::string& error_message() const { return message_; }

private:
    atomic_file(std::filesystem::path path, std::filesystem::path temp, int fd,
                std::string_view what);
    boost::system::error_code fail_(const char* what, const std::filesystem::path& p, int err);
    boost::system::result<void> finish_(bool keep_open);
    void discard_();

    std::filesystem::path path_, temp_path_;
    std::string what_;  ///< "report ", "journal " or empty: the kind of file, for messages
    int fd_ = -1;
    bool committed_ = false;
    boost::system::error_code failed_;  ///< the first write error; commit refuses after one
    std::string message_;
};

/// Writes `content` as `path` through an atomic_file: readers see the old file or the new one,
/// never half of one. On failure `message` names the file and the reason.
boost::system::result<void> write_file_atomically(const std::filesystem::path& path,
                                                  std::string_view content, std::string& message);

/// Removes the "<path>.tmp-<pid>" files whose process is no longer alive (a run killed before it
/// committed `path`) and returns the paths it removed. A temporary file of a live process (another
/// run writing the same target at this moment) is left alone, as is anything that is not a
/// regular file; a file that cannot be removed is skipped.
std::vector<std::filesystem::path> remove_stale_temp_files(const std::filesystem::path& path);

}  // namespace cmbulk
