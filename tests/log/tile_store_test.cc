// Tests of the TileStore contract (log/storage.h) that DirectoryTileStore and
// MemoryTileStore share, then of what each adds: files on disk that survive
// reopening, and fault injection.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "log/directory_tile_store.h"
#include "log/memory_tile_store.h"
#include "log/temp_dir_testutil.h"

namespace mtc::log {
namespace {

using testing::TempDir;

std::vector<uint8_t> Bytes(const std::string& s) {
  return std::vector<uint8_t>(s.begin(), s.end());
}

// `n` bytes, all `fill`: a reader that saw part of a write would see a
// shorter run, or a mix of two fills.
std::vector<uint8_t> Filled(size_t n, uint8_t fill) {
  return std::vector<uint8_t>(n, fill);
}

enum class Kind { kDirectory, kMemory };

class TileStoreContractTest : public ::testing::TestWithParam<Kind> {
 protected:
  void SetUp() override {
    if (GetParam() == Kind::kMemory) {
      store_ = std::make_unique<MemoryTileStore>();
      return;
    }
    auto opened = DirectoryTileStore::Open(dir_.Sub("log"));
    ASSERT_TRUE(opened.ok()) << opened.error().ToString();
    store_ = std::move(*opened);
  }

  TempDir dir_;
  std::unique_ptr<TileStore> store_;
};

INSTANTIATE_TEST_SUITE_P(Stores, TileStoreContractTest,
                         ::testing::Values(Kind::kDirectory, Kind::kMemory),
                         [](const auto& info) {
                           return info.param == Kind::kDirectory ? "Directory"
                                                                 : "Memory";
                         });

TEST_P(TileStoreContractTest, GetOfAbsentObjectIsNotFound) {
  for (const char* path :
       {"tile/0/000", "tile/entries/x001/234.p/7", "checkpoint", "landmarks"}) {
    auto got = store_->Get(path);
    ASSERT_FALSE(got.ok()) << path;
    EXPECT_EQ(got.error().code(), ErrorCode::kNotFound) << path;
  }
}

TEST_P(TileStoreContractTest, PutImmutableThenGet) {
  for (const char* path :
       {"tile/0/000", "tile/0/x001/x234/067", "tile/1/000.p/7",
        "tile/entries/007.p/244", "tile/63/x001/000"}) {
    std::vector<uint8_t> data = Bytes(std::string("contents of ") + path);
    ASSERT_TRUE(store_->PutImmutable(path, data).ok()) << path;
    auto got = store_->Get(path);
    ASSERT_TRUE(got.ok()) << path << ": " << got.error().ToString();
    EXPECT_EQ(*got, data) << path;
  }
}

// storage.h: "Re-putting identical bytes is OK (recovery re-applies);
// different bytes for an existing path is kConflict".
TEST_P(TileStoreContractTest, ImmutableObjectsNeverChange) {
  std::vector<uint8_t> data = Bytes("the tile");
  ASSERT_TRUE(store_->PutImmutable("tile/0/000.p/1", data).ok());
  EXPECT_TRUE(store_->PutImmutable("tile/0/000.p/1", data).ok());
  for (const std::vector<uint8_t>& other :
       {Bytes("the tilE"), Bytes("the til"), Bytes("the tile!"), Bytes("")}) {
    Status s = store_->PutImmutable("tile/0/000.p/1", other);
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code(), ErrorCode::kConflict);
  }
  EXPECT_EQ(*store_->Get("tile/0/000.p/1"), data);
}

TEST_P(TileStoreContractTest, EmptyObject) {
  ASSERT_TRUE(store_->PutImmutable("tile/entries/000", {}).ok());
  EXPECT_TRUE(store_->PutImmutable("tile/entries/000", {}).ok());
  EXPECT_TRUE(store_->Get("tile/entries/000")->empty());
}

TEST_P(TileStoreContractTest, MutableObjectsAreReplaced) {
  for (const char* path : {"checkpoint", "landmarks"}) {
    ASSERT_TRUE(store_->PutMutable(path, Bytes("one")).ok());
    EXPECT_EQ(*store_->Get(path), Bytes("one"));
    ASSERT_TRUE(store_->PutMutable(path, Bytes("second version")).ok());
    EXPECT_EQ(*store_->Get(path), Bytes("second version"));
    ASSERT_TRUE(store_->PutMutable(path, Bytes("3")).ok());
    EXPECT_EQ(*store_->Get(path), Bytes("3"));
  }
}

// Nothing may escape the log's directory, nor use a name that is not an
// object of a log (store_rules.h).
TEST_P(TileStoreContractTest, RejectsPathsThatAreNotObjects) {
  std::vector<uint8_t> data = Bytes("x");
  const std::vector<std::string> never = {
      "",
      "/",
      "/etc/passwd",
      "../x",
      "..",
      ".",
      "./checkpoint",
      "tile/../checkpoint",
      "tile/0/../../../../etc/passwd",
      "tile/0/000/",
      "tile/0//000",
      "/tile/0/000",
      "tile/0/000.p/0",
      "tile/0/000.p/256",
      "tile/0/x000",
      "tile/0/001/234",
      "tile/entries",
      "tile/64/000",
      "tile/0/000.tmp",
      ".checkpoint.tmp-abcdef",
      "checkpoint/",
      "Checkpoint",
      "landmarks.new",
      std::string("tile/0/000\0", 11),
  };
  for (const std::string& path : never) {
    for (Status s :
         {store_->PutImmutable(path, data), store_->PutMutable(path, data)}) {
      ASSERT_FALSE(s.ok()) << path;
      EXPECT_EQ(s.error().code(), ErrorCode::kInvalidArgument) << path;
    }
    auto got = store_->Get(path);
    ASSERT_FALSE(got.ok()) << path;
    EXPECT_EQ(got.error().code(), ErrorCode::kInvalidArgument) << path;
  }
  // Each kind of object through its own method only.
  for (const char* path : {"checkpoint", "landmarks"}) {
    EXPECT_EQ(store_->PutImmutable(path, data).error().code(),
              ErrorCode::kInvalidArgument)
        << path;
  }
  for (const char* path : {"tile/0/000", "tile/entries/000.p/1"}) {
    EXPECT_EQ(store_->PutMutable(path, data).error().code(),
              ErrorCode::kInvalidArgument)
        << path;
  }
}

// Writers racing to create one immutable object with different bytes: exactly
// one wins, every other gets kConflict, and the object holds the winner's
// bytes.
TEST_P(TileStoreContractTest, RacingImmutableWritersOneWins) {
  constexpr int kThreads = 8;
  for (int round = 0; round < 20; round++) {
    std::string path = "tile/0/" + std::string(round < 10 ? "00" : "0") +
                       std::to_string(round);
    std::atomic<int> wins{0};
    std::vector<Status> results(kThreads);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; t++) {
      threads.emplace_back([&, t] {
        results[t] =
            store_->PutImmutable(path, Filled(4096, static_cast<uint8_t>(t)));
      });
    }
    for (std::thread& t : threads) t.join();
    int winner = -1;
    for (int t = 0; t < kThreads; t++) {
      if (results[t].ok()) {
        wins++;
        winner = t;
      } else {
        EXPECT_EQ(results[t].error().code(), ErrorCode::kConflict);
      }
    }
    ASSERT_EQ(wins.load(), 1) << path;
    EXPECT_EQ(*store_->Get(path), Filled(4096, static_cast<uint8_t>(winner)));
  }
}

