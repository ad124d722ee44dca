#include "log/directory_tile_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <regex>
#include <set>
#include <utility>

#include "log/store_rules.h"

namespace mtc::log {

namespace {

// Owns a file descriptor.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  // Closes now, reporting the error that a destructor would drop: on some
  // file systems close() is where a failed write shows up.
  int Close() {
    int rc = ::close(fd_);
    fd_ = -1;
    return rc;
  }

 private:
  int fd_;
};

Error ErrnoError(std::string_view what, const std::string& path, int err) {
  return Error(ErrorCode::kIo,
               std::string(what) + " " + path + ": " + std::strerror(err));
}

std::string Join(const std::string& dir, std::string_view name) {
  if (name.empty()) return dir;
  std::string out = dir;
  if (out.empty() || out.back() != '/') out += '/';
  out += name;
  return out;
}

// Makes a file's or directory's data and metadata durable: a directory's
// fsync is what makes a rename or a new entry in it survive a crash.
Status SyncPath(const std::string& path, bool directory) {
  int flags = O_RDONLY | O_CLOEXEC | (directory ? O_DIRECTORY : 0);
  Fd fd(::open(path.c_str(), flags));
  if (!fd.valid()) return ErrnoError("cannot open", path, errno);
  if (::fsync(fd.get()) != 0) return ErrnoError("cannot fsync", path, errno);
  return OkStatus();
}

// Creates each missing directory of `relative` below `base` (which exists),
// top down, and fsyncs the parent of every directory it created, so the new
// directory entries are durable before a file inside them is reported
// written.
Status MakeDirs(const std::string& base, std::string_view relative) {
  std::string dir = base;
  std::vector<std::string> parents_to_sync;
  while (!relative.empty()) {
    size_t slash = relative.find('/');
    std::string_view component = relative.substr(0, slash);
    relative.remove_prefix(slash == std::string_view::npos ? relative.size()
                                                           : slash + 1);
    if (component.empty()) continue;
    std::string parent = dir;
    dir = Join(dir, component);
    if (::mkdir(dir.c_str(), 0755) == 0) {
      parents_to_sync.push_back(std::move(parent));
      continue;
    }
    int err = errno;
    struct stat st;
    if (err != EEXIST || ::stat(dir.c_str(), &st) != 0 ||
        !S_ISDIR(st.st_mode)) {
      return ErrnoError("cannot create directory", dir, err);
    }
  }
  for (const std::string& parent : parents_to_sync) {
    MTC_RETURN_IF_ERROR(SyncPath(parent, /*directory=*/true));
  }
  return OkStatus();
}

// The whole file; kNotFound if it does not exist.
Result<std::vector<uint8_t>> ReadFile(const std::string& path) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) {
    int err = errno;
    if (err == ENOENT) return Error(ErrorCode::kNotFound, "no file " + path);
    return ErrnoError("cannot open", path, err);
  }
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) {
    return ErrnoError("cannot stat", path, errno);
  }
  std::vector<uint8_t> data;
  data.reserve(static_cast<size_t>(std::max<off_t>(st.st_size, 0)));
  uint8_t buf[65536];
  while (true) {
    ssize_t n = ::read(fd.get(), buf, sizeof(buf));
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoError("cannot read", path, errno);
    }
    if (n == 0) break;
    data.insert(data.end(), buf, buf + n);
  }
  return data;
}

Status WriteAll(int fd, std::span<const uint8_t> data,
                const std::string& path) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoError("cannot write", path, errno);
    }
    data = data.subspan(static_cast<size_t>(n));
  }
  return OkStatus();
}

// How WriteTempFile leaves the file's bytes.
enum class Flush {
  kFsync,           // durable before it returns
  kStartWriteback,  // on their way to disk; the caller makes them durable
};

