// The throwaway PostgreSQL cluster of the pg_test binary: started once by a
// gtest Environment before the first test and stopped after the last, with
// scripts/pg-cluster (PostgreSQL 15 from Debian, unix socket + loopback
// port, fsync on). Each test gets a schema of its own, so tests share the
// cluster but never see each other's tables.
#ifndef MTC_TESTS_PG_PG_CLUSTER_TESTUTIL_H_
#define MTC_TESTS_PG_PG_CLUSTER_TESTUTIL_H_

#include <string>

namespace mtc::pg_testing {

// key=value connection string of the cluster's unix socket, database
// "postgres", superuser "mtc".
const std::string& ClusterConninfo();
// The same server as a postgresql:// URI over 127.0.0.1.
const std::string& ClusterUri();

// Creates a new, empty schema and returns a connection string whose
// search_path is that schema.
std::string FreshSchemaConninfo();

// Crashes the server (immediate shutdown: no checkpoint) and starts it
// again on the same addresses; it recovers from its WAL. Sessions open
// before are lost.
void CrashAndRestartCluster();

// Runs one SQL statement as the superuser (test set-up, killing sessions).
void RunSql(const std::string& sql);

}  // namespace mtc::pg_testing

#endif  // MTC_TESTS_PG_PG_CLUSTER_TESTUTIL_H_
