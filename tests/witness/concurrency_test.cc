// Concurrent add-checkpoint requests (spec/c2sp-tlog-witness.md
// §add-checkpoint: "checking the old size against the latest checkpoint and
// persisting the new checkpoint must be performed atomically"): from one old
// size, exactly one request advances the witness, whether the requests share
// a Witness, share a state file through several Witness objects, or come
// from several processes.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <latch>
#include <string>
#include <thread>
#include <vector>

#include "witness/protocol.h"
#include "witness/witness.h"
#include "witness/witness_testutil.h"

namespace mtc::witness {
namespace {

using testing::kOrigin;
using testing::TestLog;

class ConcurrencyTest : public testing::WitnessTestBase {
 protected:
  // One add-checkpoint per body, each on its own thread and on
  // witnesses[i % witnesses.size()], all released at once.
  static std::vector<Response> RunConcurrently(
      const std::vector<Witness*>& witnesses,
      const std::vector<std::string>& bodies) {
    std::latch start(static_cast<std::ptrdiff_t>(bodies.size()));
    std::vector<Response> out(bodies.size());
    std::vector<std::thread> threads;
    for (size_t i = 0; i < bodies.size(); i++) {
      threads.emplace_back([&, i] {
        start.arrive_and_wait();
        out[i] =
            witnesses[i % witnesses.size()]->HandleAddCheckpoint(bodies[i]);
      });
    }
    for (std::thread& t : threads) t.join();
    return out;
  }