// A temporary file in `dir` holding `data`, flushed as `flush` says and
// closed. Its name starts with '.' and ends in random characters, so it is
// never a valid object path and is never served. Removed on failure.
Result<std::string> WriteTempFile(const std::string& dir, std::string_view name,
                                  std::span<const uint8_t> data,
                                  Flush flush = Flush::kFsync) {
  std::string path = Join(dir, "." + std::string(name) + ".tmp-XXXXXX");
  Fd fd(::mkostemp(path.data(), O_CLOEXEC));
  if (!fd.valid()) return ErrnoError("cannot create", path, errno);
  auto write = [&]() -> Status {
    // mkostemp creates the file 0600; objects are public.
    if (::fchmod(fd.get(), 0644) != 0) {
      return ErrnoError("cannot chmod", path, errno);
    }
    MTC_RETURN_IF_ERROR(WriteAll(fd.get(), data, path));
    if (flush == Flush::kFsync && ::fsync(fd.get()) != 0) {
      return ErrnoError("cannot fsync", path, errno);
    }
    // Start writing the pages now, so that the disk works while the caller
    // writes the next files and the sync that makes them durable finds
    // little left to do. Only a hint: durability comes from that sync.
    if (flush == Flush::kStartWriteback) {
      (void)::sync_file_range(fd.get(), 0, 0, SYNC_FILE_RANGE_WRITE);
    }
    if (fd.Close() != 0) return ErrnoError("cannot close", path, errno);
    return OkStatus();
  };
  Status status = write();
  if (!status.ok()) {
    ::unlink(path.c_str());
    return status.error();
  }
  return path;
}

// Renames `temp` to `target` unless `target` exists. Returns false (and
// removes `temp`) if it did. renameat2(RENAME_NOREPLACE) does this
// atomically; on a file system without it, link() is equally atomic and
// equally refuses to replace.
Result<bool> RenameNoReplace(const std::string& temp,
                             const std::string& target) {
  if (::renameat2(AT_FDCWD, temp.c_str(), AT_FDCWD, target.c_str(),
                  RENAME_NOREPLACE) == 0) {
    return true;
  }
  int err = errno;
  if (err == EINVAL || err == ENOSYS) {
    err = ::link(temp.c_str(), target.c_str()) == 0 ? 0 : errno;
    ::unlink(temp.c_str());
    if (err == 0) return true;
  } else {
    ::unlink(temp.c_str());
  }
  if (err == EEXIST) return false;
  return ErrnoError("cannot rename to", target, err);
}

// The outcome of putting an immutable object whose file exists.
Status CompareExisting(const std::string& file, const std::string& dir,
                       std::span<const uint8_t> data) {
  MTC_ASSIGN_OR_RETURN(std::vector<uint8_t> existing, ReadFile(file));
  if (!std::equal(existing.begin(), existing.end(), data.begin(), data.end())) {
    return Error(
        ErrorCode::kConflict,
        "immutable object " + file + " already exists with different contents");
  }
  // A writer that crashed between its rename and its fsync of the directory
  // left a file that may not survive the next crash: finish its job.
  MTC_RETURN_IF_ERROR(SyncPath(file, /*directory=*/false));
  return SyncPath(dir, /*directory=*/true);
}

// Splits "tile/0/x001/234" into "tile/0/x001" and "234".
// syncfs(2) on the file system holding `path`: every written file and
// directory entry there is durable when it returns.
Status SyncFilesystem(const std::string& path) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) return ErrnoError("cannot open", path, errno);
  if (::syncfs(fd.get()) != 0) return ErrnoError("cannot syncfs", path, errno);
  return OkStatus();
}

std::pair<std::string_view, std::string_view> SplitDir(std::string_view path) {
  size_t slash = path.rfind('/');
  if (slash == std::string_view::npos) return {"", path};
  return {path.substr(0, slash), path.substr(slash + 1)};
}

}  // namespace