TEST_P(TileStoreContractTest, RacingIdenticalWritersAllSucceed) {
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < 8; t++) {
    threads.emplace_back([&] {
      if (store_->PutImmutable("tile/entries/x005/000", Filled(10000, 7)).ok())
        ok++;
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(ok.load(), 8);
}

// storage.h: "a reader sees either nothing or all of [the bytes]"; a mutable
// object is replaced atomically. Readers poll while a writer alternates
// between two large versions.
TEST_P(TileStoreContractTest, ReadersNeverSeePartialContent) {
  constexpr size_t kSize = 256 * 1024;
  const std::vector<uint8_t> a = Filled(kSize, 'a');
  const std::vector<uint8_t> b = Filled(kSize + 1, 'b');
  std::atomic<bool> done{false};
  std::atomic<int> bad{0}, reads{0};
  auto reader = [&](const std::string& path, bool may_be_absent) {
    while (!done) {
      auto got = store_->Get(path);
      if (!got.ok()) {
        if (!may_be_absent || got.error().code() != ErrorCode::kNotFound) bad++;
        continue;
      }
      reads++;
      if (*got != a && *got != b) bad++;
    }
  };
  ASSERT_TRUE(store_->PutMutable("checkpoint", a).ok());
  std::vector<std::thread> readers;
  readers.emplace_back(reader, "checkpoint", false);
  readers.emplace_back(reader, "checkpoint", false);
  readers.emplace_back(reader, "tile/0/x001/000", true);
  // Until the readers have had a fair chance to catch a write half done.
  for (int i = 0; i < 40 || (reads < 200 && i < 100000); i++) {
    ASSERT_TRUE(store_->PutMutable("checkpoint", i % 2 ? a : b).ok());
  }
  ASSERT_TRUE(store_->PutImmutable("tile/0/x001/000", b).ok());
  for (int i = 0; i < 10; i++) {
    ASSERT_TRUE(store_->PutMutable("checkpoint", i % 2 ? a : b).ok());
  }
  done = true;
  for (std::thread& t : readers) t.join();
  EXPECT_EQ(bad.load(), 0);
  EXPECT_GT(reads.load(), 0);
}

// DirectoryTileStore: the directory is the log's URL space.

class DirectoryTileStoreTest : public ::testing::Test {
 protected:
  std::unique_ptr<DirectoryTileStore> Open() {
    auto opened = DirectoryTileStore::Open(root_);
    EXPECT_TRUE(opened.ok()) << opened.error().ToString();
    return opened.ok() ? std::move(*opened) : nullptr;
  }

  // Every regular file under the root, relative to it.
  std::set<std::string> Files() const {
    std::set<std::string> files;
    for (const auto& e : std::filesystem::recursive_directory_iterator(root_)) {
      if (e.is_regular_file()) {
        files.insert(std::filesystem::relative(e.path(), root_).string());
      }
    }
    return files;
  }

  TempDir dir_;
  std::string root_ = dir_.Sub("a/b/log");
};

TEST_F(DirectoryTileStoreTest, PathsMapToFiles) {
  auto store = Open();
  ASSERT_TRUE(store->PutImmutable("tile/0/x001/234", Bytes("t")).ok());
  ASSERT_TRUE(store->PutImmutable("tile/0/x001/234.p/9", Bytes("p")).ok());
  ASSERT_TRUE(store->PutImmutable("tile/0/001", Bytes("u")).ok());
  ASSERT_TRUE(store->PutImmutable("tile/entries/000.p/3", Bytes("e")).ok());
  ASSERT_TRUE(store->PutMutable("checkpoint", Bytes("c")).ok());
  ASSERT_TRUE(store->PutMutable("landmarks", Bytes("l")).ok());
  // No temporary file is left behind.
  EXPECT_EQ(Files(), (std::set<std::string>{
                         "tile/0/x001/234", "tile/0/x001/234.p/9", "tile/0/001",
                         "tile/entries/000.p/3", "checkpoint", "landmarks"}));
  std::ifstream in(root_ + "/tile/0/x001/234.p/9", std::ios::binary);
  std::string contents((std::istreambuf_iterator<char>(in)),
                       std::istreambuf_iterator<char>());
  EXPECT_EQ(contents, "p");
  // Readable by a static web server running as another user.
  struct stat st;
  ASSERT_EQ(::stat((root_ + "/tile/0/001").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644u);
}

TEST_F(DirectoryTileStoreTest, ObjectsSurviveReopening) {
  {
    auto store = Open();
    ASSERT_TRUE(store->PutImmutable("tile/1/000.p/7", Filled(224, 1)).ok());
    ASSERT_TRUE(store->PutMutable("checkpoint", Bytes("size 1792")).ok());
  }
  auto store = Open();
  EXPECT_EQ(*store->Get("tile/1/000.p/7"), Filled(224, 1));
  EXPECT_EQ(*store->Get("checkpoint"), Bytes("size 1792"));
  EXPECT_TRUE(store->PutImmutable("tile/1/000.p/7", Filled(224, 1)).ok());
  EXPECT_EQ(
      store->PutImmutable("tile/1/000.p/7", Filled(224, 2)).error().code(),
      ErrorCode::kConflict);
}

// A file that some other writer left (a crashed run, an operator's copy) is
// compared, never overwritten.
TEST_F(DirectoryTileStoreTest, ExistingFileIsCompared) {
  auto store = Open();
  std::filesystem::create_directories(root_ + "/tile/2/000.p");
  std::ofstream(root_ + "/tile/2/000.p/1", std::ios::binary) << "abc";
  EXPECT_TRUE(store->PutImmutable("tile/2/000.p/1", Bytes("abc")).ok());
  EXPECT_EQ(store->PutImmutable("tile/2/000.p/1", Bytes("abd")).error().code(),
            ErrorCode::kConflict);
  EXPECT_EQ(*store->Get("tile/2/000.p/1"), Bytes("abc"));
}

TEST_F(DirectoryTileStoreTest, TwoStoresOnOneDirectory) {
  auto first = Open();
  auto second = Open();
  ASSERT_TRUE(first->PutImmutable("tile/0/000", Filled(8192, 3)).ok());
  EXPECT_EQ(*second->Get("tile/0/000"), Filled(8192, 3));
  EXPECT_EQ(second->PutImmutable("tile/0/000", Filled(8192, 4)).error().code(),
            ErrorCode::kConflict);
}

TEST_F(DirectoryTileStoreTest, OpenFailsOnAFile) {
  std::ofstream(dir_.Sub("file")) << "not a directory";
  auto opened = DirectoryTileStore::Open(dir_.Sub("file"));
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error().code(), ErrorCode::kIo);
  EXPECT_EQ(DirectoryTileStore::Open("").error().code(),
            ErrorCode::kInvalidArgument);
}

TEST_F(DirectoryTileStoreTest, OpenStripsTrailingSlashes) {
  auto opened = DirectoryTileStore::Open(root_ + "//");
  ASSERT_TRUE(opened.ok());
  EXPECT_EQ((*opened)->root(), root_);
}

// A writer killed between mkostemp and rename leaves ".<name>.tmp-XXXXXX";
// the CA removes such files at startup, and nothing else.
TEST_F(DirectoryTileStoreTest, RemovesLeftoverTemporaryFiles) {
  auto store = Open();
  ASSERT_TRUE(store->PutImmutable("tile/0/000.p/3", Bytes("abc")).ok());
  ASSERT_TRUE(store->PutMutable("checkpoint", Bytes("c")).ok());
  std::filesystem::create_directories(root_ + "/tile/entries");
  std::ofstream(root_ + "/tile/entries/.000.p.tmp-a1B2c3") << "partial";
  std::ofstream(root_ + "/.checkpoint.tmp-ZZZZZZ") << "partial";
  std::ofstream(root_ + "/tile/0/.keep") << "an operator's file";
  auto removed = store->RemoveTemporaryFiles();
  ASSERT_TRUE(removed.ok()) << removed.error().message();
  EXPECT_EQ(*removed, 2u);
  EXPECT_EQ(Files(), (std::set<std::string>{"tile/0/000.p/3", "checkpoint",
                                            "tile/0/.keep"}));
  EXPECT_EQ(*store->RemoveTemporaryFiles(), 0u);
}

TEST_F(DirectoryTileStoreTest, WriteFailureIsAnIoError) {
  auto store = Open();
  // A file where a directory must go.
  std::filesystem::create_directories(root_ + "/tile");
  std::ofstream(root_ + "/tile/5") << "in the way";
  Status s = store->PutImmutable("tile/5/000", Bytes("x"));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code(), ErrorCode::kIo);
  EXPECT_EQ(store->Get("tile/5/000").error().code(), ErrorCode::kIo);
}

// MemoryTileStore: fault injection and listing.

TEST(MemoryTileStoreTest, FaultHookSeesEveryOperation) {
  std::vector<std::string> seen;
  MemoryTileStore store([&](std::string_view op) {
    seen.emplace_back(op);
    return OkStatus();
  });
  ASSERT_TRUE(store.PutImmutable("tile/0/000.p/1", Bytes("x")).ok());
  ASSERT_TRUE(store.PutMutable("checkpoint", Bytes("c")).ok());
  ASSERT_TRUE(store.Get("tile/0/000.p/1").ok());
  EXPECT_EQ(seen, (std::vector<std::string>{"PutImmutable tile/0/000.p/1",
                                            "PutMutable checkpoint",
                                            "Get tile/0/000.p/1"}));
}

TEST(MemoryTileStoreTest, FailedOperationHasNoEffect) {
  MemoryTileStore store;
  ASSERT_TRUE(store.PutMutable("checkpoint", Bytes("old")).ok());
  store.SetFaultHook([](std::string_view op) -> Status {
    if (op.starts_with("Put")) return Error(ErrorCode::kIo, "disk full");
    return OkStatus();
  });
  Status s = store.PutImmutable("tile/0/000", Bytes("x"));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code(), ErrorCode::kIo);
  EXPECT_EQ(store.PutMutable("checkpoint", Bytes("new")).error().code(),
            ErrorCode::kIo);
  EXPECT_EQ(store.Paths(), std::vector<std::string>{"checkpoint"});
  EXPECT_EQ(*store.Get("checkpoint"), Bytes("old"));

  store.SetFaultHook([](std::string_view op) -> Status {
    if (op == "Get checkpoint") return Error(ErrorCode::kUnavailable, "slow");
    return OkStatus();
  });
  EXPECT_EQ(store.Get("checkpoint").error().code(), ErrorCode::kUnavailable);
  store.SetFaultHook(nullptr);
  EXPECT_EQ(*store.Get("checkpoint"), Bytes("old"));
}