  // Racing requests from `old_size` to each of `sizes`: checks that exactly
  // one was cosigned and every other got 409 with the winner's size, and
  // returns the winner's size.
  uint64_t ExpectOneWinner(TestLog& log, const std::vector<Witness*>& witnesses,
                           uint64_t old_size,
                           const std::vector<uint64_t>& sizes) {
    std::vector<std::string> bodies;
    for (uint64_t size : sizes) {
      bodies.push_back(log.AddCheckpointBody(old_size, size));
    }
    std::vector<Response> responses = RunConcurrently(witnesses, bodies);
    std::vector<size_t> winners;
    for (size_t i = 0; i < responses.size(); i++) {
      if (responses[i].status == 200) winners.push_back(i);
    }
    EXPECT_EQ(winners.size(), 1u) << "from old size " << old_size;
    if (winners.size() != 1) return old_size;
    uint64_t winner = sizes[winners[0]];
    ExpectCosigned(responses[winners[0]], log.CheckpointAt(winner));
    for (size_t i = 0; i < responses.size(); i++) {
      if (i == winners[0]) continue;
      EXPECT_EQ(responses[i].status, 409) << responses[i].body;
      EXPECT_EQ(responses[i].body, FormatTreeSizeBody(winner));
    }
    for (Witness* w : witnesses) {
      EXPECT_EQ((*w->GetState(kOrigin))->tree_size, winner);
    }
    return winner;
  }
};

// The race of §add-checkpoint: requests with sizes N and N+K from one old
// size must not both be cosigned, and the record must not roll back.
TEST_F(ConcurrencyTest, OneAdvancePerOldSizeOnOneWitness) {
  TestLog log(kOrigin);
  auto w = OpenWitness({&log});
  uint64_t size = 0;
  for (uint64_t round = 0; round < 5; round++) {
    std::vector<uint64_t> sizes;
    for (uint64_t i = 0; i < 6; i++) sizes.push_back(size + 1 + 3 * i + round);
    size = ExpectOneWinner(log, {w.get()}, size, sizes);
  }
  EXPECT_GT(size, 0u);
}

// Several Witness objects over one state file (as several serving processes
// would be): the SQLite transaction, not a mutex, decides.
TEST_F(ConcurrencyTest, OneAdvancePerOldSizeAcrossWitnessObjects) {
  TestLog log(kOrigin);
  auto w1 = OpenWitness({&log});
  auto w2 = OpenWitness({&log});
  auto w3 = OpenWitness({&log});
  uint64_t size = 0;
  for (uint64_t round = 0; round < 5; round++) {
    std::vector<uint64_t> sizes;
    for (uint64_t i = 0; i < 6; i++) sizes.push_back(size + 2 + 5 * i + round);
    size = ExpectOneWinner(log, {w1.get(), w2.get(), w3.get()}, size, sizes);
  }
}

// Identical requests racing: one cosigns, the rest see the new size.
TEST_F(ConcurrencyTest, IdenticalRequestsRacing) {
  TestLog log(kOrigin);
  auto w1 = OpenWitness({&log});
  auto w2 = OpenWitness({&log});
  std::vector<Response> responses =
      RunConcurrently({w1.get(), w2.get()},
                      std::vector<std::string>(6, log.AddCheckpointBody(0, 9)));
  int ok = 0;
  for (const Response& r : responses) {
    if (r.status == 200) {
      ok++;
    } else {
      EXPECT_EQ(r.status, 409);
      EXPECT_EQ(r.body, "9\n");
    }
  }
  EXPECT_EQ(ok, 1);
}

// Separate processes over one state file, each holding its own Witness,
// released together once all are ready: in each round exactly one exits
// reporting 200 and the others 409.
TEST_F(ConcurrencyTest, OneAdvancePerOldSizeAcrossProcesses) {
  TestLog log(kOrigin);
  constexpr int kProcesses = 4;
  constexpr int kRounds = 4;
  uint64_t size = 0;
  for (int round = 0; round < kRounds; round++) {
    std::vector<std::string> bodies;
    for (int i = 0; i < kProcesses; i++) {
      bodies.push_back(log.AddCheckpointBody(size, size + 1 + i));
    }
    int ready[2], release[2];
    ASSERT_EQ(pipe(ready), 0);
    ASSERT_EQ(pipe(release), 0);
    std::vector<pid_t> children;
    for (int i = 0; i < kProcesses; i++) {
      pid_t pid = fork();
      ASSERT_GE(pid, 0);
      if (pid == 0) {
        // The child: no gtest assertions, and _exit so that nothing of the
        // parent's runs twice.
        close(ready[0]);
        close(release[1]);
        auto w = Witness::Open(Options({&log}));
        // Reports readiness either way, so that the parent never waits for
        // a child that is gone.
        char c = w.ok() ? 'r' : 'f';
        (void)!write(ready[1], &c, 1);
        if (!w.ok()) {
          fprintf(stderr, "child: %s\n", w.error().ToString().c_str());
          _exit(3);
        }
        (void)!read(release[0], &c, 1);  // returns at EOF: the release
        int status = (*w)->HandleAddCheckpoint(bodies[i]).status;
        _exit(status == 200 ? 0 : status == 409 ? 1 : 2);
      }
      children.push_back(pid);
    }
    close(ready[1]);
    close(release[0]);
    char c;
    for (int i = 0; i < kProcesses; i++) {
      ASSERT_EQ(read(ready[0], &c, 1), 1);
    }
    close(ready[0]);
    close(release[1]);
    int cosigned = 0, conflicts = 0;
    for (pid_t pid : children) {
      int status = 0;
      ASSERT_EQ(waitpid(pid, &status, 0), pid);
      ASSERT_TRUE(WIFEXITED(status));
      if (WEXITSTATUS(status) == 0) cosigned++;
      if (WEXITSTATUS(status) == 1) conflicts++;
    }
    EXPECT_EQ(cosigned, 1) << "round " << round;
    EXPECT_EQ(conflicts, kProcesses - 1) << "round " << round;
    auto w = OpenWitness({&log});
    uint64_t next = (*w->GetState(kOrigin))->tree_size;
    EXPECT_GT(next, size);
    EXPECT_LE(next, size + kProcesses);
    size = next;
  }
}

}  // namespace
}  // namespace mtc::witness
