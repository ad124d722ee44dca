// SequencerLease (acme/sequencer_lease.h): two holders compete for the
// sequencer role on one PostgreSQL server; exactly one wins; killing the
// winner's session (pg_terminate_backend) hands the role to the other, and
// the old winner finds out.
#include "acme/sequencer_lease.h"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "pg_cluster_testutil.h"

namespace mtc::acme {
namespace {

using pg_testing::ClusterConninfo;
using pg_testing::ClusterUri;

std::unique_ptr<SequencerLease> OpenLease(const std::string& conninfo,
                                          const std::string& role) {
  auto lease = SequencerLease::Open(conninfo, role);
  EXPECT_TRUE(lease.ok()) << lease.error().ToString();
  return lease.ok() ? std::move(*lease) : nullptr;
}

bool Value(const Result<bool>& r) {
  EXPECT_TRUE(r.ok()) << r.error().ToString();
  return r.ok() && *r;
}

TEST(SequencerLeaseTest, OneHolderAndFailoverWhenItsSessionDies) {
  // One holder over the unix socket, one over TCP: two processes' view.
  auto a = OpenLease(ClusterConninfo(), "sequencer 32473.1");
  auto b = OpenLease(ClusterUri(), "sequencer 32473.1");
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(a->key(), b->key());
  EXPECT_FALSE(Value(a->Held()));

  EXPECT_TRUE(Value(a->TryAcquire()));
  EXPECT_FALSE(Value(b->TryAcquire()));
  EXPECT_TRUE(Value(a->TryAcquire()));  // holding it again is still one hold
  EXPECT_TRUE(Value(a->Held()));
  EXPECT_FALSE(Value(b->Held()));

  // With a timeout, pg_terminate_backend waits until the session's process
  // is gone (and its locks with it).
  pg_testing::RunSql("SELECT pg_terminate_backend(" +
                     std::to_string(a->backend_pid()) + ", 10000)");
  // The old holder learns it lost the role...
  auto held = a->Held();
  ASSERT_FALSE(held.ok());
  EXPECT_EQ(held.error().code(), ErrorCode::kUnavailable);
  // ...and the other takes it.
  EXPECT_TRUE(Value(b->TryAcquire()));
  EXPECT_TRUE(Value(b->Held()));
  // The old holder reconnects as a newcomer and loses.
  EXPECT_FALSE(Value(a->TryAcquire()));
  EXPECT_FALSE(Value(a->Held()));

  // A holder whose session died calls TryAcquire without asking Held
  // first: it reconnects and, with nobody else holding the role, wins again.
  pg_testing::RunSql("SELECT pg_terminate_backend(" +
                     std::to_string(b->backend_pid()) + ", 10000)");
  EXPECT_TRUE(Value(b->TryAcquire()));
  EXPECT_TRUE(Value(b->Held()));
  EXPECT_FALSE(Value(a->TryAcquire()));

  // Releasing (or closing) hands it over too.
  ASSERT_TRUE(b->Release().ok());
  EXPECT_FALSE(Value(b->Held()));
  EXPECT_EQ(b->Release().error().code(), ErrorCode::kConflict);
  EXPECT_TRUE(Value(a->TryAcquire()));
  // Closing the session ends its server process soon after, not at once:
  // the other keeps trying, as a standby would, for a bounded time.
  a.reset();
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  bool taken = false;
  while (!taken && std::chrono::steady_clock::now() < deadline) {
    taken = Value(b->TryAcquire());
    if (!taken) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_TRUE(taken);
}

TEST(SequencerLeaseTest, RolesAreIndependent) {
  auto a = OpenLease(ClusterConninfo(), "sequencer 1.1");
  auto b = OpenLease(ClusterConninfo(), "sequencer 1.2");
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  EXPECT_NE(a->key(), b->key());
  EXPECT_TRUE(Value(a->TryAcquire()));
  EXPECT_TRUE(Value(b->TryAcquire()));
}

}  // namespace
}  // namespace mtc::acme