TEST(MemoryTileStoreTest, HookMayCallBackIntoTheStore) {
  MemoryTileStore store;
  ASSERT_TRUE(store.PutMutable("landmarks", Bytes("l")).ok());
  int gets = 0;
  store.SetFaultHook([&](std::string_view op) -> Status {
    if (op.starts_with("Put")) {
      MTC_RETURN_IF_ERROR(store.Get("landmarks"));
    } else {
      gets++;
    }
    return OkStatus();
  });
  EXPECT_TRUE(store.PutImmutable("tile/0/000", Bytes("x")).ok());
  EXPECT_EQ(gets, 1);
}

TEST(MemoryTileStoreTest, PathsAreSortedAndRemoveWorks) {
  MemoryTileStore store;
  for (const char* path :
       {"tile/entries/000", "checkpoint", "tile/0/000", "tile/0/001.p/3"}) {
    ASSERT_TRUE(std::string_view(path) == "checkpoint"
                    ? store.PutMutable(path, Bytes(path)).ok()
                    : store.PutImmutable(path, Bytes(path)).ok());
  }
  EXPECT_EQ(store.Paths(),
            (std::vector<std::string>{"checkpoint", "tile/0/000",
                                      "tile/0/001.p/3", "tile/entries/000"}));
  EXPECT_TRUE(store.Remove("tile/0/000"));
  EXPECT_FALSE(store.Remove("tile/0/000"));
  EXPECT_EQ(store.Get("tile/0/000").error().code(), ErrorCode::kNotFound);
}

}  // namespace
}  // namespace mtc::log