Result<std::unique_ptr<DirectoryTileStore>> DirectoryTileStore::Open(
    std::string root) {
  while (root.size() > 1 && root.back() == '/') root.pop_back();
  if (root.empty()) {
    return Error(ErrorCode::kInvalidArgument, "empty tile store directory");
  }
  struct stat st;
  if (::stat(root.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    MTC_RETURN_IF_ERROR(MakeDirs(root.front() == '/' ? "/" : ".", root));
  }
  return std::unique_ptr<DirectoryTileStore>(
      new DirectoryTileStore(std::move(root)));
}

Result<size_t> DirectoryTileStore::RemoveTemporaryFiles() {
  // The names WriteTempFile makes: '.', the object's name, ".tmp-", and the
  // six characters mkostemp(3) fills in.
  static const std::regex kTempName(R"(\..+\.tmp-[A-Za-z0-9]{6})");
  std::error_code ec;
  std::vector<std::filesystem::path> leftovers;
  for (auto it = std::filesystem::recursive_directory_iterator(root_, ec);
       !ec && it != std::filesystem::recursive_directory_iterator();
       it.increment(ec)) {
    if (it->is_regular_file(ec) &&
        std::regex_match(it->path().filename().string(), kTempName)) {
      leftovers.push_back(it->path());
    }
  }
  if (ec) {
    return Error(ErrorCode::kIo, "cannot list " + root_ + ": " + ec.message());
  }
  for (const auto& path : leftovers) {
    if (!std::filesystem::remove(path, ec) && ec) {
      return Error(ErrorCode::kIo,
                   "cannot remove " + path.string() + ": " + ec.message());
    }
  }
  return leftovers.size();
}

Status DirectoryTileStore::PutImmutable(std::string_view path,
                                        std::span<const uint8_t> data) {
  MTC_RETURN_IF_ERROR(CheckImmutablePath(path));
  auto [relative_dir, name] = SplitDir(path);
  std::string dir = Join(root_, relative_dir);
  std::string file = Join(root_, path);

  // Recovery re-puts what an interrupted commit wrote: settle that without
  // writing anything.
  Status existing = CompareExisting(file, dir, data);
  if (existing.ok() || existing.error().code() != ErrorCode::kNotFound) {
    return existing;
  }

  // docs/design.md §5 step 1: temp file, fsync, rename, fsync directory.
  MTC_RETURN_IF_ERROR(MakeDirs(root_, relative_dir));
  MTC_ASSIGN_OR_RETURN(std::string temp, WriteTempFile(dir, name, data));
  MTC_ASSIGN_OR_RETURN(bool renamed, RenameNoReplace(temp, file));
  if (!renamed) {
    // Another writer published the object since we looked.
    return CompareExisting(file, dir, data);
  }
  return SyncPath(dir, /*directory=*/true);
}

Status DirectoryTileStore::PutStaged(std::span<const StagedObject> objects) {
  for (const StagedObject& o : objects) {
    MTC_RETURN_IF_ERROR(CheckImmutablePath(o.path));
  }
  std::vector<std::pair<std::string, std::string>> renames;  // temp, target
  auto cleanup = [&] {
    for (const auto& [temp, target] : renames) ::unlink(temp.c_str());
  };
  // A commit writes hundreds of objects into a few directories: make each
  // directory once.
  std::set<std::string_view> made_dirs;
  for (const StagedObject& o : objects) {
    auto [relative_dir, name] = SplitDir(o.path);
    std::string dir = Join(root_, relative_dir);
    Status made = OkStatus();
    if (made_dirs.insert(relative_dir).second) {
      made = MakeDirs(root_, relative_dir);
    }
    auto temp = made.ok()
                    ? WriteTempFile(dir, name, o.data, Flush::kStartWriteback)
                    : Result<std::string>(made.error());
    if (!temp.ok()) {
      cleanup();
      return temp.error();
    }
    renames.emplace_back(*temp, Join(root_, o.path));
  }
  Status synced = SyncFilesystem(root_);
  if (!synced.ok()) {
    cleanup();
    return synced;
  }
  for (size_t i = 0; i < renames.size(); i++) {
    if (::rename(renames[i].first.c_str(), renames[i].second.c_str()) != 0) {
      int err = errno;
      for (size_t j = i; j < renames.size(); j++)
        ::unlink(renames[j].first.c_str());
      return ErrnoError("cannot rename to", renames[i].second, err);
    }
  }
  return SyncFilesystem(root_);
}

Status DirectoryTileStore::PutMutable(std::string_view path,
                                      std::span<const uint8_t> data) {
  MTC_RETURN_IF_ERROR(CheckMutablePath(path));
  return PutReplacing(path, data);
}

Status DirectoryTileStore::PutReplacing(std::string_view path,
                                        std::span<const uint8_t> data) {
  auto [relative_dir, name] = SplitDir(path);
  std::string dir = Join(root_, relative_dir);
  std::string file = Join(root_, path);

  // docs/design.md §5 step 1, with a rename that replaces the old version:
  // readers see the old bytes or the new, never a mix.
  MTC_RETURN_IF_ERROR(MakeDirs(root_, relative_dir));
  MTC_ASSIGN_OR_RETURN(std::string temp, WriteTempFile(dir, name, data));
  if (::rename(temp.c_str(), file.c_str()) != 0) {
    int err = errno;
    ::unlink(temp.c_str());
    return ErrnoError("cannot rename to", file, err);
  }
  return SyncPath(dir, /*directory=*/true);
}

Result<std::vector<uint8_t>> DirectoryTileStore::Get(
    std::string_view path) const {
  MTC_RETURN_IF_ERROR(CheckObjectPath(path));
  return ReadFile(Join(root_, path));
}

}  // namespace mtc::log
